import { describe, expect, it } from 'vitest';
import { ProtoFormatError, protoFields } from '../internal/protobuf-reader.js';
import { BuildOutput } from './build-output.js';
import { BuildkitTrace, decodeStatusResponse } from './buildkit-trace.js';

// A tiny protobuf encoder for the test (the decoder under test is hand-written, so the encoder is too).
function varint(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return out;
}
const bytes = (no: number, value: Uint8Array | string): number[] => {
  const v = typeof value === 'string' ? Buffer.from(value) : value;
  return [...varint((no << 3) | 2), ...varint(v.length), ...v];
};
const int = (no: number, n: number): number[] => [...varint(no << 3), ...varint(n)];
const msg = (...fields: number[][]): Uint8Array => Uint8Array.from(fields.flat());
const timestamp = msg(int(1, 1_700_000_000), int(2, 5));

function vertex(
  digest: string,
  name: string,
  extra: { started?: boolean; completed?: boolean; cached?: boolean; error?: string } = {},
): number[] {
  return bytes(
    1,
    msg(
      bytes(1, digest),
      bytes(2, 'sha256:input'),
      bytes(3, name),
      ...(extra.cached ? [int(4, 1)] : []),
      ...(extra.started ? [bytes(5, timestamp)] : []),
      ...(extra.completed ? [bytes(6, timestamp)] : []),
      ...(extra.error ? [bytes(7, extra.error)] : []),
    ),
  );
}
const log = (digest: string, text: string): number[] =>
  bytes(3, msg(bytes(1, digest), bytes(2, timestamp), int(3, 1), bytes(4, text)));
const b64 = (...fields: number[][]): string => Buffer.from(msg(...fields)).toString('base64');

describe('protobuf reader', () => {
  it('walks varint, fixed and length-delimited fields; rejects truncation', () => {
    const fields = [
      ...protoFields(Uint8Array.from([0x08, 0x96, 0x01, 0x11, 1, 2, 3, 4, 5, 6, 7, 8, 0x1a, 0x02, 0x68, 0x69])),
    ];
    expect(fields.map((f) => [f.no, f.wire])).toEqual([
      [1, 0],
      [2, 1],
      [3, 2],
    ]);
    expect(fields[0]!.value).toBe(150n);
    expect(() => [...protoFields(Uint8Array.from([0x1a, 0x05, 0x68]))]).toThrow(ProtoFormatError);
    expect(() => [...protoFields(Uint8Array.from([0x08, 0x96]))]).toThrow(ProtoFormatError);
  });
});

describe('BuildKit trace', () => {
  it('decodes vertexes and logs of a StatusResponse', () => {
    const s = decodeStatusResponse(
      msg(
        vertex('sha256:a', '[1/2] FROM base', { started: true, cached: true, completed: true }),
        log('sha256:a', 'hi\n'),
      ),
    );
    expect(s.vertexes).toEqual([
      { digest: 'sha256:a', name: '[1/2] FROM base', cached: true, started: true, completed: true, error: '' },
    ]);
    expect(s.logs).toEqual([{ vertex: 'sha256:a', msg: 'hi\n' }]);
  });

  it('renders plain-progress lines: numbering, output split across messages, DONE/CACHED/ERROR once each', () => {
    const t = new BuildkitTrace();
    const lines = [
      ...t.lines(b64(vertex('sha256:a', '[internal] load build definition', { started: true }))),
      ...t.lines(b64(vertex('sha256:a', '[internal] load build definition', { started: true, completed: true }))),
      ...t.lines(b64(vertex('sha256:b', '[2/3] RUN echo hi', { started: true }))),
      ...t.lines(b64(log('sha256:b', 'hel'))),
      ...t.lines(b64(log('sha256:b', 'lo\nwor'))),
      ...t.lines(b64(vertex('sha256:b', '[2/3] RUN echo hi', { started: true, completed: true }))),
      ...t.lines(b64(vertex('sha256:c', '[1/3] FROM base', { cached: true, completed: true }))),
      ...t.lines(b64(vertex('sha256:d', '[3/3] RUN false', { started: true, completed: true, error: 'exit code: 1' }))),
      ...t.lines(b64(vertex('sha256:d', '[3/3] RUN false', { started: true, completed: true, error: 'exit code: 1' }))),
    ];
    expect(lines).toEqual([
      '#1 [internal] load build definition',
      '#1 DONE',
      '#2 [2/3] RUN echo hi',
      '#2 hello',
      '#2 wor',
      '#2 DONE',
      '#3 [1/3] FROM base',
      '#3 CACHED',
      '#4 [3/3] RUN false',
      '#4 ERROR: exit code: 1',
    ]);
    const out = new BuildOutput();
    for (const l of lines) out.line(l);
    expect(out.step).toEqual({ done: 3, total: 3 });
  });

  it('does not throw on garbage', () => {
    expect(new BuildkitTrace().lines(Buffer.from([0x0a, 0x7f, 0x01]).toString('base64'))[0]).toMatch(
      /undecodable BuildKit trace: truncated/,
    );
  });
});
