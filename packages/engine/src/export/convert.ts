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
import { sleep } from '@imagebuild/core/retry';
import { createContainer, exitStatusWhenStopped, followLogs, startContainer, waitContainer } from './container-run.js';
import { type ConverterHandOver, putIntoContainer } from './converter-inputs.js';
import { watchExitFile } from './local-exit.js';
import { SECRETS_TMPFS, converterCommand } from './converter-script.js';
import { readSmallFile } from './output-archive.js';

/** How long the engine's wait may lag behind the end of the log stream before inspect is asked. */
const WAIT_GRACE_MS = 2000;
/** How long the log stream may go on after the exit status is known. */
const LOG_GRACE_MS = 10_000;
const never = new Promise<never>(() => undefined);

export interface ConvertRequest {
  converterImage: string;
  jobId: string;
  pinned: string;
  target: string;
  tlsVerify: boolean;
  /** Written by the script to the output volume (see `MARKER_FILE`). */
  marker: string;
  flags: readonly string[];
  bibType: string;
  /** `volume:path` binds (output, storage, caches): engine volumes, never host directories. */
  binds: readonly string[];
  /** What the script receives: public inputs as arguments, the rest as a tar (archive API). */
  inputs: ConverterHandOver;
  /** The output volume's mount point when this host can read it (a local engine): the end is seen there. */
  outputDir?: string | undefined;
  /** Registry host[:port] the image is pulled from (the CA's `certs.d` directory). */
  registry: string;
  /** Called with the container's id as soon as it exists: the caller removes it in every outcome. */
  onCreated: (id: string) => void;
  onLog: (line: string) => void;
  onStage: (stage: ConverterStage) => void;
  signal: AbortSignal;
}

/**
 * Runs the converter container to its end: privileged, host network, unconfined label, `-w /output`,
 * a tmpfs at `/run/containers` for the credentials; its lines go to `onLog` (redacted) and its
 * osbuild stages to `onStage`. Throws `ConversionError` on a non-zero exit. Resolves as the container
 * exits with 0, with `logs` settling when its last line was handled. The container is left stopped,
 * for its output to be read; the caller removes it (`onCreated`).
 */
export async function runConverter(
  conn: EngineConnection,
  r: ConvertRequest,
): Promise<{ id: string; logs: Promise<void>; stopped: Promise<unknown> }> {
  const tail = new LogTail(30);
  const tracker = new ConverterStageTracker();
  const id = await createContainer(conn, {
    image: r.converterImage,
    ...converterCommand({
      pinned: r.pinned,
      target: r.target,
      tlsVerify: r.tlsVerify,
      marker: r.marker,
      registry: r.registry,
      ca: r.inputs.caArg,
      config: r.inputs.configArg,
      flags: r.flags,
    }),
    jobId: r.jobId,
    labels: { 'io.imagebuild.role': 'converter' },
    privileged: true,
    networkMode: 'host',
    securityOpt: ['label=type:unconfined_t'],
    workingDir: '/output',
    binds: [...r.binds],
    tmpfs: { [SECRETS_TMPFS]: 'rw,mode=0700' },
  });
  r.onCreated(id);
  throwIfAborted(r.signal);
  if (r.inputs.tar) await putIntoContainer(conn, id, r.inputs.tar, r.signal);
  const settled = new AbortController();
  const watch = AbortSignal.any([r.signal, settled.signal]);
  // watched before the start: the file cannot come and go unseen
  const localExit = r.outputDir ? watchExitFile(r.outputDir, r.marker, watch) : never;
  // the watcher and the inspect fallback end with the run, however it ends
  await startContainer(conn, id, r.signal).catch((err: unknown) => {
    settled.abort();
    throw err;
  });
  // Lines are handled in order on one chain: the first osbuild line waits for the manifest (read
  // out of the running container) so that every stage carries its count.
  let manifestRead = false;
  let manifestTries = 0;
  let chain = Promise.resolve();
  let announce: (code: number) => void = () => undefined;
  const announced = new Promise<number>((resolve) => {
    announce = resolve;
  });
  const follow = new AbortController();
  const exitLine = new RegExp(`^imagebuild-exit ${r.marker} (\\d{1,3})$`);
  const handle = async (line: string): Promise<void> => {
    const end = exitLine.exec(line);
    if (end) {
      // the last line: the log is complete
      announce(Number(end[1]));
      follow.abort();
      return;
    }
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
  const received = { stdout: 0, stderr: 0 };
  let completed = false;
  // The exit status is asked for alongside the log: the engine answers it as the container dies,
  // while the log stream may take a while longer to end (podman: ~0.4 s); the caller starts reading
  // the output then, and awaits `logs` before its push phase.
  const logs = followLogs(
    conn,
    id,
    (line, stream) => {
      if (completed) return;
      received[stream]++;
      chain = chain.then(() => handle(line));
    },
    AbortSignal.any([r.signal, follow.signal]),
  )
    .catch((err: unknown) => {
      if (!follow.signal.aborted || r.signal.aborted) throw err;
    })
    .then(() => chain);
  logs.catch(() => undefined);
  // The end seen in the output volume: the log is read whole at once (it holds the exit line once
  // the converter's last lines are in it), the lines the stream has not handed over yet are handled
  // in order, and the stream is stopped. Any failure leaves the stream to finish the log.
  const completeLog = async (): Promise<void> => {
    for (let tries = 0; tries < 50 && !follow.signal.aborted; tries++) {
      const all = { stdout: [] as string[], stderr: [] as string[] };
      await followLogs(conn, id, (line, stream) => all[stream].push(line), r.signal, false);
      if (follow.signal.aborted) return;
      if (all.stdout.some((l) => exitLine.test(l))) {
        completed = true;
        for (const stream of ['stdout', 'stderr'] as const)
          for (const line of all[stream].slice(received[stream])) chain = chain.then(() => handle(line));
        follow.abort();
        return;
      }
      await sleep(20, r.signal);
    }
  };
  localExit
    .then((code) => {
      announce(code);
      return completeLog();
    })
    // the stream and the engine's wait still end the run
    .catch(() => undefined);
  const waited = waitContainer(conn, id, r.signal);
  waited.catch(() => undefined);
  // An ended log stream means a stopped container: its status by inspect, should the wait not answer
  // within a grace (seen once in CI on podman 4.3: a wait that never answered).
  const inspected = logs.then(
    () => sleep(WAIT_GRACE_MS, watch).then(() => exitStatusWhenStopped(conn, id, watch)),
    () => never,
  );
  inspected.catch(() => undefined);
  const code = await Promise.race([announced, waited, inspected.catch(() => never)]).finally(() => settled.abort());
  throwIfAborted(r.signal);
  // the stream ends shortly after the container (podman: ~0.4 s); bounded should it not
  const stopFollowing = setTimeout(() => follow.abort(), LOG_GRACE_MS);
  stopFollowing.unref();
  logs.finally(() => clearTimeout(stopFollowing)).catch(() => undefined);
  if (code !== 0) {
    await logs;
    const last = tail.lines.filter((l) => l.trim() !== '').at(-1) ?? 'no output';
    throw new ConversionError(`converter exited with code ${code}: ${last}`, { exitCode: code, logTail: tail.lines });
  }
  // the engine saw the container stop (the end may be known sooner, from the file or the log);
  // inspect too, should the wait not answer
  const stopped = Promise.race([waited, exitStatusWhenStopped(conn, id, r.signal)]);
  stopped.catch(() => undefined);
  return { id, logs, stopped };
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
