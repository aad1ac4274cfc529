// @imagebuild/http — node:http adapter serving the Flight Control image-builder API over @imagebuild/builder.
export { createImageBuilderHandler, type RequestHandler } from './handler.js';
// Wire constants live in core; re-exported so an adapter user needs one import.
export { API_VERSION_HEADER, LOG_STREAM_COMPLETE, SUPPORTED_VERSIONS_HEADER } from '@imagebuild/core/resources';
export {
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_BASE_PATHS,
  type AuthHook,
  type ImageBuilderHandlerOptions,
} from './options.js';
export type { BuilderApi } from './builder-api.js';
export {
  MAX_LOG_PAGE_LINES,
  LOG_FROM_HEADER,
  LOG_TO_HEADER,
  LOG_TOTAL_HEADER,
} from './routes/logs.js';
export { TOKEN_PROVIDER_NAME } from './routes/auth.js';
export { parseRange, type ByteRange } from './range.js';
