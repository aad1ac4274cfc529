import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Repository } from '@imagebuild/core';
import { redactText } from '@imagebuild/core/errors';
import { throwIfAborted } from '@imagebuild/core/operation';
import { parseImageRef } from '@imagebuild/core/refs';
import {
  SBOM_MEDIA_TYPE,
  type BuildResult,
  type SbomOptions,
  type SbomGenerator,
  type SbomResult,
} from '@imagebuild/core/runner';
import { NativeSbomGenerator } from '@imagebuild/supply-chain';
import { jobTag } from '../export/job-tag.js';
import { openImageFiles, type ImageFiles } from '../image-files/archive-files.js';
import type { BuildDeps } from './run-build.js';

/** A started SBOM step: its container is created and the generator's reads run while the image is pushed. */
export interface SbomStep {
  /** GeneratingSBOM, once the image is pushed. Never throws except on abort; always releases the container. */
  finish(job: {
    pushed: BuildResult;
    repository: Repository;
    log(line: string): void;
    signal: AbortSignal;
  }): Promise<{ sbom: SbomResult } | { sbomError: string }>;
  /** Releases the container when the build fails before `finish`. */
  abandon(): Promise<void>;
}

/** True unless SBOMs are turned off (`sbom: false` or `{ enabled: false }`). */
export function sbomEnabled(option: SbomOptions | false | undefined): option is SbomOptions | undefined {
  return option !== false && option?.enabled !== false;
}

/**
 * Starts the SBOM step before the push: the built image (still local) gets a created, never started
 * container and the generator may prefetch its reads through the archive API meanwhile.
 * `finish` is GeneratingSBOM: the document is generated and pushed as a referrer of the platform
 * manifest (artifactType and layer media type `application/vnd.cyclonedx+json`, title = its file
 * name). A failure is returned as `sbomError`, not thrown: it does not fail the build (upstream's
 * rule). Only an abort is thrown.
 */
export function startSbomStep(
  deps: BuildDeps,
  start: { image: string; jobId: string; options: SbomOptions | undefined; signal: AbortSignal },
): SbomStep {
  const generator = start.options?.generator ?? new NativeSbomGenerator({ maxReadBytes: start.options?.maxReadBytes });
  const files = openImageFiles(deps.conn, start.image, start.jobId);
  try {
    generator.prefetch?.(files.reader, start.signal);
  } catch {
    // a prefetch is only an optimisation
  }
  return {
    abandon: () => files.close().catch(() => undefined),
    finish: (job) => finishSbom(deps, generator, files, start.jobId, job),
  };
}

async function finishSbom(
  deps: BuildDeps,
  generator: SbomGenerator,
  files: ImageFiles,
  jobId: string,
  job: Parameters<SbomStep['finish']>[0],
): Promise<{ sbom: SbomResult } | { sbomError: string }> {
  const registry = deps.registries(job.repository);
  let dir: string | undefined;
  let closing: Promise<void> | undefined;
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
    // the image's files are read: its container goes while the document is pushed (a container
    // that cannot be removed now is the job sweep's: it carries the job label)
    closing = files.close().catch(() => undefined);
    const repo = parseImageRef(job.pushed.reference).repository;
    const subject = await registry.head(repo, job.pushed.platformManifestDigest, job.signal);
    if (!subject) throw new Error(`platform manifest ${job.pushed.platformManifestDigest} not found in ${repo}`);
    // named after the job: a later sweep or a takeover removes what a killed process left
    dir = await mkdtemp(join(tmpdir(), `imagebuild-sbom-${jobTag(jobId)}`));
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
    await (closing ?? files.close().catch(() => undefined));
    await registry.close().catch(() => undefined);
    if (dir) await rm(dir, { recursive: true, force: true });
    job.log('SBOM step finished (its container removed)');
  }
}
