/**
 * Loads OpenAPI documents (YAML) and resolves `$ref`s, local and across files
 * (upstream's imagebuilder document points into `../../core/v1beta1/openapi.yaml`).
 * Test support only: conformance, zod-in-step and response validation share it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const ourImageBuilderDoc = resolve(repoRoot, 'api/imagebuilder-v1alpha1.yaml');
export const ourCoreDoc = resolve(repoRoot, 'api/core-v1beta1.yaml');
export const upstreamDir = resolve(repoRoot, '../shared/reference/flightctl-api');
export const upstreamImageBuilderDoc = resolve(upstreamDir, 'imagebuilder/v1alpha1/openapi.yaml');
export const upstreamCoreDoc = resolve(upstreamDir, 'core/v1beta1/openapi.yaml');
export const upstreamPresent = existsSync(upstreamImageBuilderDoc) && existsSync(upstreamCoreDoc);

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A node together with the file its `$ref`s are relative to. */
export interface Located {
  node: Json;
  file: string;
}

export class SpecSet {
  readonly #files = new Map<string, JsonObject>();

  load(file: string): JsonObject {
    const abs = resolve(file);
    let doc = this.#files.get(abs);
    if (!doc) {
      doc = parse(readFileSync(abs, 'utf8')) as JsonObject;
      this.#files.set(abs, doc);
    }
    return doc;
  }

  /** Follows `$ref` chains until a node without `$ref`. */
  resolve(node: Json, file: string): Located {
    let cur: Located = { node, file };
    for (let hops = 0; isObject(cur.node) && typeof cur.node.$ref === 'string'; hops++) {
      if (hops > 50) throw new Error(`$ref loop at ${cur.node.$ref}`);
      cur = this.#target(cur.node.$ref, cur.file);
    }
    return cur;
  }

  #target(ref: string, from: string): Located {
    const [path = '', pointer = ''] = ref.split('#');
    const file = path ? resolve(dirname(from), path) : from;
    let node: Json = this.load(file);
    for (const raw of pointer.split('/').slice(1)) {
      const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
      if (!isObject(node) || !(key in node)) throw new Error(`unresolvable $ref ${ref} (from ${from})`);
      node = node[key]!;
    }
    return { node, file };
  }

  /** Returns the node with every `$ref` inlined (schemas here have no cycles; depth-guarded). */
  inline(node: Json, file: string, depth = 0): Json {
    if (depth > 64) throw new Error('schema too deep (cycle?)');
    const r = this.resolve(node, file);
    if (Array.isArray(r.node)) return r.node.map((n) => this.inline(n, r.file, depth + 1));
    if (!isObject(r.node)) return r.node;
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(r.node)) out[k] = this.inline(v, r.file, depth + 1);
    return out;
  }
}

/** Merges `allOf` members into one object schema (properties and required united). */
export function mergeAllOf(schema: Json): Json {
  if (!isObject(schema) || !Array.isArray(schema.allOf)) return schema;
  const merged: JsonObject = { type: 'object', properties: {}, required: [] };
  const parts = [...schema.allOf.map(mergeAllOf), { ...schema, allOf: null }];
  for (const part of parts) {
    if (!isObject(part)) continue;
    for (const [k, v] of Object.entries(part)) {
      if (k === 'allOf' || v === null) continue;
      if (k === 'properties' && isObject(v)) {
        // allOf: every member applies, so a property named twice carries both members' keywords.
        const props = merged.properties as JsonObject;
        for (const [name, schema] of Object.entries(v)) {
          const prev = props[name];
          props[name] = isObject(prev) && isObject(schema) ? { ...prev, ...schema } : schema;
        }
      } else if (k === 'required' && Array.isArray(v))
        (merged.required as Json[]).push(...v.filter((x) => !(merged.required as Json[]).includes(x)));
      else merged[k] = v;
    }
  }
  return merged;
}

export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'] as const;

export interface OperationView {
  path: string;
  method: string;
  op: JsonObject;
  /** Path-level plus operation-level parameters, resolved, keyed `in:name`. */
  params: Map<string, JsonObject>;
  file: string;
}

/** Every operation of a document, with parameters resolved. */
export function operations(specs: SpecSet, file: string): OperationView[] {
  const doc = specs.load(file);
  const out: OperationView[] = [];
  for (const [path, item] of Object.entries((doc.paths ?? {}) as JsonObject)) {
    if (!isObject(item)) continue;
    for (const method of HTTP_METHODS) {
      const op = item[method];
      if (!isObject(op)) continue;
      const params = new Map<string, JsonObject>();
      for (const p of [...((item.parameters as Json[]) ?? []), ...((op.parameters as Json[]) ?? [])]) {
        const r = specs.resolve(p, file).node;
        if (isObject(r)) params.set(`${String(r.in)}:${String(r.name).toLowerCase()}`, r);
      }
      out.push({ path, method, op, params, file });
    }
  }
  return out;
}
