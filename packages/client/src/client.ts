import type { ImageBuilderClientOptions } from './config.js';
import { createContext, type ClientDeps } from './context.js';
import { requestEnrollmentConfig, type EnrollmentRequestOptions } from './enrollment/request-enrollment.js';
import { ImageBuildSboms } from './resources/image-build-sboms.js';
import { ImageBuilds } from './resources/image-builds.js';
import { ImageExports } from './resources/image-exports.js';
import { ImagePromotions } from './resources/image-promotions.js';
import { Repositories } from './resources/repositories.js';
import { pollUntil, type WaitForOptions, type WaitableKind, type WaitableKinds } from './wait-for.js';
import type { EnrollmentConfig } from '@imagebuild/core/containerfile';

/**
 * Typed client for the image-builder API (v1alpha1) and the core API parts a build needs
 * (repositories, enrollment). Every failure is core's `ApiError` (status, reason, requestId, body).
 */
export class ImageBuilderClient {
  /** Image builds: create, read, cancel, new versions, logs. */
  readonly imageBuilds: ImageBuilds;
  /** SBOMs of builds (our extension, served by `@imagebuild/http`). */
  readonly sboms: ImageBuildSboms;
  /** Image exports (disk images of a build): create, read, cancel, logs, downloads. */
  readonly imageExports: ImageExports;
  /** Image promotions: create, read, replace, patch, delete. */
  readonly imagePromotions: ImagePromotions;
  /** Repositories of the core API (needs `coreBaseUrl`). */
  readonly repositories: Repositories;
  readonly #ctx: ClientDeps;

  constructor(options: ImageBuilderClientOptions) {
    this.#ctx = createContext(options);
    this.imageBuilds = new ImageBuilds(this.#ctx);
    this.sboms = new ImageBuildSboms(this.#ctx);
    this.imageExports = new ImageExports(this.#ctx);
    this.imagePromotions = new ImagePromotions(this.#ctx);
    this.repositories = new Repositories(this.#ctx);
  }

  /** Polls a resource until `predicate` holds (e.g. `isFinished`), honouring `signal` and `timeout`. */
  waitFor<K extends WaitableKind>(
    kind: K,
    name: string,
    predicate: (resource: WaitableKinds[K]) => boolean,
    options: WaitForOptions = {},
  ): Promise<WaitableKinds[K]> {
    const get = (signal: AbortSignal): Promise<WaitableKinds[K]> => {
      switch (kind) {
        case 'ImageBuild':
          return this.imageBuilds.get(name, { signal }) as Promise<WaitableKinds[K]>;
        case 'ImageExport':
          return this.imageExports.get(name, { signal }) as Promise<WaitableKinds[K]>;
        case 'ImagePromotion':
          return this.imagePromotions.get(name, { signal }) as Promise<WaitableKinds[K]>;
        default:
          return this.repositories.get(name, { signal }) as Promise<WaitableKinds[K]>;
      }
    };
    return pollUntil(get, predicate, `${kind} ${name}`, options);
  }

  /**
   * Early binding: obtains an enrollment config from the core API through the certificate-signing
   * flow (`flightctl certificate request`): a fresh ECDSA P-256 key, a CSR for signer
   * `flightctl.io/enrollment`, the signed certificate, then `/enrollmentconfig`. Needs `coreBaseUrl`.
   */
  requestEnrollmentConfig(options: EnrollmentRequestOptions = {}): Promise<EnrollmentConfig> {
    return requestEnrollmentConfig(this.#ctx, options);
  }

  /** Closes the client's kept-alive connections. */
  async close(): Promise<void> {
    this.#ctx.agents.close();
  }
}

/** Same as `new ImageBuilderClient(options)`. */
export function createImageBuilderClient(options: ImageBuilderClientOptions): ImageBuilderClient {
  return new ImageBuilderClient(options);
}
