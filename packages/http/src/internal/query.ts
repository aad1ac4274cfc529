import { ApiError } from '@imagebuild/core';

/** A boolean query parameter (`true`/`false`; absent → default). Anything else → 400. */
export function boolParam(url: URL, name: string, fallback = false): boolean {
  const v = url.searchParams.get(name);
  if (v === null || v === '') return fallback;
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  throw new ApiError(400, `query parameter ${name} must be true or false`);
}

/** The list parameters: selectors, `limit` (0..1000) and `continue`. */
export function listParams(url: URL): {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
} {
  const out: { labelSelector?: string; fieldSelector?: string; limit?: number; continue?: string } = {};
  const label = url.searchParams.get('labelSelector');
  const field = url.searchParams.get('fieldSelector');
  const limit = url.searchParams.get('limit');
  const cont = url.searchParams.get('continue');
  if (label) out.labelSelector = label;
  if (field) out.fieldSelector = field;
  if (cont) out.continue = cont;
  if (limit !== null && limit !== '') {
    if (!/^\d+$/.test(limit)) throw new ApiError(400, 'query parameter limit must be an integer between 0 and 1000');
    const n = Number(limit);
    if (n > 1000) throw new ApiError(400, 'limit cannot exceed 1000');
    if (n > 0) out.limit = n;
  }
  return out;
}
