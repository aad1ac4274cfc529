/**
 * Conformance of our OpenAPI documents with upstream Flight Control's (../shared/reference/flightctl-api):
 * every upstream image-builder path and method exists in ours with compatible parameters, request
 * bodies and responses (status codes, media types, schemas); every core-API operation we model exists
 * upstream and is compatible the same way. Skipped, with a notice, when ../shared is absent.
 */
import { describe, expect, it } from 'vitest';
import { schemaCompat, type CompatOptions } from './support/compat.js';
import {
  SpecSet,
  isObject,
  operations,
  ourCoreDoc,
  ourImageBuilderDoc,
  upstreamCoreDoc,
  upstreamDir,
  upstreamImageBuilderDoc,
  upstreamPresent,
  type Json,
  type JsonObject,
  type OperationView,
} from './support/openapi-doc.js';

if (!upstreamPresent) {
  console.warn(
    `\n*** NOTICE: conformance tests SKIPPED — upstream OpenAPI documents not found under ${upstreamDir} ***\n`,
  );
}

function content(specs: SpecSet, node: Json, file: string): Map<string, Json> {
  const r = specs.resolve(node, file).node;
  const media = isObject(r) && isObject(r.content) ? r.content : {};
  return new Map(
    Object.entries(media).map(([type, m]) => [type, specs.inline(isObject(m) ? (m.schema ?? {}) : {}, file)]),
  );
}

/** Differences that make `ours` unable to stand in for `up`. */
export function operationDiffs(
  specs: SpecSet,
  up: OperationView,
  ours: OperationView,
  opts: { narrowOneOf?: boolean } = {},
): string[] {
  const where = `${up.method.toUpperCase()} ${up.path}`;
  const out: string[] = [];
  const req: CompatOptions = { direction: 'request', ...opts };
  const res: CompatOptions = { direction: 'response', ...opts };
  for (const [key, p] of up.params) {
    const mine = ours.params.get(key);
    if (!mine) {
      out.push(`${where}: parameter ${key} missing`);
      continue;
    }
    if (mine.required === true && p.required !== true) out.push(`${where}: parameter ${key} required in ours only`);
    out.push(
      ...schemaCompat(
        specs.inline(p.schema ?? {}, up.file),
        specs.inline(mine.schema ?? {}, ours.file),
        `${where} ${key}`,
        req,
      ),
    );
  }
  for (const [key, p] of ours.params) {
    if (!up.params.has(key) && p.required === true) out.push(`${where}: ours adds required parameter ${key}`);
  }
  if (up.op.requestBody) {
    if (!ours.op.requestBody) out.push(`${where}: request body missing`);
    else {
      const ub = content(specs, up.op.requestBody, up.file);
      const ob = content(specs, ours.op.requestBody, ours.file);
      for (const [type, schema] of ub) {
        const mine = ob.get(type);
        if (mine === undefined) out.push(`${where}: request media type ${type} missing`);
        else out.push(...schemaCompat(schema, mine, `${where} body`, req));
      }
    }
  }
  const ur = (up.op.responses ?? {}) as JsonObject;
  const or = (ours.op.responses ?? {}) as JsonObject;
  for (const [code, response] of Object.entries(ur)) {
    if (!(code in or)) {
      out.push(`${where}: response ${code} missing`);
      continue;
    }
    const uc = content(specs, response, up.file);
    const oc = content(specs, or[code]!, ours.file);
    for (const [type, schema] of uc) {
      const mine = oc.get(type);
      if (mine === undefined) out.push(`${where}: response ${code} media type ${type} missing`);
      else out.push(...schemaCompat(schema, mine, `${where} ${code}`, res));
    }
    const uh = specs.resolve(response, up.file).node;
    const oh = specs.resolve(or[code]!, ours.file).node;
    const upHeaders = isObject(uh) && isObject(uh.headers) ? Object.keys(uh.headers) : [];
    const ourHeaders = isObject(oh) && isObject(oh.headers) ? Object.keys(oh.headers) : [];
    for (const h of upHeaders) if (!ourHeaders.includes(h)) out.push(`${where}: response ${code} header ${h} missing`);
  }
  return out;
}

const key = (o: OperationView): string => `${o.method} ${o.path}`;

/**
 * Intended deviations of the core subset, each with its reason. Every entry must still match a
 * reported difference (a stale entry fails the test), so the list cannot silently grow stale.
 */
const CORE_DEVIATIONS: ReadonlyArray<[RegExp, string]> = [
  // Upstream's core ApiVersion admits "" for old clients; we always send and require a version.
  [/ (body|\d{3})(\.items\[\])?\.apiVersion: upstream values \[""\] missing from ours$/, 'apiVersion "" not accepted'],
  // DockerAuth username/password limits (1..256, 1..8192) that upstream enforces in code are in our schema.
  [
    /^POST \/repositories body\.spec: upstream is oneOf, ours is not$/,
    'only oci repositories; docker auth limits in the schema',
  ],
];

describe.skipIf(!upstreamPresent)('conformance with upstream Flight Control OpenAPI', () => {
  const specs = new SpecSet();

  it('image builder: every upstream path and method exists in ours, compatibly', () => {
    const ours = new Map(operations(specs, ourImageBuilderDoc).map((o) => [key(o), o]));
    const upstream = operations(specs, upstreamImageBuilderDoc);
    expect(upstream.length).toBeGreaterThanOrEqual(19);
    const diffs: string[] = [];
    for (const up of upstream) {
      const mine = ours.get(key(up));
      if (!mine) diffs.push(`${key(up)}: missing from ours`);
      else diffs.push(...operationDiffs(specs, up, mine));
    }
    expect(diffs).toEqual([]);
  });

  it('core subset: every operation we model exists upstream, compatibly (oci repositories only)', () => {
    const upstream = new Map(operations(specs, upstreamCoreDoc).map((o) => [key(o), o]));
    const diffs: string[] = [];
    for (const mine of operations(specs, ourCoreDoc)) {
      const up = upstream.get(key(mine));
      if (!up) diffs.push(`${key(mine)}: not an upstream operation`);
      else diffs.push(...operationDiffs(specs, up, mine, { narrowOneOf: true }));
    }
    expect(diffs.filter((d) => !CORE_DEVIATIONS.some(([re]) => re.test(d)))).toEqual([]);
    for (const [re, why] of CORE_DEVIATIONS)
      expect(
        diffs.some((d) => re.test(d)),
        `stale deviation: ${why}`,
      ).toBe(true);
  });

  it('the check detects an incompatible document (mutated copies)', () => {
    const up = operations(specs, upstreamImageBuilderDoc).find(
      (o) => o.method === 'get' && o.path === '/api/v1/imagebuilds',
    )!;
    const mine = operations(specs, ourImageBuilderDoc).find(
      (o) => o.method === 'get' && o.path === '/api/v1/imagebuilds',
    )!;
    const params = new Map(mine.params);
    params.delete('query:withexports');
    const responses = { ...(mine.op.responses as JsonObject) };
    delete responses['429'];
    const broken = { ...mine, params, op: { ...mine.op, responses } };
    const diffs = operationDiffs(specs, up, broken);
    expect(diffs).toContain('GET /api/v1/imagebuilds: parameter query:withexports missing');
    expect(diffs).toContain('GET /api/v1/imagebuilds: response 429 missing');
    const tighter = schemaDiffOnRequired();
    expect(tighter.length).toBeGreaterThan(0);
  });

  function schemaDiffOnRequired(): string[] {
    const up = specs.inline({ $ref: '#/components/schemas/ImageBuild' }, upstreamImageBuilderDoc);
    const ours = specs.inline({ $ref: '#/components/schemas/ImageBuild' }, ourImageBuilderDoc) as JsonObject;
    return schemaCompat(up, { ...ours, required: [...(ours.required as string[]), 'status'] }, 'ImageBuild', {
      direction: 'request',
    });
  }
});
