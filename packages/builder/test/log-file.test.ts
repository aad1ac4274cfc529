import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TempDirs } from '@imagebuild/testkit';
import { SdkError } from '@imagebuild/core';
import { LogBook } from '../src/logs/log-book.js';
import { MAX_LINE_LENGTH } from '../src/logs/job-log.js';
import { MARK_EVERY } from '../src/logs/line-index.js';
import { collect } from './helpers.js';

const dirs = new TempDirs();
afterAll(() => dirs.removeAll());
const book = (ring: number) => new LogBook(dirs.make('ib-logfile-'), ring);
const lines = (n: number, p = 'line') => Array.from({ length: n }, (_, i) => `${p} ${i}`);

describe('job log files (asynchronous writer)', () => {
  it('a read right after a burst beyond the in-memory tail waits for the file and gets every line once, in order', async () => {
    const b = book(3);
    const log = b.create('ImageBuild', 'a');
    for (const l of lines(200)) b.write(log, l);
    expect(log.total).toBe(200);
    expect(log.flushed).toBeLessThan(200); // nothing has reached the file synchronously
    expect(await collect(b.read(log, {}))).toEqual(lines(200));
    expect(await collect(b.read(log, { from: 198 }))).toEqual(lines(200).slice(198));
    log.end();
    await b.flush();
    expect(readFileSync(log.file, 'utf8')).toBe(`${lines(200).join('\n')}\n`);
  });

  it('a deleted job and a namesake created at once: the new file has only the new lines and is not removed', async () => {
    const b = book(10);
    const old = b.create('ImageBuild', 'x');
    for (const l of lines(50, 'old')) b.write(old, l);
    b.remove('ImageBuild', 'x');
    const fresh = b.create('ImageBuild', 'x');
    b.write(fresh, 'new 0');
    fresh.end();
    await b.flush();
    expect(readFileSync(fresh.file, 'utf8')).toBe('new 0\n');
  });

  it('a fresh log replaces a stale file; a reopened log continues its line numbers with a correct tail', async () => {
    const b = book(4);
    const file = join(b.dir, 'ImageBuild.s.log');
    writeFileSync(file, 'stale 1\nstale 2\n');
    const fresh = b.create('ImageBuild', 's');
    b.write(fresh, 'first');
    fresh.end();
    await b.flush();
    expect(readFileSync(file, 'utf8')).toBe('first\n');

    // After a restart: a new LogBook over the same directory counts the lines already there.
    writeFileSync(join(b.dir, 'ImageExport.r.log'), `${lines(3, 'before').join('\n')}\n`);
    const again = new LogBook(b.dir, 4);
    const log = await again.get('ImageExport', 'r', false);
    expect(log.total).toBe(3);
    for (const l of lines(6, 'after')) again.write(log, l);
    expect(log.fromRing(log.total - 4)).toEqual(lines(6, 'after').slice(2));
    expect(await collect(again.read(log, {}))).toEqual([...lines(3, 'before'), ...lines(6, 'after')]);
    expect(await collect(again.read(log, { from: 5 }))).toEqual(lines(6, 'after').slice(2));
  });

  it('a file that cannot be written fails readers that need it with a clear error instead of hanging', async () => {
    const b = book(2);
    mkdirSync(join(b.dir, 'ImageBuild.d.log')); // a directory where the file should be
    const log = b.create('ImageBuild', 'd');
    for (const l of lines(10)) b.write(log, l);
    const err = await collect(b.read(log, {})).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SdkError);
    expect((err as Error).message).toMatch(/could not write the job log .*ImageBuild\.d\.log/);
    expect(log.fromRing(8)).toEqual(lines(10).slice(8)); // the tail is still served from memory
    log.end();
    await b.flush();
  });

  it('a window is the last 500 lines by default, or limit lines from a line; paging covers the log exactly once', async () => {
    const b = book(16);
    const log = b.create('ImageBuild', 'w');
    const all = lines(5 * MARK_EVERY + 7, 'wïndow');
    for (const l of all) b.write(log, l);
    const tail = b.window(log, {});
    expect([tail.from, tail.to, tail.total]).toEqual([all.length - 500, all.length, all.length]);
    expect(await collect(tail.lines)).toEqual(all.slice(-500));
    const paged: string[] = [];
    for (let from = 0; from < all.length; ) {
      const page = b.window(log, { from, limit: 999 });
      paged.push(...(await collect(page.lines)));
      from = page.to;
    }
    expect(paged).toEqual(all);
    const mid = b.window(log, { from: 3 * MARK_EVERY - 1, limit: 3 });
    expect(await collect(mid.lines)).toEqual(all.slice(3 * MARK_EVERY - 1, 3 * MARK_EVERY + 2));
    expect(b.window(log, { tail: 10 }).from).toBe(all.length - 10);
    const past = b.window(log, { from: all.length + 5, limit: 10 });
    expect([past.from, past.to]).toEqual([all.length, all.length]);
    expect(await collect(past.lines)).toEqual([]);
    log.end();
    await b.flush();
  });

  it('a read seeks to the nearest index mark: line k*1024 starts at the byte offset the file has', async () => {
    const b = book(4);
    const log = b.create('ImageBuild', 'i');
    const all = lines(3 * MARK_EVERY + 1, 'ü'); // multi-byte characters: offsets are bytes, not characters
    for (const l of all) b.write(log, l);
    log.end();
    await b.flush();
    const text = readFileSync(log.file);
    for (const k of [1, 2, 3]) {
      const { offset, skip } = log.index.seek(k * MARK_EVERY + 5);
      expect(skip).toBe(5);
      expect(
        text
          .subarray(offset, offset + 64)
          .toString('utf8')
          .split('\n')[0],
      ).toBe(all[k * MARK_EVERY]);
    }
    // The same index, rebuilt from the file after a restart.
    const again = await new LogBook(b.dir, 4).get('ImageBuild', 'i', true);
    expect(again.index.marks).toEqual(log.index.marks);
    expect(again.index.bytes).toBe(text.length);
  });

  it('output without newlines is cut into lines of MAX_LINE_LENGTH; CR LF split across pieces ends one line', async () => {
    const b = book(8);
    const log = b.create('ImageBuild', 'long');
    const chunk = 'x'.repeat(4096);
    for (let i = 0; i < 40; i++) log.append(chunk); // 160 Ki characters, no newline
    log.append('tail\r');
    log.append('\nnext\r\n');
    log.end();
    await b.flush();
    const got = await collect(b.read(log, {}));
    expect(got.map((l) => l.length)).toEqual([
      MAX_LINE_LENGTH,
      MAX_LINE_LENGTH,
      40 * 4096 - 2 * MAX_LINE_LENGTH + 4,
      4,
    ]);
    expect(got.at(-2)!.endsWith('xtail')).toBe(true);
    expect(got.at(-1)).toBe('next');
  });

  it('a file left without its last newline: the partial line counts, and appended lines start on a new line', async () => {
    const b = book(4);
    writeFileSync(join(b.dir, 'ImageBuild.p.log'), 'one\ntwo\nhal');
    const log = await b.get('ImageBuild', 'p', false);
    expect(log.total).toBe(3);
    expect(await collect(b.window(log, { from: 2 }).lines)).toEqual(['hal']);
    b.write(log, 'after');
    log.end();
    await b.flush();
    expect(readFileSync(log.file, 'utf8')).toBe('one\ntwo\nhal\nafter\n');
    expect(await collect(b.read(log, {}))).toEqual(['one', 'two', 'hal', 'after']);
  });
});
