import type { BuildContext } from '@imagebuild/core/containerfile';
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

  const after = (text: string): string => {
    expect(text.startsWith('FROM scratch\n')).toBe(true);
    expect(text.endsWith('COPY a /a\n')).toBe(true);
    return text.slice('FROM scratch\n'.length, -'COPY a /a\n'.length);
  };

  it('puts one LABEL instruction right after FROM, its values as build arguments, never as text', async () => {
    const hostile = 'a"b\\c$d`e\nLABEL evil=1 ${X} é';
    const r = contextWithLabels(ctx, { 'b.key': hostile, 'a.key': 'x y' }, { SOURCE_IMAGE: 's' });
    expect(r).toBeDefined();
    const text = await containerfileOf(r!.tar);
    expect(after(text)).toBe('ARG IB_LABEL_0 IB_LABEL_1\nLABEL "a.key"="${IB_LABEL_0}" "b.key"="${IB_LABEL_1}"\n');
    expect(text).not.toContain('evil');
    expect(r!.buildArgs).toEqual({ SOURCE_IMAGE: 's', IB_LABEL_0: 'x y', IB_LABEL_1: hostile });
  });

  it('writes values of the literal grammar as they are, the others as build arguments', async () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    const r = contextWithLabels(
      ctx,
      { 'c.digest': digest, 'b.name': '127.0.0.1:5000/base:latest', 'a.job': 'job $1' },
      {},
    );
    const text = await containerfileOf(r!.tar);
    expect(after(text)).toBe(
      `ARG IB_LABEL_0\nLABEL "a.job"="\${IB_LABEL_0}" "b.name"="127.0.0.1:5000/base:latest" "c.digest"="${digest}"\n`,
    );
    expect(r!.buildArgs).toEqual({ IB_LABEL_0: 'job $1' });
    // all literal: no ARG instruction, no build argument added
    const plain = contextWithLabels(ctx, { 'a.key': digest }, { X: '1' });
    expect(after(await containerfileOf(plain!.tar))).toBe(`LABEL "a.key"="${digest}"\n`);
    expect(plain!.buildArgs).toEqual({ X: '1' });
  });

  it('keeps the labels parameter for keys outside the grammar or a clashing build argument', () => {
    expect(contextWithLabels(ctx, { 'K"ey': 'v' }, {})).toBeUndefined();
    expect(contextWithLabels(ctx, { 'a b': 'v' }, {})).toBeUndefined();
    expect(contextWithLabels(ctx, { k: 'v' }, { IB_LABEL_0: 'x' })).toBeUndefined();
    expect(contextWithLabels(ctx, {}, {})).toBeUndefined();
  });

  it('labels the final stage, and keeps the parameter when no FROM line can take the instruction', async () => {
    const withFiles = (text: string): BuildContext =>
      ({
        ...ctx,
        containerfile: text,
        files: [{ path: 'Containerfile', mode: 0o644, content: Buffer.from(text) }],
      }) as unknown as BuildContext;
    const staged = contextWithLabels(withFiles('FROM a AS one\nRUN x\nfrom b\nRUN y'), { k: 'v' }, {});
    expect(await containerfileOf(staged!.tar)).toBe('FROM a AS one\nRUN x\nfrom b\nLABEL "k"="v"\nRUN y');
    const last = contextWithLabels(withFiles('FROM a'), { k: 'v' }, {});
    expect(await containerfileOf(last!.tar)).toBe('FROM a\nLABEL "k"="v"\n');
    expect(contextWithLabels(withFiles('RUN x\n  FROM y\n'), { k: 'v' }, {})).toBeUndefined();
    expect(contextWithLabels(withFiles('FROM \\\n  a\n'), { k: 'v' }, {})).toBeUndefined();
  });
});
