import { SdkError, type SdkErrorOptions } from './sdk-error.js';

/** One problem of an invalid document: the field path and the rule it breaks. */
export interface ValidationIssue {
  /** Dotted path, e.g. `spec.destination.imageTag`. Empty for the document itself. */
  path: string;
  /** The rule, e.g. `must match ^[\w][\w.-]{0,127}$`. Never contains the offending secret value. */
  message: string;
}

/** A document or argument broke one or more rules; `issues` lists every one. */
export class ValidationError extends SdkError {
  /** Every rule the input broke. */
  readonly issues: readonly ValidationIssue[];
  constructor(issues: readonly ValidationIssue[], options: SdkErrorOptions & { subject?: string } = {}) {
    const head = options.subject ? `${options.subject} is invalid` : 'invalid input';
    super(
      'VALIDATION',
      `${head}: ${issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ')}`,
      options,
    );
    this.issues = issues;
  }
}

/** A lifecycle move the state machine does not allow. */
export class IllegalTransitionError extends SdkError {
  /** State the resource was in. */
  readonly from: string;
  /** State the move asked for. */
  readonly to: string;
  /** Resource kind, e.g. `ImageBuild`. */
  readonly kind: string;
  constructor(kind: string, from: string, to: string, options: SdkErrorOptions = {}) {
    super('ILLEGAL_TRANSITION', `${kind} cannot move from ${from} to ${to}`, options);
    this.kind = kind;
    this.from = from;
    this.to = to;
  }
}

/** A named resource does not exist. */
export class NotFoundError extends SdkError {
  constructor(message: string, options: SdkErrorOptions = {}) {
    super('NOT_FOUND', message, options);
  }
}

/** A name is taken, a resourceVersion is stale, or the resource's state forbids the call. */
export class ConflictError extends SdkError {
  constructor(message: string, options: SdkErrorOptions = {}) {
    super('CONFLICT', message, options);
  }
}

/** An HTTP API answered with an error `Status` body. */
export class ApiError extends SdkError {
  /** HTTP status of the response; 0 when the failure is not a status (e.g. a malformed response). */
  readonly status: number;
  /** The `Status` body's reason; empty when it had none. */
  readonly reason: string;
  /** The request's `X-Request-Id`, when known: quote it to the server's operators. */
  readonly requestId: string | undefined;
  /** The response body as received (parsed JSON or text). */
  readonly body: unknown;
  constructor(
    status: number,
    message: string,
    options: SdkErrorOptions & { reason?: string; requestId?: string; body?: unknown } = {},
  ) {
    super('API', message, options);
    this.status = status;
    this.reason = options.reason ?? '';
    this.requestId = options.requestId;
    this.body = options.body;
  }
}

/** An OCI registry refused or failed an operation. */
export class RegistryError extends SdkError {
  /** The registry (host, with a port when it has one). */
  readonly registry: string;
  /** The request that failed, e.g. `GET <repository>@<digest>`. */
  readonly operation: string;
  /** HTTP status of the registry's answer, when there was one. */
  readonly status: number | undefined;
  /** OCI distribution error codes from the response body (e.g. `MANIFEST_UNKNOWN`). */
  readonly ociCodes: readonly string[];
  constructor(
    registry: string,
    operation: string,
    message: string,
    options: SdkErrorOptions & { status?: number; ociCodes?: readonly string[] } = {},
  ) {
    super('REGISTRY', `${operation} on ${registry}: ${message}`, options);
    this.registry = registry;
    this.operation = operation;
    this.status = options.status;
    this.ociCodes = options.ociCodes ?? [];
  }
}

/** Downloaded or uploaded content did not match its expected digest. */
export class DigestMismatchError extends SdkError {
  /** Digest the content should have had. */
  readonly expected: string;
  /** Digest of the content received or sent. */
  readonly actual: string;
  constructor(expected: string, actual: string, options: SdkErrorOptions = {}) {
    super('DIGEST_MISMATCH', `digest mismatch: expected ${expected}, got ${actual}`, options);
    this.expected = expected;
    this.actual = actual;
  }
}

/** A container engine failed or could not be reached. */
export class EngineError extends SdkError {
  /** Name of the engine (its connection's name). */
  readonly engine: string;
  constructor(engine: string, message: string, options: SdkErrorOptions = {}) {
    super('ENGINE', `${engine}: ${message}`, options);
    this.engine = engine;
  }
}

/** One attempt of runtime discovery and why it failed. */
export interface DiscoveryAttempt {
  /** Name of the discovery strategy, e.g. `DOCKER_HOST`. */
  strategy: string;
  /** Where it looked (a socket path or URL), when it got that far. */
  target?: string;
  /** Why it did not give an engine. */
  reason: string;
}

/** No container engine could be found; `attempts` lists every strategy tried and why it failed. */
export class RuntimeNotFoundError extends SdkError {
  /** Every strategy tried, in order, and why it failed. */
  readonly attempts: readonly DiscoveryAttempt[];
  constructor(attempts: readonly DiscoveryAttempt[], options: SdkErrorOptions = {}) {
    super(
      'RUNTIME_NOT_FOUND',
      `no container engine found; tried:\n${attempts.map((a) => `  - ${a.strategy}${a.target ? ` (${a.target})` : ''}: ${a.reason}`).join('\n')}`,
      options,
    );
    this.attempts = attempts;
  }
}

/** An image build failed; `logTail` holds the last lines of its output. */
export class BuildError extends SdkError {
  /** Last lines of the build's output; empty when there was none. */
  readonly logTail: readonly string[];
  constructor(message: string, options: SdkErrorOptions & { logTail?: readonly string[] } = {}) {
    super('BUILD', message, options);
    this.logTail = options.logTail ?? [];
  }
}

/** Pushing an image to a registry failed. */
export class PushError extends SdkError {
  /** The registry the push went to. */
  readonly registry: string;
  constructor(registry: string, message: string, options: SdkErrorOptions = {}) {
    super('PUSH', `push to ${registry}: ${message}`, options);
    this.registry = registry;
  }
}

/** The disk-image converter (bootc-image-builder) failed; carries its exit code and output tail. */
export class ConversionError extends SdkError {
  /** The converter's exit code, when it exited. */
  readonly exitCode: number | undefined;
  /** Last lines of the converter's output. */
  readonly logTail: readonly string[];
  constructor(message: string, options: SdkErrorOptions & { exitCode?: number; logTail?: readonly string[] } = {}) {
    super('CONVERSION', message, options);
    this.exitCode = options.exitCode;
    this.logTail = options.logTail ?? [];
  }
}

/** An SBOM could not be generated (no package database, an unreadable one, a generator failure). */
export class SbomError extends SdkError {
  constructor(message: string, options: SdkErrorOptions = {}) {
    super('SBOM', message, options);
  }
}

/** An operation took longer than allowed, or made no progress for too long. */
export class TimeoutError extends SdkError {
  constructor(message: string, options: SdkErrorOptions = {}) {
    super('TIMEOUT', message, options);
  }
}

/** An operation was aborted by its caller (`abort()` or an `AbortSignal`). */
export class AbortError extends SdkError {
  constructor(message = 'operation aborted', options: SdkErrorOptions = {}) {
    super('ABORTED', message, options);
  }
}

/**
 * A peer sent more than a configured limit allows (a body, a line, decompressed bytes). `limit` names
 * the option that sets it (e.g. `maxJsonBytes`), `max` is its value.
 */
export class LimitExceededError extends SdkError {
  /** Name of the option that sets the limit, e.g. `maxJsonBytes`. */
  readonly limit: string;
  /** The limit's value. */
  readonly max: number;
  constructor(limit: string, max: number, message: string, options: SdkErrorOptions = {}) {
    super('LIMIT_EXCEEDED', `${message}: more than ${max} bytes (limit ${limit})`, options);
    this.limit = limit;
    this.max = max;
  }
}

/** Wraps anything thrown into an SdkError, keeping SdkErrors as they are. */
export function toSdkError(err: unknown, fallback: (message: string, cause: unknown) => SdkError): SdkError {
  if (err instanceof SdkError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return fallback(message, err);
}
