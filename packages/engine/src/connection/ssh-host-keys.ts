import { ValidationError } from '@imagebuild/core';

/**
 * A host verifier for ssh2 accepting exactly the given keys: OpenSSH public key lines (`ssh-ed25519
 * AAAA… comment`, as in a `*.pub` file or a known_hosts entry; a leading host field is allowed).
 * Throws ValidationError (field `engine.ssh.hostKeys[i]`) on a line that holds no key.
 */
export function hostKeyVerifier(lines: readonly string[]): (key: Buffer) => boolean {
  const blobs = lines.map((line, i) => {
    const blob = keyBlob(line);
    if (!blob) {
      throw new ValidationError(
        [
          {
            path: `engine.ssh.hostKeys[${i}]`,
            message: 'is not an OpenSSH public key line (expected "<type> <base64 key> [comment]")',
          },
        ],
        { subject: 'engine endpoint' },
      );
    }
    return blob;
  });
  return (key) => blobs.some((b) => b.equals(key));
}

/** The key blob of a public key line: the base64 field after the first field naming a key type, checked to encode that type. */
function keyBlob(line: string): Buffer | undefined {
  const fields = line.trim().split(/\s+/);
  for (let i = 0; i + 1 < fields.length; i++) {
    const type = fields[i] ?? '';
    if (!/^(ssh-|ecdsa-|sk-)/.test(type)) continue;
    const b64 = fields[i + 1] ?? '';
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) return undefined;
    const blob = Buffer.from(b64, 'base64');
    // the blob starts with the length-prefixed key type
    if (blob.length < 4) return undefined;
    const n = blob.readUInt32BE(0);
    if (blob.subarray(4, 4 + n).toString('latin1') !== type) return undefined;
    return blob;
  }
  return undefined;
}
