/**
 * Output buffers for finished messages, carved out of 64 KiB slabs as Node's
 * Buffer pool does: one ArrayBuffer per message cost more than building the
 * message. Results are views (mind `byteOffset`); large ones get their own buffer.
 */

const SLAB_SIZE = 64 * 1024;
const SLAB_MAX_ITEM = 4096;
let slab: ArrayBuffer | undefined;
let slabUsed = SLAB_SIZE;

/**
 * `n` zeroed bytes that nobody else holds. Slab bytes are handed out once and
 * never reused, so a carve is always zero-filled: encoders may skip zero
 * fields and padding.
 */
export function carve(n: number): Uint8Array {
  if (n > SLAB_MAX_ITEM) return new Uint8Array(n);
  if (slabUsed + n > SLAB_SIZE) {
    slab = new ArrayBuffer(SLAB_SIZE);
    slabUsed = 0;
  }
  // The constructor over the slab's buffer is cheaper than Uint8Array#subarray.
  const out = new Uint8Array(slab!, slabUsed, n);
  slabUsed += (n + 7) & ~7;
  return out;
}
