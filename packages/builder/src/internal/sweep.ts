import { existsSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger, type Logger, type Runner } from '@imagebuild/core';
import { jobIsOver, ownerIsGone } from './job-owner.js';
import type { SweepReport } from '../sweep-report.js';
// Public shapes, defined in the public module; re-exported for the internal modules importing them here.
export type { SweepReport };

/** Where runners and builders put their temporary folders. */
function tempBases(): string[] {
  const bases = [tmpdir()];
  if (existsSync('/dev/shm') && !bases.includes('/dev/shm')) bases.push('/dev/shm');
  return bases;
}

/**
 * Removes what jobs of dead processes left behind, and nothing else: a resource or folder is
 * touched only when its job id (or a builder folder's owner tag) names a process of this host
 * that is gone, or a job of this process that no longer runs. Other hosts' and live processes'
 * jobs, and names not made by a builder, are left alone.
 */
export async function sweepLeftovers(
  runners: readonly Runner[],
  signal?: AbortSignal,
  logger: Logger = silentLogger,
): Promise<SweepReport> {
  const report: SweepReport = { folders: [], runners: [] };
  // Engines first: a build journal (a temp folder) names layers only it knows of.
  for (const runner of runners) {
    const entry: SweepReport['runners'][number] = { runner: runner.name };
    try {
      const listed = await runner.listResources({ signal });
      const over = new Set<string>();
      for (const r of listed) {
        const jobId = jobIsOver(r.jobId);
        if (jobId === r.jobId) over.add(jobId);
      }
      if (over.size > 0) {
        entry.report = { removed: [], failed: [] };
        for (const jobId of over) {
          const r = await runner.cleanup({ jobId, signal });
          entry.report.removed.push(...r.removed);
          entry.report.failed.push(...r.failed);
        }
      }
    } catch (err) {
      entry.error = err instanceof Error ? err.message : String(err);
      logger.warn('sweep could not clean a runner', { runner: runner.name, error: err });
    }
    if (entry.report) logger.info('sweep cleaned a runner', { runner: runner.name, ...entry.report });
    report.runners.push(entry);
  }
  for (const base of tempBases()) {
    let names: string[];
    try {
      names = await readdir(base);
    } catch {
      // an unreadable temp base holds nothing of ours to sweep
      continue;
    }
    for (const name of names) {
      if (!name.startsWith('imagebuild-')) continue;
      const over = name.startsWith('imagebuild-logs-') ? ownerIsGone(name) : jobIsOver(name) !== undefined;
      if (!over) continue;
      const path = join(base, name);
      try {
        await rm(path, { recursive: true, force: true });
        report.folders.push(path);
        logger.debug('sweep removed a folder', { path });
      } catch (err) {
        // another sweep got there first, or it is not ours to remove
        logger.debug('sweep left a folder', { path, error: err });
      }
    }
  }
  logger.info('start-up sweep done', { folders: report.folders.length, runners: report.runners.length });
  return report;
}
