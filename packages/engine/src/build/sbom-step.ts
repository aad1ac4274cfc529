import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  SBOM_MEDIA_TYPE,
  parseImageRef,
  redactText,
  throwIfAborted,
  type BuildResult,
  type Repository,
  type SbomOptions,
  type SbomResult,
} from '@imagebuild/core';
import { NativeSbomGenerator } from '@imagebuild/supply-chain';
import { openImageFiles } from '../image-files/archive-files.js';
import type { BuildDeps } from './run-build.js';

export interface SbomJob {
  /** The local image (still present: the step runs before the build's cleanup). */
  image: string;
  pushed: BuildResult;
  repository: Repository;
  jobId: string;
  options: SbomOptions | undefined;
  log(line: string): void;
  signal: AbortSignal;
}

/** True unless SBOMs are turned off (`sbom: false` or `{ enabled: false }`). */
export function sbomEnabled(option: SbomOptions | false | undefined): option is SbomOptions | undefined {
  return option !== false && option?.enabled !== false;
}

/**
 * GeneratingSBOM: the generator reads the built image through a created, never started container,
 * and the document is pushed as a referrer of the platform manifest (artifactType and layer media type
 * `application/vnd.cyclonedx+json`, title = its file name). A failure is returned as `sbomError`, not
 * thrown: it does not fail the build (upstream's rule). Only an abort is thrown.
 */
export async function runSbomStep(
  deps: BuildDeps,
  job: SbomJob,
): Promise<{ sbom: SbomResult } | { sbomError: string }> {
  const generator = job.options?.generator ?? new NativeSbomGenerator({ maxReadBytes: job.options?.maxReadBytes });
  const files = openImageFiles(deps.conn, job.image, job.jobId);
  const registry = deps.registries(job.repository);
  let dir: string | undefined;
  try {
    const doc = await generator.generate({
      reference: job.pushed.reference,
      manifestDigest: job.pushed.manifestDigest,
      platformManifestDigest: job.pushed.platformManifestDigest,
      platform: job.pushed.platform,
      files: files.reader,
      signal: job.signal,
    });
    job.log(`SBOM: ${doc.components} components (${generator.name} generator), pushing ${doc.fileName}`);
    const repo = parseImageRef(job.pushed.reference).repository;
    const subject = await registry.head(repo, job.pushed.platformManifestDigest, job.signal);
    if (!subject) throw new Error(`platform manifest ${job.pushed.platformManifestDigest} not found in ${repo}`);
    dir = await mkdtemp(join(tmpdir(), 'imagebuild-sbom-'));
    const file = join(dir, doc.fileName.replace(/[^\w.-]/g, '_'));
    await writeFile(file, doc.content, { mode: 0o600 });
    const pushed = await registry.pushArtifact(
      {
        repository: repo,
        file,
        subject,
        artifactType: SBOM_MEDIA_TYPE,
        layerMediaType: doc.mediaType,
        title: doc.fileName,
        onProgress: () => undefined,
      },
      job.signal,
    );
    job.log(`SBOM pushed as ${repo}@${pushed.digest} (referrer of ${subject.digest})`);
    return {
      sbom: {
        manifestDigest: pushed.digest,
        layerDigest: pushed.layerDigest,
        size: pushed.layerSize,
        generator: generator.name,
        components: doc.components,
      },
    };
  } catch (err) {
    throwIfAborted(job.signal);
    const message = redactText(err instanceof Error ? err.message : String(err));
    job.log(`SBOM failed (the build is not failed by it): ${message}`);
    return { sbomError: message };
  } finally {
    await files.close().catch(() => undefined);
    await registry.close().catch(() => undefined);
    if (dir) await rm(dir, { recursive: true, force: true });
  }
}
