import { LineCounter, parseAllDocuments } from 'yaml';
import type { z } from 'zod';
import { ValidationError, echo } from '../errors/index.js';
import { formatPath } from './issues.js';
import { findDuplicateJsonKey } from './json-duplicates.js';
import { findPrototypeKey } from './prototype-keys.js';
import { keyPathsAt } from './yaml-paths.js';
import { ImageBuildListSchema, ImageBuildSchema } from '../resources/image-build.js';
import type { ImageBuild, ImageBuildList } from '../resources/image-build.js';
import { ImageExportListSchema, ImageExportSchema } from '../resources/image-export.js';
import type { ImageExport, ImageExportList } from '../resources/image-export.js';
import { RepositoryListSchema, RepositorySchema } from '../resources/repository.js';
import type { Repository, RepositoryList } from '../resources/repository.js';
import { safeParseWith, type ParseOptions } from './parse-resource.js';

/** A resource recognised by `parseDocuments`, tagged by its `kind`. */
export type Resource = ImageBuild | ImageExport | Repository | ImageBuildList | ImageExportList | RepositoryList;
/** The `kind`s `parseDocuments` recognises. */
export type ResourceKind = Resource['kind'];

const SCHEMAS: Record<ResourceKind, z.ZodType<Resource>> = {
  ImageBuild: ImageBuildSchema,
  ImageExport: ImageExportSchema,
  Repository: RepositorySchema,
  ImageBuildList: ImageBuildListSchema,
  ImageExportList: ImageExportListSchema,
  RepositoryList: RepositoryListSchema,
};
/** Every `ResourceKind`. */
export const RESOURCE_KINDS = Object.keys(SCHEMAS) as ResourceKind[];

/** One document of a multi-document text: either the parsed resource or every problem it has. */
export type DocumentResult =
  | { index: number; ok: true; kind: ResourceKind; resource: Resource }
  | { index: number; ok: false; kind: string | undefined; error: ValidationError };

function fail(index: number, kind: string | undefined, path: string, message: string): DocumentResult {
  return {
    index,
    ok: false,
    kind,
    error: new ValidationError([{ path, message }], { subject: `document ${index + 1}` }),
  };
}

function lineCol(lines: LineCounter, offset: number): string {
  const { line, col } = lines.linePos(offset);
  return `at line ${line}, column ${col}`;
}

/** Validates one already-decoded document, choosing the schema by `kind`. */
export function parseResource(value: unknown, options: ParseOptions = {}, index = 0): DocumentResult {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return fail(index, undefined, '', 'document must be an object');
  }
  const kind = (value as { kind?: unknown }).kind;
  if (kind === undefined) return fail(index, undefined, 'kind', 'is required');
  if (typeof kind !== 'string' || !(kind in SCHEMAS)) {
    return fail(
      index,
      typeof kind === 'string' ? kind : undefined,
      'kind',
      `must be one of ${RESOURCE_KINDS.join(', ')}`,
    );
  }
  const k = kind as ResourceKind;
  const name = (value as { metadata?: { name?: unknown } }).metadata?.name;
  const subject = `document ${index + 1} (${k}${typeof name === 'string' ? ` ${echo(name)}` : ''})`;
  const proto = findPrototypeKey(value);
  if (proto) return fail(index, k, formatPath(proto), 'is not allowed (a prototype key would be dropped)');
  const res = safeParseWith(SCHEMAS[k], value, subject, options);
  return res.ok ? { index, ok: true, kind: k, resource: res.value } : { index, ok: false, kind: k, error: res.error };
}

/**
 * Parses YAML or JSON text holding one or more resources (YAML `---` separated, or a JSON object or
 * array of objects). Each document is validated by its `kind`; an invalid one carries a
 * `ValidationError` with every problem. Syntax errors report the line and column, never the text.
 */
export function parseDocuments(text: string, options: ParseOptions = {}): DocumentResult[] {
  const trimmed = text.trimStart();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      const pos = /position (\d+)/.exec((err as Error).message)?.[1];
      return [fail(0, undefined, '', `invalid JSON${pos ? ` at offset ${pos}` : ''}`)];
    }
    const docs = Array.isArray(json) ? json : [json];
    const dup = findDuplicateJsonKey(text);
    if (dup) {
      // In an array of documents the first segment is the document's index.
      const at = Array.isArray(json) ? (dup.segments[0] as number) : 0;
      const path = formatPath(Array.isArray(json) ? dup.segments.slice(1) : dup.segments);
      return docs.map((d, i) => (i === at ? fail(i, undefined, path, 'duplicate key') : parseResource(d, options, i)));
    }
    return docs.map((d, i) => parseResource(d, options, i));
  }
  const out: DocumentResult[] = [];
  const lines = new LineCounter();
  const docs = parseAllDocuments(text, { prettyErrors: false, uniqueKeys: true, lineCounter: lines });
  let index = 0;
  for (const doc of docs) {
    if (doc.errors.length > 0) {
      const e = doc.errors[0]!;
      if (e.code === 'DUPLICATE_KEY') {
        const path = keyPathsAt(doc, new Set([e.pos[0]])).get(e.pos[0]);
        out.push(fail(index++, undefined, path ? formatPath(path) : '', `duplicate key ${lineCol(lines, e.pos[0])}`));
      } else out.push(fail(index++, undefined, '', `invalid YAML (${e.code}) ${lineCol(lines, e.pos[0])}`));
      continue;
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch {
      // the YAML parser's own message is replaced by a bounded one (it may echo input)
      out.push(fail(index++, undefined, '', 'invalid YAML (too many or bad aliases)'));
      continue;
    }
    if (value === null || value === undefined) continue;
    out.push(parseResource(value, options, index++));
  }
  return out;
}

/** Like `parseDocuments`, but returns only the resources and throws the first document's error if any is invalid. */
export function parseDocumentsOrThrow(text: string, options: ParseOptions = {}): Resource[] {
  const results = parseDocuments(text, options);
  const bad = results.filter((r) => !r.ok);
  if (bad.length > 0) {
    const issues = bad.flatMap((r) =>
      r.ok
        ? []
        : r.error.issues.map((i) => ({ path: `[${r.index}]${i.path ? `.${i.path}` : ''}`, message: i.message })),
    );
    throw new ValidationError(issues, { subject: `${bad.length} of ${results.length} documents` });
  }
  return results.flatMap((r) => (r.ok ? [r.resource] : []));
}
