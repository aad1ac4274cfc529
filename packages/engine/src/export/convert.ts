import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ConversionError, redactText } from '@imagebuild/core/errors';
import { throwIfAborted } from '@imagebuild/core/operation';
import {
  BIB_IMAGE_TYPES,
  ConverterStageTracker,
  type BibImageType,
  type ConverterStage,
} from '@imagebuild/core/runner';
import type { EngineConnection } from '../connection/engine-connection.js';
import { LogTail } from '../stream/log-tail.js';
import { createContainer, followLogs, removeContainer, startContainer } from './container-run.js';
import { EXIT_CODE_FILE, LOG_FILE, converterCommand } from './converter-script.js';

const MANIFEST_MAX = 64 * 1024 * 1024;
const LOG_REPLAY_MAX = 1024 * 1024;
const CLEANUP_TIMEOUT_MS = 10_000;

export interface ConvertRequest {
  converterImage: string;
  jobId: string;
  pinned: string;
  target: string;
  tlsVerify: boolean;
  flags: readonly string[];
  bibType: string;
  /** Host directory bound at /output (the container's working directory). */
  outputDir: string;
  binds: readonly string[];
  onLog: (line: string) => void;
  onStage: (stage: ConverterStage) => void;
  signal: AbortSignal;
}

/**
 * Runs the converter container to its end: privileged, host network, unconfined label, `-w /output`,
 * AutoRemove; its lines go to `onLog` (redacted) and its osbuild stages to `onStage`. Throws
 * `ConversionError` on a non-zero exit. The container is force-removed in every outcome.
 */
export async function runConverter(conn: EngineConnection, r: ConvertRequest): Promise<void> {
  const tail = new LogTail(30);
  const tracker = new ConverterStageTracker();
  let manifestRead = false;
  const onLine = (line: string): void => {
    const clean = redactText(line);
    tail.add(clean);
    r.onLog(clean);
    if (!manifestRead && (clean.startsWith('Pipeline ') || clean.startsWith('org.osbuild.'))) {
      // the file may still be being written when the first line arrives: tried again on the next line
      manifestRead = useManifest(tracker, r.outputDir, r.bibType);
    }
    const stage = tracker.line(clean);
    if (stage) r.onStage(stage);
  };
  let id: string | undefined;
  try {
    id = await createContainer(
      conn,
      {
        image: r.converterImage,
        ...converterCommand({ pinned: r.pinned, target: r.target, tlsVerify: r.tlsVerify, flags: r.flags }),
        jobId: r.jobId,
        labels: { 'io.imagebuild.role': 'converter' },
        privileged: true,
        networkMode: 'host',
        securityOpt: ['label=type:unconfined_t'],
        workingDir: '/output',
        binds: [...r.binds],
      },
      r.signal,
    );
    await startContainer(conn, id, r.signal);
    let streamed = 0;
    try {
      await followLogs(
        conn,
        id,
        (line) => {
          streamed++;
          onLine(line);
        },
        r.signal,
      );
      // podman can end the log stream of an auto-removed container before its last lines: the
      // converter's own copy has them (whole when under the replay limit)
      const copy = replayLog(join(r.outputDir, LOG_FILE));
      if (copy.length > streamed && !copy.truncated) for (const line of copy.slice(streamed)) onLine(line);
    } catch (err) {
      // AutoRemove: a converter that ended at once may be gone before its logs are asked for.
      if (r.signal.aborted || !exists(join(r.outputDir, EXIT_CODE_FILE))) throw err;
      for (const line of replayLog(join(r.outputDir, LOG_FILE))) onLine(line);
    }
    throwIfAborted(r.signal);
    const code = exitCode(r.outputDir);
    if (code !== 0) {
      const last = tail.lines.filter((l) => l.trim() !== '').at(-1) ?? 'no output';
      throw new ConversionError(
        code === undefined
          ? `converter ended without an exit status: ${last}`
          : `converter exited with code ${code}: ${last}`,
        { exitCode: code ?? -1, logTail: tail.lines },
      );
    }
  } finally {
    if (id) await removeContainer(conn, id, AbortSignal.timeout(CLEANUP_TIMEOUT_MS)).catch(() => undefined);
  }
}

function exists(file: string): boolean {
  try {
    statSync(file);
    return true;
  } catch {
    return false;
  }
}

function exitCode(dir: string): number | undefined {
  try {
    const text = readFileSync(join(dir, EXIT_CODE_FILE), 'utf8').trim();
    return /^\d{1,3}$/.test(text) ? Number(text) : undefined;
  } catch {
    return undefined;
  }
}

/** The last MiB of the converter's own copy of its output, as lines (`truncated` when it was longer). */
function replayLog(file: string): string[] & { truncated?: boolean } {
  try {
    const size = statSync(file).size;
    const n = Math.min(size, LOG_REPLAY_MAX);
    const buf = Buffer.alloc(n);
    const fd = openSync(file, 'r');
    try {
      readSync(fd, buf, 0, n, size - n);
    } finally {
      closeSync(fd);
    }
    const lines: string[] & { truncated?: boolean } = buf
      .toString('utf8')
      .split('\n')
      .filter((l, i, a) => i < a.length - 1 || l !== '');
    lines.truncated = size > n;
    return lines;
  } catch {
    return [];
  }
}

/** The manifest the converter saved before running osbuild (`manifest-<type>.json`), for the stage count. */
function useManifest(tracker: ConverterStageTracker, dir: string, bibType: string): boolean {
  try {
    const file = join(dir, `manifest-${bibType}.json`);
    if (statSync(file).size > MANIFEST_MAX) return true;
    const exportName = BIB_IMAGE_TYPES[bibType as BibImageType]?.export;
    if (exportName) tracker.useManifest(JSON.parse(readFileSync(file, 'utf8')), [exportName]);
    return true;
  } catch {
    // no manifest (a custom converter) or not yet complete: stages are reported without a count
    return false;
  }
}
