import { ValidationError } from '@imagebuild/core';

/** Operators of the selector grammar (k8s label selectors, Flight Control field selectors). */
export type SelectorOperator =
  | '='
  | '!='
  | 'in'
  | 'notin'
  | '<'
  | '>'
  | '<='
  | '>='
  | 'contains'
  | 'notcontains'
  | 'exists'
  | '!exists';

/** One parsed requirement: `key op values`. `values` is empty for exists/!exists. */
export interface Requirement {
  key: string;
  op: SelectorOperator;
  values: string[];
}

const KEY = '[A-Za-z0-9]([A-Za-z0-9._/-]*[A-Za-z0-9])?';
const SET = new RegExp(`^(${KEY})\\s+(in|notin)\\s*\\((.*)\\)$`);
const WORD = new RegExp(`^(${KEY})\\s+(contains|notcontains)\\s+(.+)$`);
const BINARY = new RegExp(`^(${KEY})\\s*(==|!=|<=|>=|=|<|>)\\s*(.*)$`);
const EXISTS = new RegExp(`^(${KEY})$`);
const NOT_EXISTS = new RegExp(`^!\\s*(${KEY})$`);

/** Splits on commas that are not inside parentheses. */
function splitTerms(text: string, param: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '(') depth++;
    else if (c === ')') {
      depth--;
      if (depth < 0) throw invalid(param, text, 'unbalanced ")"');
    } else if (c === ',' && depth === 0) {
      out.push(text.slice(start, i));
      start = i + 1;
    }
  }
  if (depth !== 0) throw invalid(param, text, 'unbalanced "("');
  out.push(text.slice(start));
  return out.map((t) => t.trim());
}

function invalid(param: string, term: string, rule: string): ValidationError {
  return new ValidationError([{ path: param, message: `${JSON.stringify(term)}: ${rule}` }], { subject: param });
}

/**
 * Parses a selector into requirements (all must hold). Grammar: comma-separated terms, each
 * `key`, `!key`, `key=v`, `key==v`, `key!=v`, `key in (a,b)`, `key notin (a,b)`, `key<v`, `key>v`,
 * `key<=v`, `key>=v`, `key contains v`, `key notcontains v`. `param` names the argument in errors.
 */
export function parseRequirements(selector: string, param: string): Requirement[] {
  if (selector.trim() === '') return [];
  const out: Requirement[] = [];
  for (const term of splitTerms(selector, param)) {
    if (term === '') throw invalid(param, selector, 'empty requirement (stray comma)');
    out.push(parseTerm(term, param));
  }
  return out;
}

function parseTerm(term: string, param: string): Requirement {
  const set = SET.exec(term);
  if (set) {
    const values = set[4]!.split(',').map((v) => v.trim());
    if (values.some((v) => v === ''))
      throw invalid(param, term, `the value list of "${set[3]}" must not contain empty values`);
    return { key: set[1]!, op: set[3] as 'in' | 'notin', values };
  }
  const word = WORD.exec(term);
  if (word) return { key: word[1]!, op: word[3] as 'contains' | 'notcontains', values: [word[4]!.trim()] };
  const binary = BINARY.exec(term);
  if (binary) {
    const op = binary[3] === '==' ? '=' : (binary[3] as SelectorOperator);
    return { key: binary[1]!, op, values: [binary[4]!.trim()] };
  }
  const notExists = NOT_EXISTS.exec(term);
  if (notExists) return { key: notExists[1]!, op: '!exists', values: [] };
  const exists = EXISTS.exec(term);
  if (exists) return { key: exists[1]!, op: 'exists', values: [] };
  throw invalid(
    param,
    term,
    'expected key, !key, key=value, key!=value, key in (a,b), key notin (a,b), key<value or key>value',
  );
}
