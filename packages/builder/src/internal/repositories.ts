import { CORE_API_VERSION, ConflictError, NotFoundError, parseRepository, type Repository } from '@imagebuild/core';
import { KINDS, type RepositoryList } from '@imagebuild/core/resources';
import { publish, type BuilderContext } from './context.js';
import { maskRepository } from './credentials.js';
import { listRecords, type ListOptions } from './list.js';
import { canonical, managedMetadata } from './metadata.js';

/** Repository CRUD. Passwords are sealed in the store and masked in every answer and event. */
export class Repositories {
  constructor(readonly ctx: BuilderContext) {}

  async create(input: unknown): Promise<Repository> {
    const repo = parseRepository(input);
    const stored: Repository = { ...this.ctx.sealer.seal(repo), metadata: managedMetadata(repo.metadata) };
    delete stored.status;
    try {
      await this.ctx.store.insert({ kind: 'Repository', name: repo.metadata.name, resourceVersion: 1, object: stored });
    } catch (err) {
      if (err instanceof ConflictError) throw new ConflictError(`Repository "${repo.metadata.name}" already exists`);
      throw err;
    }
    const masked = maskRepository(stored);
    publish(this.ctx, {
      type: 'created',
      kind: 'Repository',
      name: repo.metadata.name,
      phase: undefined,
      object: masked,
      time: new Date().toISOString(),
    });
    return masked;
  }

  /** Creates, or replaces the spec and labels of an existing Repository (e.g. to rotate its password). */
  async apply(input: unknown): Promise<Repository> {
    const repo = parseRepository(input);
    const name = repo.metadata.name;
    for (let attempt = 0; attempt < 10; attempt++) {
      const rec = await this.ctx.store.get('Repository', name);
      if (!rec) {
        try {
          return await this.create(input);
        } catch (err) {
          if (err instanceof ConflictError) continue;
          throw err;
        }
      }
      const sealed = this.ctx.sealer.seal(repo);
      const unchanged =
        canonical(this.ctx.sealer.unseal(rec.object).repo.spec) === canonical(repo.spec) &&
        canonical(rec.object.metadata.labels ?? {}) === canonical(repo.metadata.labels ?? {});
      if (unchanged) return maskRepository(rec.object);
      const prev = rec.resourceVersion;
      rec.resourceVersion = prev + 1;
      rec.object = {
        ...rec.object,
        spec: sealed.spec,
        metadata: {
          ...rec.object.metadata,
          labels: { ...(repo.metadata.labels ?? {}) },
          resourceVersion: String(prev + 1),
        },
      };
      try {
        await this.ctx.store.update(rec, prev);
        return maskRepository(rec.object);
      } catch (err) {
        if (!(err instanceof ConflictError)) throw err;
      }
    }
    throw new ConflictError(`Repository "${name}" is being modified concurrently; retry`);
  }

  async get(name: string): Promise<Repository> {
    const rec = await this.ctx.store.get('Repository', name);
    if (!rec) throw new NotFoundError(`Repository "${name}" not found`);
    return maskRepository(rec.object);
  }

  async list(options: ListOptions = {}): Promise<RepositoryList> {
    const { page, meta } = await listRecords(this.ctx, 'Repository', options);
    return {
      apiVersion: CORE_API_VERSION,
      kind: KINDS.RepositoryList,
      metadata: meta,
      items: page.map((r) => maskRepository(r.object)),
    };
  }

  async delete(name: string): Promise<boolean> {
    const gone = await this.ctx.store.delete('Repository', name);
    if (gone) publish(this.ctx, { type: 'deleted', kind: 'Repository', name, time: new Date().toISOString() });
    return gone;
  }

  /** Every Repository (sealed), by name, for cross-checks. */
  async all(): Promise<Map<string, Repository>> {
    const recs = await this.ctx.store.list('Repository');
    return new Map(recs.map((r) => [r.name, r.object]));
  }
}
