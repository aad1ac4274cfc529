import type { ClientDeps } from '../context.js';
import {
  openDownload,
  type DownloadOpener,
  type DownloadStreamOptions,
  type DownloadSession,
} from '../download/download.js';
import { downloadToFile, type DownloadToFileResult, type DownloadToFileOptions } from '../download/to-file.js';
import { unwrap } from '../errors.js';
import { fieldSelector, labelSelector } from '../internal/selectors.js';
import { followLog, type FollowLogOptions, type LogOpener } from '../logs/follow-log.js';
import type { ClientListOptions } from '../list-options.js';
import { Paged } from '../paged.js';
import type { CallOptions, ImageExport, ImageExportList, Status } from '../types.js';
import { definedOnly } from './image-builds.js';

/** `/api/v1/imageexports`: create, get, list, delete, cancel, log, download. */
export class ImageExports {
  readonly #ctx: ClientDeps;
  constructor(ctx: ClientDeps) {
    this.#ctx = ctx;
  }

  /** Creates an export (a disk image made from a build's image); it starts Pending. */
  async create(imageExport: ImageExport, options: CallOptions = {}): Promise<ImageExport> {
    const r = await this.#ctx.api.POST('/api/v1/imageexports', {
      body: imageExport,
      ...this.#ctx.call(options.signal),
    });
    return unwrap(r, `create ImageExport ${imageExport.metadata.name ?? ''}`.trim());
  }

  /** Reads an export. */
  async get(name: string, options: CallOptions = {}): Promise<ImageExport> {
    const r = await this.#ctx.api.GET('/api/v1/imageexports/{name}', {
      params: { path: { name } },
      ...this.#ctx.call(options.signal),
    });
    return unwrap(r, `get ImageExport ${name}`);
  }

  /** Lists exports, fetching pages as they are iterated. */
  list(options: ClientListOptions = {}): Paged<ImageExport, ImageExportList> {
    const base = {
      labelSelector: labelSelector(options.labelSelector),
      fieldSelector: fieldSelector(options.fieldSelector),
      limit: options.limit,
    };
    return new Paged(async (token) => {
      const r = await this.#ctx.api.GET('/api/v1/imageexports', {
        params: { query: definedOnly({ ...base, continue: token }) },
        ...this.#ctx.call(options.signal),
      });
      return unwrap(r, 'list ImageExports');
    }, options.continue);
  }

  /** Deletes an export (cancelling it first when it has not finished). */
  async delete(name: string, options: CallOptions = {}): Promise<Status> {
    const r = await this.#ctx.api.DELETE('/api/v1/imageexports/{name}', {
      params: { path: { name } },
      ...this.#ctx.call(options.signal),
    });
    return unwrap(r, `delete ImageExport ${name}`);
  }

  /** Cancels an export that has not finished; 409 (ApiError) when it already has. */
  async cancel(name: string, options: CallOptions = {}): Promise<ImageExport> {
    const r = await this.#ctx.api.POST('/api/v1/imageexports/{name}/cancel', {
      params: { path: { name } },
      ...this.#ctx.call(options.signal),
    });
    return unwrap(r, `cancel ImageExport ${name}`);
  }

  /** The stored log as text (what `GET …/log` returns without follow). */
  async logs(name: string, options: CallOptions = {}): Promise<string> {
    const r = await this.#ctx.api.GET('/api/v1/imageexports/{name}/log', {
      params: { path: { name } },
      parseAs: 'text',
      ...this.#ctx.call(options.signal),
    });
    return unwrap(r, `log of ImageExport ${name}`) ?? ''; // an empty body parses to undefined
  }

  /**
   * The log line by line, following it while the export is active (SSE). Reconnects after a dropped
   * stream without repeating lines; ends at the server's completion marker or when the export is done.
   */
  followLogs(name: string, options: FollowLogOptions = {}): AsyncIterable<string> {
    const open: LogOpener = (lastEventId, sig) =>
      this.#ctx.api.GET('/api/v1/imageexports/{name}/log', {
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
    return followLog(open, `log of ImageExport ${name}`, options, this.#ctx.limits);
  }

  /** Streams the artifact; size and digest are verified as the iteration of `chunks` ends. */
  download(name: string, options: DownloadStreamOptions = {}): Promise<DownloadSession> {
    return openDownload(this.#opener(name), `download of ImageExport ${name}`, 0, undefined, options);
  }

  /** Downloads the artifact to `path` (resuming `<path>.part` when possible), verified. */
  downloadToFile(name: string, path: string, options: DownloadToFileOptions = {}): Promise<DownloadToFileResult> {
    return downloadToFile(this.#opener(name), `download of ImageExport ${name}`, path, options);
  }

  #opener(name: string): DownloadOpener {
    return (range, sig) =>
      this.#ctx.api.GET('/api/v1/imageexports/{name}/download', {
        params: { path: { name }, header: range ? { Range: range } : {} },
        parseAs: 'stream',
        ...this.#ctx.call(sig, true),
      });
  }
}
