import { createHash } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * The converter's persistent caches for one engine: `<dir>/store` (osbuild objects, `--store`) and
 * `<dir>/rpmmd` (package metadata, `--rpmmd`). Default `$XDG_CACHE_HOME/imagebuild/converter/<engine>`
 * (else `~/.cache/…`), `<engine>` a hash of the engine's endpoint. Kept between exports; removed only
 * by `clearConverterCache()`.
 */
export function defaultConverterCacheDir(endpoint: string): string {
  const base = process.env['XDG_CACHE_HOME'] || join(homedir(), '.cache');
  const engine = createHash('sha256').update(endpoint).digest('hex').slice(0, 16);
  return join(base, 'imagebuild', 'converter', engine);
}

/** `host:container` binds of the caches (the directories are created). */
export async function converterCacheBinds(dir: string): Promise<string[]> {
  await mkdir(join(dir, 'store'), { recursive: true, mode: 0o700 });
  await mkdir(join(dir, 'rpmmd'), { recursive: true, mode: 0o700 });
  return [`${join(dir, 'store')}:/store`, `${join(dir, 'rpmmd')}:/rpmmd`];
}

/** Removes the caches (the next export starts cold). */
export async function clearConverterCacheDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}
