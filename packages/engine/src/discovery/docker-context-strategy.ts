import type { EngineEndpoint } from '../connection/endpoint.js';
import type { DiscoveryEnvironment, DiscoveryStrategy, StrategyResult } from './types.js';

interface ContextMeta {
  Name?: string;
  Endpoints?: { docker?: { Host?: string; SkipTLSVerify?: boolean } };
}

/**
 * The current docker context: `DOCKER_CONTEXT`, else `currentContext` in `$DOCKER_CONFIG/config.json`
 * (default `~/.docker`); its endpoint from `contexts/meta/<id>/meta.json` (`Endpoints.docker.Host`),
 * TLS material from `contexts/tls/<id>/docker/{ca,cert,key}.pem`. The `default` context means
 * "use DOCKER_HOST or the default socket", so it is skipped here.
 */
export const dockerContextStrategy: DiscoveryStrategy = {
  name: 'docker context',
  resolve(ctx): StrategyResult {
    const configDir = ctx.env['DOCKER_CONFIG'] || `${ctx.homedir}/.docker`;
    let name = ctx.env['DOCKER_CONTEXT'];
    if (!name) {
      const configText = ctx.fs.readFile(`${configDir}/config.json`);
      if (configText === undefined) return { skip: 'no docker config.json', target: `${configDir}/config.json` };
      try {
        name = (JSON.parse(configText) as { currentContext?: string }).currentContext;
      } catch {
        // reported as this strategy's skip reason
        return { skip: 'config.json is not valid JSON', target: `${configDir}/config.json` };
      }
    }
    if (!name) return { skip: 'no current context set', target: `${configDir}/config.json` };
    if (name === 'default') return { skip: 'current context is "default"', target: name };
    const metaDir = `${configDir}/contexts/meta`;
    for (const id of ctx.fs.readdir(metaDir)) {
      const text = ctx.fs.readFile(`${metaDir}/${id}/meta.json`);
      if (text === undefined) continue;
      let meta: ContextMeta;
      try {
        meta = JSON.parse(text) as ContextMeta;
      } catch {
        // an unreadable context's meta.json is not this context
        continue;
      }
      if (meta.Name !== name) continue;
      const host = meta.Endpoints?.docker?.Host;
      if (!host) return { skip: `context "${name}" has no docker endpoint`, target: name };
      return {
        endpoint: withTls(ctx, `${configDir}/contexts/tls/${id}/docker`, host),
        target: `context ${name}: ${host}`,
      };
    }
    return { skip: `context "${name}" not found under ${metaDir}`, target: name };
  },
};

function withTls(ctx: DiscoveryEnvironment, tlsDir: string, url: string): EngineEndpoint {
  const ca = ctx.fs.readFile(`${tlsDir}/ca.pem`);
  const cert = ctx.fs.readFile(`${tlsDir}/cert.pem`);
  const key = ctx.fs.readFile(`${tlsDir}/key.pem`);
  if (ca === undefined && cert === undefined && key === undefined) return { url };
  return { url, tls: { ca, cert, key } };
}
