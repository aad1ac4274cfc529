import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ImageBuilder } from '@imagebuild/builder';
import type { Route } from './router.js';

/** The builder methods the adapter uses. */
export type BuilderApi = Pick<
  ImageBuilder,
  'create' | 'apply' | 'get' | 'list' | 'delete' | 'cancel' | 'newVersion' | 'logs' | 'readLog' | 'openExport'
> &
  Partial<Pick<ImageBuilder, 'sbom' | 'sboms'>>;

export interface HttpExchange {
  req: IncomingMessage;
  res: ServerResponse;
  route: Route;
  url: URL;
  builder: BuilderApi;
  /** Aborted when the client goes away. */
  signal: AbortSignal;
  /** Headers every response carries (API version, Vary, request id). */
  headers: Record<string, string>;
  maxBodyBytes: number;
  /** Refuse what a Flight Control server would refuse (export formats it does not know). */
  strictUpstream: boolean;
}
