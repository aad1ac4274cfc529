import type { IncomingMessage } from 'node:http';

/**
 * The host service's authentication hook. Return `true` to let the request in, `false` to answer
 * 401. Throwing an `ApiError` answers with its status (e.g. 403); any other throw answers 401.
 */
export type AuthHook = (req: IncomingMessage) => boolean | Promise<boolean>;

/** Options of `createImageBuilderHandler`. */
export interface ImageBuilderHandlerOptions {
  /**
   * Checks every API request (not `/healthz`, `/readyz`, `GET /api/v1/auth/config`). It also
   * answers `GET /api/v1/auth/validate`, which `flightctl login --token` calls.
   */
  auth?: AuthHook;
  /** Largest accepted request body. Default 50 MiB (upstream's limit). Larger → 413. */
  maxBodyBytes?: number;
  /**
   * Path prefixes the API is served under. Default `['', '/_/imagebuilder']`: the root, and the
   * image-builder address `flightctl login` derives for a plain `http(s)://host:port`.
   */
  basePath?: string | readonly string[];
  /** Also serve the core API's `/api/v1/repositories` (so one URL sets up a whole build). Default true. */
  serveRepositories?: boolean;
  /** Interval of SSE keep-alive comments (resumable framing only). Default 15 s. */
  keepAliveMs?: number;
  /**
   * Refuse what a Flight Control server refuses: export formats other than qcow2, vmdk, iso and
   * qcow2-disk-container (400). Default false.
   */
  strictUpstream?: boolean;
}

/** Default `maxBodyBytes`: 50 MiB, upstream's limit. */
export const DEFAULT_MAX_BODY_BYTES = 50 * 1024 * 1024;
/** Default `basePath`: the root and `/_/imagebuilder`. */
export const DEFAULT_BASE_PATHS: readonly string[] = ['', '/_/imagebuilder'];
