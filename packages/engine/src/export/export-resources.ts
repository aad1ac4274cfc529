import { throwIfAborted } from '@imagebuild/core/operation';
import type { EngineConnection } from '../connection/engine-connection.js';
import { cleanupJobResources } from '../cleanup/job-resources.js';
import { removeContainer } from './container-run.js';
import { converterCacheBinds, createExportVolumes, removeExportVolumes, type ExportVolumes } from './export-volumes.js';

const CLEANUP_TIMEOUT_MS = 10_000;
const SETTLE_TIMEOUT_MS = 25_000;

/**
 * The engine-side resources of one export (its volumes, the converter container) and their removal:
 * `release()` removes the container, then the volumes; it runs once (later calls await the same
 * removal) and never throws: what it cannot remove carries the job label for the sweep.
 */
export class ExportResources {
  readonly #conn: EngineConnection;
  readonly #jobId: string;
  #volumes: Promise<ExportVolumes> | undefined;
  #caches: string[] = [];
  #current: ExportVolumes | undefined;
  #container: string | undefined;
  #containerGone: Promise<boolean> | undefined;
  #released: Promise<void> | undefined;

  constructor(conn: EngineConnection, jobId: string) {
    this.#conn = conn;
    this.#jobId = jobId;
  }

  /** Creates the export's volumes (and the cache volumes of `cacheKey` when missing). */
  async prepare(cacheKey: string | undefined, signal: AbortSignal): Promise<void> {
    this.#volumes = createExportVolumes(this.#conn, this.#jobId);
    const [volumes, caches] = await Promise.all([
      this.#volumes,
      cacheKey ? converterCacheBinds(this.#conn, cacheKey, signal) : Promise.resolve([]),
    ]);
    this.#current = volumes;
    this.#caches = caches;
    throwIfAborted(signal);
  }

  /** The converter's `volume:path` binds (after `prepare`). */
  binds(): string[] {
    return [...this.#volumeBinds(), ...this.#caches];
  }

  #volumeBinds(): string[] {
    const v = this.#current;
    if (!v) throw new Error('export volumes used before they were created');
    return [`${v.output}:/output`, `${v.storage}:/var/lib/containers`];
  }

  /** The output volume's name (after `prepare`). */
  outputVolume(): string {
    if (!this.#current) throw new Error('export volumes used before they were created');
    return this.#current.output;
  }

  setContainer(id: string): void {
    this.#container = id;
  }

  /**
   * Removes the converter container now, ahead of the volumes (its output is read from the volume):
   * the removal then overlaps the push instead of following it.
   */
  releaseContainer(): Promise<boolean> {
    this.#containerGone ??= this.#container
      ? removeContainer(this.#conn, this.#container, AbortSignal.timeout(CLEANUP_TIMEOUT_MS)).then(
          () => true,
          () => false,
        )
      : Promise.resolve(true);
    return this.#containerGone;
  }

  release(): Promise<void> {
    this.#released ??= this.#remove();
    return this.#released;
  }

  async #remove(): Promise<void> {
    const conn = this.#conn;
    let clean = await this.releaseContainer();
    const v = await this.#volumes?.catch(() => undefined);
    if (v) clean = (await removeExportVolumes(conn, v)) && clean;
    // A loaded engine can take longer than the bound to kill a converter, and its volumes stay in use
    // meanwhile: everything labelled with the job is then removed in passes until none is left.
    if (!clean)
      await cleanupJobResources(conn, { jobId: this.#jobId, signal: AbortSignal.timeout(SETTLE_TIMEOUT_MS) }).catch(
        () => undefined,
      );
  }
}
