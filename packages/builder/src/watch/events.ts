import type { ImageBuild, ImageExport, Repository } from '@imagebuild/core';

/** Kinds whose lifecycle the builder runs. */
export type JobKind = 'ImageBuild' | 'ImageExport';

/** A resource was created (`phase` is its Ready reason; undefined for Repositories). */
export interface CreatedEvent {
  type: 'created';
  kind: 'Repository' | JobKind;
  name: string;
  phase: string | undefined;
  /** The resource as `get()` returns it (Repository credentials masked). */
  object: ImageBuild | ImageExport | Repository;
  /** ISO time of the change. */
  time: string;
}

/** A build or export moved from one Ready reason to another. */
export interface PhaseEvent {
  type: 'phase';
  kind: JobKind;
  name: string;
  from: string;
  phase: string;
  /** The Ready condition's message (e.g. the failure text). */
  message: string;
  object: ImageBuild | ImageExport;
  time: string;
}

/** A resource was deleted. */
export interface DeletedEvent {
  type: 'deleted';
  kind: 'Repository' | JobKind;
  name: string;
  time: string;
}

/** What `watch()` yields. */
export type WatchEvent = CreatedEvent | PhaseEvent | DeletedEvent;

/** Filters of `watch()`. */
export interface WatchOptions {
  /** Only events of this kind. */
  kind?: 'Repository' | JobKind | undefined;
  /** Only events of the resource with this name. */
  name?: string | undefined;
  /** Ends the iteration (it then throws `AbortError`). */
  signal?: AbortSignal | undefined;
  /** Events buffered for a slow consumer before the watch fails with `ConflictError`. Default 10,000. */
  maxBuffered?: number | undefined;
}
