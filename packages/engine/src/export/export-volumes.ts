import { createHash, randomBytes } from 'node:crypto';
import { RUNNER_JOB_LABEL } from '@imagebuild/core/runner';
import type { EngineConnection } from '../connection/engine-connection.js';
import { createBound, removeVolume as removeJobVolume } from '../cleanup/job-resources.js';
import { jobTag } from './job-tag.js';

/** Label of the converter's persistent cache volumes (not job resources: the sweep leaves them). */
export const CONVERTER_CACHE_LABEL = 'io.imagebuild.converter-cache';
const ROLE_LABEL = 'io.imagebuild.role';
const CLEANUP_TIMEOUT_MS = 10_000;

/** The engine volumes one export uses: bound at `/output` and at `/var/lib/containers`. */
export interface ExportVolumes {
  output: string;
  storage: string;
}

async function createVolume(
  conn: EngineConnection,
  name: string,
  labels: Record<string, string>,
  signal: AbortSignal,
): Promise<void> {
  // dockerd answers 201 for an existing volume of that name, podman 409: both leave it as it is
  await conn.json({
    method: 'POST',
    path: conn.compat('/volumes/create'),
    json: { Name: name, Labels: labels },
    ok: [200, 201, 409],
    signal,
  });
}

function removeVolume(conn: EngineConnection, name: string, signal?: AbortSignal): Promise<void> {
  return removeJobVolume(conn, name, signal ?? AbortSignal.timeout(CLEANUP_TIMEOUT_MS));
}

/**
 * Creates the export's volumes, labelled with the job id, so that what a killed process left is
 * found and removed by the start-up sweep (`cleanup()`); the caller removes them in every outcome.
 * Named volumes, not host directories: the engine may be on another machine.
 */
export async function createExportVolumes(conn: EngineConnection, jobId: string): Promise<ExportVolumes> {
  const base = `imagebuild-export-${jobTag(jobId)}${randomBytes(4).toString('hex')}`;
  const v = { output: `${base}-output`, storage: `${base}-storage` };
  const labels = (role: string) => ({ [RUNNER_JOB_LABEL]: jobId, [ROLE_LABEL]: `converter-${role}` });
  // not aborted with the job (`createBound`): the caller holds the names and checks its signal after
  const bound = createBound();
  const made = await Promise.allSettled([
    createVolume(conn, v.output, labels('output'), bound),
    createVolume(conn, v.storage, labels('storage'), bound),
  ]);
  const failed = made.find((m) => m.status === 'rejected');
  if (failed) {
    await removeExportVolumes(conn, v);
    throw failed.reason;
  }
  return v;
}

/** Removes the export's volumes (in parallel); false when one could not go (never throws). */
export async function removeExportVolumes(conn: EngineConnection, v: ExportVolumes): Promise<boolean> {
  const gone = await Promise.all(
    [v.output, v.storage].map((n) =>
      removeVolume(conn, n).then(
        () => true,
        () => false,
      ),
    ),
  );
  return gone.every(Boolean);
}

/** The converter's persistent cache volumes (`/store`, `/rpmmd`) for a cache key; one set per engine and key. */
export function cacheVolumeNames(key: string): { store: string; rpmmd: string } {
  const h = createHash('sha256').update(key).digest('hex').slice(0, 16);
  return { store: `imagebuild-converter-cache-${h}-store`, rpmmd: `imagebuild-converter-cache-${h}-rpmmd` };
}

/** Creates the cache volumes when missing; returns their `volume:path` binds. */
export async function converterCacheBinds(conn: EngineConnection, key: string, signal: AbortSignal): Promise<string[]> {
  const n = cacheVolumeNames(key);
  await Promise.all([
    createVolume(conn, n.store, { [CONVERTER_CACHE_LABEL]: key.slice(0, 200) }, signal),
    createVolume(conn, n.rpmmd, { [CONVERTER_CACHE_LABEL]: key.slice(0, 200) }, signal),
  ]);
  return [`${n.store}:/store`, `${n.rpmmd}:/rpmmd`];
}

/** Removes the cache volumes of a key (the next export starts cold). */
export async function clearConverterCacheVolumes(
  conn: EngineConnection,
  key: string,
  signal?: AbortSignal,
): Promise<void> {
  const n = cacheVolumeNames(key);
  await Promise.all([removeVolume(conn, n.store, signal), removeVolume(conn, n.rpmmd, signal)]);
}
