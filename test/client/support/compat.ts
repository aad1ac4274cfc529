/**
 * Is our schema compatible with upstream's? Both are inlined (`SpecSet.inline`). `request`: ours must
 * accept what upstream accepts (no extra required fields, no tighter limits, upstream's enum values
 * kept). `response`: ours must promise what upstream promises (its required fields, its properties).
 * `narrowOneOf`: ours may model just one of upstream's oneOf variants (the core subset: oci only).
 */
import { isObject, mergeAllOf, type Json, type JsonObject } from './openapi-doc.js';

export type Direction = 'request' | 'response';

export interface CompatOptions {
  direction: Direction;
  narrowOneOf?: boolean;
}

function asObj(s: Json): JsonObject {
  const m = mergeAllOf(s);
  return isObject(m) ? m : {};
}

export function schemaCompat(upstream: Json, ours: Json, path: string, opts: CompatOptions): string[] {
  const u = asObj(upstream);
  const o = asObj(ours);
  const out: string[] = [];
  if (Array.isArray(u.oneOf)) {
    if (!Array.isArray(o.oneOf)) {
      if (opts.narrowOneOf && u.oneOf.some((v) => schemaCompat(v, o, path, opts).length === 0)) return [];
      return [`${path}: upstream is oneOf, ours is not`];
    }
    const ud = isObject(u.discriminator) ? u.discriminator.propertyName : undefined;
    const od = isObject(o.discriminator) ? o.discriminator.propertyName : undefined;
    if (ud !== undefined && ud !== od) out.push(`${path}: discriminator ${String(ud)} upstream, ${String(od)} ours`);
    u.oneOf.forEach((variant, i) => {
      if (!(o.oneOf as Json[]).some((ov) => schemaCompat(variant, ov, path, opts).length === 0)) {
        out.push(`${path}: upstream variant ${i} has no compatible variant in ours`);
      }
    });
    return out;
  }
  if (u.type !== undefined && o.type !== undefined && u.type !== o.type)
    return [`${path}: type ${String(u.type)} upstream, ${String(o.type)} ours`];
  if (u.type !== undefined && o.type === undefined && Object.keys(o).length > 0 && !Array.isArray(o.oneOf)) {
    out.push(`${path}: upstream says type ${String(u.type)}, ours says none`);
  }
  if (Array.isArray(u.enum) && Array.isArray(o.enum)) {
    const missing = u.enum.filter((v) => !(o.enum as Json[]).includes(v));
    if (missing.length) out.push(`${path}: upstream values ${JSON.stringify(missing)} missing from ours`);
  }
  if (opts.direction === 'request') {
    if (typeof o.minLength === 'number' && o.minLength > ((u.minLength as number | undefined) ?? 0))
      out.push(`${path}: minLength tighter in ours`);
    if (typeof o.maxLength === 'number' && o.maxLength < ((u.maxLength as number | undefined) ?? Infinity))
      out.push(`${path}: maxLength tighter in ours`);
    if (typeof o.pattern === 'string' && o.pattern !== u.pattern)
      out.push(`${path}: pattern ${o.pattern} in ours, ${String(u.pattern)} upstream`);
    if (typeof o.minItems === 'number' && o.minItems > ((u.minItems as number | undefined) ?? 0))
      out.push(`${path}: minItems tighter in ours`);
    if (Array.isArray(o.enum) && !Array.isArray(u.enum) && u.type === 'string')
      out.push(`${path}: ours restricts to an enum, upstream does not`);
  }
  if (u.type === 'array' || o.type === 'array')
    out.push(...schemaCompat(u.items ?? {}, o.items ?? {}, `${path}[]`, opts));
  if (u.type === 'object' || isObject(u.properties)) {
    const up = (u.properties ?? {}) as JsonObject;
    const op = (o.properties ?? {}) as JsonObject;
    for (const [k, v] of Object.entries(up)) {
      if (!(k in op)) out.push(`${path}.${k}: upstream property missing from ours`);
      else out.push(...schemaCompat(v, op[k]!, `${path}.${k}`, opts));
    }
    const ur = new Set((u.required as string[] | undefined) ?? []);
    const or = new Set((o.required as string[] | undefined) ?? []);
    if (opts.direction === 'request') {
      for (const k of or) if (!ur.has(k)) out.push(`${path}: ours requires ${k}, upstream does not`);
      if (o.additionalProperties === false && u.additionalProperties !== false)
        out.push(`${path}: ours is closed, upstream is open`);
    } else {
      for (const k of ur) if (!or.has(k)) out.push(`${path}: upstream promises ${k}, ours does not`);
    }
    if (isObject(u.additionalProperties))
      out.push(
        ...schemaCompat(
          u.additionalProperties,
          isObject(o.additionalProperties) ? o.additionalProperties : {},
          `${path}{}`,
          opts,
        ),
      );
  }
  return out;
}
