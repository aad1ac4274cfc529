import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Runs openssl in `dir` (argv only, no shell). */
function openssl(dir: string, args: readonly string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

const P256 = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];

/** A throwaway self-signed P-256 CA valid for a day: `<dir>/ca.crt` and `<dir>/ca.key`. */
export function makeTestCa(dir: string, commonName: string): void {
  openssl(dir, [
    'req',
    '-x509',
    ...P256,
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
    '-days',
    '1',
    '-subj',
    `/CN=${commonName}`,
  ]);
}

/**
 * A P-256 certificate signed by the CA of `makeTestCa` in the same folder: `<dir>/<name>.crt` and
 * `<dir>/<name>.key`, with `subjectAltName` (e.g. `IP:127.0.0.1`) when given.
 */
export function issueTestCert(dir: string, name: string, commonName: string, subjectAltName?: string): void {
  openssl(dir, ['req', ...P256, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${commonName}`]);
  const ext = subjectAltName ? ['-extfile', `${name}.ext`] : [];
  if (subjectAltName) writeFileSync(join(dir, `${name}.ext`), `subjectAltName=${subjectAltName}\n`);
  openssl(dir, [
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    'ca.crt',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    `${name}.crt`,
    '-days',
    '1',
    ...ext,
  ]);
}
