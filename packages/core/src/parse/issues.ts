import type { z } from 'zod';
import { echo, type ValidationIssue } from '../errors/index.js';

/** Joins a zod path into the dotted form used in messages (`spec.items[2].name`, `metadata.labels["a/b"]`). */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else {
      const s = String(seg);
      out += s.length <= 64 && /^[A-Za-z_][A-Za-z0-9_]*$|^ca\.crt$/.test(s) ? (out ? `.${s}` : s) : `[${echo(s)}]`;
    }
  }
  return out;
}

function typeName(input: unknown): string {
  if (input === null) return 'null';
  if (Array.isArray(input)) return 'array';
  return typeof input;
}

const EXPECTED: Record<string, string> = {
  object: 'an object',
  array: 'a list',
  string: 'a string',
  boolean: 'a boolean',
  number: 'a number',
  int: 'an integer',
  record: 'a map of strings',
};

/**
 * Turns zod issues into rule messages. Only our own rule texts and the expected type are reported,
 * never the input value, so secrets cannot leak through a validation error.
 */
export function toValidationIssues(error: z.ZodError, prefix: readonly PropertyKey[] = []): ValidationIssue[] {
  const out: ValidationIssue[] = [];
  for (const issue of error.issues) {
    const path = [...prefix, ...issue.path];
    switch (issue.code) {
      case 'invalid_type': {
        const input = (issue as { input?: unknown }).input;
        const message =
          input === undefined
            ? 'is required'
            : `must be ${EXPECTED[issue.expected] ?? issue.expected}, got ${typeName(input)}`;
        out.push({ path: formatPath(path), message });
        break;
      }
      case 'unrecognized_keys':
        for (const key of issue.keys) out.push({ path: formatPath([...path, key]), message: 'is not a known field' });
        break;
      case 'invalid_union': {
        const disc = (issue as { discriminator?: string }).discriminator;
        const m = issue.message;
        if (disc) {
          const rule = m.startsWith(`${disc} `) ? m.slice(disc.length + 1) : m;
          const input = (issue as { input?: unknown }).input;
          const at = path[path.length - 1] === disc ? path : [...path, disc];
          const missing = !(typeof input === 'object' && input !== null && disc in input);
          out.push({ path: formatPath(at), message: missing ? 'is required' : rule });
        } else out.push({ path: formatPath(path), message: m });
        break;
      }
      case 'invalid_value':
        out.push({
          path: formatPath(path),
          message: (issue as { input?: unknown }).input === undefined ? 'is required' : issue.message,
        });
        break;
      case 'too_small':
        if (issue.origin === 'string' && issue.minimum === 1)
          out.push({ path: formatPath(path), message: 'is required' });
        else out.push({ path: formatPath(path), message: issue.message });
        break;
      default:
        out.push({ path: formatPath(path), message: issue.message });
    }
  }
  return out;
}
