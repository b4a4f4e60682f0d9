/**
 * The few strings a dump repeats on every link (link kinds: `veth`,
 * `vxlan`, `bridge`, …), read from the message bytes once and then shared:
 * a listing of 10,000 links holds one `veth`, not 10,000.
 */
import { isAsciiRange, readCString } from './bytes.js';

/** A bounded pool of ASCII strings read from NUL-terminated attribute values. */
export class CStringPool {
  readonly #strings: string[] = [];
  readonly #limit: number;

  /** @param limit how many distinct strings are kept; later ones are read but not kept */
  constructor(limit: number) {
    this.#limit = limit;
  }

  /** The C string in `b[start, end)` (up to its NUL), the pooled copy when there is one. */
  read(b: Uint8Array, start: number, end: number): string {
    let stop = start;
    while (stop < end && b[stop] !== 0) stop++;
    const n = stop - start;
    const pool = this.#strings;
    search: for (let k = 0; k < pool.length; k++) {
      const s = pool[k]!;
      if (s.length !== n) continue;
      // Pooled strings are ASCII, so a character equals its byte.
      for (let i = 0; i < n; i++) if (s.charCodeAt(i) !== b[start + i]) continue search;
      return s;
    }
    const s = readCString(b, start, stop);
    if (pool.length < this.#limit && isAsciiRange(b, start, stop)) pool.push(s);
    return s;
  }
}
