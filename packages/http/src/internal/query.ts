import { ApiError } from '@imagebuild/core/errors';
import { quote } from './echo.js';

// Go's strconv.ParseBool, which upstream's server uses for boolean query parameters.
const TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const FALSE = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

/** A boolean query parameter read as Go's `strconv.ParseBool` does (absent or empty → default). Else 400. */
export function boolParam(url: URL, name: string, fallback = false): boolean {
  const v = url.searchParams.get(name);
  if (v === null || v === '') return fallback;
  if (TRUE.has(v)) return true;
  if (FALSE.has(v)) return false;
  throw new ApiError(
    400,
    `query parameter ${name}: ${quote(v, 32)} is not a boolean (1, t, T, TRUE, true, True, 0, f, F, FALSE, false, False)`,
  );
}

/** A non-negative integer query parameter at most `max` (absent or empty → undefined). Else 400. */
export function intParam(url: URL, name: string, max: number): number | undefined {
  const v = url.searchParams.get(name);
  if (v === null || v === '') return undefined;
  const n = /^[0-9]{1,16}$/.test(v) ? Number(v) : Number.NaN;
  if (!Number.isSafeInteger(n) || n > max)
    throw new ApiError(400, `query parameter ${name} must be an integer between 0 and ${max}`);
  return n;
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
  const cont = url.searchParams.get('continue');
  if (label) out.labelSelector = label;
  if (field) out.fieldSelector = field;
  if (cont) out.continue = cont;
  const limit = url.searchParams.get('limit');
  if (limit !== null && limit !== '') {
    if (!/^[0-9]{1,16}$/.test(limit))
      throw new ApiError(400, 'query parameter limit must be an integer between 0 and 1000');
    const n = Number(limit);
    if (n > 1000) throw new ApiError(400, 'limit cannot exceed 1000');
    if (n > 0) out.limit = n;
  }
  return out;
}
