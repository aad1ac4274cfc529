import { createHash } from 'node:crypto';
import { extract } from 'tar-stream';
import { describe, expect, it } from 'vitest';
import { CONTEXT_MTIME, deterministicTar, type ContextFile } from './deterministic-tar.js';

async function collect(r: AsyncIterable<unknown>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of r) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

async function entries(
  tar: Buffer,
): Promise<{ name: string; type: string; mode: number; uid: number; gid: number; mtime: number; body: string }[]> {
  const ex = extract();
  const out: { name: string; type: string; mode: number; uid: number; gid: number; mtime: number; body: string }[] = [];
  const done = (async () => {
    for await (const entry of ex) {
      const body = await collect(entry);
      const h = entry.header;
      out.push({
        name: h.name,
        type: String(h.type),
        mode: h.mode ?? -1,
        uid: h.uid ?? -1,
        gid: h.gid ?? -1,
        mtime: h.mtime?.getTime() ?? -1,
        body: body.toString(),
      });
    }
  })();
  ex.end(tar);
  await done;
  return out;
}

const FILES: ContextFile[] = [
  { path: 'user-publickey.txt', mode: 0o644, content: Buffer.from('key\n') },
  { path: 'rpms/b.rpm', mode: 0o644, content: Buffer.from('B') },
  { path: 'Containerfile', mode: 0o644, content: Buffer.from('FROM x\n') },
  { path: 'agent-config.yaml', mode: 0o600, content: Buffer.from('secret: 1\n') },
  { path: 'rpms/a.rpm', mode: 0o644, content: Buffer.from('A') },
];

describe('deterministicTar', () => {
  it('sorts entries, adds parent directories, and fixes mtime, owner and modes', async () => {
    const list = await entries(await collect(deterministicTar(FILES)));
    expect(list.map((e) => [e.name, e.type, e.mode.toString(8), e.body])).toEqual([
      ['Containerfile', 'file', '644', 'FROM x\n'],
      ['agent-config.yaml', 'file', '600', 'secret: 1\n'],
      ['rpms/', 'directory', '755', ''],
      ['rpms/a.rpm', 'file', '644', 'A'],
      ['rpms/b.rpm', 'file', '644', 'B'],
      ['user-publickey.txt', 'file', '644', 'key\n'],
    ]);
    for (const e of list) expect([e.uid, e.gid, e.mtime]).toEqual([0, 0, CONTEXT_MTIME.getTime()]);
  });

  it('gives the same bytes for the same files in any order, on every call', async () => {
    const sha = async (f: ContextFile[]) =>
      createHash('sha256')
        .update(await collect(deterministicTar(f)))
        .digest('hex');
    const a = await sha(FILES);
    expect(await sha([...FILES].reverse())).toBe(a);
    expect(await sha(FILES)).toBe(a);
    expect(await sha([...FILES.slice(1), { ...FILES[0]!, mode: 0o600 }])).not.toBe(a);
  });
});
