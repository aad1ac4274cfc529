import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { JsonCheckError, MAX_JSON_DEPTH, checkJson } from '../src/internal/json-check.js';
import { cleanMessage, quote } from '../src/internal/echo.js';

const verdict = (text: string): 'ok' | 'dup' | 'bad' => {
  try {
    checkJson(text);
    return 'ok';
  } catch (err) {
    expect(err).toBeInstanceOf(JsonCheckError);
    return /^duplicate key /.test((err as Error).message) ? 'dup' : 'bad';
  }
};
const parses = (text: string): boolean => {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
};

describe('checkJson', () => {
  it('accepts exactly what JSON.parse accepts, except repeated keys', () => {
    const nearJson = fc.oneof(
      fc.json(),
      fc.string({ unit: fc.constantFrom(...'{}[]":,0123456789.eE+-tfnrulasx \\\n\t\u0001'.split('')) }),
      fc.json().map((j) => j.slice(0, Math.max(0, j.length - 1))),
    );
    fc.assert(
      fc.property(nearJson, (text) => {
        const v = verdict(text);
        if (v === 'ok') expect(parses(text)).toBe(true);
        if (v === 'bad') expect(parses(text)).toBe(false);
        if (v === 'dup') expect(parses(text)).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });

  it('refuses a repeated key (also spelled with escapes), naming its path', () => {
    const msg = (text: string) => {
      try {
        checkJson(text);
        return '';
      } catch (err) {
        return (err as Error).message;
      }
    };
    expect(msg('{"spec":{"binding":{"type":"early"},"binding":{"type":"late"}}}')).toMatch(
      /^duplicate key spec\.binding at line 1, column \d+$/,
    );
    expect(msg('{"a":[{"k":1},{"k":1,"\\u006b":2}]}')).toMatch(/^duplicate key a\[1\]\.k /);
    expect(msg('{"we ird\\u001b":1,"we ird\\u001b":2}')).toMatch(/^duplicate key \["we ird\\u001b"\] /);
    expect(msg('{"a":{"x":1},"b":{"x":1}}')).toBe('');
  });

  it('never quotes the input; bounds nesting without recursion', () => {
    const canary = 'CANARY-7f3a9';
    for (const text of [`{"password":${canary}}`, `{"password":"${canary}`, `{"password":"${canary}\\q"}`]) {
      expect(() => checkJson(text)).toThrow(JsonCheckError);
      try {
        checkJson(text);
      } catch (err) {
        expect((err as Error).message).not.toContain('CANARY');
      }
    }
    expect(() => checkJson('['.repeat(MAX_JSON_DEPTH) + ']'.repeat(MAX_JSON_DEPTH))).not.toThrow();
    expect(() => checkJson('['.repeat(100_000))).toThrow(/nesting deeper than/);
  });
});

describe('messages', () => {
  it('escape control characters, quote and bound echoed values', () => {
    expect(cleanMessage('a\u001b[31mb\rc\u0000d\u2028e\nf')).toBe('a\\u001b[31mb\\rc\\u0000d\\u2028e\nf');
    expect(quote('x\ny"z')).toBe('"x\\ny\\"z"');
    const long = quote('a'.repeat(10_000));
    expect(long.length).toBeLessThan(200);
    expect(long).toContain('more characters');
    expect(cleanMessage('b'.repeat(1_000_000)).length).toBeLessThan(9000);
  });
});
