import type { BuildContext } from '@imagebuild/core';
import { extract } from 'tar-stream';
import { describe, expect, it } from 'vitest';
import { contextWithLabels } from './label-instruction.js';

async function containerfileOf(tar: NodeJS.ReadableStream): Promise<string> {
  const ex = extract();
  let text = '';
  ex.on('entry', (h, s, next) => {
    const chunks: Buffer[] = [];
    s.on('data', (c: unknown) => chunks.push(c as Buffer));
    s.on('end', () => {
      if (h.name === 'Containerfile') text = Buffer.concat(chunks).toString('utf8');
      next();
    });
  });
  const done = new Promise<void>((r) => ex.on('finish', () => r()));
  tar.pipe(ex);
  await done;
  return text;
}

describe('contextWithLabels', () => {
  const containerfile = 'FROM scratch\nCOPY a /a\n';
  const ctx = {
    containerfile,
    containerfilePath: 'Containerfile',
    files: [
      { path: 'Containerfile', mode: 0o644, content: Buffer.from(containerfile) },
      { path: 'a', mode: 0o644, content: Buffer.from('a') },
    ],
  } as unknown as BuildContext;

  it('appends one LABEL instruction, quoting \\ " $ and `', async () => {
    const tar = contextWithLabels(ctx, { 'b.key': 'a"b\\c$d`e', 'a.key': 'x y' });
    expect(tar).toBeDefined();
    const text = await containerfileOf(tar!);
    expect(text.startsWith(ctx.containerfile)).toBe(true);
    expect(text.slice(ctx.containerfile.length)).toBe('\nLABEL "a.key"="x y" "b.key"="a\\"b\\\\c\\$d\\`e"\n');
  });

  it('keeps the labels parameter for values the Containerfile cannot carry unchanged', () => {
    expect(contextWithLabels(ctx, { k: 'line\nbreak' })).toBeUndefined();
    expect(contextWithLabels(ctx, { k: 'é' })).toBeUndefined();
    expect(contextWithLabels(ctx, {})).toBeUndefined();
  });
});
