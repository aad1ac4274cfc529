import { requireCore, type ClientDeps } from '../context.js';
import { unwrap } from '../errors.js';
import { fieldSelector, labelSelector } from '../internal/selectors.js';
import type { ClientListOptions } from '../list-options.js';
import { Paged } from '../paged.js';
import type { CallOptions, CoreStatus, Repository, RepositoryList } from '../types.js';

/** A repository to create: any status it carries is the server's to set (core's parsed `Repository` fits). */
export type RepositoryCreate = Omit<Repository, 'status'> & { status?: unknown };
import { definedOnly } from './image-builds.js';

/** Core API `/api/v1/repositories` (OCI repositories that builds read from and push to). Needs `coreBaseUrl`. */
export class Repositories {
  readonly #ctx: ClientDeps;
  constructor(ctx: ClientDeps) {
    this.#ctx = ctx;
  }

  /** Creates a repository; a `status` on the input (server-owned) is not sent. */
  async create(repository: RepositoryCreate, options: CallOptions = {}): Promise<Repository> {
    const { status: _ignored, ...body } = repository;
    const r = await requireCore(this.#ctx, 'repositories').POST('/repositories', {
      body,
      ...this.#ctx.coreCall(options.signal),
    });
    return unwrap(r, `create Repository ${repository.metadata.name ?? ''}`.trim());
  }

  /** Reads a repository. */
  async get(name: string, options: CallOptions = {}): Promise<Repository> {
    const r = await requireCore(this.#ctx, 'repositories').GET('/repositories/{name}', {
      params: { path: { name } },
      ...this.#ctx.coreCall(options.signal),
    });
    return unwrap(r, `get Repository ${name}`);
  }

  /** Lists repositories, fetching pages as they are iterated. */
  list(options: ClientListOptions = {}): Paged<Repository, RepositoryList> {
    const core = requireCore(this.#ctx, 'repositories');
    const base = {
      labelSelector: labelSelector(options.labelSelector),
      fieldSelector: fieldSelector(options.fieldSelector),
      limit: options.limit,
    };
    return new Paged(async (token) => {
      const r = await core.GET('/repositories', {
        params: { query: definedOnly({ ...base, continue: token }) },
        ...this.#ctx.coreCall(options.signal),
      });
      return unwrap(r, 'list Repositories');
    }, options.continue);
  }

  /** Deletes a repository. */
  async delete(name: string, options: CallOptions = {}): Promise<CoreStatus> {
    const r = await requireCore(this.#ctx, 'repositories').DELETE('/repositories/{name}', {
      params: { path: { name } },
      ...this.#ctx.coreCall(options.signal),
    });
    return unwrap(r, `delete Repository ${name}`);
  }
}
