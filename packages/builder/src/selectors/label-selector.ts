import { ValidationError } from '@imagebuild/core';
import { parseRequirements, type Requirement } from './requirements.js';

/** A compiled label selector: true when a resource's labels match every requirement. */
export type LabelMatcher = (labels: Readonly<Record<string, string>> | undefined) => boolean;

const LABEL_OPS = new Set(['=', '!=', 'in', 'notin', 'exists', '!exists', '<', '>']);

function matches(req: Requirement, labels: Readonly<Record<string, string>>): boolean {
  const has = Object.hasOwn(labels, req.key);
  const value = has ? labels[req.key] : undefined;
  switch (req.op) {
    case 'exists':
      return has;
    case '!exists':
      return !has;
    case '=':
      return value === req.values[0];
    case '!=':
      return value !== req.values[0]; // k8s: a missing label satisfies !=
    case 'in':
      return value !== undefined && req.values.includes(value);
    case 'notin':
      return value === undefined || !req.values.includes(value);
    case '<':
    case '>': {
      if (value === undefined || !/^-?\d+$/.test(value)) return false;
      const a = Number(value);
      const b = Number(req.values[0]);
      return req.op === '<' ? a < b : a > b;
    }
    default:
      return false;
  }
}

/**
 * Compiles a Kubernetes label selector (`app=web,tier!=db,env in (a,b),release notin (x),gpu,!legacy`).
 * Throws `ValidationError` naming `labelSelector` and the rule broken.
 */
export function compileLabelSelector(selector: string | undefined): LabelMatcher {
  if (selector === undefined) return () => true;
  const reqs = parseRequirements(selector, 'labelSelector');
  for (const r of reqs) {
    if (!LABEL_OPS.has(r.op)) {
      throw new ValidationError(
        [{ path: 'labelSelector', message: `operator ${r.op} is not supported in label selectors` }],
        {
          subject: 'labelSelector',
        },
      );
    }
    if ((r.op === '<' || r.op === '>') && !/^-?\d+$/.test(r.values[0] ?? '')) {
      throw new ValidationError(
        [{ path: 'labelSelector', message: `${r.key}${r.op}${r.values[0]}: ${r.op} needs an integer value` }],
        {
          subject: 'labelSelector',
        },
      );
    }
  }
  return (labels) => reqs.every((r) => matches(r, labels ?? {}));
}
