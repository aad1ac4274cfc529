import { open } from 'node:fs/promises';
import type { Socket } from 'node:net';

const SLAB = 1024 * 1024;

function writeTo(socket: Socket, bytes: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.write(bytes, (err) => (err ? reject(err) : resolve()));
  });
}

/**
 * Sends bytes [start, end) of a file through two reused 1 MiB buffers: the next
 * read runs while the previous buffer is being written to the socket, and a
 * buffer is refilled only once the socket has taken it. `onChunk` sees each
 * chunk (with its file position) before it is sent.
 */
export async function writeFileRange(
  socket: Socket,
  path: string,
  start: number,
  end: number,
  onChunk: (bytes: Buffer, position: number) => void,
): Promise<void> {
  const fh = await open(path, 'r');
  try {
    let buf = Buffer.allocUnsafeSlow(SLAB);
    let spare = Buffer.allocUnsafeSlow(SLAB);
    let pending: Promise<void> = Promise.resolve();
    let pos = start;
    while (pos < end) {
      const { bytesRead } = await fh.read(buf, 0, Math.min(SLAB, end - pos), pos);
      if (bytesRead === 0) throw new Error(`file ended at byte ${pos}, expected ${end}`);
      const bytes = buf.subarray(0, bytesRead);
      [buf, spare] = [spare, buf];
      onChunk(bytes, pos);
      pos += bytesRead;
      await pending;
      pending = writeTo(socket, bytes);
      pending.catch(() => undefined); // awaited on the next turn; not an unhandled rejection meanwhile
    }
    await pending;
  } finally {
    await fh.close();
  }
}
