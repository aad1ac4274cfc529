/**
 * Upstream's `flightctl` CLI as seen from the server, re-implemented from its source at upstream
 * HEAD (internal/cli/login.go, apply.go, get.go, logs.go, download.go, delete.go;
 * internal/client/config.go): the requests it sends — Go's `net/http` headers (User-Agent,
 * Accept-Encoding: gzip, no Accept), `Flightctl-API-Version` (v1beta1 for the core API, v1alpha1
 * for the image builder), `X-Request-Id`, the bearer token, `org_id` when an organization is set —
 * the image-builder address login derives, `PUT` for Repositories, and its SSE line parser.
 */
import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { request, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { pipeline } from 'node:stream/promises';

/** `LogStreamCompleteMarker` in upstream's api/imagebuilder/v1alpha1/consts.go. */
const MARKER = '<<STREAM_COMPLETE>>';
/** The CLI's bufio.Scanner buffer for SSE lines. */
const MAX_SCAN_TOKEN = 1024 * 1024;

export interface CliResult {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** `deriveImageBuilderService` in internal/cli/login.go. */
export function deriveImageBuilderServer(server: string): string {
  const u = new URL(server);
  const port = u.port;
  const scheme = u.protocol.slice(0, -1);
  if ((port === '' || port === '443' || port === '80') && u.hostname.startsWith('api.'))
    return `${scheme}://${u.hostname.replace('api.', 'imagebuilder-api.')}`;
  if (port === '3443') return `${scheme}://${u.hostname}:8445`;
  return `${scheme}://${u.host}/_/imagebuilder`;
}

/**
 * The SSE handling of `flightctl logs -f` (handleSSEStream): `data: ` lines accumulate until an
 * empty line prints them; any other line is printed verbatim; the marker ends the stream orderly.
 */
export function parseLikeFlightctl(body: string): { printed: string[]; completed: boolean } {
  const printed: string[] = [];
  let current = '';
  let completed = false;
  const lines = body.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  for (const raw of lines) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw; // bufio.ScanLines drops a trailing CR
    if (Buffer.byteLength(line) > MAX_SCAN_TOKEN) throw new Error('reading stream: bufio.Scanner: token too long');
    if (line.startsWith('data: ')) {
      const data = line.slice('data: '.length);
      if (data === MARKER) {
        completed = true;
        break;
      }
      current += data;
    } else if (line === '') {
      if (current.length > 0) printed.push(current);
      current = '';
    } else printed.push(line);
  }
  if (current.length > 0) printed.push(current);
  return { printed, completed };
}

export class Flightctl {
  server = '';
  imageBuilderServer = '';
  token = '';
  organization = '';
  /** Every response's Content-Type, by path, newest last. */
  readonly contentTypes: Array<[string, string]> = [];

  #send(
    url: string,
    method: string,
    version: 'v1beta1' | 'v1alpha1',
    opts: { body?: string; token?: boolean; org?: boolean } = {},
  ): Promise<IncomingMessage> {
    const u = new URL(url);
    if (opts.org !== false && this.organization) u.searchParams.set('org_id', this.organization);
    const headers: Record<string, string> = {
      'User-Agent': 'flightctl-cli/v1.0.0 (linux/amd64)',
      'Accept-Encoding': 'gzip',
      'Flightctl-API-Version': version,
      'X-Request-Id': randomUUID(),
    };
    if (opts.token !== false && this.token) headers.Authorization = `Bearer ${this.token}`;
    if (opts.body !== undefined) headers['Content-Type'] = 'application/json';
    return new Promise((resolve, reject) => {
      const req = request(u, { method, headers }, (res) => {
        this.contentTypes.push([u.pathname, String(res.headers['content-type'] ?? '')]);
        resolve(res);
      });
      req.on('error', reject);
      req.end(opts.body);
    });
  }

  async #call(url: string, method: string, version: 'v1beta1' | 'v1alpha1', opts = {}): Promise<CliResult> {
    const res = await this.#send(url, method, version, opts);
    const chunks: Buffer[] = [];
    for await (const c of res) chunks.push(c as Buffer);
    return { status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') };
  }

  /** `flightctl login URL --token T`: auth config, token validation, organizations, derived address. */
  async login(url: string, token: string): Promise<void> {
    const server = url.includes('://') ? url.trim() : `https://${url.trim()}`;
    const api = `${server.replace(/\/$/, '')}/api/v1`;
    const config = await this.#call(`${api}/auth/config`, 'GET', 'v1beta1', { token: false, org: false });
    if (config.status !== 200) throw new Error(`unexpected response code ${config.status} from ${server}`);
    const providers = (JSON.parse(config.body) as { providers?: unknown[] }).providers;
    if (!providers || providers.length === 0) throw new Error('no authentication providers configured on the server');
    this.token = token;
    const valid = await this.#call(`${api}/auth/validate`, 'GET', 'v1beta1', { org: false });
    if (valid.status !== 200) throw new Error(`authentication failed: ${valid.status} ${valid.body}`);
    const orgs = await this.#call(`${api}/organizations`, 'GET', 'v1beta1', { org: false });
    if (orgs.status === 200) {
      const items = (JSON.parse(orgs.body) as { items?: Array<{ metadata: { name?: string } }> }).items ?? [];
      if (items.length === 0) throw new Error('You do not have access to any organizations.');
      this.organization = items[0]!.metadata.name ?? '';
    }
    this.server = server;
    this.imageBuilderServer = deriveImageBuilderServer(server);
  }

  /** `flightctl apply -f` of one document: Repositories `PUT` to the core API, builds and exports `POST`. */
  async apply(doc: { kind: string; metadata: { name?: string | undefined } }): Promise<CliResult> {
    const body = JSON.stringify(doc);
    const name = doc.metadata.name ?? '';
    const r =
      doc.kind === 'Repository'
        ? await this.#call(`${this.server}/api/v1/repositories/${name}`, 'PUT', 'v1beta1', { body })
        : await this.#call(`${this.imageBuilderServer}/api/v1/${doc.kind.toLowerCase()}s`, 'POST', 'v1alpha1', {
            body,
          });
    if (r.status !== 200 && r.status !== 201) throw new Error(`applying ${doc.kind}/${name}: ${r.status} ${r.body}`);
    return r;
  }

  /** `flightctl get imagebuild NAME` (it always sends withExports) or `get imageexport NAME`. */
  async get(kind: 'imagebuilds' | 'imageexports', name: string): Promise<CliResult> {
    const q = kind === 'imagebuilds' ? '?withExports=false' : '';
    return this.#call(`${this.imageBuilderServer}/api/v1/${kind}/${name}${q}`, 'GET', 'v1alpha1');
  }

  /** `flightctl get imagebuilds` / `get imageexports` (zero-valued parameters are left out; withExports is not). */
  async list(kind: 'imagebuilds' | 'imageexports'): Promise<CliResult> {
    const q = kind === 'imagebuilds' ? '?withExports=false' : '';
    return this.#call(`${this.imageBuilderServer}/api/v1/${kind}${q}`, 'GET', 'v1alpha1');
  }

  /** `flightctl logs -f TYPE/NAME`: what it would print, and whether it ended orderly. */
  async logsFollow(kind: 'imagebuilds' | 'imageexports', name: string): Promise<{ printed: string[]; sse: boolean }> {
    const r = await this.#call(`${this.imageBuilderServer}/api/v1/${kind}/${name}/log?follow=true`, 'GET', 'v1alpha1');
    if (r.status !== 200) throw new Error(`logs: ${r.status} ${r.body}`);
    if (!String(r.headers['content-type']).includes('text/event-stream')) {
      const lines = r.body.split('\n');
      if (lines[lines.length - 1] === '') lines.pop();
      return { printed: lines, sse: false }; // io.Copy to stdout
    }
    const { printed, completed } = parseLikeFlightctl(r.body);
    if (!completed) throw new Error('stream closed unexpectedly (connection lost or server error)');
    return { printed, sse: true };
  }

  /** `flightctl download imageexport NAME FILE`; resolves with the response headers. */
  async download(name: string, file: string): Promise<IncomingHttpHeaders> {
    const res = await this.#send(`${this.imageBuilderServer}/api/v1/imageexports/${name}/download`, 'GET', 'v1alpha1');
    if ((res.statusCode ?? 0) >= 400) {
      res.resume();
      throw new Error(`download: ${res.statusCode}`);
    }
    await pipeline(res, createWriteStream(file));
    return res.headers;
  }

  /** `flightctl delete TYPE/NAME`. */
  async delete(kind: 'imagebuilds' | 'imageexports' | 'repositories', name: string): Promise<CliResult> {
    return kind === 'repositories'
      ? this.#call(`${this.server}/api/v1/repositories/${name}`, 'DELETE', 'v1beta1')
      : this.#call(`${this.imageBuilderServer}/api/v1/${kind}/${name}`, 'DELETE', 'v1alpha1');
  }
}
