/**
 * Remote engines, for real: the harness's dockerd also listens on tcp://127.0.0.1:2376 with mutual
 * TLS (its own CA; client material in DOCKER_TLS_CERT_PATH). A DockerRunner reaches it exactly as a
 * user would — an explicit endpoint with TLS material, or DOCKER_HOST + DOCKER_TLS_VERIFY +
 * DOCKER_CERT_PATH through discovery — pings, builds from the bootc-like base and pushes to registry A.
 * A client certificate from another CA is refused with a clear error.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Runner } from '@imagebuild/core';
import { RuntimeNotFoundError } from '@imagebuild/core/errors';
import { EngineConnection, type ReportedAttempt } from '@imagebuild/engine';
import { RegistryClient } from '@imagebuild/oci';
import { DockerRunner } from '@imagebuild/runner-docker';
import { loadHarnessEnv } from '@imagebuild/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { leftovers } from './engine-helpers.js';
import { harnessRepositories, imageBuild } from './fixtures.js';

const env = loadHarnessEnv();
const run = `${process.pid.toString(36)}${Date.now().toString(36)}`;

function harnessValue(key: string): string {
  const v = env.raw[key];
  if (!v)
    throw new Error(
      `${key} missing from the harness env: it predates the remote-engine listeners; run 'npm run engines:down && npm run engines:up'`,
    );
  return v;
}

const tlsUrl = harnessValue('DOCKER_TLS_URL');
const sshUrl = harnessValue('DOCKER_SSH_URL');
const sshKey = harnessValue('DOCKER_SSH_KEY');
const sshHostKey = harnessValue('DOCKER_SSH_HOST_KEY');
const certPath = harnessValue('DOCKER_TLS_CERT_PATH');
const pem = (f: string): string => readFileSync(join(certPath, f), 'utf8');
const unixConn = (): Promise<EngineConnection> => EngineConnection.open({ url: `unix://${env.dockerSocket}` });

/** A late-binding build from the bootc-like base pushed to registry A; checks the manifest and that nothing is left. */
async function buildAndPush(runner: Runner, label: string): Promise<void> {
  const repos = harnessRepositories(env);
  const build = imageBuild({
    name: label,
    binding: 'late',
    destination: 'plain',
    imageName: `remote/${label}`,
    tag: run,
  });
  const jobId = `${label}-${run}`;
  const op = runner.build(build, [repos.plain, repos.tls], { jobId });
  const phases: string[] = [];
  op.on('phase', (p) => phases.push(p));
  const result = await op.done();
  expect(phases).toEqual(['Building', 'Pushing', 'GeneratingSBOM']);
  expect(result.reference).toBe(`${env.registryPlain}/remote/${label}:${run}`);
  const client = RegistryClient.fromRepository(repos.plain);
  try {
    expect((await client.headManifest(`remote/${label}`, run))?.digest).toBe(result.manifestDigest);
  } finally {
    await client.close();
  }
  const conn = await unixConn();
  expect(await leftovers(conn, jobId, result.reference)).toEqual([]);
}

describe('docker runner over tcp + mutual TLS (real dockerd)', () => {
  const runners: Runner[] = [];
  afterAll(async () => {
    for (const r of runners) await r.close();
  });
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('explicit endpoint with TLS material: pings, builds and pushes to registry A', async () => {
    const runner = new DockerRunner({
      engine: { url: tlsUrl, tls: { ca: pem('ca.pem'), cert: pem('cert.pem'), key: pem('key.pem') } },
    });
    runners.push(runner);
    const info = await runner.ping();
    expect(info).toMatchObject({ kind: 'docker', endpoint: tlsUrl });
    // the very engine behind the unix socket
    expect(info.version).toBe((await unixConn()).info.version);
    await buildAndPush(runner, 'tls-explicit');
  });

  it('DOCKER_HOST + DOCKER_TLS_VERIFY + DOCKER_CERT_PATH through discovery: pings, builds and pushes', async () => {
    vi.stubEnv('DOCKER_HOST', tlsUrl);
    vi.stubEnv('DOCKER_TLS_VERIFY', '1');
    vi.stubEnv('DOCKER_CERT_PATH', certPath);
    const attempts: ReportedAttempt[] = [];
    const runner = new DockerRunner({ onDiscoveryAttempt: (a) => attempts.push(a) });
    runners.push(runner);
    const info = await runner.ping();
    expect(info).toMatchObject({ kind: 'docker', endpoint: tlsUrl });
    expect(attempts).toEqual([{ strategy: 'DOCKER_HOST', target: tlsUrl, reason: 'connected to docker', ok: true }]);
    await buildAndPush(runner, 'tls-discovered');
  });

  describe('refused clients', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ib-rogue-ca-'));
    const f = (n: string): string => join(dir, n);
    const openssl = (...args: string[]): void => {
      execFileSync('openssl', args, { stdio: 'ignore' });
    };
    /** Another CA and a client certificate it signed (EC keys: quick). */
    beforeAll(() => {
      openssl(
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '2',
        '-subj',
        '/CN=rogue CA',
        '-addext',
        'basicConstraints=critical,CA:TRUE',
        '-addext',
        'keyUsage=critical,keyCertSign',
        '-keyout',
        f('ca-key.pem'),
        '-out',
        f('ca.pem'),
      );
      openssl(
        'req',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-subj',
        '/CN=rogue client',
        '-keyout',
        f('key.pem'),
        '-out',
        f('c.csr'),
      );
      openssl(
        'x509',
        '-req',
        '-in',
        f('c.csr'),
        '-CA',
        f('ca.pem'),
        '-CAkey',
        f('ca-key.pem'),
        '-CAcreateserial',
        '-days',
        '2',
        '-out',
        f('cert.pem'),
      );
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    /** The single discovery attempt's reason: the runner was given an explicit endpoint. */
    async function refusal(runner: Runner): Promise<string> {
      runners.push(runner);
      const err: unknown = await runner.ping().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RuntimeNotFoundError);
      const attempts = (err as RuntimeNotFoundError).attempts;
      expect(attempts).toHaveLength(1);
      expect(attempts[0]).toMatchObject({ strategy: 'explicit', target: tlsUrl });
      expect((err as Error).message).toContain(attempts[0]?.reason);
      expect((err as Error).message).not.toContain('BEGIN');
      return attempts[0]?.reason ?? '';
    }

    it('a client certificate from another CA: refused, the message says so and what to fix', async () => {
      const reason = await refusal(
        new DockerRunner({
          engine: {
            url: tlsUrl,
            tls: { ca: pem('ca.pem'), cert: readFileSync(f('cert.pem')), key: readFileSync(f('key.pem')) },
          },
        }),
      );
      expect(reason).toBe(
        `engine at ${tlsUrl}: the engine refused the TLS client certificate (TLS alert: bad certificate); ` +
          'engine.tls.cert must be signed by a CA the engine trusts (dockerd --tlscacert), valid now and for client authentication, and match engine.tls.key',
      );
    });

    it('no client certificate: refused, the message asks for one', async () => {
      const reason = await refusal(new DockerRunner({ engine: { url: tlsUrl, tls: { ca: pem('ca.pem') } } }));
      expect(reason).toContain('the engine refused the TLS client certificate');
      expect(reason).toContain('no client certificate was given');
    });

    it("the engine's certificate checked against another CA: not trusted, named as such", async () => {
      const reason = await refusal(
        new DockerRunner({
          engine: { url: tlsUrl, tls: { ca: readFileSync(f('ca.pem')), cert: pem('cert.pem'), key: pem('key.pem') } },
        }),
      );
      expect(reason).toContain("the engine's TLS certificate is not trusted");
      expect(reason).toContain('engine.tls.ca');
    });

    it('no TLS material for a TLS-only listener: the message says TLS is required', async () => {
      const reason = await refusal(new DockerRunner({ engine: tlsUrl }));
      expect(reason).toContain('the engine requires TLS but no TLS material was given');
    });
  });
});

describe('docker runner over ssh (real sshd running `docker system dial-stdio`)', () => {
  const runners: Runner[] = [];
  afterAll(async () => {
    for (const r of runners) await r.close();
  });

  it('key authentication, host key verified: pings, builds and pushes to registry A', async () => {
    const runner = new DockerRunner({
      engine: { url: sshUrl, ssh: { privateKey: readFileSync(sshKey), hostKeys: [readFileSync(sshHostKey, 'utf8')] } },
    });
    runners.push(runner);
    const info = await runner.ping();
    expect(info).toMatchObject({ kind: 'docker', endpoint: sshUrl });
    expect(info.version).toBe((await unixConn()).info.version);
    await buildAndPush(runner, 'ssh');
  });

  it('a key the remote does not accept: refused, the message names the user and the key option', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ib-rogue-ssh-'));
    try {
      execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'rogue', '-f', join(dir, 'key')], {
        stdio: 'ignore',
      });
      const runner = new DockerRunner({ engine: { url: sshUrl, ssh: { privateKey: readFileSync(join(dir, 'key')) } } });
      runners.push(runner);
      const err: unknown = await runner.ping().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RuntimeNotFoundError);
      expect((err as RuntimeNotFoundError).attempts).toEqual([
        {
          strategy: 'explicit',
          target: sshUrl,
          reason:
            `engine at ${sshUrl}: ssh authentication failed for user root: engine.ssh.privateKey was refused; ` +
            'give a key the remote accepts for that user (engine.ssh.privateKey) or an agent holding one (engine.ssh.agent or SSH_AUTH_SOCK)',
        },
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a host key other than the engine's: the connection is refused before authenticating, naming engine.ssh.hostKeys", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ib-rogue-host-'));
    try {
      execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'other host', '-f', join(dir, 'host')], {
        stdio: 'ignore',
      });
      const runner = new DockerRunner({
        engine: {
          url: sshUrl,
          ssh: { privateKey: readFileSync(sshKey), hostKeys: [readFileSync(join(dir, 'host.pub'), 'utf8')] },
        },
      });
      runners.push(runner);
      const err: unknown = await runner.ping().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RuntimeNotFoundError);
      expect((err as RuntimeNotFoundError).attempts[0]?.reason).toBe(
        `engine at ${sshUrl}: the engine's ssh host key is not one of engine.ssh.hostKeys (host key verification failed): check the host, or the keys given`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
