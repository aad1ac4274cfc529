/**
 * Hostile HTTP requests against the adapter, each case within a CPU and RSS budget measured in
 * the adapter's own process (CPU ≤ 1 s, RSS growth ≤ 200 MiB), which must survive every case and
 * answer /healthz afterwards; no response and nothing it prints may contain the secret canary.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { budget, CPU_BUDGET_MS, RSS_BUDGET_BYTES, startChild, type Child } from './http-support/child-harness.js';
import { exchange, open, send, sleep, type Reply } from './http-support/raw.js';

let child: Child;
const seen: string[] = [];
const keep = (r: Reply): Reply => {
  seen.push(r.body, JSON.stringify(r.headers));
  return r;
};
let auth: Record<string, string>;
let json: Record<string, string>;

beforeAll(async () => {
  child = await startChild();
  auth = { authorization: `Bearer ${child.token}` };
  json = { ...auth, 'content-type': 'application/json' };
  // A repository holding the canary as its password: nothing may ever echo it.
  const repo = {
    apiVersion: 'flightctl.io/v1beta1',
    kind: 'Repository',
    metadata: { name: 'secret-repo' },
    spec: {
      type: 'oci',
      registry: '127.0.0.1:5000',
      scheme: 'http',
      accessMode: 'ReadWrite',
      ociAuth: { authType: 'docker', username: 'u', password: child.canary },
    },
  };
  const r = keep(
    await send(`${child.url}/api/v1/repositories`, { method: 'POST', headers: json, body: JSON.stringify(repo) }),
  );
  expect(r.status).toBe(201);
});

afterAll(async () => {
  await child?.stop();
});

/** Runs a case within the budgets, then checks the adapter is alive and answering. */
async function hostile(run: () => Promise<void>): Promise<void> {
  const used = await budget(child, run);
  expect(child.exited()).toBeUndefined();
  expect(used.cpuMs).toBeLessThanOrEqual(CPU_BUDGET_MS);
  expect(used.rssGrowth).toBeLessThanOrEqual(RSS_BUDGET_BYTES);
  expect((await send(`${child.url}/healthz`)).status).toBe(200);
}

describe('hostile HTTP requests', () => {
  it('a slowloris body: the event loop keeps serving others while one byte trickles in every 20 ms', async () => {
    await hostile(async () => {
      const s = await open(child.port);
      s.write(`POST /api/v1/imagebuilds HTTP/1.1\r\nHost: x\r\nAuthorization: ${auth.authorization}\r\n`);
      s.write('Content-Type: application/json\r\nContent-Length: 1000000\r\n\r\n{');
      for (let i = 0; i < 40; i++) {
        s.write(' ');
        if (i % 10 === 0) expect((await send(`${child.url}/healthz`)).status).toBe(200);
        await sleep(20);
      }
      s.destroy();
    });
  });

  it('slowloris headers and oversized headers are refused without harm', async () => {
    await hostile(async () => {
      const s = await open(child.port);
      s.write('GET /api/v1/imagebuilds HTTP/1.1\r\n');
      for (let i = 0; i < 20; i++) {
        s.write(`X-Drip-${i}: a\r\n`);
        await sleep(10);
      }
      s.destroy();
      const huge = await exchange(
        child.port,
        `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(64 * 1024)}\r\n\r\n`,
      );
      expect(huge).toMatch(/^HTTP\/1\.1 431/);
      const many = Array.from({ length: 2000 }, (_, i) => `X-H${i}: ${'v'.repeat(16)}`).join('\r\n');
      expect(await exchange(child.port, `GET /healthz HTTP/1.1\r\nHost: x\r\n${many}\r\n\r\n`)).toMatch(
        /^HTTP\/1\.1 431/,
      );
    });
  });

  it('huge bodies: declared or streamed past the limit, 413 with memory bounded', async () => {
    await hostile(async () => {
      const declared = keep(
        await send(`${child.url}/api/v1/imagebuilds`, {
          method: 'POST',
          headers: { ...json, 'content-length': String(2 ** 40) },
        }).catch(() => ({ status: 413, headers: {}, body: '' })),
      );
      expect(declared.status).toBe(413);
      const streamed = keep(
        await send(`${child.url}/api/v1/imagebuilds`, {
          method: 'POST',
          headers: json,
          body: Buffer.alloc(52 * 1024 * 1024, 0x20),
        }).catch(() => ({ status: 413, headers: {}, body: '' })),
      );
      expect(streamed.status).toBe(413);
    });
  });

  it('bad content types and bad JSON, with the canary in the body: 415 / 400, nothing echoed', async () => {
    await hostile(async () => {
      const body = `{"spec":{"ociAuth":{"password":${child.canary}}}}`;
      for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', '']) {
        const h = type === '' ? auth : { ...auth, 'content-type': type };
        expect(keep(await send(`${child.url}/api/v1/repositories`, { method: 'POST', headers: h, body })).status).toBe(
          415,
        );
      }
      for (const bad of [body, `{"a":"${child.canary}`, `{"a":1,"a":"${child.canary}"}`, `[${'['.repeat(5000)}`]) {
        const r = keep(await send(`${child.url}/api/v1/repositories`, { method: 'POST', headers: json, body: bad }));
        expect(r.status).toBe(400);
      }
    });
  });

  it('hostile names and paths: control characters, huge, prototype keys, traversal — 4xx, escaped, bounded', async () => {
    await hostile(async () => {
      const names = [
        '%1B%5B2J%1B%5DX%07',
        '%0D%0ASet-Cookie:%20x=1',
        '__proto__',
        'constructor',
        '..%2F..%2Fetc%2Fpasswd',
        `${'a'.repeat(7000)}`,
        '%E2%80%A8%E2%80%A9',
        '%FF%FE',
      ];
      for (const n of names) {
        for (const path of [`/api/v1/imagebuilds/${n}`, `/api/v1/imageexports/${n}/log`, `/api/v1/repositories/${n}`]) {
          const r = keep(await send(`${child.url}${path}`, { headers: auth }));
          expect(r.status).toBeGreaterThanOrEqual(400);
          expect(r.status).toBeLessThan(500);
          expect(r.body.length).toBeLessThan(12_000);
          expect(r.headers['set-cookie']).toBeUndefined();
        }
      }
      const proto = keep(
        await send(`${child.url}/api/v1/imagebuilds`, {
          method: 'POST',
          headers: json,
          body: '{"__proto__":{"polluted":1},"kind":"ImageBuild","metadata":{"name":"p","labels":{"__proto__":"x"}}}',
        }),
      );
      expect(proto.status).toBe(400);
      expect(({} as { polluted?: number }).polluted).toBeUndefined();
    });
  });

  it('Range abuse on downloads: empty artifact, reversed, huge numbers, a thousand ranges, garbage', async () => {
    await hostile(async () => {
      const get = (name: string, range: string) =>
        send(`${child.url}/api/v1/imageexports/${name}/download`, { headers: { ...auth, range } }).then(keep);
      const empty = await get('mem-empty', 'bytes=-5');
      expect(empty.status).toBe(416);
      expect(empty.headers['content-range']).toBe('bytes */0');
      expect((await get('mem-small', 'bytes=5-1')).status).toBe(416);
      expect((await get('mem-small', `bytes=${'9'.repeat(30)}-`)).status).toBe(200); // not a valid range: ignored
      expect((await get('mem-small', 'bytes=1048575-99999999999')).headers['content-range']).toBe(
        'bytes 1048575-1048575/1048576',
      );
      const many = Array.from({ length: 1000 }, (_, i) => `${i}-${i}`).join(',');
      expect((await get('mem-small', `bytes=${many}`)).status).toBe(200);
      expect((await get('mem-small', `bytes=${'-'.repeat(5000)}`)).status).toBe(200);
    });
  });

  it('fuzzed bodies and content types on every write route: a 4xx or a success, never a 5xx', async () => {
    const objects = fc.oneof(
      fc.json({ maxDepth: 4 }),
      fc
        .record({
          apiVersion: fc.constantFrom('flightctl.io/v1alpha1', 'flightctl.io/v1beta1', ''),
          kind: fc.constantFrom('ImageBuild', 'ImageExport', 'Repository', '__proto__'),
          metadata: fc.record({ name: fc.string({ maxLength: 80 }), labels: fc.dictionary(fc.string(), fc.string()) }),
          spec: fc.jsonValue({ maxDepth: 3 }),
        })
        .map((o) => JSON.stringify(o).replace('"kind"', `"password":"${child.canary}","kind"`)),
    );
    const cases = fc.sample(
      fc.tuple(
        fc.constantFrom(
          ['POST', '/api/v1/imagebuilds'],
          ['POST', '/api/v1/imageexports'],
          ['POST', '/api/v1/repositories'],
          ['PUT', '/api/v1/repositories/fz'],
          ['PATCH', '/api/v1/repositories/secret-repo'],
          ['POST', '/api/v1/imagebuilds/x/newversion'],
        ),
        fc.constantFrom(
          'application/json',
          'application/json-patch+json',
          'application/merge-patch+json',
          'text/plain',
        ),
        objects,
      ),
      { numRuns: 150, seed: 12 },
    );
    await hostile(async () => {
      for (const [[method, path], type, body] of cases) {
        const r = keep(await send(`${child.url}${path}`, { method, headers: { ...auth, 'content-type': type }, body }));
        expect(r.status, `${method} ${path} ${type}: ${r.body}`).toBeLessThan(500);
      }
    });
  });

  it('never shows the canary: not in any response, not in what the adapter printed', () => {
    expect(seen.length).toBeGreaterThan(50);
    for (const text of seen) expect(text).not.toContain(child.canary);
    expect(child.output()).not.toContain(child.canary);
  });
});
