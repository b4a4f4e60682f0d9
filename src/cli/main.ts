/**
 * The `eoip` bin: entry point of the bundled dist/cli.cjs. Runs {@link main}
 * on the process arguments and sets the exit status. Nothing here throws:
 * an exception reaching the native netlink callback aborts the process.
 */
import { main } from './app.js';
import { EXIT_FAILURE, oneLine } from './failure.js';
import { outputErrorLine, processIo } from './process-io.js';

/** The command's own status, once it returned. */
let commandStatus: number | undefined;

/** The exit status: the command's, or 2 once standard output failed (EPIPE excepted). */
function settle(): void {
  const e = io.outputError();
  const outputFailed = e !== undefined && e.code !== 'EPIPE';
  process.exitCode = outputFailed ? EXIT_FAILURE : (commandStatus ?? process.exitCode ?? 0);
}

const io = processIo(process.stdout, process.stderr, (e) => {
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
