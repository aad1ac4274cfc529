import { createPrivateKey, createPublicKey, sign as cryptoSign, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { ValidationError } from '@imagebuild/core';
import type { ImageSigner } from '@imagebuild/core/runner';

/** One shape for signers across packages: core's `ImageSigner`. */
export type Signer = ImageSigner;

/** A signer over a private key held in memory as a KeyObject (never serialised, logged or written). */
export function keySigner(privateKey: KeyObject): Signer {
  if (privateKey.type !== 'private' || privateKey.asymmetricKeyType !== 'ec')
    throw new ValidationError([{ path: 'privateKey', message: 'must be an EC private key' }], { subject: 'signer' });
  const curve = privateKey.asymmetricKeyDetails?.namedCurve;
  if (curve !== 'prime256v1' && curve !== 'P-256')
    throw new ValidationError([{ path: 'privateKey', message: `must be on curve P-256 (got ${curve ?? 'unknown'})` }], {
      subject: 'signer',
    });
  const publicKeyPem = createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString();
  return {
    publicKeyPem,
    sign: async (payload) => new Uint8Array(cryptoSign('sha256', payload, { key: privateKey, dsaEncoding: 'der' })),
  };
}

/**
 * A signer over an unencrypted PEM private key file (PKCS#8 or SEC1 `EC PRIVATE KEY`). The file's
 * text is parsed into a KeyObject and dropped; a parse failure names the file, never its content.
 */
export async function pemFileSigner(path: string): Promise<Signer> {
  const pem = await readFile(path);
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: 'pem' });
  } catch {
    // the ValidationError names the key file
    throw new ValidationError([{ path: 'keyFile', message: `${path} is not an unencrypted PEM private key` }], {
      subject: 'signer',
    });
  } finally {
    pem.fill(0);
  }
  return keySigner(key);
}
