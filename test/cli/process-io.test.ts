/**
 * The process's output as the commands see it: the first error writing
 * standard output is kept, stops further output and aborts `closed`, whether
 * `closed` was read before the error or only after it (it is made on first
 * use); errors on standard error are swallowed.
 */
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { type OutputStream, processIo } from '../../src/cli/process-io.js';

/** A stream that records writes and can fail like a full disk or a closed pipe. */
class FakeStream extends EventEmitter implements OutputStream {
  written: string[] = [];
  throwOnWrite: NodeJS.ErrnoException | undefined;
  write(text: string): boolean {
    if (this.throwOnWrite) throw this.throwOnWrite;
    this.written.push(text);
    return true;
  }
}

const enospc = () => Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });

describe('processIo', () => {
  it('aborts closed when it was read before the output error', () => {
    const out = new FakeStream();
    const errors: string[] = [];
    const io = processIo(out, new FakeStream(), (e) => errors.push(String(e.code)));
    const closed = io.closed;
    expect(closed.aborted).toBe(false);
    io.stdout('one\n');
    out.emit('error', enospc());
    expect(closed.aborted).toBe(true);
    expect(io.closed).toBe(closed);
    io.stdout('two\n');
    expect(out.written).toEqual(['one\n']);
    expect(errors).toEqual(['ENOSPC']);
    expect(io.outputError()?.code).toBe('ENOSPC');
  });

  it('gives an aborted closed when first read after the output error', () => {
    const out = new FakeStream();
    const io = processIo(out, new FakeStream());
    out.throwOnWrite = enospc();
    io.stdout('lost\n');
    expect(io.closed.aborted).toBe(true);
    expect(io.outputError()?.code).toBe('ENOSPC');
  });

  it('keeps the first error only, and reports it once', () => {
    const out = new FakeStream();
    const errors: string[] = [];
    const io = processIo(out, new FakeStream(), (e) => errors.push(String(e.code)));
    out.emit('error', Object.assign(new Error('EPIPE'), { code: 'EPIPE' }));
    out.emit('error', enospc());
    expect(errors).toEqual(['EPIPE']);
    expect(io.outputError()?.code).toBe('EPIPE');
  });

  it('swallows errors writing standard error, and keeps standard output open', () => {
    const out = new FakeStream();
    const err = new FakeStream();
    const io = processIo(out, err);
    err.throwOnWrite = enospc();
    io.stderr('warning\n');
    err.emit('error', enospc());
    io.stdout('still here\n');
    expect(out.written).toEqual(['still here\n']);
    expect(io.closed.aborted).toBe(false);
    expect(io.outputError()).toBeUndefined();
  });
});
