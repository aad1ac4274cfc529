import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Repository } from '@imagebuild/core';
import { RUNNER_JOB_LABEL } from '@imagebuild/core/runner';
import type { EngineConnection } from '@imagebuild/engine';
import { RegistryClient, downloadArtifact } from '@imagebuild/oci';

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
