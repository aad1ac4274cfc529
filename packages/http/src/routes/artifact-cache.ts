import { mkdirSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { BuilderApi } from '../internal/context.js';

export interface CachedArtifact {
  file: string;
  filename: string;
  size: number;
  digest: string;
}

/**
 * Artifacts fetched from the registry (through `builder.download`, digest-verified) and kept on
 * disk, keyed by export name and manifest digest, so Range requests and repeated downloads are
 * served from the file. Concurrent requests for the same artifact share one fetch.
 */
export class ArtifactCache {
  readonly #dir: string;
  readonly #entries = new Map<string, Promise<CachedArtifact>>();

  constructor(dir: string | undefined) {
    this.#dir = dir ?? mkdtempSync(join(tmpdir(), 'imagebuild-http-'));
    mkdirSync(this.#dir, { recursive: true, mode: 0o700 });
  }

  get(builder: BuilderApi, exportName: string, manifestDigest: string): Promise<CachedArtifact> {
    const key = `${exportName}@${manifestDigest}`;
    let entry = this.#entries.get(key);
    if (!entry) {
      entry = this.#fetch(builder, exportName, manifestDigest);
      this.#entries.set(key, entry);
      entry.catch(() => this.#entries.delete(key));
    }
    return entry;
  }

  async #fetch(builder: BuilderApi, exportName: string, manifestDigest: string): Promise<CachedArtifact> {
    const dir = join(this.#dir, exportName, manifestDigest.replace(/[^A-Za-z0-9]/g, '_'));
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    // Not tied to one request's signal: the fetch is shared and the next request may reuse it.
    const result = await builder.download(exportName, dir);
    return { file: result.file, filename: basename(result.file), size: statSync(result.file).size, digest: result.digest };
  }
}
