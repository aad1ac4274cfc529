import { redact, redactText } from './redact.js';

/** Stable, machine-readable error codes of the SDK. */
export type ErrorCode =
  | 'VALIDATION'
  | 'ILLEGAL_TRANSITION'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'API'
  | 'REGISTRY'
  | 'ENGINE'
  | 'RUNTIME_NOT_FOUND'
  | 'BUILD'
  | 'PUSH'
  | 'CONVERSION'
  | 'SBOM'
  | 'DIGEST_MISMATCH'
  | 'TIMEOUT'
  | 'ABORTED'
  | 'LIMIT_EXCEEDED'
  | 'INTERNAL';

/** Options every SDK error takes. */
export interface SdkErrorOptions {
  /** The underlying error (`Error.cause`); its message is redacted like the error's own. */
  cause?: unknown;
  /** Extra structured detail; secret-named fields are redacted. */
  details?: Record<string, unknown>;
}

const BRAND = Symbol.for('@imagebuild/core/SdkError');

/**
 * Base of every error the SDK throws. `code` is stable; `message` and
 * `details` never carry credentials (they are redacted on construction).
 * `instanceof` works across duplicated installs of the package.
 */
export class SdkError extends Error {
  /** Stable code of the error's class, for programs to branch on. */
  readonly code: ErrorCode;
  /** Structured detail from `options.details`, with secret-named fields redacted. */
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: ErrorCode, message: string, options: SdkErrorOptions = {}) {
    super(redactText(message), options.cause === undefined ? undefined : { cause: redactCause(options.cause) });
    this.code = code;
    this.details = redact(options.details ?? {});
    this.name = new.target.name;
    Object.defineProperty(this, BRAND, { value: true });
  }

  /** `instanceof SdkError` matches SdkErrors of any copy of the package (by a brand); subclasses check as usual. */
  // `this` is the class instanceof was called on: SdkError itself matches any copy by its brand
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (this === SdkError) return typeof value === 'object' && value !== null && BRAND in value;
    return Function.prototype[Symbol.hasInstance].call(this, value);
  }

  /** `name`, `code`, `message` and `details`, for logs and JSON bodies (no stack, no cause). */
  toJSON(): Record<string, unknown> {
    return { name: this.name, code: this.code, message: this.message, details: this.details };
  }
}

function redactCause(cause: unknown): unknown {
  if (cause instanceof Error) {
    const clean = redactText(cause.message);
    if (clean !== cause.message) {
      try {
        cause.message = clean;
      } catch {
        // a cause whose properties throw on access is kept as its message only
        return new Error(clean);
      }
    }
    return cause;
  }
  return typeof cause === 'string' ? redactText(cause) : cause;
}

/** Type guard that works across package copies. */
export function isSdkError(value: unknown): value is SdkError {
  return value instanceof SdkError;
}
