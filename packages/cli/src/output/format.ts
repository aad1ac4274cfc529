import { API_VERSION, CORE_API_VERSION } from '@imagebuild/core';
import { stringify } from 'yaml';
import { usage } from '../exit.js';
import type { Kind } from '../internal/kinds.js';
import { renderTable, tableRows, type AnyResource, type TableOptions } from './table.js';

/** The values of `-o`: `table` (the default), `wide` (more columns), `yaml`, `json`, `name` (names only). */
export const OUTPUT_FORMATS = ['table', 'wide', 'yaml', 'json', 'name'] as const;
/** One of `OUTPUT_FORMATS`. */
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export function parseOutput(value: string | undefined): OutputFormat {
  const v = value ?? 'table';
  if ((OUTPUT_FORMATS as readonly string[]).includes(v)) return v as OutputFormat;
  throw usage(`-o ${v}: unknown output format`, `use one of ${OUTPUT_FORMATS.join(', ')}`);
}

const LIST_KIND: Record<Kind, string> = {
  ImageBuild: 'ImageBuildList',
  ImageExport: 'ImageExportList',
  ImagePromotion: 'ImagePromotionList',
  Repository: 'RepositoryList',
};
const KIND_API_VERSION: Record<Kind, string> = {
  ImageBuild: API_VERSION,
  ImageExport: API_VERSION,
  ImagePromotion: API_VERSION,
  Repository: CORE_API_VERSION,
};

/**
 * Renders resources as `get` prints them. `single` (named resources): yaml/json print the object
 * itself when there is one; lists print a `<Kind>List` with `metadata.continue` when a page was cut.
 */
export function formatResources(
  kind: Kind,
  items: readonly AnyResource[],
  format: OutputFormat,
  options: TableOptions & { single?: boolean; continueToken?: string | undefined } = {},
): string {
  switch (format) {
    case 'name':
      return items.map((i) => `${i.metadata.name ?? ''}\n`).join('');
    case 'json':
    case 'yaml': {
      const value =
        options.single && items.length === 1
          ? items[0]
          : {
              apiVersion: KIND_API_VERSION[kind],
              kind: LIST_KIND[kind],
              metadata: options.continueToken ? { continue: options.continueToken } : {},
              items,
            };
      return format === 'json' ? `${JSON.stringify(value, null, 2)}\n` : stringify(value, { lineWidth: 0 });
    }
    default: {
      const text = renderTable(tableRows(kind, items, { ...options, wide: format === 'wide' }));
      return text === '' ? '' : text;
    }
  }
}
