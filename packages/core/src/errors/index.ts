export { SdkError, isSdkError, type ErrorCode, type SdkErrorOptions } from './sdk-error.js';
export {
  ValidationError,
  IllegalTransitionError,
  NotFoundError,
  ConflictError,
  ApiError,
  RegistryError,
  DigestMismatchError,
  EngineError,
  RuntimeNotFoundError,
  BuildError,
  PushError,
  ConversionError,
  SbomError,
  TimeoutError,
  AbortError,
  LimitExceededError,
  toSdkError,
  type ValidationIssue,
  type DiscoveryAttempt,
} from './errors.js';
export { REDACTED, redact, redactText, registerSecret, unregisterSecret, isSecretKey } from './redact.js';
export { echo, escapeText, ECHO_MAX } from './echo.js';
