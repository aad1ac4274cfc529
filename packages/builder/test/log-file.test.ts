import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TempDirs } from '@imagebuild/testkit';
import { SdkError } from '@imagebuild/core';
import { LogBook } from '../src/logs/log-book.js';
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
});
