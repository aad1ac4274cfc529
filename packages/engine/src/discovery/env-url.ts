import type { EngineEndpoint } from '../connection/endpoint.js';
import type { DiscoveryEnvironment } from './types.js';

/**
 * An endpoint from an engine URL taken from the environment, with Docker's TLS variables
 * (`DOCKER_TLS_VERIFY`, `DOCKER_CERT_PATH` holding ca.pem, cert.pem, key.pem) applied to tcp URLs.
 */
export function endpointFromEnvUrl(ctx: DiscoveryEnvironment, url: string): EngineEndpoint {
  const isTcp = /^(tcp|https?):\/\//.test(url) || !url.includes('://');
  if (!isTcp || url.startsWith('http://')) return { url };
  const certPath = ctx.env['DOCKER_CERT_PATH'];
  const verify = ctx.env['DOCKER_TLS_VERIFY'];
  if (!certPath && (verify === undefined || verify === '' || verify === '0')) return { url };
  const dir = certPath || `${ctx.homedir}/.docker`;
  const read = (f: string) => ctx.fs.readFile(`${dir}/${f}`);
  return { url, tls: { ca: read('ca.pem'), cert: read('cert.pem'), key: read('key.pem') } };
}
