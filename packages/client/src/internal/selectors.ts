import { ValidationError, type ValidationIssue } from '@imagebuild/core';
import { labelValueProblems, qualifiedNameProblems } from '@imagebuild/core/resources';
import type { Selector } from '../list-options.js';

const FIELD_PATH = /^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z][A-Za-z0-9]*)*$/;
const FIELD_VALUE_FORBIDDEN = /[,=!<>()\s]/;

/** Renders a label selector; map form must use valid label keys and values. */
export function labelSelector(selector: Selector | undefined): string | undefined {
  if (selector === undefined || typeof selector === 'string') return selector;
  const issues: ValidationIssue[] = [];
  for (const [key, value] of Object.entries(selector)) {
    for (const m of qualifiedNameProblems(key)) issues.push({ path: `labelSelector.${key}`, message: `key ${m}` });
    for (const m of labelValueProblems(value)) issues.push({ path: `labelSelector.${key}`, message: m });
  }
  if (issues.length) throw new ValidationError(issues, { subject: 'labelSelector' });
  return Object.entries(selector)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

/** Renders a field selector; map form needs dotted field paths and values free of selector syntax. */
export function fieldSelector(selector: Selector | undefined): string | undefined {
  if (selector === undefined || typeof selector === 'string') return selector;
  const issues: ValidationIssue[] = [];
  for (const [key, value] of Object.entries(selector)) {
    if (!FIELD_PATH.test(key))
      issues.push({ path: `fieldSelector.${key}`, message: 'key must be a dotted field path, e.g. spec.format' });
    if (FIELD_VALUE_FORBIDDEN.test(value)) {
      issues.push({
        path: `fieldSelector.${key}`,
        message: 'value must not contain whitespace or any of , = ! < > ( )',
      });
    }
  }
  if (issues.length) throw new ValidationError(issues, { subject: 'fieldSelector' });
  return Object.entries(selector)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}
