import type { ImageBuilderClient } from '@imagebuild/client';
import { usage } from '../exit.js';
import type { Kind } from '../internal/kinds.js';
import type { ListQuery, Page, ResourceSource } from '../internal/source.js';
import type { AnyResource } from '../output/table.js';

function jobKind(kind: Kind, verb: string): 'ImageBuild' | 'ImageExport' {
  if (kind === 'ImageBuild' || kind === 'ImageExport') return kind;
  throw usage(`${verb} works on imagebuild and imageexport only, not ${kind.toLowerCase()}`);
}

/** The client-backed source (a Flight Control server or `imagebuild serve`). */
export function remoteSource(client: ImageBuilderClient): ResourceSource {
  const api = (kind: Kind) =>
    kind === 'ImageBuild'
      ? client.imageBuilds
      : kind === 'ImageExport'
        ? client.imageExports
        : kind === 'ImagePromotion'
          ? client.imagePromotions
          : client.repositories;
  return {
    async get(kind, name, options = {}) {
      if (kind === 'ImageBuild')
        return (await client.imageBuilds.get(name, options.withExports ? { withExports: true } : {})) as AnyResource;
      return (await api(kind).get(name)) as AnyResource;
    },
    async *pages(kind, query: ListQuery): AsyncIterable<Page> {
      const opts = {
        ...(query.labelSelector !== undefined ? { labelSelector: query.labelSelector } : {}),
        ...(query.fieldSelector !== undefined ? { fieldSelector: query.fieldSelector } : {}),
        ...(query.limit !== undefined ? { limit: query.limit } : {}),
        ...(query.continue !== undefined ? { continue: query.continue } : {}),
      };
      const paged =
        kind === 'ImageBuild'
          ? client.imageBuilds.list({ ...opts, ...(query.withExports ? { withExports: true } : {}) })
          : api(kind).list(opts);
      for await (const page of paged.pages())
        yield { items: page.items as AnyResource[], continue: page.metadata.continue || undefined };
    },
    async delete(kind, name) {
      await api(kind).delete(name);
    },
    async cancel(kind, name) {
      const k = jobKind(kind, 'cancel');
      return (
        k === 'ImageBuild' ? await client.imageBuilds.cancel(name) : await client.imageExports.cancel(name)
      ) as AnyResource;
    },
    logs(kind, name, follow, signal) {
      const k = jobKind(kind, 'logs');
      const res = k === 'ImageBuild' ? client.imageBuilds : client.imageExports;
      if (follow) return res.followLogs(name, { signal });
      return (async function* () {
        const text = await res.logs(name, { signal });
        const lines = text.split('\n');
        if (lines[lines.length - 1] === '') lines.pop();
        yield* lines;
      })();
    },
    close: () => client.close(),
  };
}
