import { registerSecret } from '@imagebuild/core/errors';
import type { TokenSource } from '../config.js';

/** Returns the current bearer token (registered for redaction), or undefined. */
export async function currentToken(source: TokenSource | undefined): Promise<string | undefined> {
  if (source === undefined) return undefined;
  const token = typeof source === 'string' ? source : await source();
  if (token) registerSecret(token);
  return token || undefined;
}
