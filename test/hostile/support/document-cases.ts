/**
 * Child-process side of the hostile-document cases: one parse, measured (CPU, RSS growth).
 * Usage (by runCase): node … document-cases.ts <case>.
 */
import { parseDocuments, type DocumentResult } from '@imagebuild/core';
import { parseEnrollmentConfig } from '@imagebuild/core/containerfile';
import { hasControlCharacters } from '@imagebuild/core/resources';
import { CANARY, describeError, measure } from './child.js';

const build = (spec: Record<string, unknown> = {}, meta: Record<string, unknown> = { name: 'b' }) => ({
  apiVersion: 'v1alpha1',
  kind: 'ImageBuild',
  metadata: meta,
  spec: {
    source: { repository: 'src', imageName: 'a/b', imageTag: 'v1' },
    destination: { repository: 'dst', imageName: 'a/c', imageTag: 'v1' },
    binding: { type: 'late' },
    ...spec,
  },
});
const repo = (spec: Record<string, unknown>) => ({
  apiVersion: 'v1beta1',
  kind: 'Repository',
  metadata: { name: 'r' },
  spec: {
    type: 'oci',
    registry: 'quay.io',
    ociAuth: { authType: 'docker', username: 'u', password: `pw-${CANARY}` },
    ...spec,
  },
});

/** What a case reports: per document ok / first issue path / message length, never the text. */
function summary(results: DocumentResult[]): Record<string, unknown> {
  const bad = results.filter((r) => !r.ok);
  const first = bad[0];
  const message = first && !first.ok ? first.error.message : '';
  return {
    documents: results.length,
    invalid: bad.length,
    firstPath: first && !first.ok ? first.error.issues[0]?.path : undefined,
    firstMessage: message.slice(0, 300),
    longestMessage: Math.max(0, ...bad.map((r) => (r.ok ? 0 : r.error.message.length))),
    controlInMessages: bad.some((r) => !r.ok && hasControlCharacters(r.error.message)),
    canaryInMessages: bad.some((r) => !r.ok && r.error.message.includes(CANARY)),
  };
}

const parse = (text: string): Record<string, unknown> => summary(parseDocuments(text));

const CASES: Record<string, () => Record<string, unknown>> = {
  'image-name-40': () =>
    parse(JSON.stringify(build({ source: { repository: 's', imageName: `${'a'.repeat(40)}!`, imageTag: 'v' } }))),
  'base-image-name-40': () =>
    parse(JSON.stringify(repo({ baseImages: [{ imageName: `0/00${'0'.repeat(40)}_`, tags: ['v1'] }] }))),
  'ca-crt-100k-spaces': () => parse(JSON.stringify(repo({ 'ca.crt': `${' '.repeat(100_000)}!` }))),
  'enrollment-data-100k-spaces': () => {
    const spaces = ' '.repeat(100_000);
    try {
      parseEnrollmentConfig(
        `enrollment-service:\n  service:\n    server: https://x\n    certificate-authority-data: "${spaces}!"\n`,
      );
      return { accepted: true };
    } catch (err) {
      return { ...describeError(err), message: undefined };
    }
  },
  // A per-error rescan of the text is quadratic in its bytes (before: ~2 s more CPU here), while the
  // yaml library's own cost grows with tokens (~0.1 s here): long comment lines set the two apart.
  'bad-documents-1k-in-2mib': () =>
    parse(
      Array.from(
        { length: 1000 },
        (_, i) => `${`# ${'x'.repeat(98)}\n`.repeat(20)}kind: ImageBuild\nmetadata: {name: b${i}\n`,
      ).join('---\n'),
    ),
  'repository-20mib': () =>
    parse(
      JSON.stringify(build({ source: { repository: 'r'.repeat(20 * 1024 * 1024), imageName: 'a', imageTag: 'v' } })),
    ),
  'control-characters-in-names': () =>
    parse(
      JSON.stringify(
        build(
          {},
          { name: `x\r\nFORGED\u001b[31m\u2028${'y'.repeat(100_000)}`, labels: { [`k\n${'z'.repeat(100_000)}`]: 'v' } },
        ),
      ),
    ),
  'duplicate-key-in-200k-keys': () => {
    const keys = Array.from({ length: 200_000 }, (_, i) => `"k${i}":1`).join(',');
    return parse(`{"kind":"ImageBuild","metadata":{"name":"b","annotations":{${keys},"k7":2}}}`);
  },
  'deep-nesting-100k': () => parse(`{"kind":"ImageBuild","x":${'['.repeat(100_000)}${']'.repeat(100_000)}}`),
  'alias-bomb': () =>
    parse(
      `a: &a ["x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n`,
    ),
  'password-never-echoed': () => parse(JSON.stringify(repo({ registry: `bad host ${CANARY}`, extra: CANARY }))),
};

const name = process.argv[2] ?? '';
const body = CASES[name];
if (!body) throw new Error(`unknown case ${name}`);
// Warm-up: a case measures how the parse grows with its input, not the parser's first compilations
// (≈ 0.6 s of JIT work, compiler threads included, on a cold process): a medium, broken input first.
parse(
  Array.from({ length: 100 }, (_, i) => `${'#\n'.repeat(200)}kind: ImageBuild\nmetadata: {name: w${i}\n`).join('---\n'),
);
await measure(name, async () => body());
