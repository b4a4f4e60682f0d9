/**
 * Which C library the process runs on, told by the program interpreter in
 * the ELF header of the `node` binary: the real binary agrees with the
 * loader the kernel mapped into this process, a musl-linked program is told
 * apart when musl-gcc is there, and malformed or truncated files (of any
 * class and byte order) give undefined, never a throw.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import {
  elfInterpreter,
  interpreterOf,
  isMuslLoader,
  type ReadAt,
  runsOnMusl,
} from '../../src/transport/libc.js';

const dir = mkdtempSync(join(tmpdir(), 'eoip-libc-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The {@link ReadAt} of bytes in memory. */
const reader =
  (bytes: Uint8Array): ReadAt =>
  (offset, length) =>
    bytes.subarray(Math.min(offset, bytes.length), Math.min(offset + length, bytes.length));

/**
 * A minimal ELF file: header, `phnum` program headers (the last one
 * PT_INTERP unless `interp` is undefined), then the interpreter's path.
 */
function elf(opts: { wide: boolean; little: boolean; interp?: string; phnum?: number }): Uint8Array {
  const { wide, little } = opts;
  const ehsize = wide ? 64 : 52;
  const phentsize = wide ? 56 : 32;
  const phnum = opts.phnum ?? 3;
  const path = new TextEncoder().encode(`${opts.interp ?? ''}\0`);
  const pathAt = ehsize + phentsize * phnum;
  const out = new Uint8Array(pathAt + path.length);
  const v = new DataView(out.buffer);
  out.set([0x7f, 0x45, 0x4c, 0x46, wide ? 2 : 1, little ? 1 : 2, 1]);
  if (wide) v.setBigUint64(0x20, BigInt(ehsize), little);
  else v.setUint32(0x1c, ehsize, little);
  v.setUint16(wide ? 0x36 : 0x2a, phentsize, little);
  v.setUint16(wide ? 0x38 : 0x2c, phnum, little);
  for (let i = 0; i < phnum; i++) {
    const at = ehsize + i * phentsize;
    const interp = i === phnum - 1 && opts.interp !== undefined;
    v.setUint32(at, interp ? 3 : 1, little); // PT_INTERP or PT_LOAD
    if (!interp) continue;
    if (wide) {
      v.setBigUint64(at + 8, BigInt(pathAt), little);
      v.setBigUint64(at + 32, BigInt(path.length), little);
    } else {
      v.setUint32(at + 4, pathAt, little);
      v.setUint32(at + 16, path.length, little);
    }
  }
  out.set(path, pathAt);
  return out;
}

describe('elfInterpreter', () => {
  it.each([
    [true, true],
    [true, false],
    [false, true],
    [false, false],
  ])('reads PT_INTERP of a %s-bit, little-endian %s file', (wide, little) => {
    const path = '/lib/ld-musl-x86_64.so.1';
    expect(elfInterpreter(reader(elf({ wide, little, interp: path })))).toBe(path);
    expect(
      elfInterpreter(reader(elf({ wide, little, interp: '/lib64/ld-linux-x86-64.so.2', phnum: 9 }))),
    ).toBe('/lib64/ld-linux-x86-64.so.2');
    expect(elfInterpreter(reader(elf({ wide, little })))).toBeUndefined();
  });

  it('gives undefined for what is not an ELF file, or is cut short anywhere', () => {
    const whole = elf({ wide: true, little: true, interp: '/lib/ld-musl-aarch64.so.1' });
    expect(elfInterpreter(reader(new TextEncoder().encode('#!/bin/sh\necho hi\n')))).toBeUndefined();
    const answers = new Set<string | undefined>();
    for (let n = 0; n < whole.length; n++) answers.add(elfInterpreter(reader(whole.subarray(0, n))));
    // Cut inside the path: a prefix of it at most, never bytes from elsewhere.
    for (const a of answers)
      if (a !== undefined) expect('/lib/ld-musl-aarch64.so.1'.startsWith(a)).toBe(true);
  });

  it('never throws on random bytes after a valid magic', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (tail) => {
        const bytes = new Uint8Array(4 + tail.length);
        bytes.set([0x7f, 0x45, 0x4c, 0x46]);
        bytes.set(tail, 4);
        const r = elfInterpreter(reader(bytes));
        expect(r === undefined || typeof r === 'string').toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('runsOnMusl', () => {
  it('agrees with the loader mapped into this process', () => {
    const interp = interpreterOf(process.execPath);
    const maps = readFileSync('/proc/self/maps', 'latin1');
    expect(interp).toMatch(/^\//);
    // The kernel maps the interpreter the binary names (by its resolved path; the file name is kept).
    expect(maps).toContain(
      interp!
        .split('/')
        .pop()!
        .replace(/\.so.*$/, ''),
    );
    expect(runsOnMusl()).toBe(maps.includes('/ld-musl-'));
  });

  it('knows musl loader names from glibc ones', () => {
    expect(isMuslLoader('/lib/ld-musl-x86_64.so.1')).toBe(true);
    expect(isMuslLoader('/lib/ld-musl-aarch64.so.1')).toBe(true);
    expect(isMuslLoader('/lib64/ld-linux-x86-64.so.2')).toBe(false);
    expect(isMuslLoader('/lib/ld-linux-aarch64.so.1')).toBe(false);
    expect(isMuslLoader('/opt/ld-musl-x86_64.so.1/ld-linux-x86-64.so.2')).toBe(false);
    expect(isMuslLoader(undefined)).toBe(false);
  });

  it('reads undefined for a file that cannot be read or is no program', () => {
    expect(interpreterOf(join(dir, 'absent'))).toBeUndefined();
    writeFileSync(join(dir, 'text'), 'not a program');
    expect(interpreterOf(join(dir, 'text'))).toBeUndefined();
    expect(interpreterOf(dir)).toBeUndefined();
  });

  const muslGcc = spawnSync('musl-gcc', ['--version']).status === 0;
  it.skipIf(!muslGcc)('tells a musl-linked program by its interpreter (needs musl-gcc)', () => {
    writeFileSync(join(dir, 'p.c'), 'int main(void) { return 0; }\n');
    const r = spawnSync('musl-gcc', ['-o', join(dir, 'p'), join(dir, 'p.c')], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(isMuslLoader(interpreterOf(join(dir, 'p')))).toBe(true);
    expect(isMuslLoader(interpreterOf('/bin/sh'))).toBe(false);
  });
});
