// `serve`: /readyz follows its engines (an engine reached through a unix-socket relay that the test
// shuts makes it 503, and it recovers when the relay is back); HTTPS with a CA the client must trust.
import { mkdirSync, rmSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { issueTestCert, loadHarnessEnv, makeTestCa } from '@imagebuild/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ensureBuilt, runCli, spawnCli, tempDir, type CliProcess } from './support/cli.js';

const env = loadHarnessEnv();
const tmp = tempDir();
const relayPath = join(tmp.dir, 'engine.sock');
const sockets = new Set<Socket>();
let relay: Server | undefined;
let serve: CliProcess;
let url = '';

function startRelay(): Promise<void> {
  rmSync(relayPath, { force: true });
  relay = createServer((client) => {
    const upstream = createConnection(env.podmanSocket);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    client.pipe(upstream).pipe(client);
  });
  return new Promise((resolve) => relay?.listen(relayPath, resolve));
}

async function stopRelay(): Promise<void> {
  const r = relay;
  relay = undefined;
  for (const s of sockets) s.destroy();
  await new Promise<void>((resolve) => (r ? r.close(() => resolve()) : resolve()));
}

beforeAll(async () => {
  ensureBuilt();
  await startRelay();
  serve = spawnCli([
    'serve',
    '--listen',
    '127.0.0.1:0',
    '--state',
    join(tmp.dir, 'state'),
    '--engine',
    `unix://${relayPath}`,
  ]);
  const out = await serve.waitFor(/serving the image-builder API on (http:\/\/127\.0\.0\.1:\d+)/);
  url = /on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1] ?? '';
}, 600_000);

afterAll(async () => {
  serve.child.kill('SIGTERM');
  await serve.done;
  await stopRelay();
  tmp.remove();
});

it('/readyz is 200 with a reachable engine, 503 naming the cause without one, 200 again after', async () => {
  expect((await fetch(`${url}/readyz`)).status).toBe(200);
  await stopRelay();
  const down = await fetch(`${url}/_/imagebuilder/readyz`);
  expect(down.status).toBe(503);
  expect(await down.text()).toContain('no engine reachable');
  // The API itself still answers meanwhile (auth required).
  expect((await fetch(`${url}/api/v1/imagebuilds`)).status).toBe(401);
  await startRelay();
  expect((await fetch(`${url}/readyz`)).status).toBe(200);
});

it('serves HTTPS with --tls-cert/--tls-key; login needs the CA (untrusted: exit 2 with the fix)', async () => {
  const dir = join(tmp.dir, 'tls');
  mkdirSync(dir);
  makeTestCa(dir, 'cli test CA');
  issueTestCert(dir, 'tls', '127.0.0.1', 'IP:127.0.0.1');
  const https = spawnCli([
    'serve',
    '--listen',
    '127.0.0.1:0',
    '--state',
    join(dir, 'state'),
    '--engine',
    `unix://${env.podmanSocket}`,
    '--tls-cert',
    join(dir, 'tls.crt'),
    '--tls-key',
    join(dir, 'tls.key'),
  ]);
  try {
    const out = await https.waitFor(/on (https:\/\/127\.0\.0\.1:\d+)/);
    const base = /on (https:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1] ?? '';
    const cfg = { XDG_CONFIG_HOME: join(dir, 'config') };
    const untrusted = await runCli(['login', base, '--token-file', join(dir, 'state', 'token')], { env: cfg });
    expect(untrusted.code).toBe(2);
    expect(untrusted.stderr).toContain('--certificate-authority');
    const trusted = await runCli(
      ['login', base, '--token-file', join(dir, 'state', 'token'), '--certificate-authority', join(dir, 'ca.crt')],
      { env: cfg },
    );
    expect(trusted.stderr).toBe('');
    expect(trusted.code).toBe(0);
    const get = await runCli(['get', 'ib'], { env: cfg });
    expect(get.stdout).toBe('NAME   PHASE   INPUT   OUTPUT   AGE\n');
  } finally {
    https.child.kill('SIGTERM');
    await https.done;
  }
});
