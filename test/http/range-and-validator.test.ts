import { describe, expect, it } from 'vitest';
import { parseRange } from '@imagebuild/http';
import { ResponseValidator } from './support/response-validator.js';
import { ourImageBuilderDoc } from '../client/support/openapi-doc.js';

describe('parseRange', () => {
  it.each([
    [undefined, 100, undefined],
    ['bytes=0-9', 100, { start: 0, end: 9 }],
    ['bytes=90-', 100, { start: 90, end: 99 }],
    ['bytes=-10', 100, { start: 90, end: 99 }],
    ['bytes=-500', 100, { start: 0, end: 99 }],
    ['bytes=50-500', 100, { start: 50, end: 99 }],
    ['bytes=100-', 100, 'unsatisfiable'],
    ['bytes=9-3', 100, 'unsatisfiable'],
    ['bytes=-0', 100, 'unsatisfiable'],
    ['bytes=0-1,5-6', 100, undefined],
    ['items=0-1', 100, undefined],
  ] as const)('%s of %d → %j', (header, size, expected) => {
    expect(parseRange(header, size)).toEqual(expected);
  });
});

describe('ResponseValidator', () => {
  const v = new ResponseValidator(ourImageBuilderDoc);
  const status = {
    apiVersion: 'flightctl.io/v1alpha1',
    kind: 'Status',
    code: 404,
    message: 'x',
    reason: '',
    status: '',
  };
  it('accepts a conforming response and rejects broken ones', () => {
    const base = { method: 'GET', path: '/api/v1/imagebuilds/a', status: 404, contentType: 'application/json' };
    expect(v.validate({ ...base, body: status })).toEqual([]);
    expect(v.validate({ ...base, body: { ...status, code: undefined } }).join()).toMatch(/code/);
    expect(v.validate({ ...base, status: 418, body: status }).join()).toMatch(/status not declared/);
    expect(v.validate({ ...base, contentType: 'text/html', body: '' }).join()).toMatch(
      /media type text\/html not declared/,
    );
    expect(
      v.validate({ ...base, status: 200, body: { apiVersion: 'v9', kind: 'ImageBuild', metadata: {}, spec: {} } })
        .length,
    ).toBeGreaterThan(0);
  });
});
