import { createReadStream } from 'node:fs';

/** Where KubeVirt expects the disk inside a containerdisk image, and its owner (qemu, uid/gid 107) and mode. */
export const CONTAINERDISK_PATH = 'disk/disk.qcow2';
export const CONTAINERDISK_UID = 107;
export const CONTAINERDISK_MODE = 0o440;

const BLOCK = 512;
/** Largest size the 11-digit octal field holds; beyond it the GNU base-256 encoding is used (Go archive/tar, containers/storage read it). */
const MAX_OCTAL = 0o77777777777;

function field(buf: Buffer, offset: number, length: number, value: number): void {
  if (value > MAX_OCTAL && length === 12) {
    buf[offset] = 0x80;
    let v = BigInt(value);
    for (let i = offset + length - 1; i > offset; i--) {
      buf[i] = Number(v & 0xffn);
      v >>= 8n;
    }
    return;
  }
  buf.write(`${value.toString(8).padStart(length - 1, '0')}\0`, offset, length, 'ascii');
}

function header(name: string, type: '0' | '5', mode: number, uid: number, size: number): Buffer {
  const h = Buffer.alloc(BLOCK);
  h.write(name, 0, 100, 'utf8');
  field(h, 100, 8, mode);
  field(h, 108, 8, uid);
  field(h, 116, 8, uid);
  field(h, 124, 12, size);
  field(h, 136, 12, 0); // mtime: the epoch, so the same disk always gives the same layer digest
  h.fill(0x20, 148, 156); // checksum placeholder: spaces
  h.write(type, 156, 1, 'ascii');
  h.write('ustar\0', 257, 6, 'ascii');
  h.write('00', 263, 2, 'ascii');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'ascii');
  return h;
}

/**
 * The fixed parts of the containerdisk layer, a tar of `disk/` (root, 0755) and `disk/disk.qcow2`
 * (107:107, 0440): the two headers before the file's bytes and the padding + end-of-archive after.
 */
export function containerDiskTarParts(diskSize: number): { head: Buffer; tail: Buffer; layerSize: number } {
  const head = Buffer.concat([
    header('disk/', '5', 0o755, 0, 0),
    header(CONTAINERDISK_PATH, '0', CONTAINERDISK_MODE, CONTAINERDISK_UID, diskSize),
  ]);
  const pad = (BLOCK - (diskSize % BLOCK)) % BLOCK;
  const tail = Buffer.alloc(pad + 2 * BLOCK);
  return { head, tail, layerSize: head.length + diskSize + tail.length };
}

/**
 * Streams the containerdisk layer for the file at `path` (`diskSize` bytes): headers, the file, the
 * trailer. Throws when the file does not have exactly `diskSize` bytes (it changed while streaming).
 */
export async function* containerDiskTar(path: string, diskSize: number, signal?: AbortSignal): AsyncGenerator<Buffer> {
  const { head, tail } = containerDiskTarParts(diskSize);
  yield head;
  let read = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024, ...(signal ? { signal } : {}) })) {
    const b = chunk as Buffer;
    read += b.length;
    if (read > diskSize) throw new Error(`${path} grew while being packed (more than ${diskSize} bytes)`);
    yield b;
  }
  if (read !== diskSize) throw new Error(`${path} shrank while being packed (${read} of ${diskSize} bytes)`);
  yield tail;
}
