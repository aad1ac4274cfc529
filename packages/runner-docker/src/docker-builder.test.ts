import type { BuilderChoice, EngineConnection } from '@imagebuild/engine';
import { describe, expect, it } from 'vitest';
import { buildkitNetworkMode, chooseDockerBuilder } from './docker-builder.js';

const engine = (apiVersion: string, platform = 'linux/amd64', bridge: unknown = { Id: 'b1' }) => {
  const calls: string[] = [];
  const conn = {
    info: { kind: 'docker', version: 'x', apiVersion, platform },
    compat: (p: string) => p,
    json: async (req: { path: string }) => {
      calls.push(req.path);
      return bridge;
    },
  } as unknown as EngineConnection;
  return { conn, calls };
};
const plain: BuilderChoice = {
  requested: undefined,
  sourceCredentials: false,
  sourceCa: false,
  sourcePlainHttp: true,
  sourceTlsMode: 'insecure',
};

describe('chooseDockerBuilder', () => {
  it('BuildKit by default where the engine offers it', () => {
    expect(chooseDockerBuilder(engine('1.41').conn, plain).builder).toBe('buildkit');
    expect(
      chooseDockerBuilder(engine('1.39').conn, { ...plain, sourcePlainHttp: false, sourceTlsMode: 'verify' }),
    ).toMatchObject({ builder: 'buildkit' });
  });

  it('classic where BuildKit cannot pull the source as the classic builder does', () => {
    expect(chooseDockerBuilder(engine('1.38').conn, plain)).toMatchObject({ builder: 'classic', why: /no BuildKit/ });
    expect(chooseDockerBuilder(engine('1.41', 'windows/amd64').conn, plain).builder).toBe('classic');
    expect(chooseDockerBuilder(engine('1.41').conn, { ...plain, sourceCredentials: true })).toMatchObject({
      builder: 'classic',
      why: /credentials/,
    });
    expect(chooseDockerBuilder(engine('1.41').conn, { ...plain, sourceCa: true })).toMatchObject({
      builder: 'classic',
      why: /CA/,
    });
    expect(chooseDockerBuilder(engine('1.41').conn, { ...plain, sourcePlainHttp: false })).toMatchObject({
      builder: 'classic',
      why: /plain HTTP/,
    });
  });

  it("the caller's choice wins", () => {
    expect(chooseDockerBuilder(engine('1.41').conn, { ...plain, requested: 'classic' }).builder).toBe('classic');
    expect(chooseDockerBuilder(engine('1.38').conn, { ...plain, requested: 'buildkit' }).builder).toBe('buildkit');
  });
});

describe('buildkitNetworkMode', () => {
  it('none only on a daemon without a bridge network, asked once per connection', async () => {
    const withBridge = engine('1.41');
    const signal = AbortSignal.timeout(5000);
    expect(await buildkitNetworkMode(withBridge.conn, signal)).toBeUndefined();
    expect(await buildkitNetworkMode(withBridge.conn, signal)).toBeUndefined();
    expect(withBridge.calls).toEqual(['/networks/bridge']);
    expect(await buildkitNetworkMode(engine('1.41', 'linux/amd64', null).conn, signal)).toBe('none');
  });
});
