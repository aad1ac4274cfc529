import type { ListOptions } from '@imagebuild/core/operation';
import type { StoredKind, StoredRecord } from '../store/store.js';
import { compileFieldSelector, type FieldSource } from '../selectors/field-selector.js';
import { compileLabelSelector } from '../selectors/label-selector.js';
import { paginate } from '../selectors/paging.js';
import type { BuilderContext } from './context.js';

// Options of `list()`: core's shape, re-exported here for the modules that page records.
export type { ListOptions };

/** Filters and pages the records of a kind, newest first. */
export async function listRecords<K extends StoredKind>(
  ctx: BuilderContext,
  kind: K,
  options: ListOptions,
): Promise<{ page: StoredRecord<K>[]; meta: { continue?: string; remainingItemCount?: number } }> {
  const byLabel = compileLabelSelector(options.labelSelector);
  const byField = compileFieldSelector(kind, options.fieldSelector);
  const all = await ctx.store.list(kind);
  const matching = all.filter((r) => byLabel(r.object.metadata.labels) && byField(r.object as unknown as FieldSource));
  const { page, continue: cont, remainingItemCount } = paginate(matching, options.limit, options.continue);
  const meta: { continue?: string; remainingItemCount?: number } = {};
  if (cont !== undefined) meta.continue = cont;
  if (remainingItemCount !== undefined) meta.remainingItemCount = remainingItemCount;
  return { page, meta };
}
