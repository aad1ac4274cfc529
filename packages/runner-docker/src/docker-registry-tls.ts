import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import type { EngineConnection, RegistryTlsMode } from '@imagebuild/engine';

interface RegistryConfig {
  InsecureRegistryCIDRs?: string[] | null;
  IndexConfigs?: Record<string, { Secure?: boolean }> | null;
}

function hostOf(registry: string): string {
  if (registry.startsWith('[')) return registry.slice(1, registry.indexOf(']'));
  const colon = registry.lastIndexOf(':');
  return colon > 0 ? registry.slice(0, colon) : registry;
}

/**
 * dockerd's own TLS policy for a registry, as its `/info` reports it: a registry listed in
 * `insecure-registries`, or whose address falls in an insecure CIDR (127.0.0.0/8 always is), is
 * reached without certificate verification whatever the request says; any other is verified
 * against the system CAs plus `/etc/docker/certs.d/<host:port>/*.crt`.
 */
export async function dockerRegistryTlsMode(
  conn: EngineConnection,
  registry: string,
  signal: AbortSignal,
): Promise<RegistryTlsMode> {
  const info = await conn.json<{ RegistryConfig?: RegistryConfig }>({
    method: 'GET',
    path: conn.compat('/info'),
    signal,
  });
  const config = info?.RegistryConfig ?? {};
  const index = config.IndexConfigs?.[registry];
  if (index && typeof index.Secure === 'boolean') return index.Secure ? 'verify' : 'insecure';
  const cidrs = new BlockList();
  for (const cidr of config.InsecureRegistryCIDRs ?? []) {
    const [net, bits] = cidr.split('/');
    const type = isIP(net ?? '');
    if (type && bits !== undefined) cidrs.addSubnet(net!, Number(bits), type === 6 ? 'ipv6' : 'ipv4');
  }
  const host = hostOf(registry);
  // dockerd resolves a host name and treats it as insecure when any address is in an insecure CIDR.
  const addresses = isIP(host)
    ? [{ address: host, family: isIP(host) }]
    : await lookup(host, { all: true }).catch(() => []);
  const insecure = addresses.some((a) => cidrs.check(a.address, a.family === 6 ? 'ipv6' : 'ipv4'));
  return insecure ? 'insecure' : 'verify';
}
