import type { Logger } from '@imagebuild/core';
import type { EventHub } from '../watch/event-hub.js';
import type { LogBook } from '../logs/log-book.js';
import type { Store, StoredRecord } from '../store/store.js';
import type { CredentialSealer } from './credentials.js';
import type { JobKind, WatchEvent } from '../watch/events.js';
import type { Lease, SharedStore } from '../store/shared-store.js';
import { newJobId } from './job-owner.js';
import { LogMirror } from './log-mirror.js';

/** What a builder on a shared store (several processes) needs besides the local parts. */
export interface SharedRuntime {
  readonly store: SharedStore;
  /** This process's name in leases. */
  readonly holder: string;
  /** The leases this process holds, by job key: a job's writes go through its lease. */
  readonly leases: Map<string, Lease>;
  /**
   * Each leased job as this process claimed or last wrote it: while the lease lives no other process
   * can write the job, so its writes start from here instead of a read from the database.
   */
  readonly records: Map<string, StoredRecord<JobKind>>;
  /** Lease time: another process takes a job over this long after its holder's last renewal. */
  readonly leaseMs: number;
  /** Copies every log line to the store, where every process reads logs. */
  readonly logs: LogMirror;
}

/** The shared-store side of a builder process: a fresh holder name, no lease yet. */
export function newSharedRuntime(store: SharedStore, leaseMs: number, logger: Logger): SharedRuntime {
  const records = new Map<string, StoredRecord<JobKind>>();
  return {
    store,
    // names this process in leases (and the job ids it makes)
    holder: newJobId(),
    leases: new Map(),
    records,
    leaseMs,
    logs: new LogMirror(store, logger, (kind, name) => records.get(jobKey(kind, name))?.seq),
  };
}

/** Shared state of one ImageBuilder, passed to its internal parts. */
export interface BuilderContext {
  readonly store: Store;
  readonly hub: EventHub;
  readonly logs: LogBook;
  readonly sealer: CredentialSealer;
  /** Last known Ready reason of every job (see `noteReason`). */
  readonly reasons: Map<string, string>;
  /** The resource version each entry of `reasons` was read at: an older one never overwrites it. */
  readonly reasonVersions: Map<string, number>;
  /** Set on a shared store: jobs are claimed from it, events come from its change feed. */
  readonly shared: SharedRuntime | undefined;
  /** Called when a job reaches a terminal state or is deleted. */
  readonly settled: Map<string, Set<() => void>>;
  /** Receives job-pipeline failures no caller sees (component `jobs`). */
  readonly logger: Logger;
}

export const jobKey = (kind: JobKind, name: string): string => `${kind}/${name}`;

/** This process no longer holds the job's lease (ended, given back or lost). */
export function dropLease(shared: SharedRuntime, key: string): void {
  shared.leases.delete(key);
  shared.records.delete(key);
}

/** Resolves when the job is terminal or gone, or after `timeoutMs` (resolves false then). */
export function waitSettled(
  ctx: BuilderContext,
  kind: JobKind,
  name: string,
  isSettled: () => boolean,
  timeoutMs: number,
): Promise<boolean> {
  if (isSettled()) return Promise.resolve(true);
  const key = jobKey(kind, name);
  return new Promise((resolve) => {
    let set = ctx.settled.get(key);
    if (!set) {
      set = new Set();
      ctx.settled.set(key, set);
    }
    const done = (): void => {
      clearTimeout(timer);
      set.delete(done);
      if (set.size === 0 && ctx.settled.get(key) === set) ctx.settled.delete(key);
      resolve(true);
    };
    const timer = setTimeout(() => {
      set.delete(done);
      resolve(false);
    }, timeoutMs);
    timer.unref?.();
    set.add(done);
  });
}

/** Wakes the waiters of a job that became terminal or was deleted. */
export function notifySettled(ctx: BuilderContext, kind: JobKind, name: string): void {
  const set = ctx.settled.get(jobKey(kind, name));
  if (set) for (const fn of [...set]) fn();
}

/** Records a job's Ready reason as of `version`, unless a newer one is known. */
export function noteReason(ctx: BuilderContext, key: string, reason: string, version: number): void {
  const known = ctx.reasonVersions.get(key);
  if (known !== undefined && known > version) return;
  ctx.reasons.set(key, reason);
  ctx.reasonVersions.set(key, version);
}

/** Forgets a deleted job's reason. */
export function forgetReason(ctx: BuilderContext, key: string): void {
  ctx.reasons.delete(key);
  ctx.reasonVersions.delete(key);
}

/**
 * Publishes an event this process caused. On a shared store every process publishes from the change
 * feed instead, so all of them see the same events in the same order.
 */
export function publish(ctx: BuilderContext, event: WatchEvent): void {
  if (!ctx.shared) ctx.hub.publish(event);
}
