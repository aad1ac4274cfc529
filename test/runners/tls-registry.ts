import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RegistryClient } from '@imagebuild/oci';
import { type NetnsProcess, spawnInNetns } from './netns-process.js';

/** A TLS registry started for a test, with a certificate from a throwaway CA. */
export interface TlsRegistry {
  /** `host:port`. */
  address: string;
  /** PEM of the CA that signed its certificate. */
  caPem: string;
  stop(): Promise<void>;
}

/**
 * Removes the temp dirs of test processes that were killed outright (SIGKILL runs no hook; their registry
 * and namespace died with them through the parent-death signal, only the dir is left).
 */
function sweepDeadOwners(): void {
  for (const name of readdirSync(tmpdir())) {
    const pid = /^ib-tlsreg-(\d+)-/.exec(name)?.[1];
    if (pid === undefined || existsSync(`/proc/${pid}`)) continue;
    rmSync(join(tmpdir(), name), { recursive: true, force: true });
  }
}

/** Any port: the registry is alone in its network namespace. */
const PORT = 5443;

function openssl(args: string[]): void {
  execFileSync('openssl', args, { stdio: 'ignore' });
}

/**
 * Starts `docker-registry` (no auth) with a certificate from a fresh CA for its IP, in a network namespace
 * of its own (see netns-process.ts): dockerd treats every 127.0.0.0/8 registry as insecure and never
 * verifies those, so a registry whose TLS dockerd verifies must be elsewhere, and the only "elsewhere"
 * tests may reach is a host they created themselves.
 */
export async function startTlsRegistry(): Promise<TlsRegistry> {
  sweepDeadOwners();
  const dir = mkdtempSync(join(tmpdir(), `ib-tlsreg-${process.pid}-`));
  const removeDir = (): void => {
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // Best effort: also runs from the exit hook.
    }
  };
  process.once('exit', removeDir);
  let child: NetnsProcess | undefined;
  let address = '';
  try {
    const f = (n: string): string => join(dir, n);
    child = await spawnInNetns((host) => {
      address = `${host}:${PORT}`;
      writeFiles(host, address, f);
      return ['/usr/bin/docker-registry', 'serve', f('config.yml')];
    });
    const caPem = readFileSync(f('ca.crt'), 'utf8');
    const client = new RegistryClient({ registry: address, ca: caPem, retry: { retries: 0 } });
    try {
      for (let i = 0; ; i++) {
        try {
          await client.ping({ signal: AbortSignal.timeout(2000) });
          break;
        } catch (err) {
          if (i >= 100 || child.exited()) throw new Error(`${(err as Error).message} ${child.stderr()}`.trim());
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    } finally {
      await client.close();
    }
    const proc = child;
    return {
      address,
      caPem,
      async stop() {
        await proc.stop();
        removeDir();
        process.removeListener('exit', removeDir);
      },
    };
  } catch (err) {
    await child?.stop();
    removeDir();
    process.removeListener('exit', removeDir);
    throw err;
  }
}

/** CA, server certificate for `host` and registry config, in the directory of `f`. */
function writeFiles(host: string, address: string, f: (n: string) => string): void {
  openssl([
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-sha256',
    '-days',
    '2',
    '-subj',
    '/CN=ib throwaway CA',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
    '-keyout',
    f('ca.key'),
    '-out',
    f('ca.crt'),
  ]);
  openssl([
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-sha256',
    '-subj',
    `/CN=${host}`,
    '-keyout',
    f('server.key'),
    '-out',
    f('server.csr'),
  ]);
  writeFileSync(
    f('server.ext'),
    `subjectAltName=IP:${host}\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n`,
  );
  openssl([
    'x509',
    '-req',
    '-in',
    f('server.csr'),
    '-CA',
    f('ca.crt'),
    '-CAkey',
    f('ca.key'),
    '-CAcreateserial',
    '-days',
    '2',
    '-sha256',
    '-extfile',
    f('server.ext'),
    '-out',
    f('server.crt'),
  ]);
  writeFileSync(
    f('config.yml'),
    [
      'version: 0.1',
      'log:',
      '  level: error',
      '  accesslog:',
      '    disabled: true',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${f('data')}`,
      '  delete:',
      '    enabled: true',
      'http:',
      `  addr: ${address}`,
      '  tls:',
      `    certificate: ${f('server.crt')}`,
      `    key: ${f('server.key')}`,
      '',
    ].join('\n'),
  );
}
