import {
  ConflictError,
  NotFoundError,
  ValidationError,
  parseImageBuild,
  parseImageExport,
  type ImageBuild,
  type ImageExport,
  type Repository,
} from '@imagebuild/core';
import type { ImageBuilderOptions } from '../options.js';
import { getReadyReason, setReadyCondition } from '@imagebuild/core/lifecycle';
import {
  parseImageBuildNewVersionRequest,
  validateImageBuildAgainstRepositories,
  type ImageBuildList,
  type ImageExportList,
} from '@imagebuild/core/resources';
import type { StoredRecord } from '../store/store.js';
import type { JobKind } from '../watch/events.js';
import { jobKey, noteReason, publish, type BuilderContext } from './context.js';
import { listRecords, type ListOptions } from './list.js';
import { canonical, managedMetadata } from './metadata.js';
import type { JobQueue } from './job-queue.js';
import { failExport } from './dependencies.js';
import { prepareWaitingExport } from './export-prep.js';
import { newJobId } from './job-owner.js';

export const CREATED_MSG = {
  ImageBuild: 'ImageBuild created, waiting to be processed',
  ImageExport: 'ImageExport created, waiting to be processed',
};
/** Annotation of a build made by `newVersion`: the name of the build it was copied from. */
export const NEW_VERSION_ANNOTATION = 'flightctl.io/new-version-from';

/** Options of `get`/`list` for builds. */
export interface WithExports {
  /** Attach each build's ImageExports as `imageexports` (omitted when there are none). */
  withExports?: boolean | undefined;
}

/** Request of `newVersion` (upstream's ImageBuildNewVersionRequest, `name` spelled `newName`). */
export interface NewVersionRequest {
  /** Name of the new ImageBuild. */
  newName: string;
  /** Replaces the copied `spec.source.imageTag`. */
  sourceImageTag?: string | undefined;
  /** Replaces the copied `spec.destination.imageTag`. */
  destinationImageTag?: string | undefined;
}

/** Creation, lookup and listing of ImageBuilds and ImageExports. */
export class Jobs {
  constructor(
    readonly ctx: BuilderContext,
    readonly sched: JobQueue,
    readonly options: ImageBuilderOptions,
  ) {}

  async createBuild(input: unknown, annotations?: Record<string, string>): Promise<ImageBuild> {
    const parsed = parseImageBuild(input);
    const repos = new Map<string, Repository>();
    const names = [parsed.spec.source.repository, parsed.spec.destination.repository];
    // read together: a shared store sends them in one statement
    const recs = await Promise.all(names.map((n) => this.ctx.store.get('Repository', n)));
    names.forEach((n, i) => {
      const r = recs[i];
      if (r) repos.set(n, r.object);
    });
    const issues = validateImageBuildAgainstRepositories(parsed, repos);
    if (parsed.spec.binding.type === 'early' && !this.options.enrollmentConfig) {
      issues.push({
        path: 'spec.binding.type',
        message: 'early binding needs an enrollment configuration: pass `enrollmentConfig` to the ImageBuilder',
      });
    }
    if (issues.length > 0) throw new ValidationError(issues, { subject: `ImageBuild "${parsed.metadata.name}"` });
    const object: ImageBuild = {
      apiVersion: parsed.apiVersion,
      kind: 'ImageBuild',
      metadata: managedMetadata(parsed.metadata, annotations ? { annotations } : {}),
      spec: parsed.spec,
      status: { conditions: setReadyCondition(undefined, 'Pending', CREATED_MSG.ImageBuild) },
    };
    const rec = await this.#insert('ImageBuild', object);
    this.sched.enqueue({ kind: 'ImageBuild', name: rec.name, seq: rec.seq });
    return rec.object;
  }

  async createExport(input: unknown): Promise<ImageExport> {
    const parsed = parseImageExport(input);
    const ref = parsed.spec.source.imageBuildRef;
    const build = await this.ctx.store.get('ImageBuild', ref);
    if (!build) {
      throw new ValidationError([{ path: 'spec.source.imageBuildRef', message: `ImageBuild "${ref}" not found` }], {
        subject: `ImageExport "${parsed.metadata.name}"`,
      });
    }
    const object: ImageExport = {
      apiVersion: parsed.apiVersion,
      kind: 'ImageExport',
      metadata: managedMetadata(parsed.metadata, { owner: `ImageBuild/${ref}` }),
      spec: parsed.spec,
      status: { conditions: setReadyCondition(undefined, 'Pending', CREATED_MSG.ImageExport) },
    };
    const rec = await this.#insert('ImageExport', object);
    const buildReason = this.ctx.reasons.get(jobKey('ImageBuild', ref)) ?? getReadyReason(build.object);
    if (buildReason === 'Failed' || buildReason === 'Canceled') await failExport(this.ctx, rec.name, ref, buildReason);
    else {
      this.sched.enqueue({ kind: 'ImageExport', name: rec.name, seq: rec.seq, buildRef: ref });
      prepareWaitingExport(this.sched, ref, this.options, this.ctx.logger);
    }
    return (await this.ctx.store.get('ImageExport', rec.name))?.object ?? rec.object;
  }

  async #insert<K extends JobKind>(kind: K, object: StoredRecord<K>['object']): Promise<StoredRecord<K>> {
    const name = object.metadata.name;
    let rec: StoredRecord<K>;
    try {
      rec = await this.ctx.store.insert<K>({ kind, name, resourceVersion: 1, object, job: { uid: newJobId() } });
    } catch (err) {
      if (err instanceof ConflictError) throw new ConflictError(`${kind} "${name}" already exists`);
      throw err;
    }
    noteReason(this.ctx, jobKey(kind, name), 'Pending', rec.resourceVersion);
    this.ctx.logs.create(kind, name);
    publish(this.ctx, {
      type: 'created',
      kind,
      name,
      phase: 'Pending',
      object,
      time: object.metadata.creationTimestamp!,
    });
    return rec;
  }

  /**
   * Creates the resource, or — when one with that name exists — returns it if its spec is the same
   * (updating its labels), and throws `ConflictError` if the spec differs (specs are immutable).
   */
  async apply(kind: JobKind, input: unknown): Promise<ImageBuild | ImageExport> {
    const parsed = kind === 'ImageBuild' ? parseImageBuild(input) : parseImageExport(input);
    const name = parsed.metadata.name;
    for (let attempt = 0; attempt < 10; attempt++) {
      const rec = await this.ctx.store.get(kind, name);
      if (!rec) {
        try {
          return kind === 'ImageBuild' ? await this.createBuild(input) : await this.createExport(input);
        } catch (err) {
          if (err instanceof ConflictError && /already exists/.test(err.message)) continue;
          throw err;
        }
      }
      if (canonical(rec.object.spec) !== canonical(parsed.spec)) {
        throw new ConflictError(
          `${kind} "${name}" exists with a different spec; specs are immutable (create a new resource${kind === 'ImageBuild' ? ' or use newVersion' : ''})`,
        );
      }
      const labels = parsed.metadata.labels ?? {};
      if (canonical(rec.object.metadata.labels ?? {}) === canonical(labels)) return rec.object;
      const prev = rec.resourceVersion;
      rec.resourceVersion = prev + 1;
      rec.object.metadata = { ...rec.object.metadata, labels: { ...labels }, resourceVersion: String(prev + 1) };
      try {
        await this.ctx.store.update(rec, prev);
        return rec.object;
      } catch (err) {
        if (!(err instanceof ConflictError)) throw err;
      }
    }
    throw new ConflictError(`${kind} "${name}" is being modified concurrently; retry`);
  }

  async get(kind: JobKind, name: string, options: WithExports = {}): Promise<ImageBuild | ImageExport> {
    const rec = await this.ctx.store.get(kind, name);
    if (!rec) throw new NotFoundError(`${kind} "${name}" not found`);
    if (kind === 'ImageBuild' && options.withExports) await this.#attach([rec.object as ImageBuild]);
    return rec.object;
  }

  async #attach(builds: ImageBuild[]): Promise<void> {
    const exports = await this.ctx.store.list('ImageExport');
    for (const b of builds) {
      const mine = exports.filter((e) => e.object.spec.source.imageBuildRef === b.metadata.name).map((e) => e.object);
      if (mine.length > 0) b.imageexports = mine;
    }
  }

  async listBuilds(options: ListOptions & WithExports = {}): Promise<ImageBuildList> {
    const { page, meta } = await listRecords(this.ctx, 'ImageBuild', options);
    const items = page.map((r) => r.object);
    if (options.withExports) await this.#attach(items);
    return { apiVersion: 'flightctl.io/v1alpha1', kind: 'ImageBuildList', metadata: meta, items };
  }

  async listExports(options: ListOptions = {}): Promise<ImageExportList> {
    const { page, meta } = await listRecords(this.ctx, 'ImageExport', options);
    return {
      apiVersion: 'flightctl.io/v1alpha1',
      kind: 'ImageExportList',
      metadata: meta,
      items: page.map((r) => r.object),
    };
  }

  /** Upstream's newversion: copies the parent's whole spec, applies tag overrides, annotates the parent, no labels. */
  async newVersion(parentName: string, request: NewVersionRequest): Promise<ImageBuild> {
    const req = parseImageBuildNewVersionRequest({
      name: request.newName,
      ...(request.sourceImageTag !== undefined ? { sourceImageTag: request.sourceImageTag } : {}),
      ...(request.destinationImageTag !== undefined ? { destinationImageTag: request.destinationImageTag } : {}),
    });
    const parent = await this.ctx.store.get('ImageBuild', parentName);
    if (!parent) throw new NotFoundError(`ImageBuild "${parentName}" not found`);
    const spec = structuredClone(parent.object.spec);
    if (req.sourceImageTag !== undefined) spec.source.imageTag = req.sourceImageTag;
    if (req.destinationImageTag !== undefined) spec.destination.imageTag = req.destinationImageTag;
    return this.createBuild(
      { apiVersion: 'flightctl.io/v1alpha1', kind: 'ImageBuild', metadata: { name: req.name }, spec },
      { [NEW_VERSION_ANNOTATION]: parentName },
    );
  }
}
