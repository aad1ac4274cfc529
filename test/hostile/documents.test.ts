/**
 * Issue 12 hostile suite: hostile documents through parseDocuments, each in its own process with the
 * same budgets as the server cases (1 s CPU, 200 MiB RSS growth, a normal exit, no canary anywhere).
 * Findings 1, 9, 10, 18, 19 and the classes the review found holding (aliases, nesting).
 */
import { describe, expect, it } from 'vitest';
import { CANARY, CPU_BUDGET_MS, RSS_BUDGET_MIB, runCase, type CaseResult } from './support/child.js';

function withinBudgets(r: CaseResult): void {
  expect(r.signal, r.output).toBeNull();
  expect(r.exitCode, r.output).toBe(0);
  expect(r.ok, r.output).toBe(true);
  expect(r.cpuMs, r.output).toBeLessThanOrEqual(CPU_BUDGET_MS);
  expect(r.rssGrowthMiB, r.output).toBeLessThanOrEqual(RSS_BUDGET_MIB);
  expect(r.output).not.toContain(CANARY);
  expect(r.outcome.controlInMessages ?? false).toBe(false);
  expect(r.outcome.canaryInMessages ?? false).toBe(false);
}

const CASES: Array<[string, Record<string, unknown>]> = [
  ['image-name-40', { invalid: 1, firstPath: 'spec.source.imageName' }],
  ['base-image-name-40', { invalid: 1, firstPath: 'spec.baseImages[0].imageName' }],
  ['ca-crt-100k-spaces', { invalid: 1, firstPath: 'spec.ca.crt' }],
  ['enrollment-data-100k-spaces', { code: 'VALIDATION' }],
  ['bad-documents-1k-in-2mib', { documents: 1000, invalid: 1000 }],
  ['repository-20mib', { invalid: 1, firstPath: 'spec.source.repository' }],
  ['control-characters-in-names', { invalid: 1 }],
  [
    'duplicate-key-in-200k-keys',
    { invalid: 1, firstPath: 'metadata.annotations.k7', firstMessage: expect.stringContaining('duplicate key') },
  ],
  ['deep-nesting-100k', { invalid: 1 }],
  ['alias-bomb', { invalid: 1 }],
  ['password-never-echoed', { invalid: 1 }],
];

describe('hostile documents (child processes, budgets per case)', () => {
  it.each(CASES)('%s', async (name, expected) => {
    let r = await runCase('document-cases.ts', name);
    // CPU time is the least of up to five runs: other processes on a loaded machine only ever add to
    // it (cache misses, GC threads), while a super-linear rule exceeds the budget on every run. The
    // runs are 2 s apart so that one burst of load on a shared host does not cover all of them.
    for (let attempt = 2; r.cpuMs > CPU_BUDGET_MS && attempt <= 5; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 2000));
      const again = await runCase('document-cases.ts', name);
      if (again.cpuMs < r.cpuMs) r = again;
    }
    withinBudgets(r);
    expect(r.outcome).toMatchObject(expected);
    expect((r.outcome.longestMessage as number | undefined) ?? 0).toBeLessThan(2000);
  });
});
