/**
 * The command's standard output and error, made safe: a write never throws
 * and an 'error' event never goes unhandled (either would reach the native
 * netlink callback on the stack and abort the process, or print a stack
 * trace). The first output error is kept, stops further output, and aborts
 * {@link ProcessIo.closed} so long-running commands (`monitor`) end.
 */
import type { CliIo } from './run.js';

/** What a stream must offer: Node's `process.stdout` / `process.stderr`. */
export interface OutputStream {
  write(text: string): unknown;
  on(event: 'error', listener: (e: Error) => void): unknown;
  /** True for a terminal. */
  readonly isTTY?: boolean;
}

/** A {@link CliIo} over the process streams, with the first output error. */
export interface ProcessIo extends CliIo {
  /** Aborted when standard output can no longer be written. */
  readonly closed: AbortSignal;
  /** The first error writing standard output, if any. */
  outputError(): NodeJS.ErrnoException | undefined;
}

/**
 * Standard output and error of the process as a {@link CliIo}. Errors
 * writing standard error are ignored (there is nowhere left to report them).
 *
 * @param onOutputError called once, with the first error writing standard output
 */
export function processIo(
  stdout: OutputStream,
  stderr: OutputStream,
  onOutputError: (e: NodeJS.ErrnoException) => void = () => {},
): ProcessIo {
  // Made on first use: creating one loads Node's AbortController module,
  // which only a long-running command needs.
  let ac: AbortController | undefined;
  let failure: NodeJS.ErrnoException | undefined;
  const fail = (e: unknown) => {
    if (failure !== undefined) return;
    failure = e instanceof Error ? (e as NodeJS.ErrnoException) : new Error(String(e));
    ac?.abort();
    onOutputError(failure);
  };
  stdout.on('error', fail);
  stderr.on('error', () => {});
  return {
    get closed() {
      if (ac === undefined) {
        ac = new AbortController();
        if (failure !== undefined) ac.abort();
      }
      return ac.signal;
    },
    stderrIsTTY: stderr.isTTY === true,
    outputError: () => failure,
    stdout(text) {
      if (failure !== undefined) return;
      try {
        stdout.write(text);
      } catch (e) {
        fail(e);
      }
    },
    stderr(text) {
      try {
        stderr.write(text);
      } catch {}
    },
  };
}

/** The system's short text of an errno code, from a Node error message (`ENOSPC: no space left on device, write`). */
function errnoText(e: NodeJS.ErrnoException): string {
  const m = /^[A-Z0-9]+: ([^,]+)/.exec(e.message);
  return m?.[1] ?? '';
}

/**
 * The stderr line for an output error, or undefined for EPIPE (the reader
 * went away, e.g. `eoip list | head -1`: not an error, nothing to say).
 */
export function outputErrorLine(e: NodeJS.ErrnoException): string | undefined {
  if (e.code === 'EPIPE') return undefined;
  const code = e.code ?? 'EIO';
  const text = errnoText(e);
  return `eoip: cannot write standard output: ${code}${text ? ` (${text})` : ''}\n`;
}
