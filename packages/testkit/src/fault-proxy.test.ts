import { createServer, connect, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startFaultProxy, type FaultProxy } from './fault-proxy.js';

let echo: Server | undefined;
let proxy: FaultProxy | undefined;

afterEach(async () => {
  await proxy?.stop();
  await new Promise<void>((r) => (echo ? echo.close(() => r()) : r()));
  echo = undefined;
  proxy = undefined;
});

async function startEcho(): Promise<number> {
  echo = createServer((s) => s.pipe(s));
  await new Promise<void>((r) => echo?.listen(0, '127.0.0.1', () => r()));
  return (echo.address() as { port: number }).port;
}

/** Sends `size` bytes through the proxy and counts the echoed bytes until the connection closes. */
function roundTrip(port: number, size: number): Promise<number> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    let got = 0;
    s.on('data', (d: Buffer) => {
      got += d.length;
      if (got >= size) s.end();
    });
    s.on('error', () => undefined);
    s.on('close', () => resolve(got));
    s.write(Buffer.alloc(size, 7));
  });
}

describe('fault proxy', () => {
  it('forwards untouched when no cut is planned', async () => {
    proxy = await startFaultProxy({ target: `127.0.0.1:${await startEcho()}`, probability: 0 });
    expect(await roundTrip(proxy.port, 1 << 20)).toBe(1 << 20);
    expect(proxy.stats.cuts).toBe(0);
  });

  it('cuts a connection at the planned byte offset', async () => {
    proxy = await startFaultProxy({ target: `127.0.0.1:${await startEcho()}`, plan: () => ({ offset: 1000 }) });
    const got = await roundTrip(proxy.port, 1 << 20);
    // 1000 bytes forwarded upstream at most, so at most 1000 echoed back; the connection is cut.
    expect(got).toBeLessThanOrEqual(1000);
    expect(proxy.stats.cuts).toBe(1);
  });

  it('makes no more cuts than maxCuts', async () => {
    proxy = await startFaultProxy({
      target: `127.0.0.1:${await startEcho()}`,
      plan: () => ({ offset: 10 }),
      maxCuts: 2,
    });
    const results = [];
    for (let i = 0; i < 4; i++) results.push(await roundTrip(proxy.port, 4096));
    expect(proxy.stats.cuts).toBe(2);
    expect(results.slice(2)).toEqual([4096, 4096]);
  });

  it('refuses a non-loopback target', async () => {
    await expect(startFaultProxy({ target: '10.0.0.1:80' })).rejects.toThrow(/loopback/);
  });

  it('stops itself after its lifetime', async () => {
    proxy = await startFaultProxy({ target: `127.0.0.1:${await startEcho()}`, lifetimeMs: 50 });
    await new Promise((r) => setTimeout(r, 150));
    const refused = await new Promise<boolean>((resolve) => {
      const s = connect(proxy?.port ?? 0, '127.0.0.1');
      s.on('connect', () => {
        s.destroy();
        resolve(false);
      });
      s.on('error', () => resolve(true));
    });
    expect(refused).toBe(true);
  });
});
