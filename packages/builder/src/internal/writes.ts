import { ConflictError, NotFoundError } from '@imagebuild/core';
import {
  canTransition,
  getReadyReason,
  isTerminal,
  setReadyCondition,
  transition,
  type ReasonOf,
} from '@imagebuild/core/lifecycle';
import { LeaseLostError } from '../store/shared-store.js';
import type { JobState, StoredRecord } from '../store/store.js';
import type { JobKind } from '../watch/events.js';
import { dropLease, jobKey, noteReason, notifySettled, publish, type BuilderContext } from './context.js';

const MAX_RETRIES = 20;

/**
 * A stale version is retried after a re-read, and so is a job found gone (the re-read says so); a
 * lost lease never is (another process owns the job now).
 */
const retryable = (err: unknown): boolean =>
  (err instanceof ConflictError && !(err instanceof LeaseLostError)) || err instanceof NotFoundError;

/**
 * The job as stored: while this process holds its lease, as this process last claimed or wrote it
 * (`held`), unless `fresh`. A caller that finds a held record not in the state it expects reads
 * again with `fresh` before it gives up: a write whose answer came late may have left it behind.
 */
async function readJob<K extends JobKind>(
  ctx: BuilderContext,
  kind: K,
  name: string,
  fresh: boolean,
): Promise<{ rec: StoredRecord<K> | undefined; held: boolean }> {
  const held = fresh ? undefined : ctx.shared?.records.get(jobKey(kind, name));
  // a copy: the caller changes it before writing, and a failed write must leave the held one as it was
  if (held) return { rec: structuredClone(held) as StoredRecord<K>, held: true };
  return { rec: await ctx.store.get(kind, name), held: false };
}

/** Writes a job: through this process's lease when it holds one (shared store), else compare-and-swap. */
async function writeJob(ctx: BuilderContext, rec: StoredRecord<JobKind>, expectedVersion: number): Promise<void> {
  const key = jobKey(rec.kind, rec.name);
  const lease = ctx.shared?.leases.get(key);
  if (!lease) return ctx.store.update(rec, expectedVersion);
  try {
    await ctx.shared!.store.leases.update(lease, rec, expectedVersion);
  } catch (err) {
    ctx.shared!.records.delete(key); // the next attempt reads the database
    throw err;
  }
  // still held (a renewal replaces the lease object, not its epoch)
  if (ctx.shared!.leases.get(key)?.epoch === lease.epoch) ctx.shared!.records.set(key, rec);
}

export interface PhaseChange {
  /** Only move if the current reason is one of these (otherwise resolve undefined, no write). */
  from?: readonly string[] | undefined;
  /** Further changes to the object (status fields). */
  patch?: ((object: StoredRecord<JobKind>['object']) => void) | undefined;
  /** Only act on this incarnation of the job (a deleted and re-created namesake is left alone). */
  uid?: string | undefined;
  /** Changes to the job bookkeeping. */
  job?: Partial<JobState> | undefined;
}

/**
 * Moves a job to `to` (checked against core's transition table) with an optimistic-concurrency write,
 * retried on conflict, then publishes a `phase` event. Resolves the new record, or undefined when the
 * job is gone or not in one of `change.from`.
 *
 * The event carries the written object itself (no copy): callers must not mutate the returned
 * record's object, and must copy it before handing it out.
 */
export async function setPhase<K extends JobKind>(
  ctx: BuilderContext,
  kind: K,
  name: string,
  to: ReasonOf<K>,
  message: string,
  change: PhaseChange = {},
): Promise<StoredRecord<K> | undefined> {
  let fresh = false;
  for (let attempt = 0; ; attempt++) {
    const { rec, held } = await readJob(ctx, kind, name, fresh);
    if (!rec) return undefined;
    const from = getReadyReason(rec.object) ?? 'Pending';
    if ((change.from && !change.from.includes(from)) || (change.uid !== undefined && rec.job?.uid !== change.uid)) {
      if (!held) return undefined;
      fresh = true;
      continue;
    }
    if (held && !canTransition(kind, from, to)) {
      fresh = true;
      continue;
    }
    transition(kind, from as ReasonOf<K>, to);
    const prevVersion = rec.resourceVersion;
    const now = new Date().toISOString();
    const object = rec.object;
    object.status = { ...object.status, conditions: setReadyCondition(object.status?.conditions, to, message, now) };
    change.patch?.(object);
    rec.resourceVersion = prevVersion + 1;
    object.metadata.resourceVersion = String(rec.resourceVersion);
    if (change.job) rec.job = { ...(rec.job ?? { uid: '' }), ...change.job };
    try {
      await writeJob(ctx, rec, prevVersion);
    } catch (err) {
      if (retryable(err) && attempt < MAX_RETRIES) continue;
      throw err;
    }
    noteReason(ctx, jobKey(kind, name), to, rec.resourceVersion);
    publish(ctx, { type: 'phase', kind, name, from, phase: to, message, object, time: now });
    if (isTerminal(to)) {
      // the store freed the lease with this write
      if (ctx.shared) dropLease(ctx.shared, jobKey(kind, name));
      notifySettled(ctx, kind, name);
    }
    return rec;
  }
}

/** Writes status fields without a phase change (e.g. the `lastSeen` heartbeat); no event. */
export async function patchStatus(
  ctx: BuilderContext,
  kind: JobKind,
  name: string,
  patch: (object: StoredRecord<JobKind>['object']) => void,
): Promise<void> {
  for (let attempt = 0; attempt < MAX_RETRIES; attempt++) {
    const { rec } = await readJob(ctx, kind, name, false);
    if (!rec) return;
    const prev = rec.resourceVersion;
    patch(rec.object);
    rec.resourceVersion = prev + 1;
    rec.object.metadata.resourceVersion = String(rec.resourceVersion);
    try {
      await writeJob(ctx, rec, prev);
      return;
    } catch (err) {
      if (!retryable(err)) throw err;
    }
  }
}

/**
 * Rewrites the Ready message of a job still in `reason` (no phase change), and publishes it as a
 * `phase` event from and to that reason so watchers see why a job waits. Resolves false when the
 * job is gone or has moved on.
 */
export async function setMessage(
  ctx: BuilderContext,
  kind: JobKind,
  name: string,
  reason: string,
  message: string,
): Promise<boolean> {
  let fresh = false;
  for (let attempt = 0; attempt < MAX_RETRIES; attempt++) {
    const { rec, held } = await readJob(ctx, kind, name, fresh);
    if (!rec) return false;
    if ((getReadyReason(rec.object) ?? 'Pending') !== reason) {
      if (!held) return false;
      fresh = true;
      continue;
    }
    const prev = rec.resourceVersion;
    const now = new Date().toISOString();
    const object = rec.object;
    object.status = {
      ...object.status,
      conditions: setReadyCondition(object.status?.conditions, reason, message, now),
    };
    rec.resourceVersion = prev + 1;
    object.metadata.resourceVersion = String(rec.resourceVersion);
    try {
      await writeJob(ctx, rec, prev);
    } catch (err) {
      if (retryable(err)) continue;
      throw err;
    }
    publish(ctx, { type: 'phase', kind, name, from: reason, phase: reason, message, object, time: now });
    return true;
  }
  return false;
}
