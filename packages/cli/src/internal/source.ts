import type { Kind } from './kinds.js';
import type { AnyResource } from '../output/table.js';

export interface ListQuery {
  labelSelector?: string | undefined;
  fieldSelector?: string | undefined;
  limit?: number | undefined;
  continue?: string | undefined;
  withExports?: boolean | undefined;
}

export interface Page {
  items: AnyResource[];
  continue: string | undefined;
}

/** Where `get`, `logs`, `delete`, `cancel` read and act: a server (client) or the local state directory. */
export interface ResourceSource {
  get(kind: Kind, name: string, options?: { withExports?: boolean | undefined }): Promise<AnyResource>;
  pages(kind: Kind, query: ListQuery): AsyncIterable<Page>;
  delete(kind: Kind, name: string): Promise<void>;
  cancel(kind: Kind, name: string): Promise<AnyResource>;
  /** Log lines; with `follow`, until the job ends (resuming after drops without repeating a line). */
  logs(kind: Kind, name: string, follow: boolean, signal: AbortSignal): AsyncIterable<string>;
  close(): Promise<void>;
}
