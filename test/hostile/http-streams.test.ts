/**
 * Hostile readers of the adapter's streams, each case within the CPU and RSS budgets measured in
 * the adapter's own process: many SSE followers that never read, and paging through a log of
 * 200,000 lines (quadratic and fully buffered before: 400k lines took 10 s and 392 MiB).
 */
import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { budget, CPU_BUDGET_MS, RSS_BUDGET_BYTES, startChild, type Child } from './http-support/child-harness.js';
import { open, send, sleep } from './http-support/raw.js';

let child: Child;
let auth: Record<string, string>;
let json: Record<string, string>;

const build = (name: string) => ({
  apiVersion: 'flightctl.io/v1alpha1',
  kind: 'ImageBuild',
  metadata: { name },
  spec: {
    source: { repository: 'src', imageName: 'fixtures/bootc-base', imageTag: 'latest' },
    destination: { repository: 'dst', imageName: `out/${name}`, imageTag: 'v1' },
    binding: { type: 'late' },
  },
});

async function create(name: string): Promise<void> {
  const r = await send(`${child.url}/api/v1/imagebuilds`, {
    method: 'POST',
    headers: json,
    body: JSON.stringify(build(name)),
  });
  expect(r.status).toBe(201);
}

async function reason(name: string): Promise<string> {
  const r = await send(`${child.url}/api/v1/imagebuilds/${name}`, { headers: auth });
  const b = JSON.parse(r.body) as { status?: { conditions?: Array<{ type: string; reason: string }> } };
  return b.status?.conditions?.find((c) => c.type === 'Ready')?.reason ?? '';
}

beforeAll(async () => {
  child = await startChild();
  auth = { authorization: `Bearer ${child.token}` };
  json = { ...auth, 'content-type': 'application/json' };
  for (const name of ['src', 'dst']) {
    const repo = {
      apiVersion: 'flightctl.io/v1beta1',
      kind: 'Repository',
      metadata: { name },
      spec: { type: 'oci', registry: '127.0.0.1:5000', scheme: 'http', accessMode: 'ReadWrite' },
    };
    expect(
      (await send(`${child.url}/api/v1/repositories`, { method: 'POST', headers: json, body: JSON.stringify(repo) }))
        .status,
    ).toBe(201);
  }
});

afterAll(async () => {
  await child?.stop();
});

async function hostile(run: () => Promise<void>): Promise<void> {
  const used = await budget(child, run);
  expect(child.exited()).toBeUndefined();
  expect(used.cpuMs).toBeLessThanOrEqual(CPU_BUDGET_MS);
  expect(used.rssGrowth).toBeLessThanOrEqual(RSS_BUDGET_BYTES);
  expect((await send(`${child.url}/healthz`)).status).toBe(200);
}

describe('hostile stream readers', () => {
  it('300 SSE followers that never read: the adapter stays responsive and lets them all go', async () => {
    await child.setLines(2);
    await create('hang-many');
    await hostile(async () => {
      const sockets: Socket[] = [];
      for (let i = 0; i < 300; i++) {
        const s = await open(child.port);
        s.write(
          `GET /api/v1/imagebuilds/hang-many/log?follow=true HTTP/1.1\r\nHost: x\r\nAuthorization: ${auth.authorization}\r\n${i % 2 ? 'Accept: text/event-stream\r\n' : ''}\r\n`,
        );
        s.pause(); // never read
        s.on('error', () => undefined);
        sockets.push(s);
      }
      await sleep(300);
      expect((await send(`${child.url}/api/v1/imagebuilds`, { headers: auth })).status).toBe(200);
      for (const s of sockets) s.destroy();
      await sleep(100);
    });
    expect(
      (await send(`${child.url}/api/v1/imagebuilds/hang-many/cancel`, { method: 'POST', headers: auth })).status,
    ).toBe(200);
  });

  it('paging through a 200,000-line log by 10,000-line pages, and its default tail', async () => {
    await child.setLines(100_000);
    await create('big-log');
    while ((await reason('big-log')) !== 'Completed') await sleep(50);
    await child.setLines(2);
    let total = 0;
    await hostile(async () => {
      let from = 0;
      let expectedTotal = Number.POSITIVE_INFINITY;
      while (from < expectedTotal) {
        const page = await send(`${child.url}/api/v1/imagebuilds/big-log/log?from=${from}&limit=10000`, {
          headers: auth,
        });
        expect(page.status).toBe(200);
        const lines = page.body.split('\n').slice(0, -1);
        expect(lines.length).toBe(Number(page.headers['x-log-to']) - from);
        total += lines.length;
        expectedTotal = Number(page.headers['x-log-total']);
        from = Number(page.headers['x-log-to']);
      }
      const tail = await send(`${child.url}/api/v1/imagebuilds/big-log/log`, { headers: auth });
      expect(tail.body.split('\n').length - 1).toBe(500);
    });
    expect(total).toBeGreaterThan(200_000);
  });
});
