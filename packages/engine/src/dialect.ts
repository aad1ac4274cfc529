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
  /** `ARG` values. */
  buildArgs: Readonly<Record<string, string>>;
  /** Image labels; empty when the context's Containerfile already sets them (docker's classic builder). */
  labels: Readonly<Record<string, string>>;
  /** Image annotations, where the engine supports them (podman); labels carry the same values. */
  annotations: Readonly<Record<string, string>>;
  /** OCI platform to build for, e.g. `linux/arm64`; default the engine's. */
  platform: string | undefined;
  /** Build without the engine's layer cache. */
  noCache: boolean;
  /** Network mode of RUN steps (`none`, `host`, a network name); default the dialect's. */
  networkMode: string | undefined;
  /** podman only: RUN isolation; default `chroot`. */
  isolation: 'chroot' | 'oci' | 'rootless' | undefined;
  /** Docker only: the builder `chooseBuilder` picked (undefined for podman). */
  builder: 'classic' | 'buildkit' | undefined;
  /** `X-Registry-Config` (URL-safe base64) for pulling the FROM image, when credentials exist. */
  registryConfig: string | undefined;
  /**
   * Verify the source registry's certificate: false only when its Repository says `scheme: http`
   * or `skipServerVerification: true` (podman; dockerd has its own per-registry policy).
   */
  pullTlsVerify: boolean;
  /** Aborts the build (the job's signal). */
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
  /** Aborts the push (the job's signal). */
  signal: AbortSignal;
}

/** What a dialect weighs to pick its builder (see `EngineDialect.chooseBuilder`). */
export interface BuilderChoice {
  /** The caller's `builder` option, when given. */
  requested: 'classic' | 'buildkit' | undefined;
  /** The FROM image's registry needs credentials. */
  sourceCredentials: boolean;
  /** The FROM image's Repository carries its own CA. */
  sourceCa: boolean;
  /** The FROM image's Repository says `scheme: http`. */
  sourcePlainHttp: boolean;
  /** How the engine treats TLS towards the FROM image's registry. */
  sourceTlsMode: RegistryTlsMode;
}

/** How an engine treats TLS towards one registry (see `EngineDialect.registryTlsMode`). */
export type RegistryTlsMode = 'per-request' | 'verify' | 'insecure';

/**
 * The part of a runner that differs between engines: the build and push endpoints and their
 * parameters, and where discovery looks first. Everything else lives in `@imagebuild/engine`.
 */
export interface EngineDialect {
  /** The engine family; discovery skips an engine of the other kind. */
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
  /** Docker only: the builder for one build, from the engine's facts and the caller's choice. */
  chooseBuilder?(conn: EngineConnection, choice: BuilderChoice): { builder: 'classic' | 'buildkit'; why: string };
  /** Starts a build; resolves to the engine's JSON progress stream. */
  startBuild(conn: EngineConnection, req: DialectBuildRequest): Promise<Readable>;
  /** Starts a push; resolves to the engine's JSON progress stream. */
  startPush(conn: EngineConnection, req: DialectPushRequest): Promise<Readable>;
}
