import type { IncomingMessage } from 'node:http';

/**
 * The host service's authentication hook. Return `true` to let the request in, `false` to answer
 * 401. Throwing an `ApiError` answers with its status (e.g. 403); any other throw answers 401.
 */
export type AuthHook = (req: IncomingMessage) => boolean | Promise<boolean>;

export interface ImageBuilderHandlerOptions {
  auth?: AuthHook;
  /** Largest accepted request body. Default 50 MiB (upstream's limit). Larger → 413. */
  maxBodyBytes?: number;
  /** Path prefix the API is mounted under, e.g. `/_/imagebuilder`. Default none. */
  basePath?: string;
  /** Also serve the core API's `/api/v1/repositories` (so one URL sets up a whole build). Default true. */
  serveRepositories?: boolean;
  /** Interval of SSE keep-alive comments. Default 15 s. */
  keepAliveMs?: number;
}

export const DEFAULT_MAX_BODY_BYTES = 50 * 1024 * 1024;
