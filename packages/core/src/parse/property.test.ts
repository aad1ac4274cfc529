import { deepStrictEqual } from 'node:assert/strict';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { PUBLICKEY_TYPES, RESERVED_USERNAMES } from '../resources/rules.js';
import { parseDocuments, parseResource } from './parse-documents.js';

/* ---------- generators of valid documents ---------- */
const label63 = fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,8}[a-z0-9])?$/);
const dnsName = fc.array(label63, { minLength: 1, maxLength: 4 }).map((ls) => ls.join('.'));
const nameComp = fc.stringMatching(/^[a-z0-9]{1,6}((\.|_|__|-{1,2})[a-z0-9]{1,6}){0,2}$/);
const imageName = fc.array(nameComp, { minLength: 1, maxLength: 4 }).map((c) => c.join('/'));
const imageTag = fc.stringMatching(/^\w[\w.-]{0,30}$/);
const username = fc
  .stringMatching(/^[A-Za-z0-9_.][A-Za-z0-9_.-]{0,15}\$?$/)
  .filter((u) => u !== '.' && u !== '..' && !RESERVED_USERNAMES.has(u.toLowerCase()) && !u.startsWith('systemd-'));
const publickey = fc
  .tuple(
    fc.constantFrom(...PUBLICKEY_TYPES),
    fc.stringMatching(/^[A-Za-z0-9+/]{50,90}={0,2}$/),
    fc.option(fc.stringMatching(/^[A-Za-z0-9@.:_~!#%*+,=?^-]{1,20}$/), { nil: undefined }),
  )
  .map(([t, d, c]) => [t, d, ...(c ? [c] : [])].join(' '));
const labelKey = fc
  .tuple(fc.option(dnsName, { nil: undefined }), fc.stringMatching(/^[A-Za-z0-9]([-A-Za-z0-9_.]{0,10}[A-Za-z0-9])?$/))
  .map(([p, n]) => (p ? `${p}/${n}` : n));
const labelValue = fc.stringMatching(/^([A-Za-z0-9]([-A-Za-z0-9_.]{0,10}[A-Za-z0-9])?)?$/);
const labels = fc.option(fc.dictionary(labelKey, labelValue, { maxKeys: 4 }), { nil: undefined });
const metadata = fc
  .record({ name: dnsName, labels }, { requiredKeys: ['name'] })
  .map((m) => (m.labels === undefined ? { name: m.name } : m));
const location = fc.record({ repository: dnsName, imageName, imageTag });

const imageBuild = fc.record(
  {
    apiVersion: fc.constantFrom('v1alpha1', 'flightctl.io/v1alpha1'),
    kind: fc.constant('ImageBuild'),
    metadata,
    spec: fc.record(
      {
        source: location,
        destination: location,
        binding: fc.constantFrom({ type: 'early' }, { type: 'late' }),
        userConfiguration: fc.record({ username, publickey }),
        onboarding: fc.boolean(),
      },
      { requiredKeys: ['source', 'destination', 'binding'] },
    ),
  },
  { requiredKeys: ['apiVersion', 'kind', 'metadata', 'spec'] },
);
const imageExport = fc.record({
  apiVersion: fc.constantFrom('v1alpha1', 'flightctl.io/v1alpha1'),
  kind: fc.constant('ImageExport'),
  metadata,
  spec: fc.record({
    source: fc.record({ type: fc.constant('imageBuild'), imageBuildRef: dnsName }),
    format: fc.constantFrom('qcow2', 'vmdk', 'iso', 'qcow2-disk-container', 'raw', 'vhd', 'gce', 'ami', 'anaconda-iso'),
  }),
});
const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((o) => o.join('.'));
const hostname = fc
  .tuple(fc.array(label63, { minLength: 0, maxLength: 3 }), fc.stringMatching(/^[a-z]([-a-z0-9]{0,6}[a-z0-9])?$/))
  .map(([ls, last]) => [...ls, last].join('.'));
const ipv6 = fc
  .ipV6()
  .filter((a) => !a.includes('.'))
  .map((a) => `[${a}]`);
const registry = fc
  .tuple(fc.oneof(hostname, ipv4, ipv6), fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }))
  .map(([h, p]) => (p ? `${h}:${p}` : h));
const repository = fc.record({
  apiVersion: fc.constantFrom('v1beta1', 'flightctl.io/v1beta1'),
  kind: fc.constant('Repository'),
  metadata,
  spec: fc.record(
    {
      type: fc.constant('oci'),
      registry,
      scheme: fc.constantFrom('http', 'https'),
      accessMode: fc.constantFrom('Read', 'ReadWrite'),
      ociAuth: fc.record({
        authType: fc.constant('docker'),
        username: fc.string({ minLength: 1, maxLength: 20 }),
        password: fc.string({ minLength: 1, maxLength: 40 }),
      }),
      skipServerVerification: fc.boolean(),
    },
    { requiredKeys: ['type', 'registry'] },
  ),
});
const anyValidDoc = fc.oneof(imageBuild, imageExport, repository) as fc.Arbitrary<Record<string, unknown>>;

/** What the parser must make of a valid input document. */
function expectedOutput(doc: Record<string, unknown>): Record<string, unknown> {
  const out = structuredClone(doc);
  out['apiVersion'] = doc['kind'] === 'Repository' ? 'flightctl.io/v1beta1' : 'flightctl.io/v1alpha1';
  if (doc['kind'] === 'Repository') {
    const spec = out['spec'] as Record<string, unknown>;
    spec['scheme'] ??= 'https';
    spec['accessMode'] ??= 'Read';
  }
  return out;
}

const serialise = (doc: unknown, json: boolean): string => (json ? JSON.stringify(doc) : stringify(doc));
/** JSON three times in four: YAML is ten times slower to round-trip and is covered by the other quarter. */
const useJson = fc.nat(3).map((n) => n !== 0);

/* ---------- mutations that make a document invalid, with the path that must be reported ---------- */
type Mutation = { path: string; set: unknown } | { path: string; remove: true };
const SECRET = 'S3cr3t-marker-value';
const MUTATIONS: Record<string, fc.Arbitrary<Mutation>> = {
  ImageBuild: fc.oneof(
    fc
      .constantFrom('-x', '.x', 'a b', 'x'.repeat(129), '', 'a:b', 'ä')
      .map((v) => ({ path: 'spec.source.imageTag', set: v })),
    fc
      .constantFrom('A', 'a/', '/a', 'quay.io:5000/a', '', 'a___b', 'x'.repeat(256))
      .map((v) => ({ path: 'spec.destination.imageName', set: v })),
    fc.constantFrom('Bad', '-a', '', 'a..b', 'x'.repeat(254), 'a_b').map((v) => ({ path: 'metadata.name', set: v })),
    fc.constantFrom('middle', '', 3).map((v) => ({ path: 'spec.binding.type', set: v })),
    fc
      .constantFrom(
        'spec.binding',
        'spec.source',
        'spec.destination',
        'spec.source.repository',
        'metadata',
        'apiVersion',
      )
      .map((p) => ({ path: p, remove: true as const })),
    fc.constantFrom(1, 'str', null, [], true).map((v) => ({ path: 'spec.source', set: v })),
    fc
      .constantFrom('a@b', ' a', 'a ', '-a', '..', 'x'.repeat(257))
      .map((v) => ({ path: 'spec.userConfiguration.username', set: v })),
    fc
      .constantFrom(
        'ssh-rsa short',
        `ssh-rsa ${'A'.repeat(60)} $(id)`,
        'x',
        `ssh-rsa ${'A'.repeat(60)}\nssh-rsa ${'A'.repeat(60)}`,
      )
      .map((v) => ({ path: 'spec.userConfiguration.publickey', set: v })),
    fc.constantFrom('spec.extra', 'extra').map((p) => ({ path: p, set: 1 })),
    fc.constantFrom('true', 1, null).map((v) => ({ path: 'spec.onboarding', set: v })),
    fc.constantFrom('v2', 'flightctl.io/v1beta1', 7).map((v) => ({ path: 'apiVersion', set: v })),
    fc.constantFrom('-bad', 'x'.repeat(64), 'a b', 5).map((v) => ({ path: 'metadata.labels.key', set: v })),
  ),
  ImageExport: fc.oneof(
    fc.constantFrom('tiff', '', 'QCOW2', 1).map((v) => ({ path: 'spec.format', set: v })),
    fc.constantFrom('', 5).map((v) => ({ path: 'spec.source.imageBuildRef', set: v })),
    fc.constantFrom('imageReference', '').map((v) => ({ path: 'spec.source.type', set: v })),
    fc.constantFrom('spec.format', 'spec.source', 'kind').map((p) => ({ path: p, remove: true as const })),
    fc.constant({ path: 'spec.imageReference', set: 'x' }),
  ),
  Repository: fc.oneof(
    fc
      .constantFrom('', 'Quay.io', 'a:0', 'a:65536', '[::1', '[zz::1]', 'http://x', 'a/b', '999.1.1.1', ':5000')
      .map((v) => ({ path: 'spec.registry', set: v })),
    fc.constantFrom('ftp', 'HTTPS').map((v) => ({ path: 'spec.scheme', set: v })),
    fc.constantFrom('Write', 'readwrite').map((v) => ({ path: 'spec.accessMode', set: v })),
    fc
      .constantFrom('', 42, SECRET + 'x'.repeat(8200))
      .map((v) => ({ path: 'spec.ociAuth', set: { authType: 'docker', username: 'u', password: v } })),
    fc
      .constantFrom('basic', '')
      .map((v) => ({ path: 'spec.ociAuth', set: { authType: v, username: 'u', password: SECRET } })),
    fc.constantFrom('git', '').map((v) => ({ path: 'spec.type', set: v })),
    fc.constant({ path: 'spec.url', set: 'https://x' }),
  ),
};

function apply(doc: Record<string, unknown>, m: Mutation): Record<string, unknown> {
  const out = structuredClone(doc);
  const parts = m.path.split('.');
  let cur: Record<string, unknown> = out;
  for (const p of parts.slice(0, -1)) {
    if (typeof cur[p] !== 'object' || cur[p] === null) cur[p] = {};
    cur = cur[p] as Record<string, unknown>;
  }
  const last = parts[parts.length - 1]!;
  if ('remove' in m) delete cur[last];
  else cur[last] = m.set;
  return out;
}

describe('property: generated documents', () => {
  it('accepts every valid document, from YAML or JSON, and round-trips it (5,000 runs)', () => {
    fc.assert(
      fc.property(anyValidDoc, useJson, (doc, json) => {
        const res = parseDocuments(serialise(doc, json));
        if (res.length !== 1) throw new Error(`expected one document, got ${res.length}`);
        const r = res[0]!;
        if (!r.ok) throw new Error(`rejected a valid document: ${r.error.message}`);
        deepStrictEqual(r.resource, expectedOutput(doc));
        const again = parseDocuments(serialise(r.resource, json))[0]!;
        if (!again.ok) throw new Error(`rejected its own output: ${again.error.message}`);
        deepStrictEqual(again.resource, r.resource);
      }),
      { numRuns: 5000 },
    );
  });

  it('rejects every invalid document, naming the broken field, never echoing secrets (5,000 runs)', () => {
    const arb = fc.oneof(
      fc.tuple(imageBuild as fc.Arbitrary<Record<string, unknown>>, MUTATIONS['ImageBuild']!),
      fc.tuple(imageExport as fc.Arbitrary<Record<string, unknown>>, MUTATIONS['ImageExport']!),
      fc.tuple(repository as fc.Arbitrary<Record<string, unknown>>, MUTATIONS['Repository']!),
    );
    fc.assert(
      fc.property(arb, useJson, ([doc, m], json) => {
        const bad = apply(doc, m);
        const r = parseDocuments(serialise(bad, json))[0]!;
        if (r.ok) throw new Error(`accepted an invalid document (${m.path})`);
        const issues = r.error.issues;
        if (issues.length === 0) throw new Error('no issues');
        for (const i of issues) {
          if (typeof i.path !== 'string' || i.path.length === 0 || i.message.length === 0)
            throw new Error(`issue without path or rule: ${JSON.stringify(i)}`);
        }
        const paths = issues.map((i) => i.path);
        // The broken field, or its enclosing object when the mutation removed a whole object.
        if (!paths.some((p) => p === m.path || p.startsWith(`${m.path}.`) || m.path.startsWith(`${p}.`))) {
          throw new Error(`${m.path} not among reported paths ${paths.join(', ')}`);
        }
        if ((r.error.message + JSON.stringify(issues)).includes(SECRET)) throw new Error('secret echoed');
      }),
      { numRuns: 5000 },
    );
  });

  it('never crashes on arbitrary values or text (1,000 runs)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), fc.anything()), fc.string(), (value, text) => {
        const r = parseResource(value);
        if (!r.ok) for (const i of r.error.issues) expect(typeof i.message).toBe('string');
        for (const d of parseDocuments(text)) expect(typeof d.ok).toBe('boolean');
      }),
      { numRuns: 1000 },
    );
  });
});
