import { isDeepStrictEqual } from 'node:util';
import { ApiError } from '@imagebuild/core/errors';
import { quote } from './echo.js';

type Json = unknown;
type Container = Record<string, Json> | Json[];

/** Most operations in one JSON Patch document. */
export const MAX_PATCH_OPERATIONS = 1000;

const isObject = (v: Json): v is Record<string, Json> => typeof v === 'object' && v !== null && !Array.isArray(v);
const bad = (message: string): never => {
  throw new ApiError(400, message);
};

/** RFC 6901 pointer → reference tokens. */
function tokens(pointer: unknown, at: string): string[] {
  if (typeof pointer !== 'string') return bad(`${at}.path: must be a JSON Pointer string`);
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) return bad(`${at}.path: ${quote(pointer)} must start with /`);
  return pointer
    .slice(1)
    .split('/')
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

// Own properties only: a pointer must never reach Object.prototype.
const has = (o: Record<string, Json>, k: string): boolean => Object.hasOwn(o, k);

function index(arr: Json[], token: string, at: string, allowEnd: boolean): number {
  if (allowEnd && token === '-') return arr.length;
  if (!/^(0|[1-9][0-9]{0,8})$/.test(token)) return bad(`${at}.path: ${quote(token, 32)} is not an array index`);
  const i = Number(token);
  if (i > arr.length || (!allowEnd && i === arr.length)) return bad(`${at}.path: index ${i} is out of range`);
  return i;
}

/** The container holding the last token, and that token. */
function parentOf(doc: Json, toks: string[], at: string): [Container, string] {
  let cur: Json = doc;
  for (const t of toks.slice(0, -1)) {
    if (Array.isArray(cur)) cur = cur[index(cur, t, at, false)];
    else if (isObject(cur) && has(cur, t)) cur = cur[t];
    else return bad(`${at}.path: ${quote(toks.join('/'))} does not exist`);
  }
  if (!Array.isArray(cur) && !isObject(cur)) return bad(`${at}.path: ${quote(toks.join('/'))} does not exist`);
  return [cur, toks[toks.length - 1]!];
}

function get(doc: Json, toks: string[], at: string): Json {
  if (toks.length === 0) return doc;
  const [c, t] = parentOf(doc, toks, at);
  if (Array.isArray(c)) return c[index(c, t, at, false)];
  if (!has(c, t)) return bad(`${at}.path: ${quote(toks.join('/'))} does not exist`);
  return c[t];
}

/**
 * Applies an RFC 6902 JSON Patch (`add`, `replace`, `remove`, `test` — the operations upstream's
 * `PatchRequest` allows) to a copy of `doc`. Any failing operation fails the whole patch (400).
 */
export function applyJsonPatch(doc: Json, patch: unknown): Json {
  if (!Array.isArray(patch)) return bad('a JSON Patch must be an array of operations');
  if (patch.length > MAX_PATCH_OPERATIONS)
    return bad(`a JSON Patch may have at most ${MAX_PATCH_OPERATIONS} operations`);
  let out: Json = structuredClone(doc);
  for (let n = 0; n < patch.length; n++) {
    const op: unknown = patch[n];
    const at = `[${n}]`;
    if (!isObject(op)) return bad(`${at}: must be an object`);
    const toks = tokens(op.path, at);
    const kind = op.op;
    if (kind === 'test') {
      if (!isDeepStrictEqual(get(out, toks, at), op.value)) bad(`${at}: test failed at ${quote(String(op.path))}`);
      continue;
    }
    if (kind !== 'add' && kind !== 'replace' && kind !== 'remove')
      return bad(`${at}.op: must be add, replace, remove or test`);
    if (kind !== 'remove' && !has(op, 'value')) return bad(`${at}.value: required for ${kind}`);
    if (toks.length === 0) {
      if (kind === 'remove') return bad(`${at}: cannot remove the whole document`);
      out = structuredClone(op.value);
      continue;
    }
    const [c, t] = parentOf(out, toks, at);
    if (Array.isArray(c)) {
      const i = index(c, t, at, kind === 'add');
      if (kind === 'add') c.splice(i, 0, structuredClone(op.value));
      else if (kind === 'replace') c[i] = structuredClone(op.value);
      else c.splice(i, 1);
      continue;
    }
    if (kind !== 'add' && !has(c, t)) return bad(`${at}.path: ${quote(String(op.path))} does not exist`);
    if (kind === 'remove') delete c[t];
    else
      Object.defineProperty(c, t, {
        value: structuredClone(op.value),
        enumerable: true,
        writable: true,
        configurable: true,
      });
  }
  return out;
}

/** Applies an RFC 7386 JSON Merge Patch (`null` removes a member) to a copy of `doc`. */
export function applyMergePatch(doc: Json, patch: unknown): Json {
  if (!isObject(patch)) return structuredClone(patch);
  const out: Record<string, Json> = isObject(doc) ? structuredClone(doc) : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else
      Object.defineProperty(out, k, {
        value: applyMergePatch(has(out, k) ? out[k] : undefined, v),
        enumerable: true,
        writable: true,
        configurable: true,
      });
  }
  return out;
}
