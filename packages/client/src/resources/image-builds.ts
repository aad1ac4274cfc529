import type { ClientDeps } from '../context.js';
import { unwrap } from '../errors.js';
import { fieldSelector, labelSelector } from '../internal/selectors.js';
import { followLog, type FollowLogOptions, type LogOpener } from '../logs/follow-log.js';
import type { ClientListOptions } from '../list-options.js';
import { Paged } from '../paged.js';
import type { CallOptions, ImageBuild, ImageBuildList, ImageBuildNewVersionRequest, Status } from '../types.js';

/** Options of `imageBuilds.list`. */
export interface ImageBuildListOptions extends ClientListOptions {
  /** Embed each build's exports in `imageexports`. */
  withExports?: boolean;
}

/** `/api/v1/imagebuilds`: create, get, list, delete, cancel, newversion, log. */
export class ImageBuilds {
  readonly #ctx: ClientDeps;
  constructor(ctx: ClientDeps) {
    this.#ctx = ctx;
  }

  /** Creates a build; it starts Pending. */
  async create(build: ImageBuild, options: CallOptions = {}): Promise<ImageBuild> {
    const r = await this.#ctx.api.POST('/api/v1/imagebuilds', { body: build, ...this.#ctx.call(options.signal) });
    return unwrap(r, `create ImageBuild ${build.metadata.name ?? ''}`.trim());
  }

  /** Reads a build; `withExports` embeds its exports in `imageexports`. */
  async get(name: string, options: CallOptions & { withExports?: boolean } = {}): Promise<ImageBuild> {
    const query = options.withExports === undefined ? {} : { withExports: options.withExports };
    const r = await this.#ctx.api.GET('/api/v1/imagebuilds/{name}', {
      params: { path: { name }, query },
      ...this.#ctx.call(options.signal),
    });
    return unwrap(r, `get ImageBuild ${name}`);
  }

  /** Lists builds, newest first, fetching pages as they are iterated. */
  list(options: ImageBuildListOptions = {}): Paged<ImageBuild, ImageBuildList> {
    const base = {
      labelSelector: labelSelector(options.labelSelector),
      fieldSelector: fieldSelector(options.fieldSelector),
      limit: options.limit,
      withExports: options.withExports,
    };
    return new Paged(async (token) => {
      const query = definedOnly({ ...base, continue: token });
      const r = await this.#ctx.api.GET('/api/v1/imagebuilds', {
        params: { query },
        ...this.#ctx.call(options.signal),
      });
      return unwrap(r, 'list ImageBuilds');
    }, options.continue);
  }

  /** Deletes the build (cancelling it and its exports). Deleting an absent build succeeds. */
  async delete(name: string, options: CallOptions = {}): Promise<Status> {
    const r = await this.#ctx.api.DELETE('/api/v1/imagebuilds/{name}', {
      params: { path: { name } },
      ...this.#ctx.call(options.signal),
    });
    return unwrap(r, `delete ImageBuild ${name}`);
  }

  /** Cancels a build that has not finished; 409 (ApiError) when it already has. */
  async cancel(name: string, options: CallOptions = {}): Promise<ImageBuild> {
    const r = await this.#ctx.api.POST('/api/v1/imagebuilds/{name}/cancel', {
      params: { path: { name } },
      ...this.#ctx.call(options.signal),
    });
    return unwrap(r, `cancel ImageBuild ${name}`);
  }

  /** Creates a build copying this one's spec, with optional new source/destination tags. */
  async newVersion(name: string, request: ImageBuildNewVersionRequest, options: CallOptions = {}): Promise<ImageBuild> {
    const r = await this.#ctx.api.POST('/api/v1/imagebuilds/{name}/newversion', {
      params: { path: { name } },
      body: request,
      ...this.#ctx.call(options.signal),
    });
    return unwrap(r, `newversion of ImageBuild ${name}`);
  }

  /** The stored log as text (what `GET …/log` returns without follow). */
  async logs(name: string, options: CallOptions = {}): Promise<string> {
    const r = await this.#ctx.api.GET('/api/v1/imagebuilds/{name}/log', {
      params: { path: { name } },
      parseAs: 'text',
      ...this.#ctx.call(options.signal),
    });
    return unwrap(r, `log of ImageBuild ${name}`) ?? ''; // an empty body parses to undefined
  }

  /**
   * The log line by line, following it while the build is active (SSE). Reconnects after a dropped
   * stream without repeating lines; ends at the server's completion marker or when the build is done.
   */
  followLogs(name: string, options: FollowLogOptions = {}): AsyncIterable<string> {
    const open: LogOpener = (lastEventId, sig) =>
      this.#ctx.api.GET('/api/v1/imagebuilds/{name}/log', {
        params: {
          path: { name },
          query: { follow: true },
          header: lastEventId ? { 'Last-Event-ID': lastEventId } : {},
        },
        // asks for the resumable framing (`id:` per line); upstream's plain `data:` framing otherwise
        headers: { Accept: 'text/event-stream' },
        parseAs: 'stream',
        ...this.#ctx.call(sig, true),
      });
    return followLog(open, `log of ImageBuild ${name}`, options, this.#ctx.limits);
  }
}

export function definedOnly<T extends Record<string, unknown>>(value: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]: Exclude<T[K], undefined>;
  };
}
