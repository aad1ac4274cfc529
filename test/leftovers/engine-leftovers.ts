// What a process left on the harness engines and in the temp folders, found by its owner tag:
// every job id and folder a builder makes names its process (`…-p<pid>-t<thread>`).
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { request } from 'node:http';

/** GET with a few retries: podman answers 500 to listings while another client removes layers. */
async function get<T>(socket: string, path: string): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await getOnce<T>(socket, path);
    } catch (err) {
      if (attempt >= 8) throw err;
      await new Promise((r) => setTimeout(r, 250 * attempt));
    }
  }
}

function getOnce<T>(socket: string, path: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: socket, path, method: 'GET' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        body += d;
      });
      res.on('end', () => {
        if ((res.statusCode ?? 0) >= 300) reject(new Error(`GET ${path}: HTTP ${res.statusCode} ${body}`));
        else resolve(JSON.parse(body) as T);
      });
    });
    req.on('error', reject);
    req.end();
  });
}

interface Listed {
  Id: string;
  Labels?: Record<string, string> | null;
  RepoTags?: string[] | null;
  RepoDigests?: string[] | null;
}

/** Ids of every image, intermediate layers included. */
export async function allImageIds(socket: string): Promise<Set<string>> {
  return new Set((await get<Listed[]>(socket, '/v1.41/images/json?all=true')).map((i) => i.Id));
}

/** Neither tagged nor pulled by digest: a layer a build committed (labelled or not). */
const untagged = (i: Listed): boolean =>
  !(i.RepoTags ?? []).some((t) => t !== '<none>:<none>') && !(i.RepoDigests ?? []).some((d) => !d.startsWith('<none>'));

/**
 * Names of every volume (labelled or anonymous) on the engine, except the converter's cache volumes:
 * those persist between exports by design (the first export on an engine creates them), like an
 * engine's image store; `clearConverterCache()` removes them.
 */
export async function volumeNames(socket: string): Promise<Set<string>> {
  const v = await get<{ Volumes: Array<{ Name: string; Labels?: Record<string, string> | null }> | null }>(
    socket,
    '/v1.41/volumes',
  );
  return new Set(
    (v.Volumes ?? []).filter((x) => x.Labels?.['io.imagebuild.converter-cache'] === undefined).map((x) => x.Name),
  );
}

/**
 * Everything of process `pid` (thread `thread`, or any) still on the engine (containers and images
 * labelled with its jobs, images tagged `tag`, volumes not in `volumesBefore`) and in the temp folders.
 */
export async function leftovers(
  socket: string,
  pid: number,
  tag: string,
  volumesBefore: Set<string>,
  thread?: number,
  /** When given: any untagged layer not in this set counts too (nothing else may build meanwhile). */
  imagesBefore?: Set<string>,
): Promise<string[]> {
  const owner = thread === undefined ? `-p${pid}-t` : `-p${pid}-t${thread}`;
  const mine = (labels: Record<string, string> | null | undefined): boolean =>
    (labels?.['io.imagebuild.job'] ?? '').includes(owner);
  const out: string[] = [];
  const containers = await get<Listed[]>(socket, '/v1.41/containers/json?all=true');
  for (const c of containers) if (mine(c.Labels)) out.push(`container ${c.Id.slice(0, 12)}`);
  const images = await get<Listed[]>(socket, '/v1.41/images/json?all=true');
  for (const i of images) {
    if (mine(i.Labels) || (i.RepoTags ?? []).some((t) => t.endsWith(`:${tag}`)))
      out.push(`image ${i.Id.slice(7, 19)} ${(i.RepoTags ?? []).join(',')}`);
    else if (imagesBefore && !imagesBefore.has(i.Id) && untagged(i)) out.push(`unlabelled layer ${i.Id.slice(7, 19)}`);
  }
  for (const name of await volumeNames(socket)) if (!volumesBefore.has(name)) out.push(`volume ${name}`);
  for (const base of [tmpdir(), '/dev/shm']) {
    let names: string[] = [];
    try {
      names = readdirSync(base);
    } catch {
      continue;
    }
    for (const n of names) if (n.startsWith('imagebuild-') && n.includes(owner)) out.push(`folder ${base}/${n}`);
  }
  return out;
}

/** Resolves once `pid`'s labelled images and the untagged layers stop changing (the engine finished its work). */
export async function engineSettled(socket: string, pid: number, quietMs = 3000, maxMs = 90_000): Promise<void> {
  const until = Date.now() + maxMs;
  let last = '';
  let since = Date.now();
  while (Date.now() < until) {
    const images = await get<Listed[]>(socket, '/v1.41/images/json?all=true');
    // every layer: docker's classic builder commits unlabelled ones
    const now = images
      .filter((i) => (i.Labels?.['io.imagebuild.job'] ?? '').includes(`-p${pid}-t`) || untagged(i))
      .map((i) => i.Id)
      .sort()
      .join(',');
    if (now !== last) {
      last = now;
      since = Date.now();
    } else if (Date.now() - since >= quietMs) return;
    await new Promise((r) => setTimeout(r, 500));
  }
}
