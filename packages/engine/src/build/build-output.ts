import type { EngineMessage } from '../stream/json-messages.js';

/** Classic `Step 2/5 :`, podman `STEP 2/5:`, BuildKit (decoded trace) `#7 [stage 2/5] RUN …`. */
const STEP = /^(?:(?:Step|STEP) (\d+)\/(\d+)\s*:?|#\d+ \[(?:[^\]\s]+ )?(\d+)\/(\d+)\] )/;
const INTERMEDIATE = /^\s*-{2,3}> (?:Running in )?([0-9a-f]{11,64})\s*$/;
const FULL_ID = /^(?:sha256:)?([0-9a-f]{64})$/;

/**
 * Follows a build's output (docker classic, BuildKit, podman compat and libpod): the step counter,
 * every image id the build created (for cleanup on failure), and the final image id.
 *
 * Only layers the build itself committed count as created: the id printed after a `FROM` step is
 * the base image, and the id printed after `Using cache` is a layer another build committed (and
 * may still be using), so neither may ever be swept as this build's leftover.
 */
export class BuildOutput {
  imageId: string | undefined;
  readonly createdIds = new Set<string>();
  /** Step containers the build printed (`Running in <id>`, docker classic and podman compat). */
  readonly containerIds = new Set<string>();
  step: { done: number; total: number } | undefined;
  /** Layers reused from the cache or the FROM image: printed by the build, but not its own. */
  readonly reusedIds = new Set<string>();
  #nextIdReused = false;

  /** Looks at one message for the final image id (`aux.ID`, BuildKit `moby.image.id`). */
  message(msg: EngineMessage): void {
    const aux = msg.aux as { ID?: unknown } | undefined;
    if (aux && typeof aux === 'object' && typeof aux.ID === 'string') {
      this.imageId = aux.ID;
    }
  }

  /** Looks at one output line; returns true when it advanced the step counter. */
  line(line: string): boolean {
    const step = STEP.exec(line);
    if (step) {
      this.step = { done: Number(step[1] ?? step[3]), total: Number(step[2] ?? step[4]) };
      this.#nextIdReused = /^\s*FROM\s/i.test(line.slice(step[0].length));
      return true;
    }
    if (/^\s*-{2,3}> Using cache\b/.test(line)) {
      this.#nextIdReused = true;
      return false;
    }
    const inter = INTERMEDIATE.exec(line);
    if (inter?.[1]) {
      if (line.includes('Running in')) this.containerIds.add(inter[1]);
      else if (this.#nextIdReused) this.reusedIds.add(inter[1]);
      else this.createdIds.add(inter[1]);
      this.#nextIdReused = false;
    }
    const full = FULL_ID.exec(line.trim());
    if (full?.[1]) {
      // podman libpod: the last line of the stream is the full image id
      this.imageId = full[1];
      this.createdIds.add(full[1]);
    }
    const built = /^Successfully built ([0-9a-f]{12,64})$/.exec(line.trim());
    if (built?.[1]) this.createdIds.add(built[1]);
    return false;
  }
}
