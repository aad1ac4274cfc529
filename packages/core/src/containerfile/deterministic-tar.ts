import { Readable } from 'node:stream';
import { pack } from 'tar-stream';

/** One file of a build context. */
export interface ContextFile {
  /** Relative POSIX path (no leading `/`, no `..`). */
  readonly path: string;
  /** Permission bits, e.g. 0o644. */
  readonly mode: number;
  /** The file's bytes. */
  readonly content: Uint8Array;
}

/** Fixed mtime of every entry (1980-01-01T00:00:00Z, the earliest date zip-like tools accept). */
export const CONTEXT_MTIME = new Date(Date.UTC(1980, 0, 1));

function parentDirs(path: string): string[] {
  const parts = path.split('/');
  const out: string[] = [];
  for (let i = 1; i < parts.length; i++) out.push(parts.slice(0, i).join('/'));
  return out;
}

/**
 * Packs files into a reproducible tar: entries sorted by path (parent directories first, mode 0755),
 * fixed mtime, uid/gid 0, empty user/group names, the given modes. Same input → same bytes.
 */
export function deterministicTar(files: readonly ContextFile[]): Readable {
  const dirs = new Set<string>();
  for (const f of files) for (const d of parentDirs(f.path)) dirs.add(d);
  const entries = [
    ...[...dirs].map((d) => ({ path: d, dir: true as const })),
    ...files.map((f) => ({ path: f.path, dir: false as const, file: f })),
  ].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const p = pack();
  const common = { mtime: CONTEXT_MTIME, uid: 0, gid: 0, uname: '', gname: '' };
  for (const e of entries) {
    if (e.dir) p.entry({ ...common, name: `${e.path}/`, type: 'directory', mode: 0o755 });
    else
      p.entry(
        { ...common, name: e.path, type: 'file', mode: e.file.mode, size: e.file.content.byteLength },
        Buffer.from(e.file.content),
      );
  }
  p.finalize();
  return Readable.from(p as AsyncIterable<Buffer>, { objectMode: false });
}
