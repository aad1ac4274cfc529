/**
 * Issue 12's adapter findings, each as it was reported: listener hygiene on a slow SSE reader (7),
 * `GET …/log` bounded and pageable (8), no input excerpt in a JSON error (11), an empty artifact's
 * suffix range (17), bounded and escaped echoes (18/19), 415 (20), duplicate JSON keys.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getReadyReason, isTerminal } from '@imagebuild/core/lifecycle';
import { parseRange } from '@imagebuild/http';
import {
  addRepositories,
  auth,
  build,
  json,
  send,
  startInstantServer,
  TOKEN,
  type InstantServer,
} from './support/instant-server.js';

const LINES_PER_PHASE = 6000; // 12,000 lines and the builder's own
let srv: InstantServer;
beforeAll(async () => {
  srv = await startInstantServer({
    behaviour: (_k, name) => (name.startsWith('hang-') ? 'hang' : 'ok'),
    lines: LINES_PER_PHASE,
  });
  await addRepositories(srv.url);
});
afterAll(async () => srv?.close());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const post = (path: string, body: string, headers: Record<string, string> = json) =>
  send(`${srv.url}${path}`, { method: 'POST', headers, body });
const message = (text: string): string => (JSON.parse(text) as { message: string }).message;

async function finished(name: string): Promise<void> {
  while (!isTerminal(getReadyReason(await srv.builder.get('ImageBuild', name)))) await sleep(10);
}

describe('issue 12, adapter findings', () => {
  it('7: a reader that keeps falling behind an SSE stream never gathers listeners', async () => {
    expect((await post('/api/v1/imagebuilds', JSON.stringify(build('hang-slow')))).status).toBe(201);
    const socket = connect(Number(new URL(srv.url).port), '127.0.0.1');
    socket.write(
      `GET /api/v1/imagebuilds/hang-slow/log?follow=true HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\nAccept: text/event-stream\r\n\r\n`,
    );
    let received = 0;
    socket.on('data', (c: Buffer) => {
      received += c.length;
    });
    socket.pause();
    await sleep(100);
    const res = srv.responses.at(-1)!;
    let most = 0;
    for (let i = 0; i < 40; i++) {
      socket.resume(); // a little, then behind again: each round is a back-pressure wait on the server
      await sleep(5);
      socket.pause();
      await sleep(15);
      most = Math.max(most, res.listenerCount('close'), res.listenerCount('drain'));
    }
    socket.destroy();
    await srv.builder.cancel('ImageBuild', 'hang-slow');
    expect(received).toBeGreaterThan(64 * 1024); // the stream did run into back-pressure, many times
    expect(most).toBeLessThanOrEqual(3);
  });

  it('8: GET …/log answers the last 500 lines by default, and pages through the whole log exactly once', async () => {
    expect((await post('/api/v1/imagebuilds', JSON.stringify(build('big-log')))).status).toBe(201);
    await finished('big-log');
    const whole: string[] = [];
    for await (const l of srv.builder.logs('ImageBuild', 'big-log')) whole.push(l);
    expect(whole.length).toBeGreaterThan(2 * LINES_PER_PHASE);
    const base = `${srv.url}/api/v1/imagebuilds/big-log/log`;
    const tail = await send(base, { headers: auth });
    expect(tail.text).toBe(
      whole
        .slice(-500)
        .map((l) => `${l}\n`)
        .join(''),
    );
    expect(tail.headers['x-log-total']).toBe(String(whole.length));
    expect(tail.headers['x-log-from']).toBe(String(whole.length - 500));
    const paged: string[] = [];
    for (let from = 0; from < whole.length; ) {
      const page = await send(`${base}?from=${from}&limit=5000`, { headers: auth });
      expect(page.status).toBe(200);
      paged.push(...page.text.split('\n').slice(0, -1));
      from = Number(page.headers['x-log-to']);
    }
    expect(paged).toEqual(whole);
    expect((await send(`${base}?tail=3`, { headers: auth })).text).toBe(
      whole
        .slice(-3)
        .map((l) => `${l}\n`)
        .join(''),
    );
    expect((await send(`${base}?tail=10001`, { headers: auth })).status).toBe(400);
    expect((await send(`${base}?from=1&tail=3`, { headers: auth })).status).toBe(400);
    expect((await send(`${base}?from=-1`, { headers: auth })).status).toBe(400);
  });

  it('11: an invalid JSON body is a 400 that quotes nothing of the input', async () => {
    const canary = 'CANARY-7f3a9c';
    for (const body of [`{"password":${canary}}`, `{"a":1,"password":"${canary}`, `{"password":"x"} ${canary}`]) {
      const r = await post('/api/v1/repositories', body);
      expect(r.status).toBe(400);
      expect(message(r.text)).toMatch(/^can't decode JSON body: .* at line 1, column \d+$/);
      expect(r.text).not.toContain('CANARY');
    }
  });

  it('duplicate keys in a JSON body are a 400 naming the key path (not the last value silently)', async () => {
    const b = build('dup-keys');
    const text = JSON.stringify(b).replace(
      '"binding":{"type":"late"}',
      '"binding":{"type":"early"},"binding":{"type":"late"}',
    );
    const r = await post('/api/v1/imagebuilds', text);
    expect(r.status).toBe(400);
    expect(message(r.text)).toMatch(/^can't decode JSON body: duplicate key spec\.binding at line 1/);
    expect((await send(`${srv.url}/api/v1/imagebuilds/dup-keys`, { headers: auth })).status).toBe(404);
  });

  it('17: a suffix range on an empty artifact is unsatisfiable (416), not bytes 0--1/0', () => {
    expect(parseRange('bytes=-5', 0)).toBe('unsatisfiable');
    expect(parseRange('bytes=0-', 0)).toBe('unsatisfiable');
    expect(parseRange('bytes=-5', 3)).toEqual({ start: 0, end: 2 });
  });

  it('18/19: echoed values are bounded and control characters escaped in every message', async () => {
    const hostile = `%1B%5B31m${'x'.repeat(8000)}%0D%0A%07`;
    const notFound = await send(`${srv.url}/api/v1/imagebuilds/${hostile}`, { headers: auth });
    expect(notFound.status).toBe(404);
    const unknown = await send(`${srv.url}/api/v1/${hostile}`, { headers: auth });
    const b = build('long-ref');
    b.spec.source.repository = `r${'\u001b[2J\r\n'.repeat(1000)}${'y'.repeat(1 << 20)}`;
    const long = await post('/api/v1/imagebuilds', JSON.stringify(b));
    expect(long.status).toBe(400);
    const named = await post('/api/v1/imagebuilds', JSON.stringify(build('bad\u001b]0;title\u0007\r\nname')));
    expect(named.status).toBe(400);
    for (const r of [notFound, unknown, long, named]) {
      const m = message(r.text);
      expect(m.length).toBeLessThan(10_000);
      // biome-ignore lint/suspicious/noControlCharactersInRegex: looking for control characters is the point
      expect(m).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029]/);
      expect(r.text.length).toBeLessThan(12_000);
    }
    // Every line of a multi-issue message is one issue: an echoed newline is escaped.
    expect(
      message(named.text)
        .split('\n')
        .every((l) => /^[\w.[\]]+: /.test(l)),
    ).toBe(true);
  });

  it('20: JSON bodies must say they are JSON (415 otherwise)', async () => {
    const body = JSON.stringify(build('ctype'));
    for (const type of [
      'text/plain',
      'application/x-www-form-urlencoded',
      'application/json; charset=latin1',
      undefined,
    ]) {
      const r = await post('/api/v1/imagebuilds', body, type === undefined ? auth : { ...auth, 'content-type': type });
      expect(r.status).toBe(415);
      expect(message(r.text)).toMatch(/^unsupported media type: .*send application\/json$/);
    }
    const ok = await post('/api/v1/imagebuilds', body, { ...auth, 'content-type': 'Application/JSON; charset=UTF-8' });
    expect(ok.status).toBe(201);
  });
});
