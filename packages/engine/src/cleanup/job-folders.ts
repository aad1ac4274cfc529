import { existsSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jobTag } from '../export/job-tag.js';

/**
 * Removes the temporary folders a job made (`imagebuild-export-<job>-XXXXXX` and `imagebuild-sbom-<job>-XXXXXX`
 * in the temp dir, `imagebuild-secret-<job>-XXXXXX` in /dev/shm or the temp dir): what a killed process left.
 * Resolves the paths removed.
 */
export async function removeJobFolders(jobId: string): Promise<string[]> {
  const tag = jobTag(jobId);
  if (tag === '') return [];
  const prefixes = [`imagebuild-export-${tag}`, `imagebuild-secret-${tag}`, `imagebuild-sbom-${tag}`];
  const removed: string[] = [];
  const bases = [tmpdir(), ...(existsSync('/dev/shm') ? ['/dev/shm'] : [])];
  for (const base of new Set(bases)) {
    const names = await readdir(base).catch(() => [] as string[]);
    for (const name of names) {
      // mkdtemp appends six characters to the prefix
      if (!prefixes.some((p) => name.startsWith(p) && name.length === p.length + 6)) continue;
      const path = join(base, name);
      await rm(path, { recursive: true, force: true }).then(
        () => removed.push(path),
        () => undefined,
      );
    }
  }
  return removed;
}
