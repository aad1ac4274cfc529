import type { IncomingMessage } from 'node:http';
import { AbortError } from '@imagebuild/core';
import { EngineError } from '@imagebuild/core/errors';
import type { EngineInfo } from '@imagebuild/core/runner';
import Dockerode from 'dockerode';
import type Modem from 'docker-modem';
import { dialJson, dialStream, readText, sshSafeModem, type DialRequest } from '../internal/dial.js';
import { displayEndpoint, modemOptions, type EngineEndpoint } from './endpoint.js';
import { negotiate } from './negotiate.js';
import { sshFailure } from './ssh-failure.js';
import { tlsFailure } from './tls-failure.js';

/** Options of `EngineConnection.open`. */
export interface OpenOptions {
  /** Aborts connecting (rejects with AbortError). */
  signal?: AbortSignal | undefined;
  /** Give up connecting after this long; default 5000 ms. */
  timeoutMs?: number | undefined;
}

/**
 * A negotiated connection to one engine. `compat(path)` and `libpod(path)` give versioned paths;
 * `docker` is a dockerode client pinned to the negotiated API version, for callers' own requests.
 */
export class EngineConnection {
  /** What the engine reported: kind, version, negotiated API versions, platform. */
  readonly info: EngineInfo;
  /** The endpoint connected to. */
  readonly endpoint: EngineEndpoint;
  /** Dockerode client pinned to the negotiated API version. */
  readonly docker: Dockerode;
  readonly #modem: Modem;

  private constructor(endpoint: EngineEndpoint, info: EngineInfo, modem: Modem, docker: Dockerode) {
    this.endpoint = endpoint;
    this.info = info;
    this.#modem = modem;
    this.docker = docker;
  }

  /** Connects, pings (negotiating the API version), and reads `/version`. Rejects with EngineError. */
  static async open(endpoint: EngineEndpoint, options: OpenOptions = {}): Promise<EngineConnection> {
    const display = displayEndpoint(endpoint);
    const opts = modemOptions(endpoint);
    const raw = sshSafeModem(new Dockerode(opts).modem as unknown as Modem);
    const timeout = AbortSignal.timeout(options.timeoutMs ?? 5000);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    const name = `engine at ${display}`;
    let ping: IncomingMessage;
    try {
      ping = await dialStream(raw, name, { method: 'GET', path: '/_ping', signal });
      await readText(ping);
    } catch (err) {
      if (options.signal?.aborted) throw new AbortError('operation aborted', { cause: err });
      if (timeout.aborted)
        throw new EngineError(name, `no answer to /_ping within ${options.timeoutMs ?? 5000} ms`, { cause: err });
      throw tlsFailure(name, endpoint, err) ?? sshFailure(name, endpoint, err) ?? err;
    }
    const facts = negotiate(ping.headers);
    if (typeof facts === 'string') throw new EngineError(name, facts);
    const version = await dialJson<{ Version?: string; Os?: string; Arch?: string }>(raw, name, {
      method: 'GET',
      path: `/v${facts.apiVersion}/version`,
      signal,
    });
    const info: EngineInfo = {
      kind: facts.kind,
      version: version?.Version ?? 'unknown',
      apiVersion: facts.apiVersion,
      libpodApiVersion: facts.libpodApiVersion,
      platform: `${version?.Os ?? 'linux'}/${normaliseArch(version?.Arch ?? 'amd64')}`,
      endpoint: display,
    };
    const docker = new Dockerode({ ...opts, version: `v${facts.apiVersion}` });
    sshSafeModem(docker.modem as unknown as Modem);
    return new EngineConnection(endpoint, info, raw, docker);
  }

  /** Name used in error messages: `podman at unix:///…`. */
  get name(): string {
    return `${this.info.kind} at ${this.info.endpoint}`;
  }

  /** Versioned Docker-compatible path. */
  compat(path: string): string {
    return `/v${this.info.apiVersion}${path}`;
  }

  /** Versioned libpod path (podman only). */
  libpod(path: string): string {
    if (!this.info.libpodApiVersion) throw new EngineError(this.name, `libpod endpoint ${path} needs podman`);
    return `/v${this.info.libpodApiVersion}/libpod${path}`;
  }

  /** Sends a request and resolves to the response stream; a status outside `req.ok` rejects with EngineError. */
  stream(req: DialRequest): Promise<IncomingMessage> {
    return dialStream(this.#modem, this.name, req);
  }

  /** Sends a request and parses the JSON answer (undefined for an empty body, text for a non-JSON one). */
  json<T = unknown>(req: DialRequest): Promise<T> {
    return dialJson<T>(this.#modem, this.name, req);
  }

  /** The raw (unversioned) modem, for hijacked streams. */
  get modem(): Modem {
    return this.#modem;
  }
}

/** Maps engine arch names to OCI ones (`x86_64` → `amd64`, `aarch64` → `arm64`). */
export function normaliseArch(arch: string): string {
  if (arch === 'x86_64') return 'amd64';
  if (arch === 'aarch64') return 'arm64';
  return arch;
}
