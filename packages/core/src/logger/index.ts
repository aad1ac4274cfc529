export {
  childLogger,
  createLogger,
  silentLogger,
  type CreateLoggerOptions,
  type LogFields,
  type Logger,
  type LogLevel,
  type LogRecord,
} from './logger.js';
