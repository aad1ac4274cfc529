import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HarnessEnvError, loadHarnessEnv, parseEnvFile, pingSocket } from './harness-env.js';

const dir = mkdtempSync(join(tmpdir(), 'testkit-env-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const complete = [
  'IBH_DIR=/tmp/x',
  'PODMAN_SOCKET=/tmp/x/run/podman.sock',
  'DOCKER_SOCKET=/tmp/x/run/docker.sock',
  'REGISTRY_PLAIN=127.0.0.1:5000',
  'REGISTRY_TLS=127.0.0.1:5443',
  'REGISTRY_CA=/tmp/x/ca.crt',
  'REGISTRY_CERTS_D=/tmp/x/certs.d',
  'REGISTRY_USER=u',
  'REGISTRY_PASSWORD=p=with=equals',
  'REGISTRY_AUTH_FILE=/tmp/x/auth.json',
  'BASE_IMAGE=localhost/bootc-base:latest',
  'BASE_IMAGE_PLAIN=127.0.0.1:5000/fixtures/bootc-base:latest',
  'BASE_IMAGE_TLS=127.0.0.1:5443/fixtures/bootc-base:latest',
  'BIB_IMAGE=localhost/bib-standin:latest',
  'BIB_IMAGE_PLAIN=127.0.0.1:5000/fixtures/bib-standin:latest',
  'BIB_IMAGE_TLS=127.0.0.1:5443/fixtures/bib-standin:latest',
  'IBH_TMP=/tmp/x/tmp',
].join('\n');

describe('harness env', () => {
  it('parses KEY=value lines, keeping "=" inside values and skipping comments', () => {
    expect(parseEnvFile('# c\nA=1\n\nB=x=y\nbad line\n')).toEqual({ A: '1', B: 'x=y' });
  });

  it('loads a complete env file into a typed object', () => {
    const file = join(dir, 'env');
    writeFileSync(file, `${complete}\nEXTRA=1\n`);
    const env = loadHarnessEnv(file);
    expect(env.podmanSocket).toBe('/tmp/x/run/podman.sock');
    expect(env.registryPassword).toBe('p=with=equals');
    expect(env.baseImageTls).toBe('127.0.0.1:5443/fixtures/bootc-base:latest');
    expect(env.raw['EXTRA']).toBe('1');
  });

  it('tells to run engines:up when the file is missing', () => {
    expect(() => loadHarnessEnv(join(dir, 'missing'))).toThrow(HarnessEnvError);
    expect(() => loadHarnessEnv(join(dir, 'missing'))).toThrow(/npm run engines:up/);
  });

  it('names the missing key of an incomplete file', () => {
    const file = join(dir, 'partial');
    writeFileSync(file, 'IBH_DIR=/tmp/x\n');
    expect(() => loadHarnessEnv(file)).toThrow(/has no PODMAN_SOCKET/);
  });

  it('pingSocket resolves false for a socket nobody listens on', async () => {
    await expect(pingSocket(join(dir, 'nobody.sock'), 500)).resolves.toBe(false);
  });
});
