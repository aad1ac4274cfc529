// A connect that never completes: a listener whose process is stopped (SIGSTOP) and whose accept queue is full,
// so the kernel drops further SYNs and a client's connect hangs — on loopback, with no other machine involved.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryError } from '@imagebuild/core/errors';
import { RegistryClient } from '../registry-client.js';
import { downloadBlob } from '../download.js';

let child: ChildProcess;
let registry: string;
const fillers: Socket[] = [];
const dir = mkdtempSync(join(tmpdir(), 'ib-connect-'));

beforeAll(async () => {
  child = spawn(process.execPath, [
    '-e',
    `require('node:net').createServer().listen({ port: 0, host: '127.0.0.1', backlog: 1 }, function () { console.log(this.address().port); })`,
  ]);
  const port = Number(
    await new Promise<string>((resolve, reject) => {
      child.stdout?.once('data', (d: Buffer) => resolve(d.toString().trim()));
      child.once('error', reject);
    }),
  );
  child.kill('SIGSTOP'); // accepts nothing from now on
  for (let i = 0; i < 4; i++) fillers.push(connect(port, '127.0.0.1').on('error', () => undefined)); // fill the accept queue
  await new Promise((r) => setTimeout(r, 200));
  registry = `127.0.0.1:${port}`;
});

afterAll(() => {
  for (const s of fillers) s.destroy();
  child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

const client = (): RegistryClient =>
  new RegistryClient({
    registry,
    scheme: 'http',
    retry: { retries: 1, baseDelayMs: 5, maxDelayMs: 20 },
    timeouts: { connectMs: 300, headersMs: 5_000, idleMs: 5_000 },
  });

describe('connect timeout', () => {
  it('a connection that is never established fails a small request with the connect timeout, naming the registry', async () => {
    const c = client();
    const started = Date.now();
    const err = await c.getManifest('app', 'v1').catch((e: unknown) => e);
    await c.close();
    expect(err).toBeInstanceOf(RegistryError);
    expect((err as RegistryError).registry).toBe(registry);
    expect((err as RegistryError).details).toMatchObject({ timeout: 'connect', timeoutMs: 300 });
    expect(Date.now() - started).toBeLessThan(4_000); // two attempts of 300 ms, not the kernel's SYN retries (~2 min)
  });

  it('and fails a blob download (bare-socket path) the same way, leaving no file', async () => {
    const c = client();
    const file = join(dir, 'blob');
    const err = await downloadBlob(c, { repository: 'app', digest: `sha256:${'a'.repeat(64)}`, file })
      .done()
      .catch((e: unknown) => e);
    await c.close();
    expect(err).toBeInstanceOf(RegistryError);
    expect((err as RegistryError).operation).toBe(`blob GET app@sha256:${'a'.repeat(64)}`);
    expect((err as RegistryError).details).toMatchObject({ timeout: 'connect', timeoutMs: 300 });
    expect(existsSync(file)).toBe(false);
  });
});
