// @imagebuild/http — node:http adapter serving the Flight Control image-builder API over @imagebuild/builder.
export {
  createImageBuilderHandler,
  API_VERSION_HEADER,
  SUPPORTED_VERSIONS_HEADER,
  type RequestHandler,
} from './handler.js';
export { DEFAULT_MAX_BODY_BYTES, type AuthHook, type ImageBuilderHandlerOptions } from './options.js';
export type { BuilderApi } from './internal/context.js';
export { LOG_STREAM_COMPLETE } from './routes/logs.js';
export { parseRange, type ByteRange } from './internal/range.js';
