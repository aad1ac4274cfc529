import {
  BIB_IMAGE_TYPES,
  ConversionError,
  ConverterStageTracker,
  redactText,
  throwIfAborted,
  type BibImageType,
  type ConverterStage,
} from '@imagebuild/core';
import type { EngineConnection } from '../connection/engine-connection.js';
import { LogTail } from '../stream/log-tail.js';
import { createContainer, followLogs, startContainer, waitContainer } from './container-run.js';
import { putIntoContainer } from './converter-inputs.js';
import { SECRETS_TMPFS, converterCommand } from './converter-script.js';
import { readSmallFile } from './output-archive.js';

export interface ConvertRequest {
  converterImage: string;
  jobId: string;
  pinned: string;
  target: string;
  tlsVerify: boolean;
  flags: readonly string[];
  bibType: string;
  /** `volume:path` binds (output, storage, caches): engine volumes, never host directories. */
  binds: readonly string[];
  /** Credentials, CA and config as a tar put into the created container (archive API). */
  inputs: Buffer | undefined;
  /** Called with the container's id as soon as it exists: the caller removes it in every outcome. */
  onCreated: (id: string) => void;
  onLog: (line: string) => void;
  onStage: (stage: ConverterStage) => void;
  signal: AbortSignal;
}

/**
 * Runs the converter container to its end: privileged, host network, unconfined label, `-w /output`,
 * a tmpfs at `/run/containers` for the credentials; its lines go to `onLog` (redacted) and its
 * osbuild stages to `onStage`. Throws `ConversionError` on a non-zero exit. The container is left
 * stopped, for its output to be read; the caller removes it (`onCreated`).
 */
export async function runConverter(conn: EngineConnection, r: ConvertRequest): Promise<string> {
  const tail = new LogTail(30);
  const tracker = new ConverterStageTracker();
  const id = await createContainer(
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
      tmpfs: { [SECRETS_TMPFS]: 'rw,mode=0700' },
    },
    r.signal,
  );
  r.onCreated(id);
  if (r.inputs) await putIntoContainer(conn, id, r.inputs, r.signal);
  await startContainer(conn, id, r.signal);
  // Lines are handled in order on one chain: the first osbuild line waits for the manifest (read
  // out of the running container) so that every stage carries its count.
  let manifestRead = false;
  let manifestTries = 0;
  let chain = Promise.resolve();
  const handle = async (line: string): Promise<void> => {
    const clean = redactText(line);
    tail.add(clean);
    r.onLog(clean);
    if (!manifestRead && manifestTries < 5 && (clean.startsWith('Pipeline ') || clean.startsWith('org.osbuild.'))) {
      // the file may still be being written when the first line arrives: tried again on the next line
      manifestTries++;
      manifestRead = await useManifest(tracker, conn, id, r.bibType, r.signal);
    }
    const stage = tracker.line(clean);
    if (stage) r.onStage(stage);
  };
  await followLogs(conn, id, (line) => (chain = chain.then(() => handle(line))), r.signal);
  await chain;
  const code = await waitContainer(conn, id, r.signal);
  throwIfAborted(r.signal);
  if (code !== 0) {
    const last = tail.lines.filter((l) => l.trim() !== '').at(-1) ?? 'no output';
    throw new ConversionError(`converter exited with code ${code}: ${last}`, { exitCode: code, logTail: tail.lines });
  }
  return id;
}

/** The manifest the converter saved before running osbuild (`manifest-<type>.json`), for the stage count. */
async function useManifest(
  tracker: ConverterStageTracker,
  conn: EngineConnection,
  id: string,
  bibType: string,
  signal: AbortSignal,
): Promise<boolean> {
  try {
    const text = await readSmallFile(conn, id, `/output/manifest-${bibType}.json`, signal);
    if (text === undefined) return false;
    const exportName = BIB_IMAGE_TYPES[bibType as BibImageType]?.export;
    if (exportName) tracker.useManifest(JSON.parse(text), [exportName]);
    return true;
  } catch {
    // no manifest (a custom converter) or not yet complete: stages are reported without a count
    return false;
  }
}
