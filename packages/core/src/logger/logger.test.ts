import { describe, expect, it } from 'vitest';
import { registerSecret, unregisterSecret } from '../errors/redact.js';
import { childLogger, createLogger, silentLogger, type LogRecord } from './logger.js';

describe('logger', () => {
  it('drops records below the level and adds base fields', () => {
    const got: LogRecord[] = [];
    const log = createLogger({ level: 'info', write: (r) => got.push(r), fields: { component: 't' } });
    log.debug('hidden');
    log.info('shown', { n: 1 });
    expect(got.map((r) => [r.level, r.message, r.fields])).toEqual([['info', 'shown', { component: 't', n: 1 }]]);
  });

  it('redacts registered secrets, secret fields and error messages before the sink', () => {
    const canary = 'canary-Pa55w0rd-41';
    registerSecret(canary);
    try {
      const got: LogRecord[] = [];
      const log = childLogger(createLogger({ level: 'debug', write: (r) => got.push(r) }), { component: 'oci' });
      log.warn(`retrying with ${canary}`, { password: 'x-y-z-w', err: new Error(`bad ${canary}`), url: 'u' });
      const text = JSON.stringify(got);
      expect(text).not.toContain(canary);
      expect(text).not.toContain('x-y-z-w');
      expect(got[0]?.fields).toMatchObject({ component: 'oci', err: { name: 'Error' }, url: 'u' });
    } finally {
      unregisterSecret(canary);
    }
  });

  it('a throwing sink does not break the caller; an absent logger is silent', () => {
    const log = createLogger({
      write: () => {
        throw new Error('sink down');
      },
    });
    expect(() => log.error('x')).not.toThrow();
    expect(childLogger(undefined, { a: 1 })).toBe(silentLogger);
  });
});
