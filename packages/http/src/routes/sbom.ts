import { API_VERSION, ConflictError } from '@imagebuild/core';
import { ApiError } from '@imagebuild/core/errors';
import { SBOM_MEDIA_TYPE } from '@imagebuild/core/runner';
import type { HttpExchange } from '../internal/context.js';

const DIGEST = /^sha256:[0-9a-f]{64}$/;

/**
 * Our extension (upstream serves no SBOM): `GET /imagebuilds/{name}/sboms` lists the SBOM referrers
 * of a Completed build's image as JSON; `GET /imagebuilds/{name}/sbom[?digest=sha256:…]` sends one
 * CycloneDX document (the newest by default) with `Docker-Content-Digest` and `ETag`. Not completed
 * → 400 (as downloads), no SBOM → 404, a builder without SBOM support → 501.
 */
export async function handleSbom(ctx: HttpExchange): Promise<void> {
  const { res, builder, headers, url, signal } = ctx;
  const name = ctx.route.name!;
  if (!builder.sbom || !builder.sboms) throw new ApiError(501, 'this server does not serve SBOMs');
  const digest = url.searchParams.get('digest') ?? undefined;
  if (digest !== undefined && !DIGEST.test(digest))
    throw new ApiError(400, 'digest: must be sha256:<64 lowercase hex digits>');
  try {
    if (ctx.route.sub === 'sboms') {
      const items = await builder.sboms(name, { signal });
      res.writeHead(200, { ...headers, 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ apiVersion: API_VERSION, kind: 'SbomList', items }));
      return;
    }
    const sbom = await builder.sbom(name, { digest, signal });
    res.writeHead(200, {
      ...headers,
      'Content-Type': sbom.mediaType || SBOM_MEDIA_TYPE,
      'Content-Length': String(sbom.content.length),
      'Content-Disposition': `attachment; filename="${name}.cdx.json"`,
      'Docker-Content-Digest': sbom.digest,
      ETag: `"${sbom.digest}"`,
      'Imagebuild-Sbom-Manifest-Digest': sbom.manifestDigest,
    });
    res.end(sbom.content);
  } catch (err) {
    if (err instanceof ConflictError) throw new ApiError(400, err.message, { cause: err });
    throw err;
  }
}
