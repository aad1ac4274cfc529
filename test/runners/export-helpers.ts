import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { getReadyCondition } from '@imagebuild/core/lifecycle';
import { expect } from 'vitest';
import { join } from 'node:path';
import type { Repository } from '@imagebuild/core';
import { RUNNER_JOB_LABEL } from '@imagebuild/core/runner';
import type { EngineConnection } from '@imagebuild/engine';
import { RegistryClient, downloadArtifact } from '@imagebuild/oci';
import { ImageBuilder, MemoryStore, type ImageBuilderOptions } from '@imagebuild/builder';
import { DockerRunner } from '@imagebuild/runner-docker';
import { PodmanRunner } from '@imagebuild/runner-podman';
import type { HarnessEnv } from '@imagebuild/testkit';

/** Repositories `src` (Read) and `dst` (ReadWrite) on registry A (plain HTTP), as the builder tests use them. */
export async function createPlainRepositories(b: ImageBuilder, registry: string): Promise<void> {
  for (const [name, accessMode] of [
    ['src', 'Read'],
    ['dst', 'ReadWrite'],
  ] as const)
    await b.create({
      apiVersion: 'flightctl.io/v1beta1',
      kind: 'Repository',
      metadata: { name },
      spec: { type: 'oci', registry, scheme: 'http', accessMode },
    });
}

/**
 * A memory-store ImageBuilder on one harness engine (converter caches under `work`), with
 * `createPlainRepositories`. `close()` closes both and removes the caches (engine volumes) and `work`.
 */
export async function harnessBuilder(
  kind: 'podman' | 'docker',
  env: HarnessEnv,
  work: string,
  exportOptions: ImageBuilderOptions['exportOptions'],
): Promise<{ runner: PodmanRunner | DockerRunner; b: ImageBuilder; close(): Promise<void> }> {
  const engine = `unix://${kind === 'podman' ? env.podmanSocket : env.dockerSocket}`;
  const cache = join(work, 'cache');
  const runner =
    kind === 'podman'
      ? new PodmanRunner({ engine, converterCache: cache })
      : new DockerRunner({ engine, converterCache: cache });
  const b = new ImageBuilder({
    runners: [runner],
    store: new MemoryStore(),
    logDir: join(work, 'logs'),
    exportOptions,
  });
  await createPlainRepositories(b, env.registryPlain);
  const close = async (): Promise<void> => {
    await b.close();
    await runner.clearConverterCache();
    await runner.close();
    rmSync(work, { recursive: true, force: true });
  };
  return { runner, b, close };
}

/** A late-binding ImageBuild of the fixture base from `src` to `dst/<imageName>:<name>`. */
export function plainBuild(name: string, imageName: string) {
  return {
    apiVersion: 'flightctl.io/v1alpha1' as const,
    kind: 'ImageBuild' as const,
    metadata: { name },
    spec: {
      source: { repository: 'src', imageName: 'fixtures/bootc-base', imageTag: 'latest' },
      destination: { repository: 'dst', imageName, imageTag: name },
      binding: { type: 'late' as const },
    },
  };
}

/** A qcow2 ImageExport of `build`. */
export function qcow2Export(name: string, build: string) {
  return {
    apiVersion: 'flightctl.io/v1alpha1' as const,
    kind: 'ImageExport' as const,
    metadata: { name },
    spec: { source: { type: 'imageBuild' as const, imageBuildRef: build }, format: 'qcow2' as const },
  };
}

/** Follows a job's log to its end and checks it Completed; returns the lines. */
export async function settleJob(b: ImageBuilder, kind: 'ImageBuild' | 'ImageExport', name: string): Promise<string[]> {
  const lines: string[] = [];
  for await (const l of b.logs(kind, name, { follow: true, signal: AbortSignal.timeout(300_000) })) lines.push(l);
  const ready = getReadyCondition((await b.get(kind, name)).status?.conditions);
  expect(ready?.reason, ready?.message).toBe('Completed');
  return lines;
}

/** Downloads an export artifact's file (verified against its digest). */
export async function downloadExport(repo: Repository, repository: string, digest: string, file: string) {
  const client = RegistryClient.fromRepository(repo);
  try {
    return await downloadArtifact(client, { repository, digest, file }).done();
  } finally {
    await client.close();
  }
}

/** One member of a tar file (GNU tar), as text. */
export function fromTar(tarFile: string, member: string): string {
  return execFileSync('tar', ['-xOf', tarFile, member], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
}

export function tarList(tarFile: string): string[] {
  return execFileSync('tar', ['-tf', tarFile], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
    .split('\n')
    .filter((l) => l !== '');
}

/** The primary volume descriptor's identifiers of an ISO 9660 image (sector 16). */
export function isoLabels(file: string): { volumeId: string; publisher: string; applicationId: string } {
  const b = readFileSync(file);
  const pvd = b.subarray(16 * 2048, 17 * 2048);
  if (pvd[0] !== 1 || pvd.toString('latin1', 1, 6) !== 'CD001') throw new Error(`${file} is not an ISO 9660 image`);
  const field = (at: number, n: number): string => pvd.toString('latin1', at, at + n).trim();
  return { volumeId: field(40, 32), publisher: field(318, 128), applicationId: field(574, 128) };
}

/** The stand-in's build.json, found in a file that holds it uncompressed (an ISO, a tar). */
export function buildJsonIn(file: string): Record<string, unknown> {
  const text = readFileSync(file).toString('latin1');
  const at = text.indexOf('"tool": "bootc-image-builder (imagebuild stand-in)"');
  if (at < 0) throw new Error(`no stand-in build.json in ${file}`);
  const start = text.lastIndexOf('{', at);
  let depth = 0;
  for (let i = start; i < text.length; i++) {
    if (text[i] === '{') depth++;
    else if (text[i] === '}' && --depth === 0) return JSON.parse(text.slice(start, i + 1)) as Record<string, unknown>;
  }
  throw new Error(`unterminated build.json in ${file}`);
}

/** Container `create` events of a job on the engine since `since` (unix seconds): proves none was started. */
export async function containerCreates(conn: EngineConnection, jobId: string, since: number): Promise<number> {
  const res = await conn.stream({
    method: 'GET',
    path: conn.compat('/events'),
    query: {
      since: String(since),
      until: String(Math.floor(Date.now() / 1000) + 1),
      filters: JSON.stringify({ type: ['container'], label: [`${RUNNER_JOB_LABEL}=${jobId}`] }),
    },
  });
  let text = '';
  for await (const chunk of res) text += (chunk as Buffer).toString('utf8');
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as { Action?: string; status?: string })
    .filter((e) => (e.Action ?? e.status) === 'create').length;
}

/** The harness's converter stand-in (harness/fixtures/build-bib.sh), honouring the whole converter contract. */
export const BIB_CONTRACT_IMAGE = 'localhost/bib-standin:latest';
