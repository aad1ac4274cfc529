import type { ImageBuild, ImageExport, Repository } from '@imagebuild/core';

/** Kinds whose lifecycle the builder runs. */
export type JobKind = 'ImageBuild' | 'ImageExport';

/** A resource was created (`phase` is its Ready reason; undefined for Repositories). */
export interface CreatedEvent {
  /** Discriminant. */
  type: 'created';
  /** Kind of the resource. */
  kind: 'Repository' | JobKind;
  /** Name of the resource. */
  name: string;
  /** Ready reason at creation (e.g. `Pending`); undefined for a Repository. */
  phase: string | undefined;
  /** The resource as `get()` returns it (Repository credentials masked). */
  object: ImageBuild | ImageExport | Repository;
  /** ISO time of the change. */
  time: string;
}

/** A build or export moved from one Ready reason to another. */
export interface PhaseEvent {
  /** Discriminant. */
  type: 'phase';
  /** Kind of the job. */
  kind: JobKind;
  /** Name of the job. */
  name: string;
  /** The previous Ready reason. */
  from: string;
  /** The new Ready reason. */
  phase: string;
  /** The Ready condition's message (e.g. the failure text). */
  message: string;
  /** The job as `get()` returns it after the change. */
  object: ImageBuild | ImageExport;
  /** ISO time of the change. */
  time: string;
}

/** A resource was deleted. */
export interface DeletedEvent {
  /** Discriminant. */
  type: 'deleted';
  /** Kind of the resource. */
  kind: 'Repository' | JobKind;
  /** Name of the resource. */
  name: string;
  /** ISO time of the deletion. */
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
