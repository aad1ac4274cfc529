/** One parsed `WWW-Authenticate` challenge. */
export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

const TOKEN_CHAR = /[!#$%&'*+.^_`|~0-9A-Za-z-]/;

/**
 * Parses a `WWW-Authenticate` header value (RFC 7235): `Scheme k="v", k2=v2`.
 * Quoted values may contain commas and escaped quotes. Several challenges are
 * returned in order; schemes and parameter names are lower-cased.
 */
export function parseWwwAuthenticate(header: string): Challenge[] {
  const out: Challenge[] = [];
  let current: Challenge | undefined;
  let i = 0;
  const n = header.length;
  while (i < n) {
    const c = header[i] ?? '';
    if (c === ' ' || c === '\t' || c === ',') {
      i++;
      continue;
    }
    const start = i;
    while (i < n && TOKEN_CHAR.test(header[i] ?? '')) i++;
    if (i === start) {
      i++; // stray character: skip
      continue;
    }
    const token = header.slice(start, i);
    let j = i;
    while (j < n && (header[j] === ' ' || header[j] === '\t')) j++;
    if (header[j] === '=' && current) {
      i = j + 1;
      while (i < n && (header[i] === ' ' || header[i] === '\t')) i++;
      let value = '';
      if (header[i] === '"') {
        i++;
        while (i < n && header[i] !== '"') {
          if (header[i] === '\\' && i + 1 < n) i++;
          value += header[i];
          i++;
        }
        i++;
      } else {
        const vs = i;
        while (i < n && header[i] !== ',' && header[i] !== ' ' && header[i] !== '\t') i++;
        value = header.slice(vs, i);
      }
      current.params[token.toLowerCase()] = value;
    } else {
      current = { scheme: token.toLowerCase(), params: {} };
      out.push(current);
    }
  }
  return out;
}
