import { sign, type KeyObject } from 'node:crypto';
import { bitString, context, integer, oid, sequence, set, utf8String } from './der.js';

const OID_COMMON_NAME = '2.5.4.3';
const OID_ECDSA_WITH_SHA256 = '1.2.840.10045.4.3.2';

/**
 * A PKCS#10 certification request (RFC 2986) for an EC key, subject `CN=<commonName>`, no
 * attributes, signed with ECDSA-SHA256. Returns the PEM text.
 */
export function createCsrPem(privateKey: KeyObject, publicKey: KeyObject, commonName: string): string {
  const subject = sequence(set(sequence(oid(OID_COMMON_NAME), utf8String(commonName))));
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  const info = sequence(integer(0), subject, spki, context(0));
  const signature = sign('sha256', info, { key: privateKey, dsaEncoding: 'der' });
  const der = sequence(info, sequence(oid(OID_ECDSA_WITH_SHA256)), bitString(signature));
  const b64 = der
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .replace(/\n$/, '');
  return `-----BEGIN CERTIFICATE REQUEST-----\n${b64}\n-----END CERTIFICATE REQUEST-----\n`;
}
