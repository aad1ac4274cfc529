import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RUNNER_JOB_LABEL, type Repository } from '@imagebuild/core';
import { EngineConnection, ociRegistryAccess, type RegistryAccess } from '@imagebuild/engine';

/** Runs a command in a fresh container of `image` (network none) and returns its stdout+stderr. */
export async function runInImage(conn: EngineConnection, image: string, script: string): Promise<string> {
  const c = await conn.docker.createContainer({
    Image: image,
    Entrypoint: ['/bin/sh', '-c'],
    Cmd: [script],
    HostConfig: { NetworkMode: 'none' },
  });
  try {
    await c.start();
    await c.wait();
    const raw = (await c.logs({ stdout: true, stderr: true })) as unknown as Buffer;
    let out = '';
    for (let i = 0; i + 8 <= raw.length; ) {
      const n = raw.readUInt32BE(i + 4);
      out += raw.subarray(i + 8, i + 8 + n).toString('utf8');
      i += 8 + n;
    }
    return out;
  } finally {
    await c.remove({ force: true });
  }
}

/** Containers and images carrying `jobId`, plus whether `ref` still exists. */
export async function leftovers(conn: EngineConnection, jobId: string, ref?: string): Promise<string[]> {
  const filters = JSON.stringify({ label: [`${RUNNER_JOB_LABEL}=${jobId}`] });
  const cs = await conn.json<{ Id: string }[]>({ method: 'GET', path: conn.compat('/containers/json'), query: { all: true, filters } });
  const is = await conn.json<{ Id: string }[]>({ method: 'GET', path: conn.compat('/images/json'), query: { all: true, filters } });
  const out = [...(cs ?? []).map((c) => `container ${c.Id}`), ...(is ?? []).map((i) => `image ${i.Id}`)];
  if (ref) {
    const r = await conn.stream({ method: 'GET', path: conn.compat(`/images/${encodeURIComponent(ref)}/json`), ok: [200, 404] });
    r.resume();
    if (r.statusCode === 200) out.push(`tag ${ref}`);
  }
  return out;
}

export async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return `sha256:${h.digest('hex')}`;
}

/** Registry access over the real OCI client that also records the sha256 of every file it pushes. */
export function recordingRegistries(pushed: Map<string, string>): (repo: Repository) => RegistryAccess {
  return (repo) => {
    const real = ociRegistryAccess(repo);
    return {
      ...real,
      pushArtifact: async (req, signal) => {
        pushed.set(req.artifactType, await sha256File(req.file));
        return real.pushArtifact(req, signal);
      },
    };
  };
}

/** A unix-socket proxy in front of an engine socket that the test can cut. */
export async function socketProxy(target: string): Promise<{ url: string; cut(): void; close(): void }> {
  const dir = mkdtempSync(join(tmpdir(), 'ib-proxy-'));
  const path = join(dir, 'engine.sock');
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(target);
    sockets.add(client).add(upstream);
    client.pipe(upstream).pipe(client);
    const end = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((resolve) => server.listen(path, resolve));
  return {
    url: `unix://${path}`,
    cut() {
      server.close();
      for (const s of sockets) s.destroy();
    },
    close() {
      server.close();
      for (const s of sockets) s.destroy();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
