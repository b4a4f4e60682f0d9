/**
 * Which C library this process runs on, told by the program interpreter
 * (dynamic loader) named in the ELF header of the running `node` binary:
 * musl's is `/lib/ld-musl-<arch>.so.1`, glibc's `ld-linux-*.so.*`. Reading
 * a few hundred bytes of the binary costs far less than reading
 * /proc/self/maps, which the kernel builds anew for each read.
 */
import { closeSync, openSync, readSync } from 'node:fs';

/** ELF program header type of the interpreter's path. */
const PT_INTERP = 3;
/** Longest interpreter path read (PATH_MAX). */
const MAX_INTERP = 4096;
/** Most program headers read (a real binary has about a dozen). */
const MAX_PHNUM = 256;
/** Largest program header entry accepted (56 bytes in ELF64). */
const MAX_PHENTSIZE = 256;

/** Reads `length` bytes of a file at `offset`; fewer at its end. */
export type ReadAt = (offset: number, length: number) => Uint8Array;

/**
 * The program interpreter of the ELF file read by `readAt`: the path of its
 * PT_INTERP segment, or undefined when it has none (static) or is not a
 * well-formed ELF file. 32 and 64 bits, either byte order.
 */
export function elfInterpreter(readAt: ReadAt): string | undefined {
  const h = readAt(0, 64);
  if (h.length < 52 || h[0] !== 0x7f || h[1] !== 0x45 || h[2] !== 0x4c || h[3] !== 0x46) return undefined;
  const wide = h[4] === 2;
  const little = h[5] === 1;
  if ((h[4] !== 1 && !wide) || (h[5] !== 2 && !little) || (wide && h.length < 64)) return undefined;
  const v = new DataView(h.buffer, h.byteOffset, h.byteLength);
  const phoff = wide ? Number(v.getBigUint64(0x20, little)) : v.getUint32(0x1c, little);
  const phentsize = v.getUint16(wide ? 0x36 : 0x2a, little);
  const phnum = v.getUint16(wide ? 0x38 : 0x2c, little);
  if (
    phentsize < (wide ? 56 : 32) ||
    phentsize > MAX_PHENTSIZE ||
    phnum > MAX_PHNUM ||
    !Number.isSafeInteger(phoff)
  )
    return undefined;
  const table = readAt(phoff, phentsize * phnum);
  const t = new DataView(table.buffer, table.byteOffset, table.byteLength);
  for (let i = 0; (i + 1) * phentsize <= table.length; i++) {
    const at = i * phentsize;
    if (t.getUint32(at, little) !== PT_INTERP) continue;
    const offset = wide ? Number(t.getBigUint64(at + 8, little)) : t.getUint32(at + 4, little);
    const size = wide ? Number(t.getBigUint64(at + 32, little)) : t.getUint32(at + 16, little);
    if (!Number.isSafeInteger(offset) || size < 1 || size > MAX_INTERP) return undefined;
    const path = readAt(offset, size);
    const end = path.indexOf(0);
    return Buffer.from(path.buffer, path.byteOffset, end < 0 ? path.length : end).toString('latin1');
  }
  return undefined;
}

/** The {@link ReadAt} of an open file. */
function fileReader(fd: number): ReadAt {
  return (offset, length) => {
    const buf = Buffer.alloc(length);
    return buf.subarray(0, readSync(fd, buf, 0, length, offset));
  };
}

/** The program interpreter of the file at `path` (see {@link elfInterpreter}); undefined when it cannot be read. */
export function interpreterOf(path: string): string | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return undefined;
  }
  try {
    return elfInterpreter(fileReader(fd));
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/** True when `interpreter` is musl's dynamic loader (e.g. `/lib/ld-musl-x86_64.so.1`). */
export function isMuslLoader(interpreter: string | undefined): boolean {
  return interpreter !== undefined && /(^|\/)ld-musl-[^/]*\.so(\.\d+)*$/.test(interpreter);
}

/**
 * True when this process runs on musl (e.g. Node on Alpine): its `node`
 * binary's interpreter is musl's loader.
 */
export function runsOnMusl(): boolean {
  return isMuslLoader(interpreterOf(process.execPath));
}
