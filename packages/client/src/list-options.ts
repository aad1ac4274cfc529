import type { ListOptions } from '@imagebuild/core/operation';

/** A selector as text (passed through) or as `{key: value}` equalities (validated, then joined). */
export type Selector = string | Readonly<Record<string, string>>;

/** Core's `ListOptions`, with label and field selectors also accepted as `{key: value}` maps. */
export interface ClientListOptions extends Omit<ListOptions, 'labelSelector' | 'fieldSelector'> {
  /** Filters by labels (`labelSelector` query parameter). */
  labelSelector?: Selector | undefined;
  /** Filters by fields (`fieldSelector` query parameter). */
  fieldSelector?: Selector | undefined;
}
