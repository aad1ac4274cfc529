import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import { dirname, extname, join, sep } from 'node:path';

/**
 * Where `download(name, path)` writes, the same rule everywhere (documented in docs/converter.md):
 * an existing directory, or a path ending with `/`, or a path whose last part has no extension
 * (`./out`) is a folder: created when missing, the file named `defaultName` inside it. Anything else
 * (`./disk.qcow2`) is the file itself, its parent folder created when missing.
 */
export async function downloadTarget(path: string, defaultName: string): Promise<string> {
  // a missing path is the common case: it is then a file to create
  const st = await stat(path).catch(() => undefined);
  const folder =
    st?.isDirectory() === true || (!st && (path.endsWith('/') || path.endsWith(sep) || extname(path) === ''));
  if (folder) {
    await mkdir(path, { recursive: true });
    return join(path, defaultName);
  }
  await mkdir(dirname(path), { recursive: true });
  return path;
}

/** True when `file` exists with exactly `size` bytes and `digest` (sha256/sha512): a download can be skipped. */
export async function fileMatches(file: string, size: number, digest: string, signal?: AbortSignal): Promise<boolean> {
  // no file there yet: nothing to reuse
  const st = await stat(file).catch(() => undefined);
  if (!st?.isFile() || st.size !== size) return false;
  const [algo, hex] = digest.split(':');
  if ((algo !== 'sha256' && algo !== 'sha512') || !hex) return false;
  const h = createHash(algo);
  for await (const chunk of createReadStream(file, { signal, highWaterMark: 1024 * 1024 })) h.update(chunk as Buffer);
  return h.digest('hex') === hex;
}
