import type { ConverterStage } from '../converter/stage-progress.js';

/** Phases a build operation reports (the ImageBuild reasons a runner is responsible for). */
export type BuildPhase = 'Building' | 'Pushing' | 'GeneratingSBOM';

/** Phases an export operation reports (the ImageExport reasons a runner is responsible for). */
export type ExportPhase = 'Converting' | 'Pushing';

/**
 * Progress of a build. While `Building`, `unit` is `steps` (Containerfile steps done / total);
 * while `Pushing`, `unit` is `bytes` when the engine reports byte counts, otherwise `layers`.
 * `total` is undefined when the engine does not say.
 */
export interface BuildProgress {
  /** The phase the counts belong to. */
  phase: BuildPhase;
  /** What `done` and `total` count. */
  unit: 'steps' | 'layers' | 'bytes';
  /** Units done so far. */
  done: number;
  /** Units in all, when the engine says. */
  total: number | undefined;
}

/** Progress of an export's artifact push (bytes of the disk file uploaded). */
export interface ExportProgress {
  /** The phase the counts belong to. */
  phase: ExportPhase;
  /** Bytes uploaded so far. */
  bytesDone: number;
  /** Size of the upload, when known. */
  bytesTotal: number | undefined;
}

/** Typed events of a build operation (plus `end` from `Operation`). */
export interface BuildEvents {
  /** Emitted once when a phase starts: `Building`, then `Pushing`, then `GeneratingSBOM` when SBOMs are on. */
  phase: [phase: BuildPhase];
  /** One line of engine output (build steps, push status), newline stripped, credentials redacted. */
  log: [line: string];
  /** Step, layer or byte counts of the current phase (see `BuildProgress`). */
  progress: [progress: BuildProgress];
}

/** Typed events of an export operation (plus `end` from `Operation`). */
export interface ExportEvents {
  /** Emitted once when a phase starts: `Converting`, then `Pushing`. */
  phase: [phase: ExportPhase];
  /** One line of converter output, newline stripped, credentials redacted. */
  log: [line: string];
  /** Bytes of the artifact pushed so far. */
  progress: [progress: ExportProgress];
  /** The converter started an osbuild stage (stage k of n, its name), in the order it runs them. */
  stage: [stage: ConverterStage];
}
