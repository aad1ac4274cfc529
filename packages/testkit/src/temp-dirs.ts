import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The temporary folders of one test file: `make()` them, `removeAll()` in `afterAll`. */
export class TempDirs {
  readonly #made: string[] = [];

  /** A new folder `<tmpdir>/<prefix>XXXXXX`. */
  make(prefix: string): string {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    this.#made.push(dir);
    return dir;
  }

  /** Removes every folder made so far (with its content). */
  removeAll(): void {
    for (const dir of this.#made.splice(0)) rmSync(dir, { recursive: true, force: true });
  }
}
