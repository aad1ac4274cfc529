import { RegistryError } from '@imagebuild/core/errors';
import type { Transport } from './transport.js';
import { readErrorBody } from './registry-errors.js';
import type { UploadSessionEnd } from '../upload-options.js';

/** One upload session (`POST /v2/<name>/blobs/uploads/`). */
export class UploadSession {
  location: URL;
  readonly #t: Transport;
  readonly #repo: string;
  readonly #onEnd: ((e: UploadSessionEnd) => void) | undefined;
  #ended = false;

  private constructor(t: Transport, repo: string, location: URL, onEnd: ((e: UploadSessionEnd) => void) | undefined) {
    this.#t = t;
    this.#repo = repo;
    this.location = location;
    this.#onEnd = onEnd;
  }

  get path(): string {
    return this.location.pathname;
  }

  /** Starts a session; with `mount`, tries a cross-repository mount first (undefined when mounted). */
  static async start(
    t: Transport,
    repo: string,
    signal: AbortSignal | undefined,
    onEnd: ((e: UploadSessionEnd) => void) | undefined,
    mount?: { digest: string; from: string },
  ): Promise<UploadSession | undefined> {
    const query = mount ? `?mount=${encodeURIComponent(mount.digest)}&from=${encodeURIComponent(mount.from)}` : '';
    const scope = mount ? `repository:${repo}:pull,push repository:${mount.from}:pull` : `repository:${repo}:pull,push`;
    const res = await t.send({
      method: 'POST',
      path: `/v2/${repo}/blobs/uploads/${query}`,
      scope,
      operation: `blob upload start ${repo}`,
      headers: { 'content-length': '0' },
      retryable: false,
      signal,
    });
    await readErrorBody(res.body);
    if (mount && res.status === 201) return undefined;
    const loc = res.headers['location'];
    if (res.status !== 202 || !loc) {
      throw new RegistryError(
        t.registry,
        `blob upload start ${repo}`,
        `expected 202 with a Location header, got ${res.status}`,
        { status: res.status },
      );
    }
    return new UploadSession(t, repo, new URL(loc, t.url(`/v2/${repo}/blobs/uploads/`)), onEnd);
  }

  /** Takes the Location of a 202 response as the next URL of this session. */
  advance(location: string | undefined): void {
    if (location) this.location = new URL(location, this.location);
  }

  /** The registry's offset (next byte expected), or undefined when the session is gone or invalid. */
  async offset(signal: AbortSignal | undefined): Promise<number | undefined> {
    try {
      const res = await this.#t.send({
        method: 'GET',
        path: this.location.href,
        scope: `repository:${this.#repo}:pull,push`,
        operation: `blob upload status ${this.#repo}`,
        accept: [404, 400, 416],
        signal,
      });
      await readErrorBody(res.body);
      if (res.status !== 204 && res.status !== 200) return undefined;
      this.advance(res.headers['location']);
      const m = /^(?:bytes=)?(\d+)-(\d+)$/.exec(res.headers['range'] ?? '');
      return m ? Number(m[2]) + 1 : 0;
    } catch (err) {
      if (signal?.aborted) throw err;
      return undefined;
    }
  }

  /** The blob was committed. */
  committed(): void {
    this.#end('committed');
  }

  /** Cancels the session (best effort, never throws, ignores aborts). */
  async cancel(): Promise<void> {
    if (this.#ended) return;
    let outcome: UploadSessionEnd['outcome'] = 'invalidated';
    try {
      const res = await this.#t.send({
        method: 'DELETE',
        path: this.location.href,
        scope: `repository:${this.#repo}:pull,push`,
        operation: `blob upload cancel ${this.#repo}`,
        accept: [404, 400, 416],
      });
      await readErrorBody(res.body);
      if (res.status >= 200 && res.status < 300) outcome = 'deleted';
    } catch {
      // Best effort: the session is reported as invalidated (via onSession) and the registry expires it.
    }
    this.#end(outcome);
  }

  #end(outcome: UploadSessionEnd['outcome']): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#onEnd?.({ session: this.path, outcome });
  }
}
