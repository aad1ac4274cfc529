import { ValidationError } from '@imagebuild/core/errors';
import { extract } from 'tar-stream';
import { describe, expect, it } from 'vitest';
import { converterHandOver } from './converter-inputs.js';

const CA = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

async function names(tar: Buffer | undefined): Promise<string[]> {
  if (!tar) return [];
  const out: string[] = [];
  const x = extract();
  x.on('entry', (h, stream, next) => {
    if (h.type === 'file') out.push(h.name);
    stream.on('end', next);
    stream.resume();
  });
  const done = new Promise<void>((resolve, reject) => {
    x.on('finish', () => resolve());
    x.on('error', reject);
  });
  x.end(tar);
  await done;
  return out;
}

describe('converterHandOver', () => {
  it('public inputs go as arguments: no tar, so no archive round trip', async () => {
    const h = await converterHandOver({
      registry: 'reg.example:5000',
      credentials: undefined,
      caPem: CA,
      configJson: '{"customizations":{"kernel":{"append":"quiet"}}}',
      configSecret: false,
    });
    expect(h).toEqual({ tar: undefined, caArg: CA, configArg: '{"customizations":{"kernel":{"append":"quiet"}}}' });
  });

  it('credentials and a config with a password only in the tar, never in an argument', async () => {
    const h = await converterHandOver({
      registry: '[::1]:5000',
      credentials: { username: 'u', password: 'CANARY-pw' },
      caPem: CA,
      configJson: '{"customizations":{"user":[{"name":"a","password":"CANARY-user"}]}}',
      configSecret: true,
    });
    expect(h.caArg).toBe(CA);
    expect(h.configArg).toBe('');
    expect(await names(h.tar)).toEqual(['.imagebuild-in/auth.json', '.imagebuild-in/config.json']);
  });

  it('a public input too large for one argv string goes in the tar', async () => {
    const big = `{"customizations":{"installer":{"kickstart":{"contents":"${'x'.repeat(70_000)}"}}}}`;
    const h = await converterHandOver({
      registry: 'reg.example',
      credentials: undefined,
      caPem: undefined,
      configJson: big,
      configSecret: false,
    });
    expect(h.configArg).toBe('');
    expect(await names(h.tar)).toEqual(['.imagebuild-in/config.json']);
  });

  it('a registry that is not one safe directory name is refused', async () => {
    for (const registry of ['../etc', 'a/b', '.', 'reg..x', 'reg:5000/x']) {
      await expect(
        converterHandOver({ registry, credentials: undefined, caPem: CA, configJson: undefined, configSecret: false }),
      ).rejects.toBeInstanceOf(ValidationError);
    }
  });
});
