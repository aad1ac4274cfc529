import { EngineError } from '@imagebuild/core/errors';
import { sleep } from '@imagebuild/core/retry';
import { RUNNER_JOB_LABEL } from '@imagebuild/core/runner';
import type { EngineConnection } from '../connection/engine-connection.js';
import { createBound, removeContainer } from '../cleanup/job-resources.js';
import { demux } from '../stream/demux.js';
import { LineSplitter } from '../stream/line-splitter.js';

export interface ContainerSpec {
  image: string;
  entrypoint: string[];
  cmd: string[];
  jobId: string;
  binds: string[];
  privileged: boolean;
  networkMode: string;
  securityOpt: string[];
  /** The container's working directory (`-w`). */
  workingDir: string;
  /** Extra labels (the job label is always set). */
  labels?: Record<string, string> | undefined;
  /** tmpfs mounts: path → options. */
  tmpfs?: Record<string, string> | undefined;
}

/**
 * Creates the container (compat API: the same body works on podman and dockerd). It is kept after it
 * exits, for its exit status, its whole log and its output (read through the archive API); the caller
 * removes it in every outcome, and the builder's start-up sweep removes those of dead jobs by label.
 * Not aborted with the job (`createBound`): the caller records the id, then checks its signal.
 */
export async function createContainer(conn: EngineConnection, spec: ContainerSpec): Promise<string> {
  const res = await conn.json<{ Id: string }>({
    method: 'POST',
    path: conn.compat('/containers/create'),
    json: {
      Image: spec.image,
      Entrypoint: spec.entrypoint,
      Cmd: spec.cmd,
      Tty: false,
      AttachStdout: true,
      AttachStderr: true,
      WorkingDir: spec.workingDir,
      Labels: { ...spec.labels, [RUNNER_JOB_LABEL]: spec.jobId },
      HostConfig: {
        AutoRemove: false,
        Tmpfs: spec.tmpfs ?? {},
        Privileged: spec.privileged,
        NetworkMode: spec.networkMode,
        SecurityOpt: spec.securityOpt,
        Binds: spec.binds,
      },
    },
    ok: [201],
    signal: createBound(),
  });
  if (!res?.Id) throw new EngineError(conn.name, 'container create returned no id');
  return res.Id;
}

export async function startContainer(conn: EngineConnection, id: string, signal: AbortSignal): Promise<void> {
  await conn.json({ method: 'POST', path: conn.compat(`/containers/${id}/start`), ok: [204, 304], signal });
}

/**
 * The container's stdout+stderr as lines: followed until it exits, or (`follow: false`) what it
 * has logged so far.
 */
export async function followLogs(
  conn: EngineConnection,
  id: string,
  onLine: (line: string, stream: 'stdout' | 'stderr') => void,
  signal: AbortSignal,
  follow = true,
): Promise<void> {
  const res = await conn.stream({
    method: 'GET',
    path: conn.compat(`/containers/${id}/logs`),
    query: { follow, stdout: true, stderr: true },
    signal,
  });
  const out = new LineSplitter();
  const err = new LineSplitter();
  for await (const frame of demux(res)) {
    const stream = frame.stream === 'stderr' ? 'stderr' : 'stdout';
    for (const line of (stream === 'stderr' ? err : out).push(frame.text)) onLine(line, stream);
  }
  for (const line of out.flush()) onLine(line, 'stdout');
  for (const line of err.flush()) onLine(line, 'stderr');
}

/**
 * Waits for the container to stop; its exit status. On podman through libpod's wait, polling every
 * 250 ms as `podman wait` does: podman 4.3's compat wait polls so hard that the container it waits
 * for runs about twice as long (measured: 8.9 s against 3.8 s for the converter stand-in).
 */
export async function waitContainer(conn: EngineConnection, id: string, signal: AbortSignal): Promise<number> {
  if (conn.info.libpodApiVersion) {
    const code = await conn.json<number>({
      method: 'POST',
      path: conn.libpod(`/containers/${encodeURIComponent(id)}/wait`),
      query: { condition: 'stopped', interval: '250ms' },
      ok: [200],
      signal,
    });
    return typeof code === 'number' ? code : -1;
  }
  const res = await conn.json<{ StatusCode?: number }>({
    method: 'POST',
    path: conn.compat(`/containers/${id}/wait`),
    ok: [200],
    signal,
  });
  return typeof res?.StatusCode === 'number' ? res.StatusCode : -1;
}

/**
 * The exit status of a container once it has stopped, read by inspect every 250 ms: the fallback for
 * an engine wait that does not answer although the container's log stream has ended (seen in CI on
 * podman 4.3: a wait that hung for the test's 300 s after the converter died at once).
 */
export async function exitStatusWhenStopped(conn: EngineConnection, id: string, signal: AbortSignal): Promise<number> {
  for (;;) {
    const res = await conn.json<{ State?: { Status?: string; Running?: boolean; ExitCode?: number } }>({
      method: 'GET',
      path: conn.compat(`/containers/${id}/json`),
      ok: [200],
      signal,
    });
    const state = res?.State;
    if (state && !state.Running && state.Status !== 'created' && typeof state.ExitCode === 'number')
      return state.ExitCode;
    await sleep(250, signal);
  }
}

export { removeContainer };
