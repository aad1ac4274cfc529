import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { jobTag } from '../export/job-tag.js';
import { removeJobFolders } from './job-folders.js';

describe('removeJobFolders', () => {
  it("removes the job's export, secret and SBOM folders and nothing of another job", async () => {
    const job = `${process.pid}-jf-${Date.now().toString(36)}`;
    const other = `${job}x`;
    const mine = ['export', 'secret', 'sbom'].map((k) => mkdtempSync(join(tmpdir(), `imagebuild-${k}-${jobTag(job)}`)));
    const theirs = mkdtempSync(join(tmpdir(), `imagebuild-sbom-${jobTag(other)}`));
    try {
      const removed = await removeJobFolders(job);
      expect(removed.sort()).toEqual([...mine].sort());
      for (const dir of mine) expect(existsSync(dir)).toBe(false);
      expect(existsSync(theirs)).toBe(true);
    } finally {
      for (const dir of [...mine, theirs]) rmSync(dir, { recursive: true, force: true });
    }
  });
});
