import { createHash } from 'node:crypto';
import { DigestMismatchError } from '@imagebuild/core/errors';

export function sha256(data: Buffer | string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

export function verifyDigest(expected: string, data: Buffer): void {
  const actual = sha256(data);
  if (actual !== expected) throw new DigestMismatchError(expected, actual);
}
