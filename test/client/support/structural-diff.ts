/**
 * Structural comparison of a JSON schema produced by zod (`z.toJSONSchema`) with an OpenAPI schema
 * (refs inlined): property sets, required sets, closedness, enums/consts, string and array limits,
 * patterns, date-time formats, oneOf variants. Integer ranges zod adds for safe ints are ignored.
 * Returns one line per difference, each with its path.
 */
import { isObject, mergeAllOf, type Json } from './openapi-doc.js';

function enumOf(s: Record<string, Json>): string[] | undefined {
  if ('const' in s) return [String(s.const)];
  if (Array.isArray(s.enum)) return s.enum.map(String).sort();
  return undefined;
}

const SCALAR_KEYS = ['minLength', 'maxLength', 'pattern', 'minItems'] as const;

export function structuralDiff(zod: Json, doc: Json, path = '$'): string[] {
  const a = mergeAllOf(zod);
  const b = mergeAllOf(doc);
  if (!isObject(a) || !isObject(b)) return [];
  const out: string[] = [];
  // {} (unknown/any) on the zod side accepts anything: nothing to compare.
  if (Object.keys(a).filter((k) => k !== '$schema' && k !== 'default').length === 0) return out;
  if (Array.isArray(a.oneOf) || Array.isArray(b.oneOf)) {
    const av = (a.oneOf as Json[] | undefined) ?? [a];
    const bv = (b.oneOf as Json[] | undefined) ?? [b];
    if (av.length !== bv.length) return [`${path}: ${av.length} variant(s) in zod, ${bv.length} in the document`];
    av.forEach((v, i) => {
      out.push(...structuralDiff(v, bv[i]!, `${path}|${i}`));
    });
    return out;
  }
  if (a.type !== b.type) out.push(`${path}: type ${String(a.type)} in zod, ${String(b.type)} in the document`);
  const ae = enumOf(a);
  const be = enumOf(b);
  if (ae && JSON.stringify(ae) !== JSON.stringify(be))
    out.push(`${path}: values ${JSON.stringify(ae)} in zod, ${JSON.stringify(be)} in the document`);
  for (const k of SCALAR_KEYS) {
    // zod spells date-time as format + pattern; the document says format only.
    if (k === 'pattern' && a.format === 'date-time') continue;
    if (k in a && a[k] !== b[k])
      out.push(`${path}: ${k} ${JSON.stringify(a[k])} in zod, ${JSON.stringify(b[k])} in the document`);
  }
  if (a.format === 'date-time' && b.format !== 'date-time') out.push(`${path}: date-time in zod, not in the document`);
  if (a.type === 'array') out.push(...structuralDiff(a.items ?? {}, b.items ?? {}, `${path}[]`));
  if (a.type === 'object') {
    const ap = (a.properties ?? {}) as Record<string, Json>;
    const bp = (b.properties ?? {}) as Record<string, Json>;
    for (const k of Object.keys(ap)) if (!(k in bp)) out.push(`${path}.${k}: in zod, missing from the document`);
    for (const k of Object.keys(bp)) if (!(k in ap)) out.push(`${path}.${k}: in the document, missing from zod`);
    for (const k of Object.keys(ap)) if (k in bp) out.push(...structuralDiff(ap[k]!, bp[k]!, `${path}.${k}`));
    const ar = [...((a.required as string[] | undefined) ?? [])].sort();
    const br = [...((b.required as string[] | undefined) ?? [])].sort();
    if (JSON.stringify(ar) !== JSON.stringify(br))
      out.push(`${path}: required ${JSON.stringify(ar)} in zod, ${JSON.stringify(br)} in the document`);
    const aClosed = a.additionalProperties === false;
    const bClosed = b.additionalProperties === false;
    if (aClosed !== bClosed)
      out.push(`${path}: ${aClosed ? 'closed' : 'open'} in zod, ${bClosed ? 'closed' : 'open'} in the document`);
    if (isObject(a.additionalProperties) && isObject(b.additionalProperties)) {
      out.push(...structuralDiff(a.additionalProperties, b.additionalProperties, `${path}{}`));
    }
  }
  return out;
}
