/**
 * Credential redaction shared by every error, log line and event of the SDK.
 *
 * Two mechanisms: structural (known secret field names are replaced wherever
 * they appear in an object) and textual (registered secret values, and the
 * usual `Authorization` / `user:pass@` / token shapes, are replaced in text).
 */

export const REDACTED = '[REDACTED]';

const SECRET_KEY =
  /^(password|passwd|token|access_?token|refresh_?token|identity_?token|registry_?token|auth|authorization|secret|client[-_]?key(?:[-_]?data)?|private[-_]?key|key[-_]?data|x-registry-auth|x-registry-config|credentials?)$/i;

const knownSecrets = new Set<string>();

/** Registers a secret value (e.g. a registry password) so that it is masked wherever it appears in text. */
export function registerSecret(value: string | undefined | null): void {
  if (typeof value !== 'string' || value.length < 4) return;
  knownSecrets.add(value);
  // Base64 forms commonly derived from a secret (basic auth header, docker auth.json).
  knownSecrets.add(Buffer.from(value).toString('base64').replace(/=+$/, ''));
}

/** Forgets a registered secret (for long-lived processes that rotate credentials). */
export function unregisterSecret(value: string): void {
  knownSecrets.delete(value);
  knownSecrets.delete(Buffer.from(value).toString('base64').replace(/=+$/, ''));
}

/** True when a property name conventionally holds a secret. */
export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

const PATTERNS: ReadonlyArray<[RegExp, string]> = [
  [/(authorization\s*[:=]\s*)(basic|bearer)\s+[^\s"',]+/gi, `$1$2 ${REDACTED}`],
  [/\b(basic|bearer)\s+[A-Za-z0-9._~+/-]{8,}=*/gi, `$1 ${REDACTED}`],
  [/(\/\/[^/\s:@]+):[^@\s/]+@/g, `$1:${REDACTED}@`],
  [
    /("?(?:password|token|access_token|identitytoken|registrytoken|auth)"?\s*[:=]\s*)"(?:[^"\\]|\\.)*"/gi,
    `$1"${REDACTED}"`,
  ],
  [/(-----BEGIN [A-Z ]*PRIVATE KEY-----)[\s\S]*?(-----END [A-Z ]*PRIVATE KEY-----)/g, `$1${REDACTED}$2`],
];

/** Masks registered secrets and credential-shaped substrings in a text. */
export function redactText(text: string): string {
  let out = text;
  for (const secret of knownSecrets) {
    if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  }
  for (const [re, rep] of PATTERNS) out = out.replace(re, rep);
  return out;
}

/** Deep-copies a value with secret fields and secret text masked. Cycles are cut. */
export function redact<T>(value: T, seen: WeakSet<object> = new WeakSet()): T {
  if (typeof value === 'string') return redactText(value) as T;
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value)) return '[Circular]' as T;
  seen.add(value);
  if (Array.isArray(value)) return value.map((v) => redact(v, seen)) as T;
  if (value instanceof Error || Buffer.isBuffer(value) || value instanceof Uint8Array) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    out[k] = isSecretKey(k) && v !== undefined && v !== null && v !== '' ? REDACTED : redact(v, seen);
  }
  return out as T;
}
