import { RegistryError, registerSecret } from '@imagebuild/core/errors';
import { silentLogger, type Logger } from '@imagebuild/core/logger';
import type { PlainResponse, RequestFn } from './node-http.js';
import { parseWwwAuthenticate, type Challenge } from './www-authenticate.js';
import { readErrorBody } from './registry-errors.js';

interface CachedToken {
  token: string;
  expiresAt: number;
}

/**
 * Authentication state of one registry: the scheme learned from the last
 * challenge, basic credentials, and bearer tokens cached per scope.
 */
export class RegistryAuth {
  readonly #registry: string;
  readonly #basic: string | undefined;
  readonly #request: RequestFn;
  readonly #userAgent: string;
  readonly #log: Logger;
  #mode: 'unknown' | 'basic' | 'bearer' = 'unknown';
  #bearer: { realm: string; service: string | undefined } | undefined;
  readonly #tokens = new Map<string, CachedToken>();

  constructor(
    registry: string,
    username: string | undefined,
    password: string | undefined,
    request: RequestFn,
    userAgent: string,
    log: Logger = silentLogger,
  ) {
    this.#registry = registry;
    this.#log = log;
    this.#request = request;
    this.#userAgent = userAgent;
    if (username !== undefined && password !== undefined) {
      registerSecret(password);
      this.#basic = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
      registerSecret(this.#basic.slice(6));
    }
  }

  get hasCredentials(): boolean {
    return this.#basic !== undefined;
  }

  /** The Authorization header to send for `scope` now, if any is known. */
  headerFor(scope: string): string | undefined {
    if (this.#mode === 'basic') return this.#basic;
    if (this.#mode === 'bearer') {
      const t = this.#tokens.get(scope);
      if (t && t.expiresAt > Date.now()) return `Bearer ${t.token}`;
    }
    return undefined;
  }

  /**
   * Handles a 401: learns the challenge and prepares credentials for a retry.
   * Returns true when a retry with fresh credentials is worth it.
   */
  async onUnauthorized(
    wwwAuthenticate: string | undefined,
    scope: string,
    signal: AbortSignal | undefined,
  ): Promise<boolean> {
    const challenges = wwwAuthenticate ? parseWwwAuthenticate(wwwAuthenticate) : [];
    const bearer = challenges.find((c) => c.scheme === 'bearer');
    if (bearer?.params['realm']) {
      if (this.#mode !== 'bearer')
        this.#log.debug('auth scheme chosen', { scheme: 'bearer', realm: realmOrigin(bearer) });
      this.#mode = 'bearer';
      this.#bearer = { realm: bearer.params['realm'], service: bearer.params['service'] };
      await this.#fetchToken(scope, bearer, signal);
      return true;
    }
    if (challenges.some((c) => c.scheme === 'basic') && this.#basic) {
      const retry = this.#mode !== 'basic';
      if (retry) this.#log.debug('auth scheme chosen', { scheme: 'basic' });
      this.#mode = 'basic';
      return retry;
    }
    return false;
  }

  /** Obtains a token for `scope` before a non-replayable request, when bearer auth is in use. */
  async ensure(scope: string, signal: AbortSignal | undefined): Promise<void> {
    if (this.#mode !== 'bearer' || !this.#bearer || this.headerFor(scope)) return;
    await this.#fetchToken(
      scope,
      {
        scheme: 'bearer',
        params: { realm: this.#bearer.realm, ...(this.#bearer.service ? { service: this.#bearer.service } : {}) },
      },
      signal,
    );
  }

  async #fetchToken(scope: string, challenge: Challenge, signal: AbortSignal | undefined): Promise<void> {
    const realm = challenge.params['realm'] ?? '';
    let url: URL;
    try {
      url = new URL(realm);
    } catch {
      throw new RegistryError(
        this.#registry,
        'token',
        `invalid bearer realm in WWW-Authenticate: ${JSON.stringify(realm.slice(0, 200))}`,
      );
    }
    if (challenge.params['service']) url.searchParams.set('service', challenge.params['service']);
    // Our scope (what this request needs) plus the challenge's, deduplicated.
    const scopes = new Set(scope.split(' ').filter(Boolean));
    for (const s of (challenge.params['scope'] ?? '').split(' ').filter(Boolean)) scopes.add(s);
    for (const s of scopes) url.searchParams.append('scope', s);
    const headers: Record<string, string> = { 'user-agent': this.#userAgent, accept: 'application/json' };
    if (this.#basic) headers['authorization'] = this.#basic;
    let res: PlainResponse;
    try {
      res = await this.#request(url, { method: 'GET', headers, signal });
    } catch (err) {
      throw new RegistryError(
        this.#registry,
        'token',
        `token request to ${url.origin} failed: ${(err as Error).message}`,
        { cause: err },
      );
    }
    const text = await readErrorBody(res.body);
    if (res.status !== 200) {
      throw new RegistryError(
        this.#registry,
        'token',
        `token endpoint ${url.origin}${url.pathname} answered HTTP ${res.status}${res.status === 401 ? ' (credentials rejected)' : ''}`,
        { status: res.status },
      );
    }
    let body: { token?: unknown; access_token?: unknown; expires_in?: unknown };
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      throw new RegistryError(
        this.#registry,
        'token',
        `token endpoint ${url.origin}${url.pathname} returned a body that is not JSON`,
      );
    }
    const token =
      typeof body.token === 'string'
        ? body.token
        : typeof body.access_token === 'string'
          ? body.access_token
          : undefined;
    if (!token) throw new RegistryError(this.#registry, 'token', 'token endpoint returned no token');
    registerSecret(token);
    const ttl = typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : 60;
    // Refresh 10 s before expiry.
    this.#tokens.set(scope, { token, expiresAt: Date.now() + Math.max(1, ttl - 10) * 1000 });
  }
}

/** The realm's origin only: its path and query are the registry's business, not the log's. */
function realmOrigin(challenge: Challenge): string {
  try {
    return new URL(challenge.params['realm'] ?? '').origin;
  } catch {
    return 'invalid'; // reported as an error by #fetchToken
  }
}
