import { RegistryClient, pushArtifact, pushContainerDisk, type Platform } from '@imagebuild/oci';
import type { Repository } from '@imagebuild/core';
import type { RegistryAccess } from './registry-access.js';
import { imageLabels } from './image-labels.js';

function toPlatform(platform: string): Platform {
  const [os = 'linux', architecture = 'amd64', variant] = platform.split('/');
  return variant ? { os, architecture, variant } : { os, architecture };
}

/** Registry access over `@imagebuild/oci` with the Repository's scheme, credentials, CA and verification setting. */
export function ociRegistryAccess(repository: Repository): RegistryAccess {
  const client = RegistryClient.fromRepository(repository);
  return {
    ping: (signal) => client.ping({ signal }),
    head: async (repo, reference, signal) => {
      const d = await client.headManifest(repo, reference, { signal });
      return d && { mediaType: d.mediaType, digest: d.digest, size: d.size };
    },
    checkPush: (repo, signal) => client.checkPushAccess(repo, { signal }),
    imageLabels: (repo, reference, platform, signal) =>
      imageLabels(client, repo, reference, toPlatform(platform), signal),
    resolvePlatform: async (repo, reference, platform, signal) => {
      const d = await client.resolvePlatformManifest(repo, reference, toPlatform(platform), { signal });
      return { mediaType: d.mediaType, digest: d.digest, size: d.size };
    },
    pushArtifact: async (req, signal) => {
      const op = pushArtifact(client, {
        repository: req.repository,
        file: req.file,
        stream: req.stream,
        artifactType: req.artifactType,
        subject: req.subject,
        title: req.title,
        annotations: req.annotations,
        layerMediaType: req.layerMediaType,
        signal,
      });
      op.on('progress', (p) => req.onProgress({ bytesDone: p.bytesDone, bytesTotal: p.bytesTotal }));
      const r = await op.done();
      return {
        mediaType: r.mediaType,
        digest: r.digest,
        size: r.size,
        artifactType: r.artifactType,
        layerDigest: r.layer.digest,
        layerSize: r.layer.size,
      };
    },
    pushContainerDisk: async (req, signal) => {
      const op = pushContainerDisk(client, {
        repository: req.repository,
        file: req.file,
        subject: req.subject,
        platform: toPlatform(req.platform),
        signal,
      });
      op.on('progress', (p) => req.onProgress({ bytesDone: p.bytesDone, bytesTotal: p.bytesTotal }));
      const r = await op.done();
      return {
        mediaType: r.mediaType,
        digest: r.digest,
        size: r.size,
        artifactType: r.artifactType,
        layerDigest: r.layer.digest,
        layerSize: r.layer.size,
      };
    },
    close: () => client.close(),
  };
}
