// The registry side of every upload path: is the blob there (HEAD), and committing a session
// (PUT ?digest=), where a lost answer is checked against the blob's presence.
import { AbortError } from '@imagebuild/core/errors';
import { discard, readErrorBody } from './registry-errors.js';
import type { Transport } from './transport.js';
import type { UploadSession } from './upload-session.js';

/** Content type of every upload body, and the default media type of an uploaded blob. */
export const OCTET = 'application/octet-stream';

/** The blob's size when the registry has it, undefined when it does not (404). */
export async function headSize(
  t: Transport,
  repo: string,
  digest: string,
  signal: AbortSignal | undefined,
): Promise<number | undefined> {
  const res = await t.send({
    method: 'HEAD',
    path: `/v2/${repo}/blobs/${digest}`,
    scope: `repository:${repo}:pull,push`,
    operation: `blob HEAD ${repo}@${digest}`,
    accept: [404],
    signal,
  });
  discard(res.body);
  if (res.status === 404) return undefined;
  const n = Number(res.headers['content-length']);
  return Number.isFinite(n) ? n : 0;
}

/** The session URL with `?digest=` set: the `PUT` that commits the session as that blob. */
export function withDigest(url: URL, digest: string): string {
  const u = new URL(url);
  u.searchParams.set('digest', digest);
  return u.href;
}

/** A HEAD that fails only means "not known to be there": the caller's own error is the one reported. */
export const unknownSize = (): undefined => undefined;

/** Commits the session as `digest`; a lost answer counts as committed when the blob is there with `size` bytes. */
export async function finish(
  t: Transport,
  repo: string,
  session: UploadSession,
  digest: string,
  size: number,
  operation: string,
  signal: AbortSignal | undefined,
): Promise<void> {
  try {
    const res = await t.send({
      method: 'PUT',
      path: withDigest(session.location, digest),
      scope: `repository:${repo}:pull,push`,
      operation,
      headers: { 'content-length': '0' },
      signal,
    });
    await readErrorBody(res.body);
  } catch (err) {
    // The commit may have happened even though the answer was lost.
    if (!(err instanceof AbortError) && (await headSize(t, repo, digest, signal).catch(unknownSize)) === size) {
      session.committed();
      return;
    }
    throw err;
  }
  session.committed();
}
