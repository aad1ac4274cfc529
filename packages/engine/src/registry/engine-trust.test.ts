import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseRepository, type Repository } from '@imagebuild/core';
import { EngineError, RegistryError } from '@imagebuild/core/errors';
import { afterEach, describe, expect, it } from 'vitest';
import type { EngineConnection } from '../connection/engine-connection.js';
import type { EngineDialect, RegistryTlsMode } from '../dialect.js';
import { prepareEngineTrust } from './engine-trust.js';

const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const repo = (name: string, spec: Record<string, unknown>): Repository =>
  parseRepository({
    apiVersion: 'flightctl.io/v1beta1',
    kind: 'Repository',
    metadata: { name },
    spec: { type: 'oci', registry: 'reg.example:5000', scheme: 'https', accessMode: 'ReadWrite', ...spec },
  });
const withCa = repo('ca', { 'ca.crt': Buffer.from(PEM).toString('base64') });

function fakes(mode: RegistryTlsMode, login: unknown, endpoint = 'unix:///run/engine.sock') {
  const calls: unknown[] = [];
  const conn = {
    name: 'engine at x',
    info: { kind: 'podman', endpoint },
    compat: (p: string) => p,
    json: async (req: unknown) => {
      calls.push(req);
      return login;
    },
  } as unknown as EngineConnection;
  const dialect = { certsDir: '/etc/x/certs.d', registryTlsMode: async () => mode } as unknown as EngineDialect;
  return { conn, dialect, calls };
}

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const certsDir = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'ib-certsd-'));
  dirs.push(d);
  return d;
};
const opts = (dir: string | false, lines: string[] = []) => ({
  certsDir: dir,
  log: (l: string) => lines.push(l),
  signal: AbortSignal.timeout(5000),
});

describe('prepareEngineTrust', () => {
  it("installs a local engine's CA once (0644, hashed name), then the engine logs in", async () => {
    const dir = certsDir();
    const { conn, dialect, calls } = fakes('per-request', { Status: 'Login Succeeded' });
    const lines: string[] = [];
    const trust = await prepareEngineTrust(conn, dialect, [withCa], opts(dir, lines));
    expect(trust.get('reg.example:5000')).toEqual({ tlsVerify: true, mode: 'per-request' });
    const files = readdirSync(join(dir, 'reg.example:5000'));
    expect(files).toEqual([expect.stringMatching(/^imagebuild-[0-9a-f]{16}\.crt$/)]);
    const file = join(dir, 'reg.example:5000', files[0]!);
    expect(readFileSync(file, 'utf8')).toBe(PEM);
    expect(statSync(file).mode & 0o777).toBe(0o644);
    expect(lines).toEqual([`installed the CA of Repository "ca" (reg.example:5000) for podman as ${file}`]);
    expect(calls).toMatchObject([{ method: 'POST', path: '/auth', json: { serveraddress: 'reg.example:5000' } }]);
    await prepareEngineTrust(conn, dialect, [withCa], opts(dir, lines));
    expect(lines).toHaveLength(1);
  });

  it('writes nothing for a remote engine or with certsDir false', async () => {
    const dir = certsDir();
    const remote = fakes('per-request', { Status: 'Login Succeeded' }, 'tcp://10.0.0.1:2376');
    await prepareEngineTrust(remote.conn, remote.dialect, [withCa], opts(dir));
    const local = fakes('per-request', { Status: 'Login Succeeded' });
    await prepareEngineTrust(local.conn, local.dialect, [withCa], opts(false));
    expect(readdirSync(dir)).toEqual([]);
  });

  it('turns verification off only for http or skipServerVerification, without a login', async () => {
    const { conn, dialect, calls } = fakes('per-request', undefined);
    const trust = await prepareEngineTrust(
      conn,
      dialect,
      [repo('skip', { skipServerVerification: true }), repo('http', { registry: 'plain:5000', scheme: 'http' })],
      opts(false),
    );
    expect(trust.get('reg.example:5000')).toEqual({ tlsVerify: false, mode: 'per-request' });
    expect(trust.get('plain:5000')).toEqual({ tlsVerify: false, mode: 'per-request' });
    expect(calls).toEqual([]);
  });

  it('an engine that always verifies refuses a skip Repository, naming the fix', async () => {
    const { conn, dialect } = fakes('verify', undefined);
    await expect(
      prepareEngineTrust(conn, dialect, [repo('skip', { skipServerVerification: true })], opts(false)),
    ).rejects.toThrow(
      /Repository "skip" \(reg\.example:5000\) says skipServerVerification: true, but the engine always verifies TLS for reg\.example:5000; fix: add "reg\.example:5000" to "insecure-registries"/,
    );
  });

  it('an engine that never verifies the registry is stated in the log, not hidden', async () => {
    const { conn, dialect, calls } = fakes('insecure', undefined);
    const lines: string[] = [];
    await prepareEngineTrust(conn, dialect, [withCa], opts(false, lines));
    expect(lines[0]).toMatch(
      /^warning: podman treats reg\.example:5000 \(Repository "ca" \(reg\.example:5000\)\) as an insecure registry/,
    );
    expect(calls).toEqual([]);
  });

  it('login failures: untrusted certificate → fix; bad credentials → RegistryError; anonymous → only TLS counts', async () => {
    const x509 = { message: 'login attempt failed: x509: certificate signed by unknown authority\n' };
    const a = fakes('verify', x509);
    const err = (await prepareEngineTrust(a.conn, a.dialect, [withCa], opts(false)).catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(EngineError);
    expect(err.message).toContain('the engine does not trust the certificate of Repository "ca" (reg.example:5000)');
    expect(err.message).toContain(
      "fix: install the Repository's ca.crt on the engine host as /etc/x/certs.d/reg.example:5000/ca.crt",
    );

    const denied = { message: 'login attempt to https://reg.example:5000/v2/ failed with status: 401 Unauthorized' };
    const creds = repo('creds', { ociAuth: { authType: 'docker', username: 'u', password: 'secret-pw-1' } });
    const b = fakes('verify', denied);
    const err2 = (await prepareEngineTrust(b.conn, b.dialect, [creds], opts(false)).catch((e: unknown) => e)) as Error;
    expect(err2).toBeInstanceOf(RegistryError);
    expect(err2.message).toContain('engine login for Repository "creds" on reg.example:5000');

    const c = fakes('verify', denied);
    await expect(prepareEngineTrust(c.conn, c.dialect, [repo('anon', {})], opts(false))).resolves.toBeDefined();
  });
});
