import { EngineError, RUNNER_JOB_LABEL } from '@imagebuild/core';
import type { EngineConnection } from '../connection/engine-connection.js';
import { removeContainer } from '../cleanup/job-resources.js';
import { readText } from '../internal/dial.js';
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
}

/** Creates the container (compat API: the same body works on podman and dockerd). */
export async function createContainer(
  conn: EngineConnection,
  spec: ContainerSpec,
  signal: AbortSignal,
): Promise<string> {
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
      Labels: { [RUNNER_JOB_LABEL]: spec.jobId },
      HostConfig: {
        Privileged: spec.privileged,
        NetworkMode: spec.networkMode,
        SecurityOpt: spec.securityOpt,
        Binds: spec.binds,
      },
    },
    ok: [201],
    signal,
  });
  if (!res?.Id) throw new EngineError(conn.name, 'container create returned no id');
  return res.Id;
}

export async function startContainer(conn: EngineConnection, id: string, signal: AbortSignal): Promise<void> {
  await conn.json({ method: 'POST', path: conn.compat(`/containers/${id}/start`), ok: [204, 304], signal });
}

/** Follows the container's stdout+stderr as lines until it exits. */
export async function followLogs(
  conn: EngineConnection,
  id: string,
  onLine: (line: string) => void,
  signal: AbortSignal,
): Promise<void> {
  const res = await conn.stream({
    method: 'GET',
    path: conn.compat(`/containers/${id}/logs`),
    query: { follow: true, stdout: true, stderr: true },
    signal,
  });
  const out = new LineSplitter();
  const err = new LineSplitter();
  for await (const frame of demux(res)) {
    for (const line of (frame.stream === 'stderr' ? err : out).push(frame.text)) onLine(line);
  }
  for (const line of [...out.flush(), ...err.flush()]) onLine(line);
}

/** Waits for the container to exit and returns its exit code. */
export async function waitContainer(conn: EngineConnection, id: string, signal: AbortSignal): Promise<number> {
  const res = await conn.stream({
    method: 'POST',
    path: conn.compat(`/containers/${id}/wait`),
    query: { condition: 'not-running' },
    signal,
  });
  const text = await readText(res);
  try {
    const body = JSON.parse(text) as { StatusCode?: number } | number;
    return typeof body === 'number' ? body : (body.StatusCode ?? -1);
  } catch {
    throw new EngineError(conn.name, `unexpected wait answer: ${text.slice(0, 200)}`);
  }
}

export { removeContainer };
