import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { inBandError, jsonMessages, type EngineMessage } from './json-messages.js';
import { LineSplitter } from './line-splitter.js';

async function collect(chunks: string[]): Promise<EngineMessage[]> {
  const out: EngineMessage[] = [];
  for await (const m of jsonMessages(Readable.from(chunks.map((c) => Buffer.from(c))))) out.push(m);
  return out;
}

describe('jsonMessages', () => {
  it('parses NDJSON split at arbitrary byte positions', async () => {
    const text = '{"stream":"Step 1/2 : FROM x\\n"}\r\n{"stream":"a {brace} \\"q\\""}\n{"aux":{"ID":"sha256:1"}}\n';
    for (let cut = 1; cut < text.length; cut += 7) {
      const msgs = await collect([text.slice(0, cut), text.slice(cut)]);
      expect(msgs).toEqual([
        { stream: 'Step 1/2 : FROM x\n' },
        { stream: 'a {brace} "q"' },
        { aux: { ID: 'sha256:1' } },
      ]);
    }
  });

  it('parses objects back to back without newlines (podman) and passes non-JSON lines on', async () => {
    expect(await collect(['{"stream":"a"}{"stream":"b"}', 'plain text\n{"status":"x"}'])).toEqual([
      { stream: 'a' },
      { stream: 'b' },
      { stream: 'plain text' },
      { status: 'x' },
    ]);
  });

  it('finds in-band errors in a 200 stream', async () => {
    const [m] = await collect([
      '{"errorDetail":{"message":"building at STEP \\"COPY\\": no such file"},"error":"short"}',
    ]);
    expect(inBandError(m!)).toBe('building at STEP "COPY": no such file');
    expect(inBandError({ error: 'only error' })).toBe('only error');
    expect(inBandError({ stream: 'fine' })).toBeUndefined();
  });

  it('throws when the connection breaks mid-stream', async () => {
    const broken = new Readable({
      read() {
        this.push('{"stream":"a"}\n');
        this.destroy(new Error('socket hang up'));
      },
    });
    const seen: EngineMessage[] = [];
    await expect(
      (async () => {
        for await (const m of jsonMessages(broken)) seen.push(m);
      })(),
    ).rejects.toThrow('socket hang up');
  });
});

describe('LineSplitter', () => {
  it('joins fragments into lines, drops CR progress redraws and ANSI', () => {
    const s = new LineSplitter();
    expect(s.push('STEP 1/3: FR')).toEqual([]);
    expect(s.push('OM base\nSTEP 2')).toEqual(['STEP 1/3: FROM base']);
    expect(s.push('/3\n\u001b[1mbold\u001b[0m\n10%\r50%\r100%\n')).toEqual(['STEP 2/3', 'bold', '100%']);
    expect(s.push('tail')).toEqual([]);
    expect(s.flush()).toEqual(['tail']);
  });
});
