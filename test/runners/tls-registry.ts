import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { RegistryClient } from '@imagebuild/oci';

/** A TLS registry started for a test, with a certificate from a throwaway CA. */
export interface TlsRegistry {
  /** `host:port`. */
  address: string;
  /** PEM of the CA that signed its certificate. */
  caPem: string;
  stop(): Promise<void>;
}

/**
 * The host's first non-loopback IPv4 address: dockerd treats every 127.0.0.0/8 registry as insecure
 * (it never verifies those), so a registry whose TLS dockerd verifies must listen elsewhere.
 */
export function hostAddress(): string {
  for (const list of Object.values(networkInterfaces()))
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  throw new Error('this host has no non-loopback IPv4 address: the TLS registry tests need one');
}

async function freePort(host: string): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function openssl(args: string[]): void {
  execFileSync('openssl', args, { stdio: 'ignore' });
}

/** Starts `docker-registry` (no auth) on a free port of `host` with a certificate from a fresh CA. */
export async function startTlsRegistry(host: string): Promise<TlsRegistry> {
  const dir = mkdtempSync(join(tmpdir(), 'ib-tlsreg-'));
  let child: ChildProcess | undefined;
  try {
    const f = (n: string): string => join(dir, n);
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
    const port = await freePort(host);
    const address = `${host}:${port}`;
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
    child = spawn('/usr/bin/docker-registry', ['serve', f('config.yml')], { stdio: 'ignore' });
    const caPem = readFileSync(f('ca.crt'), 'utf8');
    const client = new RegistryClient({ registry: address, ca: caPem, retry: { attempts: 1 } });
    try {
      for (let i = 0; ; i++) {
        try {
          await client.ping({ signal: AbortSignal.timeout(2000) });
          break;
        } catch (err) {
          if (i >= 100 || child.exitCode !== null) throw err;
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
        if (proc.exitCode === null) {
          const exited = new Promise((r) => proc.once('exit', r));
          proc.kill('SIGTERM');
          await exited;
        }
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    child?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}
