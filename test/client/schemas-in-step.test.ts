/**
 * Keeps our OpenAPI documents (api/*.yaml) in step with core's zod schemas: each component schema is
 * compared structurally with `z.toJSONSchema(<zod schema>, { io: 'input' })`. The few intended
 * differences are listed in ALLOWED with the reason; anything else fails with the path that drifted.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  ImageBuildListSchema,
  ImageBuildNewVersionRequestSchema,
  ImageBuildSchema,
  ImageExportListSchema,
  ImageExportSchema,
  RepositoryListSchema,
  RepositorySchema,
  StatusSchema,
} from '@imagebuild/core/resources';
import { SpecSet, ourCoreDoc, ourImageBuilderDoc, type Json } from './support/openapi-doc.js';
import { structuralDiff } from './support/structural-diff.js';

/** Intended differences: zod is stricter than the wire document in these places. */
const ALLOWED: ReadonlyArray<[RegExp, string]> = [
  // kind: the wire accepts any string (as upstream); core insists on the right kind.
  [
    /\.kind: values \["(ImageBuild|ImageExport|Repository)(List)?"\] in zod, undefined in the document$/,
    'kind is a free string on the wire',
  ],
  // metadata.name: optional in the wire's ObjectMeta, required by core for resources it creates.
  [/\.metadata: required \["name"\] in zod, \[\] in the document$/, 'core requires metadata.name'],
  // imageName: core enforces the OCI path grammar; the wire document keeps upstream's lengths only.
  [/\.imageName: pattern ".*" in zod, undefined in the document$/, 'imageName grammar is enforced by core validation'],
  // baseImages[]: upstream closes BaseImageEntry (so does our document); core's schema is open (told core).
  [/\.spec\.baseImages\[\]: open in zod, closed in the document$/, 'core BaseImageEntry is open'],
  // Condition.type: core requires a non-empty type; the document (as upstream) just says string.
  [/\.conditions\[\]\.type: minLength 1 in zod, undefined in the document$/, 'condition type checked by core'],
  // Repository status: upstream promises status.conditions on responses; core's input schema makes it optional.
  [
    /^Repository(List\.items\[\])?\.status: required \[\] in zod, \["conditions"\] in the document$/,
    'server-written status',
  ],
];

const PAIRS: ReadonlyArray<[string, string, z.ZodType]> = [
  [ourImageBuilderDoc, 'ImageBuild', ImageBuildSchema],
  [ourImageBuilderDoc, 'ImageBuildList', ImageBuildListSchema],
  [ourImageBuilderDoc, 'ImageBuildNewVersionRequest', ImageBuildNewVersionRequestSchema],
  [ourImageBuilderDoc, 'ImageExport', ImageExportSchema],
  [ourImageBuilderDoc, 'ImageExportList', ImageExportListSchema],
  [ourImageBuilderDoc, 'Status', StatusSchema],
  [ourCoreDoc, 'Repository', RepositorySchema],
  [ourCoreDoc, 'RepositoryList', RepositoryListSchema],
];

describe('our OpenAPI documents are in step with core zod schemas', () => {
  const specs = new SpecSet();
  const allowedSeen = new Set<RegExp>();
  for (const [file, name, schema] of PAIRS) {
    it(`${name} (${file.split('/').pop()})`, () => {
      const doc = specs.inline({ $ref: `#/components/schemas/${name}` }, file);
      const zodJson = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Json;
      const diffs = structuralDiff(zodJson, doc, name).filter((d) => {
        const allowed = ALLOWED.find(([re]) => re.test(d));
        if (allowed) allowedSeen.add(allowed[0]);
        return !allowed;
      });
      expect(diffs).toEqual([]);
    });
  }

  it('every allowed difference still occurs (no stale allowances)', () => {
    expect(ALLOWED.filter(([re]) => !allowedSeen.has(re)).map(([, why]) => why)).toEqual([]);
  });

  it('the comparison notices drift (a property removed from a copy of the document)', () => {
    const doc = specs.inline({ $ref: '#/components/schemas/ImageExport' }, ourImageBuilderDoc) as Record<string, Json>;
    const props = { ...(doc.properties as Record<string, Json>) };
    delete props.status;
    const zodJson = z.toJSONSchema(ImageExportSchema, { io: 'input', unrepresentable: 'any' }) as Json;
    expect(structuralDiff(zodJson, { ...doc, properties: props }, 'ImageExport')).toContain(
      'ImageExport.status: in zod, missing from the document',
    );
  });
});
