/**
 * Download slabs: page-aligned (so they can be written with O_DIRECT) and in
 * shared memory (so the hash worker reads them in place). A WebAssembly memory
 * is the one allocation Node offers whose start is page-aligned; its pages
 * count towards RSS only once touched.
 */
export const WASM_PAGE = 64 * 1024;

// The lib settings here carry no WebAssembly typings: the one constructor used.
interface SharedMemory {
  readonly buffer: SharedArrayBuffer;
}
const { Memory } = (globalThis as unknown as {
  WebAssembly: { Memory: new (d: { initial: number; maximum: number; shared: true }) => SharedMemory };
}).WebAssembly;

export function alignedSharedSlabs(count: number, size: number): Buffer[] {
  if (size % WASM_PAGE !== 0) throw new RangeError(`slab size ${size} is not a multiple of ${WASM_PAGE}`);
  const pages = (count * size) / WASM_PAGE;
  const memory = new Memory({ initial: pages, maximum: pages, shared: true });
  const all = Buffer.from(memory.buffer);
  return Array.from({ length: count }, (_, i) => all.subarray(i * size, (i + 1) * size));
}
