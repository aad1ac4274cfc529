import type { EngineEndpoint } from '../connection/endpoint.js';
import type { DiscoveryStrategy } from './types.js';

/** The socket or URL the caller named (`{ engine: … }`): tried first, and the only one when given. */
export function explicitStrategy(endpoint: EngineEndpoint | string): DiscoveryStrategy {
  const ep = typeof endpoint === 'string' ? { url: endpoint } : endpoint;
  return {
    name: 'explicit',
    resolve: () => ({ endpoint: ep, target: ep.url }),
  };
}
