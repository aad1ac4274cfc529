import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Route } from './router.js';

import type { BuilderApi } from '../builder-api.js';

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
