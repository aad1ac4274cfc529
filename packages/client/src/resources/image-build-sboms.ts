import { createHash } from 'node:crypto';
import { DigestMismatchError } from '@imagebuild/core/errors';
import type { ClientDeps } from '../context.js';
import { unwrap } from '../errors.js';
import type { CallOptions } from '../types.js';

/** An SBOM referrer of a build's image, as the server lists it. */
export interface SbomListItem {
  /** Digest of the referrer manifest (pass to `get` as `digest`). */
  manifestDigest: string;
  /** The referrer's artifact type: `application/vnd.cyclonedx+json`. */
  artifactType: string;
  /** `org.opencontainers.image.title` of the referrer (e.g. `sbom.cdx.json`), when set. */
  title?: string | undefined;
  /** When the SBOM was made (`org.opencontainers.image.created`), when set. */
  created?: string | undefined;
}

/** A downloaded SBOM document (CycloneDX JSON), verified against its digest. */
export interface SbomDownload {
  /** `Content-Type` of the response. */
  mediaType: string;
  /** Digest of the document (`Docker-Content-Digest`). */
  digest: string;
  /** Digest of its referrer manifest. */
  manifestDigest: string | undefined;
  /** The document's bytes. */
  content: Uint8Array;
}

/** The SBOM paths are our extension, absent from the upstream OpenAPI document: called untyped. */
interface UntypedGet {
  GET(
    path: string,
    init: {
      params: { path: Record<string, string>; query?: Record<string, string> };
      parseAs: 'json' | 'arrayBuffer';
      fetch: (input: Request) => Promise<Response>;
    },
  ): Promise<{ data?: unknown; error?: unknown; response: Response }>;
}

/** `/api/v1/imagebuilds/{name}/sboms` and `/sbom` (served by `@imagebuild/http`). */
export class ImageBuildSboms {
  readonly #ctx: ClientDeps;
  constructor(ctx: ClientDeps) {
    this.#ctx = ctx;
  }

  /** The SBOM referrers of a Completed build, oldest first. */
  async list(name: string, options: CallOptions = {}): Promise<SbomListItem[]> {
    const r = await (this.#ctx.api as unknown as UntypedGet).GET('/api/v1/imagebuilds/{name}/sboms', {
      params: { path: { name } },
      parseAs: 'json',
      ...this.#ctx.call(options.signal),
    });
    return (unwrap(r, `SBOMs of ImageBuild ${name}`) as { items?: SbomListItem[] }).items ?? [];
  }

  /** Downloads a build's SBOM (the newest, or `digest` = a referrer manifest digest from `list`). */
  async get(name: string, options: CallOptions & { digest?: string | undefined } = {}): Promise<SbomDownload> {
    const r = await (this.#ctx.api as unknown as UntypedGet).GET('/api/v1/imagebuilds/{name}/sbom', {
      params: { path: { name }, ...(options.digest ? { query: { digest: options.digest } } : {}) },
      parseAs: 'arrayBuffer',
      ...this.#ctx.call(options.signal),
    });
    const content = new Uint8Array(unwrap(r, `SBOM of ImageBuild ${name}`) as ArrayBuffer);
    const digest = r.response.headers.get('Docker-Content-Digest') ?? '';
    const actual = `sha256:${createHash('sha256').update(content).digest('hex')}`;
    if (digest !== actual) throw new DigestMismatchError(digest, actual, { details: { imageBuild: name } });
    return {
      mediaType: r.response.headers.get('Content-Type') ?? '',
      digest,
      manifestDigest: r.response.headers.get('Imagebuild-Sbom-Manifest-Digest') ?? undefined,
      content,
    };
  }
}
