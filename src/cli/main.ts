/**
 * The `eoip` bin: entry point of the bundled dist/cli.cjs. Runs {@link main}
 * on the process arguments and sets the exit status. Nothing here throws:
 * an exception reaching the native netlink callback aborts the process.
 */
import { fstatSync } from 'node:fs';
import { createRequire } from 'node:module';
import { main } from './app.js';
import { EXIT_FAILURE, oneLine } from './failure.js';
import { type OutputStream, outputErrorLine, processIo } from './process-io.js';

/** The command's own status, once it returned. */
let commandStatus: number | undefined;

/** The exit status: the command's, or 2 once standard output failed (EPIPE excepted). */
function settle(): void {
  const e = io.outputError();
  const outputFailed = e !== undefined && e.code !== 'EPIPE';
  process.exitCode = outputFailed ? EXIT_FAILURE : (commandStatus ?? process.exitCode ?? 0);
}

/** True when `fd` is a terminal. A pipe or a file is told apart by one fstat, without loading node:tty (and node:net). */
function isTerminal(fd: number): boolean {
  try {
    if (!fstatSync(fd).isCharacterDevice()) return false;
  } catch {
    return false;
  }
  const { isatty } = createRequire(import.meta.url)('node:tty') as typeof import('node:tty');
  return isatty(fd);
}

/**
 * process.stdout or process.stderr, made on first use. Making one loads
 * Node's stream modules (a millisecond or two of a start): a command that
 * prints nothing (`add`, `set`, `del`, `list` of no tunnels) never makes it.
 * Error listeners wait for the stream and are attached before its first write.
 */
function lazyStream(name: 'stdout' | 'stderr', fd: number): OutputStream {
  let stream: NodeJS.WriteStream | undefined;
  const errorListeners: Array<(e: Error) => void> = [];
  const open = (): NodeJS.WriteStream => {
    if (stream === undefined) {
      stream = process[name];
      for (const listener of errorListeners) stream.on('error', listener);
    }
    return stream;
  };
  return {
    write: (text) => open().write(text),
    on(_event, listener) {
      if (stream === undefined) errorListeners.push(listener);
      else stream.on('error', listener);
      return this;
    },
    get isTTY() {
      return isTerminal(fd);
    },
  };
}

const io = processIo(lazyStream('stdout', 1), lazyStream('stderr', 2), (e) => {
  // A closed pipe (`eoip list | head -1`) ends quietly; other output errors get one line.
  const line = outputErrorLine(e);
  if (line !== undefined) io.stderr(line);
  settle();
});

/** Last resort: one line, exit status 2, never a stack trace. */
function internalError(e: unknown): void {
  const text = e instanceof Error ? e.message || e.name : String(e);
  io.stderr(`eoip: internal error: ${oneLine(text)}\n`);
  process.exitCode = EXIT_FAILURE;
  // Out of the current call stack (it may be a native callback's).
  setImmediate(() => process.exit());
}
process.on('uncaughtException', internalError);
process.on('unhandledRejection', internalError);
// Node's own warning printer writes several lines and a hint about flags: one line instead.
process.removeAllListeners('warning');
process.on('warning', (w) => {
  io.stderr(`eoip: warning: ${oneLine(w.message || w.name)}\n`);
});

main(process.argv.slice(2), io).then(
  (code) => {
    commandStatus = code;
    settle();
  },
  (e: unknown) => {
    commandStatus = EXIT_FAILURE;
    internalError(e);
  },
);
