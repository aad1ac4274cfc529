import { IllegalTransitionError } from '../errors/index.js';
import { IMAGE_BUILD_REASONS, type ImageBuildReason } from '../resources/image-build.js';
import { IMAGE_EXPORT_REASONS, type ImageExportReason } from '../resources/image-export.js';

/** The kinds with a job lifecycle (a Ready reason the state machine moves). */
export type LifecycleKind = 'ImageBuild' | 'ImageExport';
/** The Ready reasons (lifecycle states) of kind `K`. */
export type ReasonOf<K extends LifecycleKind> = K extends 'ImageBuild' ? ImageBuildReason : ImageExportReason;

/**
 * ImageBuild: Pending → Building → Pushing → Completed | Failed.
 * - `GeneratingSBOM` (upstream's optional SBOM step after the push) follows Pushing in our runners;
 *   it is also accepted after Building so statuses read from a Flight Control server fit.
 * - Building → Completed is allowed because upstream's worker never sets Pushing for builds.
 * - A Pending build cancels straight to Canceled; an active one goes through Canceling.
 * - Canceling ends in Canceled, or Failed when the cancel came from a timeout (as upstream does).
 * - Pending → Failed covers failures before work starts (e.g. a missing repository at pick-up).
 */
const BUILD: Readonly<Record<ImageBuildReason, readonly ImageBuildReason[]>> = {
  Pending: ['Building', 'Failed', 'Canceled'],
  Building: ['Pushing', 'GeneratingSBOM', 'Completed', 'Failed', 'Canceling'],
  Pushing: ['GeneratingSBOM', 'Completed', 'Failed', 'Canceling'],
  GeneratingSBOM: ['Completed', 'Failed', 'Canceling'],
  Canceling: ['Canceled', 'Failed'],
  Completed: [],
  Failed: [],
  Canceled: [],
};

/** ImageExport: Pending → Converting → Pushing → Completed | Failed, same cancel rules as builds. */
const EXPORT: Readonly<Record<ImageExportReason, readonly ImageExportReason[]>> = {
  Pending: ['Converting', 'Failed', 'Canceled'],
  Converting: ['Pushing', 'Failed', 'Canceling'],
  Pushing: ['Completed', 'Failed', 'Canceling'],
  Canceling: ['Canceled', 'Failed'],
  Completed: [],
  Failed: [],
  Canceled: [],
};

const TABLES = { ImageBuild: BUILD, ImageExport: EXPORT } as const;
const ACTIVE: Readonly<Record<LifecycleKind, readonly string[]>> = {
  ImageBuild: ['Building', 'Pushing', 'GeneratingSBOM'],
  ImageExport: ['Converting', 'Pushing'],
};
const TERMINAL = ['Completed', 'Failed', 'Canceled'] as const;

/** Every reason of a kind, in lifecycle order. */
export function reasonsOf<K extends LifecycleKind>(kind: K): readonly ReasonOf<K>[] {
  return (kind === 'ImageBuild' ? IMAGE_BUILD_REASONS : IMAGE_EXPORT_REASONS) as readonly ReasonOf<K>[];
}

/** The transition table of a kind: reason → the reasons it may move to. */
export function transitionTable<K extends LifecycleKind>(
  kind: K,
): Readonly<Record<ReasonOf<K>, readonly ReasonOf<K>[]>> {
  return TABLES[kind] as unknown as Readonly<Record<ReasonOf<K>, readonly ReasonOf<K>[]>>;
}

function isReason(kind: LifecycleKind, reason: string): boolean {
  return Object.hasOwn(TABLES[kind], reason);
}

/** True when the table allows `from → to`. A missing status counts as Pending. */
export function canTransition(kind: LifecycleKind, from: string | undefined, to: string): boolean {
  const f = from ?? 'Pending';
  if (!isReason(kind, f) || !isReason(kind, to)) return false;
  return (TABLES[kind] as Record<string, readonly string[]>)[f]!.includes(to);
}

/** Returns `to` when `from → to` is legal; throws `IllegalTransitionError` otherwise. */
export function transition<K extends LifecycleKind>(
  kind: K,
  from: ReasonOf<K> | undefined,
  to: ReasonOf<K>,
): ReasonOf<K> {
  if (!canTransition(kind, from, to)) throw new IllegalTransitionError(kind, from ?? 'Pending', to);
  return to;
}

/** Completed, Failed or Canceled. */
export function isTerminal(reason: string | undefined): boolean {
  return reason !== undefined && (TERMINAL as readonly string[]).includes(reason);
}

/** Work is running (upstream's definition, used for live logs): Building/Pushing/GeneratingSBOM, or Converting/Pushing. */
export function isActive(kind: LifecycleKind, reason: string | undefined): boolean {
  return reason !== undefined && ACTIVE[kind].includes(reason);
}

/** Cancelable unless already terminal or Canceling. A missing status counts as Pending. */
export function canCancel(kind: LifecycleKind, reason: string | undefined): boolean {
  const r = reason ?? 'Pending';
  return isReason(kind, r) && !isTerminal(r) && r !== 'Canceling';
}

/** Where a cancel request moves a resource: Pending → Canceled, an active one → Canceling. Throws if not cancelable. */
export function cancelTarget(kind: LifecycleKind, reason: string | undefined): 'Canceled' | 'Canceling' {
  if (!canCancel(kind, reason)) throw new IllegalTransitionError(kind, reason ?? 'Pending', 'Canceling');
  return (reason ?? 'Pending') === 'Pending' ? 'Canceled' : 'Canceling';
}
