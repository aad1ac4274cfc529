// @imagebuild/http — node:http adapter serving the Flight Control image-builder API over @imagebuild/builder.
export {
  createImageBuilderHandler,
  API_VERSION_HEADER,
  SUPPORTED_VERSIONS_HEADER,
  type RequestHandler,
} from './handler.js';
export {
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_BASE_PATHS,
  type AuthHook,
  type ImageBuilderHandlerOptions,
} from './options.js';
export type { BuilderApi } from './internal/context.js';
export {
  LOG_STREAM_COMPLETE,
  MAX_LOG_PAGE_LINES,
  LOG_FROM_HEADER,
  LOG_TO_HEADER,
  LOG_TOTAL_HEADER,
} from './routes/logs.js';
export { TOKEN_PROVIDER_NAME } from './routes/auth.js';
export { parseRange, type ByteRange } from './internal/range.js';
