import { CORE_VERSION } from '@imagebuild/core/resources';
import type { HttpExchange } from '../internal/context.js';
import { sendJson, statusBody } from '../internal/status.js';

/** The provider `GET /api/v1/auth/config` lists: bearer tokens checked by the host's auth hook. */
export const TOKEN_PROVIDER_NAME = 'imagebuild-token';

/**
 * `GET /api/v1/auth/config`, as the core API answers it: `flightctl login URL --token T` stops
 * unless it lists a provider. One is listed whatever the hook: a bearer token (as a Kubernetes
 * provider, the type whose users log in with `--token`); `organizationsEnabled` false.
 */
export function sendAuthConfig(ctx: Pick<HttpExchange, 'res' | 'headers'>, apiUrl: string): void {
  sendJson(
    ctx.res,
    200,
    {
      apiVersion: CORE_VERSION,
      providers: [
        {
          apiVersion: CORE_VERSION,
          kind: 'AuthProvider',
          metadata: { name: TOKEN_PROVIDER_NAME },
          spec: { providerType: 'k8s', displayName: 'Bearer token', apiUrl, enabled: true },
        },
      ],
      defaultProvider: TOKEN_PROVIDER_NAME,
      organizationsEnabled: false,
    },
    ctx.headers,
  );
}

/** `GET /api/v1/auth/validate` once the auth hook has let the request in: 200 with a `Status`. */
export function sendAuthValid(ctx: Pick<HttpExchange, 'res' | 'headers'>): void {
  sendJson(ctx.res, 200, statusBody(200, 'token is valid', CORE_VERSION), ctx.headers);
}
