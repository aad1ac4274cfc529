/**
 * Download slabs: page-aligned (so they can be written with O_DIRECT) and in
 * shared memory (so the hash worker reads them in place). A WebAssembly memory
 * is the one allocation Node offers whose start is page-aligned; its pages
 * count towards RSS only once touched. Where WebAssembly is unavailable
 * (`node --jitless`), ordinary buffers are used: direct writes then fall back
 * to the page cache and the hash worker copies.
 */
export const WASM_PAGE = 64 * 1024;

// The lib settings here carry no WebAssembly typings: the one constructor used.
interface SharedMemory {
  readonly buffer: SharedArrayBuffer;
}
type MemoryCtor = new (d: { initial: number; maximum: number; shared: true }) => SharedMemory;

export function alignedSharedSlabs(count: number, size: number): Buffer[] {
  if (size % WASM_PAGE !== 0) throw new RangeError(`slab size ${size} is not a multiple of ${WASM_PAGE}`);
  const Memory = (globalThis as unknown as { WebAssembly?: { Memory?: MemoryCtor } }).WebAssembly?.Memory;
  let all: Buffer | undefined;
  if (Memory) {
    try {
      const pages = (count * size) / WASM_PAGE;
      all = Buffer.from(new Memory({ initial: pages, maximum: pages, shared: true }).buffer);
    } catch {
      all = undefined; // no shared WebAssembly memory here (or too much asked): plain buffers below do the same job
    }
  }
  if (!all) return Array.from({ length: count }, () => Buffer.allocUnsafeSlow(size));
  const shared = all;
  return Array.from({ length: count }, (_, i) => shared.subarray(i * size, (i + 1) * size));
}
