/** The resources and sub-resources the adapter serves. */
export type Collection = 'imagebuilds' | 'imageexports' | 'imagepromotions' | 'repositories';
export type SubResource = 'log' | 'cancel' | 'newversion' | 'download' | 'sbom' | 'sboms';

export interface Route {
  collection: Collection;
  name: string | undefined;
  sub: SubResource | undefined;
}

const COLLECTIONS = new Set<string>(['imagebuilds', 'imageexports', 'imagepromotions', 'repositories']);
const SUBS: Record<string, ReadonlySet<string>> = {
  imagebuilds: new Set(['log', 'cancel', 'newversion', 'sbom', 'sboms']),
  imageexports: new Set(['log', 'cancel', 'download']),
};

/** Matches `/api/v1/<collection>[/<name>[/<sub>]]`; undefined for anything else. */
export function matchRoute(pathname: string): Route | undefined {
  const parts = pathname.split('/');
  if (parts[0] !== '' || parts[1] !== 'api' || parts[2] !== 'v1') return undefined;
  const [collection, rawName, sub, ...rest] = parts.slice(3);
  if (!collection || !COLLECTIONS.has(collection) || rest.length > 0) return undefined;
  if (rawName === '' || sub === '') return undefined;
  let name: string | undefined;
  try {
    name = rawName === undefined ? undefined : decodeURIComponent(rawName);
  } catch {
    // a malformed percent-encoding matches no route (404)
    return undefined;
  }
  if (sub !== undefined && !SUBS[collection]?.has(sub)) return undefined;
  return { collection: collection as Collection, name, sub: sub as SubResource | undefined };
}

/** Methods allowed on a route (for 405 and `Allow`). */
export function allowedMethods(route: Route): string[] {
  if (route.collection === 'repositories') return route.name ? ['GET', 'PUT', 'PATCH', 'DELETE'] : ['GET', 'POST'];
  if (route.sub === 'cancel' || route.sub === 'newversion') return ['POST'];
  if (route.sub) return ['GET'];
  if (!route.name) return ['GET', 'POST'];
  return route.collection === 'imagepromotions' ? ['GET', 'PUT', 'PATCH', 'DELETE'] : ['GET', 'DELETE'];
}

/** The core API's login endpoints (`flightctl login` reads both): `config` or `validate`. */
export function matchAuth(pathname: string): 'config' | 'validate' | undefined {
  if (pathname === '/api/v1/auth/config') return 'config';
  if (pathname === '/api/v1/auth/validate') return 'validate';
  return undefined;
}
