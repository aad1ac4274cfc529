/**
 * Issue 12: fast-check fuzzing of the YAML/JSON parse path. Whatever the text — duplicate keys,
 * control characters, prototype keys, random structure — parseDocuments returns (never throws),
 * every problem names a path, no message carries a raw control character or more than a bounded
 * echo, and a duplicated key is always an error naming its field.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { parseDocuments } from '@imagebuild/core';
import { hasControlCharacters } from '@imagebuild/core/resources';

const nasty = fc.string({
  unit: fc.constantFrom(
    'a',
    'Z',
    '0',
    '-',
    '.',
    '/',
    ':',
    '"',
    '\\',
    '\n',
    '\r',
    '\t',
    '\u0000',
    '\u001b',
    '\u007f',
    '\u0085',
    '\u2028',
    '\u202e',
    '__proto__',
    ' ',
  ),
  maxLength: 40,
});

function check(text: string): void {
  const results = parseDocuments(text);
  for (const r of results) {
    if (r.ok) continue;
    expect(r.error.issues.length).toBeGreaterThan(0);
    expect(hasControlCharacters(r.error.message), r.error.message).toBe(false);
    expect(r.error.message.length).toBeLessThan(4000);
  }
}

const build = (name: string, extra: Record<string, unknown>) => ({
  apiVersion: 'v1alpha1',
  kind: 'ImageBuild',
  metadata: { name, labels: extra },
  spec: {
    source: { repository: name, imageName: name, imageTag: name },
    destination: { repository: 'dst', imageName: 'a/c', imageTag: 'v1' },
    binding: { type: name },
  },
});

describe('fuzzing parseDocuments', () => {
  it('hostile values anywhere in a document: no throw, no raw control character in any message', () => {
    fc.assert(
      fc.property(nasty, fc.dictionary(nasty, nasty, { maxKeys: 4 }), fc.boolean(), (name, labels, asJson) => {
        const doc = build(name, labels);
        check(asJson ? JSON.stringify(doc) : stringify(doc));
      }),
      { numRuns: 2000 },
    );
  });

  it('random text, JSON-ish and YAML-ish: parseDocuments always returns', () => {
    fc.assert(
      fc.property(fc.oneof(nasty, fc.json(), fc.string({ maxLength: 200 })), (text) => check(text)),
      { numRuns: 2000 },
    );
  });

  it('a duplicated key is always an error naming its field (JSON and YAML)', () => {
    const key = fc.stringMatching(/^[a-z][a-zA-Z0-9]{0,8}$/);
    fc.assert(
      fc.property(key, fc.boolean(), (k, asJson) => {
        const base = JSON.stringify(build('b', {})).replace('"binding":{', `"binding":{"${k}":1,"${k}":2,`);
        const text = asJson
          ? base
          : stringify(JSON.parse(JSON.stringify(build('b', {})))).replace(
              'binding:\n    type:',
              `binding:\n    ${k}: 1\n    ${k}: 2\n    type:`,
            );
        const [r] = parseDocuments(text);
        expect(r?.ok).toBe(false);
        if (r && !r.ok) expect(r.error.issues[0]!.path).toBe(`spec.binding.${k}`);
      }),
      { numRuns: 500 },
    );
  });
});
