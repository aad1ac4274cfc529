import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Repository } from '@imagebuild/core';
import { RUNNER_JOB_LABEL } from '@imagebuild/core/runner';
import { type EngineConnection, ociRegistryAccess, type RegistryAccess } from '@imagebuild/engine';
import { inBandError, jsonMessages } from '@imagebuild/engine/dialect';
import { extract } from 'tar-stream';

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
  const cs = await conn.json<{ Id: string }[]>({
    method: 'GET',
    path: conn.compat('/containers/json'),
    query: { all: true, filters },
  });
  const is = await conn.json<{ Id: string }[]>({
    method: 'GET',
    path: conn.compat('/images/json'),
    query: { all: true, filters },
  });
  const vs = await conn.json<{ Volumes?: { Name: string }[] | null }>({
    method: 'GET',
    path: conn.compat('/volumes'),
    query: { filters },
  });
  const out = [
    ...(cs ?? []).map((c) => `container ${c.Id}`),
    ...(is ?? []).map((i) => `image ${i.Id}`),
    ...(vs?.Volumes ?? []).map((v) => `volume ${v.Name}`),
  ];
  if (ref) {
    const r = await conn.stream({
      method: 'GET',
      path: conn.compat(`/images/${encodeURIComponent(ref)}/json`),
      ok: [200, 404],
    });
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
        if (req.file) {
          pushed.set(req.artifactType, await sha256File(req.file));
          return real.pushArtifact(req, signal);
        }
        // a streamed output: hashed as it goes through
        const h = createHash('sha256');
        const source = req.stream as AsyncIterable<Uint8Array>;
        async function* tee(): AsyncGenerator<Uint8Array> {
          for await (const c of source) {
            h.update(c);
            yield c;
          }
          pushed.set(req.artifactType, `sha256:${h.digest('hex')}`);
        }
        return real.pushArtifact({ ...req, stream: tee() }, signal);
      },
      pushContainerDisk: async (req, signal) => {
        pushed.set('application/vnd.kubevirt.containerdisk', await sha256File(req.file));
        return real.pushContainerDisk(req, signal);
      },
    };
  };
}

/** A unix-socket server in front of an engine socket; `relay` joins each client to its upstream. */
async function proxyServer(
  target: string,
  relay: (client: Socket, upstream: Socket) => void,
): Promise<{ url: string; cut(): void; close(): void }> {
  const dir = mkdtempSync(join(tmpdir(), 'ib-proxy-'));
  const path = join(dir, 'engine.sock');
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(target);
    sockets.add(client).add(upstream);
    relay(client, upstream);
    const end = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((resolve) => server.listen(path, resolve));
  const cut = (): void => {
    server.close();
    for (const s of sockets) s.destroy();
  };
  return {
    url: `unix://${path}`,
    cut,
    close() {
      cut();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A unix-socket proxy in front of an engine socket that the test can cut. */
export function socketProxy(target: string): Promise<{ url: string; cut(): void; close(): void }> {
  return proxyServer(target, (client, upstream) => client.pipe(upstream).pipe(client));
}

/**
 * A unix-socket proxy in front of an engine socket that holds back the engine's answer to every
 * request whose first line matches `request` for `holdMs`, calling `onAnswered` as the answer
 * arrives: the engine has done the work, its client has not heard of it yet.
 */
export function holdingProxy(
  target: string,
  request: RegExp,
  holdMs: number,
  onAnswered: (line: string) => void,
): Promise<{ url: string; close(): void }> {
  return proxyServer(target, (client, upstream) => {
    let matched: string | undefined;
    let holdUntil = 0;
    let queue: Buffer[] = [];
    client.on('data', (d: Buffer) => {
      const line = d.toString('latin1').split('\r\n', 1)[0] ?? '';
      if (request.test(line)) matched = line;
      upstream.write(d);
    });
    upstream.on('data', (d: Buffer) => {
      if (matched !== undefined) {
        holdUntil = Date.now() + holdMs;
        onAnswered(matched);
        matched = undefined;
      }
      if (Date.now() >= holdUntil && queue.length === 0) {
        if (!client.destroyed) client.write(d);
        return;
      }
      queue.push(d);
      if (queue.length === 1)
        setTimeout(
          () => {
            const held = queue;
            queue = [];
            if (!client.destroyed) for (const b of held) client.write(b);
          },
          Math.max(0, holdUntil - Date.now()),
        );
    });
  });
}

/** Pulls `ref` (e.g. `registry/name@sha256:…`) with the engine, checking the stream for in-band errors. */
export async function pullImage(conn: EngineConnection, ref: string): Promise<void> {
  const stream = await conn.stream({
    method: 'POST',
    path: conn.compat('/images/create'),
    query: { fromImage: ref },
    headers: { 'X-Registry-Auth': 'e30=' },
  });
  for await (const msg of jsonMessages(stream)) {
    const error = inBandError(msg);
    if (error) throw new Error(`pull ${ref}: ${error}`);
  }
}

/**
 * Reads one file out of an image the engine has: creates (never starts) a container, fetches the
 * path through the archive API, and returns the tar entry's owner, mode and content digest.
 */
export async function fileInImage(
  conn: EngineConnection,
  image: string,
  path: string,
): Promise<{ uid: number; gid: number; mode: number; size: number; sha256: string }> {
  const created = await conn.json<{ Id: string }>({
    method: 'POST',
    path: conn.compat('/containers/create'),
    json: { Image: image, Cmd: ['/none'], HostConfig: { NetworkMode: 'none' } },
    ok: [201],
  });
  try {
    const tar = await conn.stream({
      method: 'GET',
      path: conn.compat(`/containers/${created.Id}/archive`),
      query: { path },
    });
    const ex = extract();
    const found = new Promise<{ uid: number; gid: number; mode: number; size: number; sha256: string }>(
      (resolve, reject) => {
        ex.on('entry', (header, body, next) => {
          const h = createHash('sha256');
          let size = 0;
          body.on('data', (c: unknown) => {
            const b = c as Buffer;
            h.update(b);
            size += b.length;
          });
          body.on('end', () => {
            if (header.type === 'file')
              resolve({
                uid: header.uid ?? -1,
                gid: header.gid ?? -1,
                mode: (header.mode ?? 0) & 0o7777,
                size,
                sha256: `sha256:${h.digest('hex')}`,
              });
            next();
          });
        });
        ex.on('finish', () => reject(new Error(`${path} not in the archive`)));
        ex.on('error', reject);
      },
    );
    tar.pipe(ex);
    return await found;
  } finally {
    await conn.json({
      method: 'DELETE',
      path: conn.compat(`/containers/${created.Id}`),
      query: { force: true },
      ok: [200, 204, 404],
    });
  }
}

/** podman: `uid gid mode sha256` of `path` in `image` mounted (image volume at /cd) into a container of `shellImage`. */
export async function statInImageMount(
  conn: EngineConnection,
  image: string,
  path: string,
  shellImage: string,
): Promise<string> {
  const created = await conn.json<{ Id: string }>({
    method: 'POST',
    path: conn.libpod('/containers/create'),
    ok: [201],
    json: {
      image: shellImage,
      command: ['/bin/sh', '-c', `stat -c '%u %g %a' ${path} | tr '\\n' ' '; sha256sum ${path} | cut -d' ' -f1`],
      image_volumes: [{ source: image, destination: '/cd' }],
      netns: { nsmode: 'none' },
    },
  });
  try {
    await conn.json({ method: 'POST', path: conn.libpod(`/containers/${created.Id}/start`), ok: [204] });
    await conn.json({
      method: 'POST',
      path: conn.libpod(`/containers/${created.Id}/wait`),
      query: { condition: 'exited' },
    });
    const raw = await conn.stream({
      method: 'GET',
      path: conn.libpod(`/containers/${created.Id}/logs`),
      query: { stdout: true, stderr: true },
    });
    const chunks: Buffer[] = [];
    for await (const c of raw) chunks.push(c as Buffer);
    const buf = Buffer.concat(chunks);
    let out = '';
    for (let i = 0; i + 8 <= buf.length; i += 8 + buf.readUInt32BE(i + 4))
      out += buf.subarray(i + 8, i + 8 + buf.readUInt32BE(i + 4)).toString('utf8');
    return out.trim();
  } finally {
    await conn.json({
      method: 'DELETE',
      path: conn.libpod(`/containers/${created.Id}`),
      query: { force: true },
      ok: [200, 204, 404],
    });
  }
}

/** A file in the converter's cache volume `store` or `rpmmd` of a cache name (the harness engines are local). */
export async function converterCacheFile(
  conn: EngineConnection,
  cacheName: string,
  which: 'store' | 'rpmmd',
  path: string,
): Promise<string> {
  const filters = JSON.stringify({ label: [`io.imagebuild.converter-cache=${cacheName}`] });
  const res = await conn.json<{ Volumes?: { Name: string; Mountpoint: string }[] | null }>({
    method: 'GET',
    path: conn.compat('/volumes'),
    query: { filters },
  });
  const v = (res?.Volumes ?? []).find((x) => x.Name.endsWith(`-${which}`));
  if (!v) throw new Error(`no ${which} cache volume for ${cacheName}`);
  return readFileSync(join(v.Mountpoint, path), 'utf8');
}
