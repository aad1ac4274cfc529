import { redact, redactText } from '../errors/redact.js';

/** Severity of a log record, lowest first. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Structured fields of a log record (e.g. `{ repository: 'dst', attempt: 2 }`). */
export type LogFields = Readonly<Record<string, unknown>>;

/**
 * What the SDK logs through: four levels, a message and structured fields. Every
 * `logger` option of the SDK takes one; pino, winston and `console` fit through
 * {@link createLogger}'s `write`. The SDK is silent unless given a logger.
 */
export interface Logger {
  /** Detail for diagnosing (each request retried, each discovery attempt). */
  debug(message: string, fields?: LogFields): void;
  /** A decision a user may want to see (a job placed, a download resumed, a sweep). */
  info(message: string, fields?: LogFields): void;
  /** Something went wrong and was handled (a retry, a cleanup that failed). */
  warn(message: string, fields?: LogFields): void;
  /** Something went wrong and was not handled here (the caller also gets an error). */
  error(message: string, fields?: LogFields): void;
}

/** One log record as handed to a {@link createLogger} sink (already redacted). */
export interface LogRecord {
  /** The record's severity. */
  readonly level: LogLevel;
  /** What happened, in a sentence (redacted). */
  readonly message: string;
  /** Structured detail (redacted; errors as `{ name, code, message }`). */
  readonly fields: LogFields;
  /** Milliseconds since the epoch. */
  readonly time: number;
}

/** Options of {@link createLogger}. */
export interface CreateLoggerOptions {
  /** Records below this level are dropped. Default `info`. */
  level?: LogLevel | undefined;
  /** Where records go. Default: one JSON line per record on standard error. */
  write?: ((record: LogRecord) => void) | undefined;
  /** Fields added to every record (e.g. `{ component: 'builder' }`). */
  fields?: LogFields | undefined;
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** The default: drops everything. */
export const silentLogger: Logger = Object.freeze({
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
});

const stderrJson = (r: LogRecord): void => {
  process.stderr.write(
    `${JSON.stringify({ time: new Date(r.time).toISOString(), level: r.level, msg: r.message, ...r.fields })}\n`,
  );
};

/**
 * A logger with a level threshold and a sink. Message and fields pass through the SDK's
 * credential redaction before the sink sees them, so a sink can never print a registered
 * password or a credential-shaped field.
 */
export function createLogger(options: CreateLoggerOptions = {}): Logger {
  const min = RANK[options.level ?? 'info'];
  const write = options.write ?? stderrJson;
  const base = options.fields ?? {};
  const emit =
    (level: LogLevel) =>
    (message: string, fields?: LogFields): void => {
      if (RANK[level] < min) return;
      const all = fields ? { ...base, ...fields } : base;
      // a sink that throws must not break the operation that logged
      try {
        write({ level, message: redactText(message), fields: redact(errorsAsText(all)), time: Date.now() });
      } catch {
        /* logging is best effort */
      }
    };
  return { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error') };
}

/**
 * A logger that adds `fields` to every record and redacts before passing on to `logger`
 * (for components handed a user's logger: their records carry e.g. `{ component: 'oci' }`).
 * Returns {@link silentLogger} for an absent logger, so callers never test for one.
 */
export function childLogger(logger: Logger | undefined, fields: LogFields): Logger {
  if (!logger || logger === silentLogger) return silentLogger;
  const wrap =
    (level: LogLevel) =>
    (message: string, more?: LogFields): void => {
      try {
        logger[level](redactText(message), redact(errorsAsText(more ? { ...fields, ...more } : fields)));
      } catch {
        /* logging is best effort */
      }
    };
  return { debug: wrap('debug'), info: wrap('info'), warn: wrap('warn'), error: wrap('error') };
}

/** Errors become `{ name, code, message }`: their messages are redacted text, their stacks stay out. */
function errorsAsText(fields: LogFields): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) {
    if (v instanceof Error) {
      const code = (v as { code?: unknown }).code;
      out[k] = { name: v.name, ...(code !== undefined ? { code } : {}), message: v.message };
    } else out[k] = v;
  }
  return out;
}
