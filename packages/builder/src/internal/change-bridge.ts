import type { ImageBuild, ImageExport, Repository } from '@imagebuild/core';
import { getReadyCondition, isTerminal } from '@imagebuild/core/lifecycle';
import type { Change, ChangeStream } from '../store/shared-store.js';
import type { StoredKind } from '../store/store.js';
import type { JobKind } from '../watch/events.js';
import { forgetReason, jobKey, noteReason, notifySettled, type BuilderContext, type SharedRuntime } from './context.js';
import { maskRepository } from './credentials.js';

interface Seen {
  version: number;
  reason: string | undefined;
  message: string | undefined;
}

/** Told of every job's Ready reason as the feed shows it (undefined: deleted); the claim loop. */
export interface JobStateListener {
  noteJob(kind: JobKind, name: string, reason: string | undefined, buildRef: string | undefined): void;
}

/**
 * Turns the shared store's change feed into this process's watch events and job states: every
 * process publishes the same events in the same order, whichever process wrote them. A write that
 * changes neither the Ready reason nor its message (a heartbeat, a label) publishes nothing, as in a
 * single process. Every job's state goes to the claim loop, which decides what wakes it.
 */
export class ChangeBridge {
  readonly #seen = new Map<string, Seen>();
  readonly #stream: ChangeStream;
  /** Changes that arrived while the starting state was read. */
  #buffer: Change[] | undefined = [];

  constructor(
    readonly ctx: BuilderContext,
    shared: SharedRuntime,
    readonly claims: JobStateListener,
  ) {
    this.#stream = shared.store.changes();
    this.#stream.on((change) => {
      if (this.#buffer) this.#buffer.push(change);
      else this.#apply(change);
    });
  }

  /** Starts following: reads where every resource stands, then applies what changed since. */
  async start(): Promise<void> {
    await this.#stream.ready();
    for (const kind of ['Repository', 'ImageBuild', 'ImageExport'] as const) {
      for (const rec of await this.ctx.store.list(kind)) {
        const key = `${kind}/${rec.name}`;
        if (kind === 'Repository') {
          this.#seen.set(key, { version: rec.resourceVersion, reason: undefined, message: undefined });
          continue;
        }
        const ready = getReadyCondition((rec.object as ImageBuild | ImageExport).status?.conditions);
        const reason = ready?.reason ?? 'Pending';
        this.#seen.set(key, { version: rec.resourceVersion, reason, message: ready?.message });
        noteReason(this.ctx, key, reason, rec.resourceVersion);
        this.claims.noteJob(kind, rec.name, reason, buildRefOf(rec.object));
      }
    }
    const buffered = this.#buffer ?? [];
    this.#buffer = undefined;
    for (const change of buffered) this.#apply(change);
  }

  close(): Promise<void> {
    return this.#stream.close();
  }

  #apply(change: Change): void {
    const { kind, name } = change;
    const key = `${kind}/${name}`;
    const seen = this.#seen.get(key);
    if (seen && seen.version >= change.resourceVersion) return; // read at start, or a repeat
    const time = new Date().toISOString();
    if (change.type === 'delete' || change.object === undefined) {
      this.#seen.delete(key);
      this.ctx.hub.publish({ type: 'deleted', kind, name, time });
      if (kind !== 'Repository') {
        forgetReason(this.ctx, key);
        this.claims.noteJob(kind, name, undefined, undefined);
        this.ctx.logs.remove(kind, name);
        notifySettled(this.ctx, kind, name);
      }
      return;
    }
    const object = JSON.parse(change.object) as ImageBuild | ImageExport | Repository;
    if (kind === 'Repository') {
      this.#seen.set(key, { version: change.resourceVersion, reason: undefined, message: undefined });
      if (!seen) {
        const masked = maskRepository(object as Repository);
        this.ctx.hub.publish({ type: 'created', kind, name, phase: undefined, object: masked, time });
      }
      return;
    }
    this.#job(kind, name, change.resourceVersion, object as ImageBuild | ImageExport, seen);
  }

  #job(
    kind: Exclude<StoredKind, 'Repository'>,
    name: string,
    version: number,
    object: ImageBuild | ImageExport,
    seen: Seen | undefined,
  ): void {
    const key = jobKey(kind, name);
    const ready = getReadyCondition(object.status?.conditions);
    const reason = ready?.reason ?? 'Pending';
    const message = ready?.message ?? '';
    const time = ready?.lastTransitionTime ?? new Date().toISOString();
    this.#seen.set(key, { version, reason, message });
    noteReason(this.ctx, key, reason, version);
    if (!seen && version === 1) {
      this.ctx.hub.publish({ type: 'created', kind, name, phase: reason, object, time });
    } else if (!seen || seen.reason !== reason || seen.message !== message) {
      this.ctx.hub.publish({
        type: 'phase',
        kind,
        name,
        from: seen?.reason ?? reason,
        phase: reason,
        message,
        object,
        time,
      });
    }
    if (isTerminal(reason)) notifySettled(this.ctx, kind, name);
    this.claims.noteJob(kind, name, reason, buildRefOf(object));
  }
}

/** The build an export runs after. */
function buildRefOf(object: ImageBuild | ImageExport | Repository): string | undefined {
  return object.kind === 'ImageExport' ? object.spec.source.imageBuildRef : undefined;
}
