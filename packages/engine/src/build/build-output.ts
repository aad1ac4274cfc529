import type { EngineMessage } from '../stream/json-messages.js';

/** Classic `Step 2/5 :`, podman `STEP 2/5:`, BuildKit (decoded trace) `#7 [stage 2/5] RUN …`. */
const STEP = /^(?:(?:Step|STEP) (\d+)\/(\d+)\s*:?|#\d+ \[(?:[^\]\s]+ )?(\d+)\/(\d+)\] )/;
const INTERMEDIATE = /^\s*-{2,3}> (?:Running in )?([0-9a-f]{11,64})\s*$/;
const FULL_ID = /^(?:sha256:)?([0-9a-f]{64})$/;

/**
 * Follows a build's output (docker classic, BuildKit, podman compat and libpod): the step counter,
 * every image id the build created (for cleanup on failure), and the final image id.
 */
export class BuildOutput {
  imageId: string | undefined;
  readonly createdIds = new Set<string>();
  /** Step containers the build printed (`Running in <id>`, docker classic and podman compat). */
  readonly containerIds = new Set<string>();
  step: { done: number; total: number } | undefined;

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
      return true;
    }
    const inter = INTERMEDIATE.exec(line);
    if (inter?.[1]) (line.includes('Running in') ? this.containerIds : this.createdIds).add(inter[1]);
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
