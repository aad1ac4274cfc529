import { existsSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { SqliteStore, compileFieldSelector, compileLabelSelector, type StoredKind } from '@imagebuild/builder';
import { NotFoundError } from '@imagebuild/core';
import { REDACTED } from '@imagebuild/core/errors';
import { getReadyReason } from '@imagebuild/core/lifecycle';
import { usage } from '../exit.js';
import type { Kind } from '../internal/kinds.js';
import type { ListQuery, Page, ResourceSource } from '../internal/source.js';
import type { AnyResource } from '../output/table.js';
import { openLocalBuilder, type LocalOptions } from './open-builder.js';
import { stateDir } from './state-dir.js';

const TERMINAL = new Set(['Completed', 'Failed', 'Canceled']);

function storedKind(kind: Kind): StoredKind {
  if (kind === 'ImagePromotion') throw usage('image promotions need a Flight Control server (no --local)');
  return kind;
}

function mask(r: AnyResource): AnyResource {
  const spec = r.spec as { ociAuth?: Record<string, unknown> } | undefined;
  if (!spec?.ociAuth) return r;
  return { ...r, spec: { ...spec, ociAuth: { ...spec.ociAuth, password: REDACTED } } };
}

/**
 * The state directory of local builds. Reads go to the SQLite file directly (no recovery, so a
 * running `build` or `serve` on it is undisturbed); delete and cancel open a builder, which needs the lock.
 */
export function localSource(options: LocalOptions): ResourceSource {
  const s = stateDir(options.state);
  let store: SqliteStore | undefined;
  const db = (): SqliteStore | undefined => {
    if (!store && existsSync(s.db)) store = new SqliteStore({ path: s.db });
    return store;
  };
  const one = async (kind: Kind, name: string): Promise<AnyResource> => {
    const rec = await db()?.get(storedKind(kind), name);
    if (!rec) throw new NotFoundError(`${kind} "${name}" not found in ${s.dir}`);
    return mask(rec.object as AnyResource);
  };
  const withBuilder = async <T>(fn: (b: Awaited<ReturnType<typeof openLocalBuilder>>) => Promise<T>): Promise<T> => {
    await store?.close();
    store = undefined;
    const local = await openLocalBuilder(options);
    try {
      return await fn(local);
    } finally {
      await local.close();
    }
  };
  return {
    async get(kind, name, opts = {}) {
      const r = await one(kind, name);
      if (kind !== 'ImageBuild' || !opts.withExports) return r;
      const exps = ((await db()?.list('ImageExport')) ?? [])
        .map((e) => e.object)
        .filter((e) => e.spec.source.imageBuildRef === name);
      return exps.length > 0 ? { ...r, imageexports: exps } : r;
    },
    async *pages(kind, query: ListQuery): AsyncIterable<Page> {
      const k = storedKind(kind);
      const labels = compileLabelSelector(query.labelSelector);
      const fields = compileFieldSelector(k, query.fieldSelector);
      let items = ((await db()?.list(k)) ?? [])
        .map((r) => r.object as AnyResource)
        .filter((o) => labels(o.metadata.labels) && fields(o as never));
      if (k === 'ImageBuild' && query.withExports) {
        const exps = ((await db()?.list('ImageExport')) ?? []).map((e) => e.object);
        items = items.map((b) => {
          const mine = exps.filter((e) => e.spec.source.imageBuildRef === b.metadata.name);
          return mine.length > 0 ? { ...b, imageexports: mine } : b;
        });
      }
      let start = query.continue === undefined ? 0 : Number(query.continue);
      if (!Number.isInteger(start) || start < 0) throw usage(`--continue ${query.continue}: not a token of this state`);
      const limit = query.limit ?? 1000;
      do {
        const page = items.slice(start, start + limit).map(mask);
        start += limit;
        yield { items: page, continue: start < items.length ? String(start) : undefined };
      } while (start < items.length);
    },
    delete: (kind, name) =>
      withBuilder(async ({ builder }) => {
        await builder.delete(storedKind(kind), name);
      }),
    cancel: (kind, name) =>
      withBuilder(async ({ builder }) => {
        const k = storedKind(kind);
        if (k === 'Repository') throw usage('only builds and exports can be canceled');
        return (await builder.cancel(k, name)) as AnyResource;
      }),
    logs(kind, name, follow, signal) {
      const k = storedKind(kind);
      if (k === 'Repository') throw usage('repositories have no logs');
      const file = join(s.logs, `${k}.${name}.log`);
      return (async function* () {
        await one(kind, name);
        let offset = 0;
        let partial = '';
        for (;;) {
          const phase = getReadyReason((await one(kind, name)) as never) ?? 'Pending';
          // the log file may not exist yet; the next poll tries again
          const fh = await open(file, 'r').catch(() => undefined);
          if (fh) {
            try {
              const buf = Buffer.alloc(1 << 16);
              for (;;) {
                const { bytesRead } = await fh.read(buf, 0, buf.length, offset);
                if (bytesRead === 0) break;
                offset += bytesRead;
                const lines = (partial + buf.subarray(0, bytesRead).toString('utf8')).split('\n');
                partial = lines.pop() ?? '';
                yield* lines;
              }
            } finally {
              await fh.close();
            }
          }
          if (!follow || TERMINAL.has(phase) || signal.aborted) break;
          // aborting the poll's wait is how following ends
          await sleep(300, undefined, { signal }).catch(() => undefined);
        }
        if (partial) yield partial;
      })();
    },
    close: async () => {
      await store?.close();
    },
  };
}
