/**
 * The `rel="next"` target of an RFC 8288 `Link` header (registry paging), or undefined. A scan rather
 * than a search pattern, so a hostile header costs linear time.
 */
export function nextLink(header: string | undefined): string | undefined {
  if (!header) return undefined;
  for (const link of header.split(',')) {
    const open = link.indexOf('<');
    const close = link.indexOf('>', open + 1);
    if (open < 0 || close < 0 || link.slice(0, open).trim() !== '') continue;
    const params = link.slice(close + 1).split(';');
    const isNext = params.some((p) => {
      const eq = p.indexOf('=');
      if (eq < 0 || p.slice(0, eq).trim().toLowerCase() !== 'rel') return false;
      return p
        .slice(eq + 1)
        .trim()
        .replace(/^"|"$/g, '')
        .split(' ')
        .includes('next');
    });
    if (isNext && close > open + 1) return link.slice(open + 1, close);
  }
  return undefined;
}
