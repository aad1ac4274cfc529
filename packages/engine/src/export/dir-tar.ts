import { createReadStream, createWriteStream } from 'node:fs';
import { lstat, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { CONTEXT_MTIME } from '@imagebuild/core/containerfile';
import { pack, type Pack } from 'tar-stream';

interface Entry {
  rel: string;
  abs: string;
}

/** Every path under `dir`, sorted, parents first (iterative walk). */
async function walk(dir: string): Promise<Entry[]> {
  const out: Entry[] = [];
  const todo: Entry[] = [{ rel: '', abs: dir }];
  while (todo.length > 0) {
    const d = todo.pop() as Entry;
    for (const name of await readdir(d.abs)) {
      const e = { rel: d.rel ? `${d.rel}/${name}` : name, abs: join(d.abs, name) };
      out.push(e);
      if ((await lstat(e.abs)).isDirectory()) todo.push(e);
    }
  }
  return out.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
}

async function add(p: Pack, e: Entry, prefix: string, signal: AbortSignal): Promise<void> {
  const st = await lstat(e.abs);
  const common = { name: `${prefix}/${e.rel}`, mtime: CONTEXT_MTIME, uid: 0, gid: 0, uname: '', gname: '' };
  const mode = st.mode & 0o7777;
  if (st.isDirectory()) p.entry({ ...common, name: `${common.name}/`, type: 'directory', mode });
  else if (st.isSymbolicLink()) p.entry({ ...common, type: 'symlink', linkname: await readlink(e.abs), mode });
  else if (st.isFile()) {
    const sink = p.entry({ ...common, type: 'file', mode, size: st.size });
    await pipeline(createReadStream(e.abs), sink, { signal });
  }
}

/**
 * Packs a converter output directory (pxe-tar-xz's `bootc-pxe-tree/`) into one reproducible tar
 * under the directory's name: sorted entries, fixed mtime, owner 0:0, files streamed (they may be GBs).
 */
export async function tarDirectory(dir: string, name: string, file: string, signal: AbortSignal): Promise<void> {
  const entries = await walk(dir);
  const p = pack();
  const written = pipeline(p, createWriteStream(file), { signal });
  try {
    p.entry({ name: `${name}/`, type: 'directory', mode: 0o755, mtime: CONTEXT_MTIME, uid: 0, gid: 0 });
    for (const e of entries) await add(p, e, name, signal);
    p.finalize();
  } catch (err) {
    p.destroy(err as Error);
    await written.catch(() => undefined);
    throw err;
  }
  await written;
}
