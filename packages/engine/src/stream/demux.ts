import type { Readable } from 'node:stream';

/**
 * Splits a Docker multiplexed log stream (8-byte headers: stream id, 3 zero bytes, uint32 BE length)
 * into payload chunks. A stream that does not start with a valid header (TTY) is passed through raw.
 */
export async function* demux(stream: Readable): AsyncGenerator<{ stream: 'stdout' | 'stderr'; text: string }> {
  let buf = Buffer.alloc(0);
  let raw: boolean | undefined;
  for await (const chunk of stream) {
    buf = Buffer.concat([buf, typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer)]);
    if (raw === undefined && buf.length >= 4) raw = !(buf[0]! <= 2 && buf[1] === 0 && buf[2] === 0 && buf[3] === 0);
    if (raw) {
      yield { stream: 'stdout', text: buf.toString('utf8') };
      buf = Buffer.alloc(0);
      continue;
    }
    while (buf.length >= 8) {
      const size = buf.readUInt32BE(4);
      if (buf.length < 8 + size) break;
      const kind = buf[0] === 2 ? 'stderr' : 'stdout';
      yield { stream: kind, text: buf.subarray(8, 8 + size).toString('utf8') };
      buf = buf.subarray(8 + size);
    }
  }
  if (buf.length > 0 && raw) yield { stream: 'stdout', text: buf.toString('utf8') };
}
