/**
 * A small free list of fixed-size write buffers ("slabs") for request bodies going upstream.
 *
 * uWS hands each request-body chunk as an ArrayBuffer that dies when its callback returns, so
 * the bytes must be copied before `socket.write` (which may hold them until the kernel takes
 * them). Copying into a recycled slab instead of a fresh Buffer per chunk keeps a 200 MB upload
 * from producing 200 MB of garbage external memory, which V8 would only reclaim once ~64 MB had
 * piled up (the RSS growth issue #2 measured). A slab returns to the list in the write callback.
 *
 * @example
 * const s = takeSlab(); s.set(bytes); socket.write(s.subarray(0, bytes.length), () => giveSlab(s));
 */
export const SLAB_SIZE = 64 * 1024;
/** slabs kept for reuse (process-wide): beyond this, freed slabs are left to the GC */
const MAX_FREE = 32;

const free: Buffer[] = [];

export function takeSlab(): Buffer {
  return free.pop() ?? Buffer.allocUnsafeSlow(SLAB_SIZE);
}

export function giveSlab(slab: Buffer): void {
  if (free.length < MAX_FREE) free.push(slab);
}

/** number of slabs waiting for reuse (tests) */
export function freeSlabCount(): number {
  return free.length;
}
