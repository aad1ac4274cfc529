import type { Readable } from 'node:stream';
import type { EngineConnection } from './connection/engine-connection.js';
import type { DiscoveryStrategy } from './discovery/types.js';

/** What the shared build flow asks an engine dialect to build. */
export interface DialectBuildRequest {
  /** Deterministic tar of the context (Containerfile included). */
  context: Readable;
  /** Name of the Containerfile inside the context. */
  containerfile: string;
  /** Tag for the built image (the push destination). */
  tag: string;
  buildArgs: Readonly<Record<string, string>>;
  labels: Readonly<Record<string, string>>;
  /** Image annotations, where the engine supports them (podman); labels carry the same values. */
  annotations: Readonly<Record<string, string>>;
  platform: string | undefined;
  noCache: boolean;
  networkMode: string | undefined;
  isolation: 'chroot' | 'oci' | 'rootless' | undefined;
  builder: 'classic' | 'buildkit' | undefined;
  /** `X-Registry-Config` (URL-safe base64) for pulling the FROM image, when credentials exist. */
  registryConfig: string | undefined;
  /**
   * Verify the source registry's certificate: false only when its Repository says `scheme: http`
   * or `skipServerVerification: true` (podman; dockerd has its own per-registry policy).
   */
  pullTlsVerify: boolean;
  signal: AbortSignal;
}

/** What the shared build flow asks an engine dialect to push. */
export interface DialectPushRequest {
  /** Local image reference (as built). */
  image: string;
  /** `registry/name:tag` to push to. */
  destination: string;
  /** `X-Registry-Auth` value (always present). */
  registryAuth: string;
  /** False only for `scheme: http` / `skipServerVerification: true` Repositories (podman; see `registryTlsMode`). */
  tlsVerify: boolean;
  signal: AbortSignal;
}

/** How an engine treats TLS towards one registry (see `EngineDialect.registryTlsMode`). */
export type RegistryTlsMode = 'per-request' | 'verify' | 'insecure';

/**
 * The part of a runner that differs between engines: the build and push endpoints and their
 * parameters, and where discovery looks first. Everything else lives in `@imagebuild/engine`.
 */
export interface EngineDialect {
  readonly kind: 'docker' | 'podman';
  /** Discovery strategies tried, in order, when the caller names no engine. */
  readonly strategies: readonly DiscoveryStrategy[];
  /**
   * Where the engine reads per-registry CA certificates (`<dir>/<host:port>/*.crt`) when it runs on
   * this host: the runner installs a Repository's CA there, as the engine takes none per request.
   */
  readonly certsDir: string;
  /**
   * How the engine treats TLS for `registry`: `per-request` (it honours the request's `tlsVerify`),
   * `verify` (it always verifies) or `insecure` (its own configuration turns verification off).
   */
  registryTlsMode(conn: EngineConnection, registry: string, signal: AbortSignal): Promise<RegistryTlsMode>;
  /** Starts a build; resolves to the engine's JSON progress stream. */
  startBuild(conn: EngineConnection, req: DialectBuildRequest): Promise<Readable>;
  /** Starts a push; resolves to the engine's JSON progress stream. */
  startPush(conn: EngineConnection, req: DialectPushRequest): Promise<Readable>;
}
