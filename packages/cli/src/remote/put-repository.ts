import { LimitExceededError } from '@imagebuild/core/errors';
import { API_VERSION_HEADER, CORE_VERSION, trimTrailingSlashes } from '@imagebuild/core/resources';
import { randomUUID } from 'node:crypto';
import { apiErrorFrom } from '@imagebuild/client';
import { Agent, fetch } from 'undici';
import type { ContextEntry } from './config-file.js';

/** The reply to a PUT is the resource or an error status: a larger body is not a server's answer. */
const MAX_REPLY_BYTES = 4 * 1024 * 1024;

/**
 * `PUT /api/v1/repositories/{name}` on the core API (create or replace, as `flightctl apply` does).
 * `@imagebuild/client` has no replace for repositories yet, so the CLI sends it with the context's
 * token, organization and TLS settings. Resolves to the HTTP status (200 replaced, 201 created).
 */
export async function putRepository(
  entry: ContextEntry,
  org: string | undefined,
  repository: { metadata: { name?: string | undefined } } & Record<string, unknown>,
  timeoutMs: number,
): Promise<number> {
  const name = repository.metadata.name ?? '';
  const url = new URL(`${trimTrailingSlashes(entry.server)}/api/v1/repositories/${encodeURIComponent(name)}`);
  if (org) url.searchParams.set('org_id', org);
  const ca = entry['certificate-authority-data'];
  const dispatcher = new Agent({
    connect: { ...(ca ? { ca } : {}), ...(entry['insecure-skip-tls-verify'] ? { rejectUnauthorized: false } : {}) },
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
  });
  try {
    const { status: _serverOwned, ...body } = repository;
    const res = await fetch(url, {
      method: 'PUT',
      dispatcher,
      headers: {
        'Content-Type': 'application/json',
        [API_VERSION_HEADER]: CORE_VERSION,
        'X-Request-Id': randomUUID(),
        ...(entry.token ? { Authorization: `Bearer ${entry.token}` } : {}),
      },
      body: JSON.stringify(body),
    });
    const text = await readReply(res.body, `apply Repository ${name}`);
    if (!res.ok) {
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // plain text body
      }
      throw apiErrorFrom(res as unknown as Response, parsed, `apply Repository ${name}`);
    }
    return res.status;
  } finally {
    await dispatcher.close();
  }
}

/** The body as text, refusing more than {@link MAX_REPLY_BYTES} (the rest is never read). */
async function readReply(body: ReadableStream<Uint8Array> | null, what: string): Promise<string> {
  if (!body) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_REPLY_BYTES) {
      await reader.cancel().catch(() => undefined); // the connection goes with the dispatcher
      throw new LimitExceededError('maxResponseBytes', MAX_REPLY_BYTES, `${what}: the server's reply`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
