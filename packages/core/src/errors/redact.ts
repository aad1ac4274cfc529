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

/** The base64 form of a secret without its `=` padding (a standard alphabet has at most two). */
function unpadded(value: string): string {
  const b64 = Buffer.from(value).toString('base64');
  return b64.endsWith('==') ? b64.slice(0, -2) : b64.endsWith('=') ? b64.slice(0, -1) : b64;
}

/** Registers a secret value (e.g. a registry password) so that it is masked wherever it appears in text. */
export function registerSecret(value: string | undefined | null): void {
  if (typeof value !== 'string' || value.length < 4) return;
  knownSecrets.add(value);
  // Base64 forms commonly derived from a secret (basic auth header, docker auth.json).
  knownSecrets.add(unpadded(value));
}

/** Forgets a registered secret (for long-lived processes that rotate credentials). */
export function unregisterSecret(value: string): void {
  knownSecrets.delete(value);
  knownSecrets.delete(unpadded(value));
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
];

/** Masks registered secrets and credential-shaped substrings in a text. */
export function redactText(text: string): string {
  let out = text;
  for (const secret of knownSecrets) {
    if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  }
  for (const [re, rep] of PATTERNS) out = out.replace(re, rep);
  return redactPrivateKeys(out);
}

/** End of a PEM label `[A-Z ]*PRIVATE KEY-----` starting at `at`, or -1 (labels are short: bounded scan). */
function privateKeyLabelEnd(text: string, at: number): number {
  let i = at;
  while (i < text.length && i - at <= 64 && /[A-Z ]/.test(text[i]!)) i++;
  return text.slice(at, i).endsWith('PRIVATE KEY') && text.startsWith('-----', i) ? i + 5 : -1;
}

/** Masks the body of every PEM private key block: indexOf scans that only move forward, so linear. */
function redactPrivateKeys(text: string): string {
  let out = '';
  let from = 0;
  let search = 0;
  for (;;) {
    const begin = text.indexOf('-----BEGIN ', search);
    if (begin < 0) break;
    const head = privateKeyLabelEnd(text, begin + 11);
    if (head < 0) {
      search = begin + 11;
      continue;
    }
    let end = text.indexOf('-----END ', head);
    while (end >= 0 && privateKeyLabelEnd(text, end + 9) < 0) end = text.indexOf('-----END ', end + 9);
    if (end < 0) break;
    out += `${text.slice(from, head)}${REDACTED}`;
    from = search = end;
  }
  return out + text.slice(from);
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
