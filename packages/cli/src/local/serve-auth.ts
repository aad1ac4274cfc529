import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync, writeSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { usage } from '../exit.js';

/** The serve token: read from the file, or generated (32 random bytes) and stored there with mode 0600. */
export function loadOrCreateToken(file: string): { token: string; generated: boolean } {
  if (existsSync(file)) {
    const token = readFileSync(file, 'utf8').trim();
    if (token.length < 16)
      throw usage(
        `--token-file ${file}: the token must be at least 16 characters`,
        'write a longer token or remove the file to have one generated',
      );
    return { token, generated: false };
  }
  const token = randomBytes(32).toString('base64url');
  const fd = openSync(file, 'wx', 0o600);
  try {
    writeSync(fd, `${token}\n`);
  } finally {
    closeSync(fd);
  }
  return { token, generated: true };
}

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/** Bearer-token check in constant time (hashes first, so lengths do not leak either). */
export function bearerAuth(token: string): (req: IncomingMessage) => boolean {
  const want = digest(token);
  return (req) => {
    const h = req.headers.authorization;
    if (typeof h !== 'string' || !/^Bearer /i.test(h)) return false;
    return timingSafeEqual(digest(h.slice(7).trim()), want);
  };
}

const LOOPBACK = /^(127(\.\d{1,3}){3}|::1|localhost|\[::1\])$/;

export function isLoopback(host: string): boolean {
  return LOOPBACK.test(host);
}

/** `host:port`, `[v6]:port`, or `:port` (loopback) → parts. */
export function parseListen(value: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(value);
  const port = Number(m?.[3]);
  if (!m || port > 65535) throw usage(`--listen ${value}: must be HOST:PORT`, 'e.g. 127.0.0.1:8445 or [::1]:8445');
  return { host: m[1] ?? (m[2] || '127.0.0.1'), port };
}
