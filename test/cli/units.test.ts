// Parsing and mapping rules of the CLI that need no server or engine.
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ValidationError } from '@imagebuild/core';
import { ApiError, EngineError } from '@imagebuild/core/errors';
import { EXIT, bufferIo, describeError, humanAge, run } from '@imagebuild/cli';
import { describe, expect, it } from 'vitest';
import { parseDuration } from '../../packages/cli/src/internal/duration.js';
import { expandSource } from '../../packages/cli/src/internal/documents.js';
import { parseTarget } from '../../packages/cli/src/internal/kinds.js';
import { isLoopback, parseListen } from '../../packages/cli/src/local/serve-auth.js';
import { readConfig, writeConfig } from '../../packages/cli/src/remote/config-file.js';

describe('resource arguments', () => {
  it('takes TYPE/NAME and TYPE NAME with every alias', () => {
    expect(parseTarget(['ib/a', 'b'])).toEqual({ kind: 'ImageBuild', names: ['a', 'b'] });
    expect(parseTarget(['imageexports', 'x'])).toEqual({ kind: 'ImageExport', names: ['x'] });
    expect(parseTarget(['ip'])).toEqual({ kind: 'ImagePromotion', names: [] });
    expect(parseTarget(['REPO/r'])).toEqual({ kind: 'Repository', names: ['r'] });
  });
  it('refuses unknown types, mixed types and empty names with exit 2', () => {
    for (const args of [['device/x'], ['ib/a', 'ie/b'], ['ib/']]) {
      expect(() => parseTarget(args)).toThrow();
      try {
        parseTarget(args);
      } catch (err) {
        expect(describeError(err).exitCode).toBe(EXIT.USAGE);
      }
    }
  });
});

describe('small parsers', () => {
  it('durations', () => {
    expect(parseDuration('--timeout', '90')).toBe(90_000);
    expect(parseDuration('--timeout', '1h30m')).toBe(5_400_000);
    expect(parseDuration('--timeout', '250ms')).toBe(250);
    expect(() => parseDuration('--timeout', '5 minutes')).toThrow(/not a duration/);
  });
  it('listen addresses and loopback', () => {
    expect(parseListen('127.0.0.1:8445')).toEqual({ host: '127.0.0.1', port: 8445 });
    expect(parseListen('[::1]:0')).toEqual({ host: '::1', port: 0 });
    expect(parseListen(':9000')).toEqual({ host: '127.0.0.1', port: 9000 });
    expect(() => parseListen('8445')).toThrow(/HOST:PORT/);
    expect(isLoopback('127.0.0.2')).toBe(true);
    expect(isLoopback('0.0.0.0')).toBe(false);
    expect(isLoopback('10.0.0.1')).toBe(false);
  });
  it('ages read like go-humanize', () => {
    const now = Date.parse('2026-01-10T00:00:00Z');
    expect(humanAge('2026-01-10T00:00:00Z', now)).toBe('now');
    expect(humanAge('2026-01-09T23:59:59Z', now)).toBe('1 second ago');
    expect(humanAge('2026-01-09T23:00:00Z', now)).toBe('1 hour ago');
    expect(humanAge('2026-01-01T00:00:00Z', now)).toBe('1 week ago');
    expect(humanAge(undefined, now)).toBe('<none>');
  });
});

describe('errors map to exit statuses with a fix and no stack', () => {
  it('maps each family', () => {
    expect(describeError(new ApiError(401, 'get: 401 unauthorized')).hint).toContain('rejected the token');
    expect(describeError(new ApiError(401, 'x')).exitCode).toBe(EXIT.USAGE);
    expect(describeError(new ApiError(0, 'x')).exitCode).toBe(EXIT.UNREACHABLE);
    expect(describeError(new ApiError(409, 'x')).exitCode).toBe(EXIT.FAILED);
    expect(describeError(new ApiError(503, 'x')).exitCode).toBe(EXIT.UNREACHABLE);
    expect(describeError(new ApiError(501, 'no catalog')).exitCode).toBe(EXIT.FAILED);
    expect(describeError(new EngineError('podman', 'boom')).exitCode).toBe(EXIT.UNREACHABLE);
    const v = describeError(
      new ValidationError([{ path: 'spec.format', message: 'must be one of qcow2, iso' }], { subject: 'document 1' }),
    );
    expect(v).toMatchObject({
      exitCode: EXIT.USAGE,
      message: 'document 1 is invalid:\n  spec.format: must be one of qcow2, iso',
    });
  });
  it('bad flags are exit 2; --debug adds the stack', async () => {
    const io = bufferIo();
    expect(await run(['get', 'ib', '-o', 'xml'], io)).toBe(EXIT.USAGE);
    expect(io.stderrText()).toBe(
      'error: -o xml: unknown output format\n  fix: use one of table, wide, yaml, json, name\n',
    );
    const debug = bufferIo();
    expect(await run(['--debug', 'get', 'nothing'], debug)).toBe(EXIT.USAGE);
    expect(debug.stderrText()).toMatch(/\n {4}at /);
    expect(await run(['bogus-command'], bufferIo())).toBe(EXIT.USAGE);
  });
});

describe('files', () => {
  it('the config file is written with mode 0600 and read back', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ib-cli-unit-'));
    try {
      writeConfig(join(dir, 'cfg'), {
        'current-context': 'a',
        contexts: { a: { server: 'https://api.x', 'image-builder-server': 'https://imagebuilder-api.x', token: 't' } },
      });
      expect(statSync(join(dir, 'cfg', 'client.yaml')).mode & 0o777).toBe(0o600);
      expect(readConfig(join(dir, 'cfg')).contexts.a?.token).toBe('t');
      writeFileSync(join(dir, 'cfg', 'client.yaml'), 'contexts: [1, 2]\n');
      expect(() => readConfig(join(dir, 'cfg'))).toThrow(/contexts/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it('-f expands directories (with -R) and globs in the last segment, sorted', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ib-cli-unit-'));
    try {
      for (const f of ['b.yaml', 'a.yml', 'c.txt']) writeFileSync(join(dir, f), '');
      rmSync(join(dir, 'sub'), { force: true, recursive: true });
      expect(expandSource(join(dir, '*.y*ml'), false)).toEqual([join(dir, 'a.yml'), join(dir, 'b.yaml')]);
      expect(expandSource(dir, false)).toEqual([join(dir, 'a.yml'), join(dir, 'b.yaml')]);
      expect(() => expandSource(join(dir, '*.json'), false)).toThrow(/no file matches/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('apply Repository against a hostile server', () => {
  it('a reply larger than 4 MiB is refused with LimitExceededError, the rest unread', async () => {
    const { createServer } = await import('node:http');
    const { putRepository } = await import('../../packages/cli/src/remote/put-repository.js');
    let sent = 0;
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      // an endless reply, written as the client reads
      const pump = (): void => {
        while (sent < 64 * 1024 * 1024 && res.write(chunk)) sent += chunk.length;
        if (sent < 64 * 1024 * 1024) res.once('drain', pump);
        else res.end();
      };
      pump();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    try {
      const err = await putRepository(
        { server: `http://127.0.0.1:${port}` } as never,
        undefined,
        { metadata: { name: 'r' }, spec: {} },
        5000,
      ).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'LIMIT_EXCEEDED', limit: 'maxResponseBytes' });
      expect(sent).toBeLessThan(64 * 1024 * 1024);
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });
});
