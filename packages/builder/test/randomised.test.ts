import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ConflictError, NotFoundError, ValidationError } from '@imagebuild/core';
import { canTransition, isTerminal } from '@imagebuild/core/lifecycle';
import { ImageBuilder, type WatchEvent } from '../src/index.js';
import { InstantRunner, type Behaviour } from './instant-runner.js';
import { build, exp, reasonOf, repo } from './fixtures.js';

type Op =
  | { op: 'build'; name: string; behaviour: Behaviour }
  | { op: 'export'; name: string; ref: string }
  | { op: 'cancel' | 'delete'; kind: 'ImageBuild' | 'ImageExport'; name: string }
  | { op: 'tick'; ms: number };

const bNames = ['b0', 'b1', 'b2', 'b3'];
const eNames = ['e0', 'e1', 'e2', 'e3'];
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    op: fc.constant('build' as const),
    name: fc.constantFrom(...bNames),
    behaviour: fc.constantFrom<Behaviour>('ok', 'fail', 'slow', 'hang'),
  }),
  fc.record({ op: fc.constant('export' as const), name: fc.constantFrom(...eNames), ref: fc.constantFrom(...bNames) }),
  fc.record({
    op: fc.constantFrom('cancel' as const, 'delete' as const),
    kind: fc.constantFrom('ImageBuild' as const, 'ImageExport' as const),
    name: fc.constantFrom(...bNames, ...eNames),
  }),
  fc.record({ op: fc.constant('tick' as const), ms: fc.integer({ min: 0, max: 40 }) }),
);

async function invariants(b: ImageBuilder, runner: InstantRunner, events: WatchEvent[]): Promise<void> {
  const builds = (await b.list('ImageBuild')).items;
  const exports = (await b.list('ImageExport')).items;
  const buildByName = new Map(builds.map((x) => [x.metadata.name, x]));
  for (const e of exports) {
    const parent = buildByName.get(e.spec.source.imageBuildRef);
    expect(parent, `export ${e.metadata.name} without its build`).toBeDefined();
    const r = reasonOf(e)!;
    if (['Converting', 'Pushing', 'Completed'].includes(r)) expect(reasonOf(parent!)).toBe('Completed');
  }
  for (const ev of events)
    if (ev.type === 'phase')
      expect(canTransition(ev.kind, ev.from, ev.phase), `${ev.kind} ${ev.from}→${ev.phase}`).toBe(true);
  expect(runner.maxRunning).toBeLessThanOrEqual(2);
  for (const x of [...builds, ...exports]) expect(reasonOf(x)).toBeDefined();
}

describe('randomised create / cancel / delete sequences', () => {
  it('keep every invariant after every step, and settle cleanly', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 5, maxLength: 30 }), async (ops) => {
        const behaviours = new Map<string, Behaviour>();
        const runner = new InstantRunner({ behaviour: (_k, n) => behaviours.get(n) ?? 'ok' });
        const b = new ImageBuilder({ runners: [runner], concurrency: 2, deleteCancelTimeoutMs: 2000 });
        const events: WatchEvent[] = [];
        const w = b.watch();
        const pump = (async () => {
          for await (const ev of w) events.push(ev);
        })();
        await b.create(repo('src'));
        await b.create(repo('dst'));
        for (const op of ops) {
          try {
            if (op.op === 'build') {
              behaviours.set(op.name, op.behaviour);
              await b.create(build(op.name));
            } else if (op.op === 'export') await b.create(exp(op.name, op.ref));
            else if (op.op === 'cancel') await b.cancel(op.kind, op.name);
            else if (op.op === 'delete') await b.delete(op.kind, op.name);
            else if (op.op === 'tick') await new Promise((r) => setTimeout(r, op.ms));
          } catch (err) {
            // Only the documented refusals are acceptable.
            expect(
              err instanceof ConflictError || err instanceof NotFoundError || err instanceof ValidationError,
              String(err),
            ).toBe(true);
          }
          await invariants(b, runner, events);
        }
        // Settle: cancel whatever still runs; everything must become terminal with no runner leftovers.
        for (const kind of ['ImageBuild', 'ImageExport'] as const) {
          for (const x of (await b.list(kind)).items)
            if (!isTerminal(reasonOf(x))) await b.cancel(kind, x.metadata.name).catch(() => undefined);
        }
        const until = Date.now() + 5000;
        for (;;) {
          const all = [...(await b.list('ImageBuild')).items, ...(await b.list('ImageExport')).items];
          if (all.every((x) => isTerminal(reasonOf(x)))) break;
          if (Date.now() > until)
            throw new Error(`not settled: ${all.map((x) => `${x.metadata.name}=${reasonOf(x)}`).join(' ')}`);
          await new Promise((r) => setTimeout(r, 5));
        }
        await invariants(b, runner, events);
        expect(runner.resources.size).toBe(0);
        await b.close();
        await pump;
      }),
      { numRuns: 25 },
    );
  });
});
