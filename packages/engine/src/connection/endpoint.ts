import { ValidationError } from '@imagebuild/core';
import type Dockerode from 'dockerode';
import { hostKeyVerifier } from './ssh-host-keys.js';

/** How to reach an engine: a URL plus optional TLS or SSH material. */
export interface EngineEndpoint {
  /**
   * `unix:///path/engine.sock`, an absolute socket path, `tcp://host:port`, `http(s)://host:port`,
   * `ssh://user@host[:port]`, or `npipe:////./pipe/name`.
   */
  url: string;
  /** TLS client material for `tcp://` / `https://` (PEM text or buffers). Setting it selects https. */
  tls?: EngineTls | undefined;
  /** SSH options for `ssh://` (the remote must have the `docker` CLI for `docker system dial-stdio`). */
  ssh?: EngineSsh | undefined;
}

/** TLS client material for an engine (PEM text or buffers), as `docker --tlsverify` takes it. */
export interface EngineTls {
  /** CA certificate(s) the engine's certificate must chain to. */
  ca?: string | Buffer | undefined;
  /** Client certificate. */
  cert?: string | Buffer | undefined;
  /** Client private key. */
  key?: string | Buffer | undefined;
}

/** SSH options for an `ssh://` engine. */
export interface EngineSsh {
  /** Path of the SSH agent socket; default `$SSH_AUTH_SOCK`. */
  agent?: string | undefined;
  /** Private key (PEM or OpenSSH format), used in place of the agent. */
  privateKey?: string | Buffer | undefined;
  /** Passphrase of `privateKey`. */
  passphrase?: string | undefined;
  /**
   * Host keys the engine's sshd may present, as OpenSSH public key lines (`ssh-ed25519 AAAA…`, a `*.pub`
   * file or a known_hosts entry). Any other host key fails the connection. Without it, any host key is
   * accepted (docker-modem's behaviour): set it unless the network path is trusted.
   */
  hostKeys?: readonly string[] | undefined;
}

/** Options for dockerode/docker-modem, with every connection key set (so `DOCKER_HOST` can never leak in). */
export type ModemOptions = Dockerode.DockerOptions & { pathPrefix?: string | undefined };

/** The endpoint's URL without credentials, for messages and `EngineInfo.endpoint`. */
export function displayEndpoint(endpoint: EngineEndpoint): string {
  return endpoint.url.replace(/\/\/([^/@]*)@/, (_m, userinfo: string) => `//${userinfo.split(':')[0] ?? ''}@`);
}

/** Builds dockerode options from an endpoint. Throws ValidationError (field `engine.url`) on a bad URL. */
export function modemOptions(endpoint: EngineEndpoint): ModemOptions {
  const raw = endpoint.url.trim();
  const base: ModemOptions = {
    socketPath: undefined,
    host: undefined,
    port: undefined,
    protocol: undefined,
    username: undefined,
    ca: undefined,
    cert: undefined,
    key: undefined,
    timeout: undefined,
    version: undefined,
    sshOptions: undefined,
    pathPrefix: '/',
  };
  if (raw.startsWith('/')) return { ...base, socketPath: raw };
  if (raw.startsWith('unix://') || raw.startsWith('npipe://')) {
    const path = raw.slice(raw.indexOf('://') + 3);
    if (!path) throw invalid(`has no socket path: ${raw}`);
    return { ...base, socketPath: path };
  }
  let url: URL;
  try {
    url = new URL(raw.includes('://') ? raw : `tcp://${raw}`);
  } catch {
    // the error names the value that is not a URL
    throw invalid(`is not a URL: ${raw}`);
  }
  if (!url.hostname) throw invalid(`has no host: ${raw}`);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  switch (url.protocol) {
    case 'tcp:':
    case 'http:':
    case 'https:': {
      const tls = url.protocol === 'https:' || endpoint.tls !== undefined;
      if (url.protocol === 'http:' && endpoint.tls !== undefined)
        throw invalid('uses http:// but TLS material was given');
      const port = url.port || (tls ? '2376' : '2375');
      return {
        ...base,
        host,
        port,
        protocol: tls ? 'https' : 'http',
        ca: endpoint.tls?.ca,
        cert: endpoint.tls?.cert,
        key: endpoint.tls?.key,
        pathPrefix: url.pathname && url.pathname !== '/' ? url.pathname : '/',
      };
    }
    case 'ssh:': {
      const agent = endpoint.ssh?.agent;
      return {
        ...base,
        host,
        port: url.port || '22',
        protocol: 'ssh',
        username: url.username ? decodeURIComponent(url.username) : undefined,
        sshOptions: {
          ...(agent === undefined ? {} : { agent }),
          ...(endpoint.ssh?.privateKey === undefined ? {} : { privateKey: endpoint.ssh.privateKey }),
          ...(endpoint.ssh?.passphrase === undefined ? {} : { passphrase: endpoint.ssh.passphrase }),
          ...(endpoint.ssh?.hostKeys === undefined ? {} : { hostVerifier: hostKeyVerifier(endpoint.ssh.hostKeys) }),
        },
      };
    }
    default:
      throw invalid(`has unsupported scheme ${url.protocol} (use unix, tcp, http, https, ssh or npipe)`);
  }
}

function invalid(message: string): ValidationError {
  return new ValidationError([{ path: 'engine.url', message }], { subject: 'engine endpoint' });
}
