import { SdkError, ValidationError } from '@imagebuild/core';
import { ApiError } from '@imagebuild/core/errors';

/** The command's exit statuses (documented in `imagebuild --help`). */
export const EXIT = {
  OK: 0,
  /** A job failed or was canceled; an apply had documents refused. */
  FAILED: 1,
  /** Bad input or bad configuration (flags, YAML, config file, rejected credentials). */
  USAGE: 2,
  /** A server or an engine could not be reached. */
  UNREACHABLE: 3,
  INTERRUPTED: 130,
} as const;
/** One of the `EXIT` statuses. */
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** An error the CLI reports as-is: a message, the fix, and the exit status. */
export class CliError extends Error {
  /** Always `'CliError'`. */
  override readonly name = 'CliError';
  constructor(
    message: string,
    /** The exit status the CLI returns. */
    readonly exitCode: ExitCode,
    /** How to fix it, printed after `fix:`. */
    readonly hint?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export const usage = (message: string, hint?: string): CliError => new CliError(message, EXIT.USAGE, hint);

const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ENOENT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNRESET',
  'ETIMEDOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_SOCKET',
  'EPIPE',
]);

/** True when some error in the cause chain is a failed connection (refused, missing socket, DNS…). */
export function isConnectionFailure(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 8; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && UNREACHABLE_CODES.has(code)) return true;
    if (e instanceof SdkError && (e.code === 'RUNTIME_NOT_FOUND' || (e instanceof ApiError && e.status === 0)))
      return true;
    if (e instanceof Error && /fetch failed|connect ECONNREFUSED|socket hang up/.test(e.message)) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

const TLS_CODE = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|HOSTNAME_MISMATCH/;

/** The TLS verification failure in the cause chain (the server's certificate is not trusted), if any. */
function tlsFailure(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 8; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && TLS_CODE.test(code)) return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Maps any error to what the user sees: message lines, a hint, and the exit status. */
export function describeError(err: unknown): { message: string; hint: string | undefined; exitCode: ExitCode } {
  if (err instanceof CliError) return { message: err.message, hint: err.hint, exitCode: err.exitCode };
  const tls = tlsFailure(err);
  if (tls)
    return {
      message: `${err instanceof Error ? err.message : String(err)} (${tls})`,
      hint: "the server's certificate is not trusted: pass --certificate-authority CA.pem to `imagebuild login`",
      exitCode: EXIT.USAGE,
    };
  if (err instanceof ValidationError) {
    const lines = err.issues.map((i) => `  ${i.path || '(document)'}: ${i.message}`);
    return {
      message: `${headOf(err.message)}:\n${lines.join('\n')}`,
      hint: 'fix the fields above and run the command again',
      exitCode: EXIT.USAGE,
    };
  }
  if (err instanceof ApiError) {
    if (err.status === 401)
      return {
        message: `${err.message}`,
        hint: 'the server rejected the token: run `imagebuild login URL --token …` with a valid token',
        exitCode: EXIT.USAGE,
      };
    if (err.status === 403)
      return {
        message: err.message,
        hint: 'the token is valid but not allowed to do this (role or --org)',
        exitCode: EXIT.USAGE,
      };
    // No answer, or a gateway/overload answer: the server is not reachable as such. Other 5xx are its failures.
    if (err.status === 0 || err.status === 502 || err.status === 503 || err.status === 504 || isConnectionFailure(err))
      return {
        message: err.message,
        hint: 'check that the server is up and the URL in the context is right (`imagebuild login`)',
        exitCode: EXIT.UNREACHABLE,
      };
    return { message: err.message, hint: undefined, exitCode: err.status === 400 ? EXIT.USAGE : EXIT.FAILED };
  }
  if (err instanceof SdkError) {
    if (err.code === 'RUNTIME_NOT_FOUND' || err.code === 'ENGINE' || isConnectionFailure(err))
      return {
        message: err.message,
        hint: 'start the engine or point --engine at its socket (unix:///run/podman/podman.sock, tcp://host:2376)',
        exitCode: EXIT.UNREACHABLE,
      };
    if (err.code === 'NOT_FOUND' || err.code === 'CONFLICT')
      return { message: err.message, hint: undefined, exitCode: EXIT.FAILED };
    if (err.code === 'ABORTED') return { message: err.message, hint: undefined, exitCode: EXIT.INTERRUPTED };
    return { message: err.message, hint: undefined, exitCode: EXIT.FAILED };
  }
  if (isConnectionFailure(err))
    return {
      message: err instanceof Error ? err.message : String(err),
      hint: 'check the address and that the server or engine is running',
      exitCode: EXIT.UNREACHABLE,
    };
  return { message: err instanceof Error ? err.message : String(err), hint: undefined, exitCode: EXIT.FAILED };
}

function headOf(message: string): string {
  const at = message.indexOf(' is invalid: ');
  return at >= 0 ? message.slice(0, at + 11) : 'invalid input';
}
