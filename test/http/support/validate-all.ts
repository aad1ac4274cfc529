import { ResponseValidator, type RecordedResponse } from './response-validator.js';
import {
  ourCoreDoc,
  ourImageBuilderDoc,
  upstreamCoreDoc,
  upstreamImageBuilderDoc,
  upstreamPresent,
} from '../../client/support/openapi-doc.js';

const ours = [new ResponseValidator(ourImageBuilderDoc), new ResponseValidator(ourCoreDoc, '/api/v1')];
const upstream = upstreamPresent
  ? [new ResponseValidator(upstreamImageBuilderDoc), new ResponseValidator(upstreamCoreDoc, '/api/v1')]
  : [];
const upstreamStatus = upstreamPresent ? new ResponseValidator(upstreamImageBuilderDoc) : undefined;

/**
 * Every recorded response against our documents and (when ../shared is present) upstream's. Statuses
 * upstream's document does not list but its server sends (406 from version negotiation, 413, 405),
 * our 416 and our 501 for promotions are checked as upstream `Status` bodies; 206 (our Range
 * extension) is checked against our document only.
 */
export function validateAll(responses: readonly RecordedResponse[]): string[] {
  const problems: string[] = [];
  for (const r of responses) {
    if (r.path === '/healthz') continue;
    const mine = ours.find((v) => v.covers(r));
    if (!mine && r.status === 404) {
      // An unknown path: the body must still be a Status.
      problems.push(
        ...ours[0]!
          .validate({ ...r, method: 'GET', path: '/api/v1/imagebuilds/x' })
          .map((p) => `ours (unknown path): ${p}`),
      );
      continue;
    }
    if (!mine) problems.push(`${r.method} ${r.path}: not in our documents`);
    else if (r.status !== 405) problems.push(...mine.validate(r).map((p) => `ours: ${p}`));
    const up = upstream.find((v) => v.covers(r));
    if (!up) continue;
    let found = up.validate(r);
    const undeclared = found.length === 1 && found[0]!.includes('status not declared');
    // 206: our Range extension (upstream never honours Range); checked against our document above.
    if (undeclared && r.status === 206) continue;
    if (undeclared && r.status >= 400 && upstreamStatus) {
      found = upstreamStatus.validate({ ...r, method: 'GET', path: '/api/v1/imagebuilds', status: 400 });
    }
    problems.push(...found.map((p) => `upstream: ${p}`));
  }
  return problems;
}
