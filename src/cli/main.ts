/**
 * The `eoip` bin: entry point of the bundled dist/cli.cjs. Runs {@link main}
 * on the process arguments and sets the exit status.
 */
import { main } from './app.js';

// A closed pipe (`eoip list | head -1`) is not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`eoip: internal error: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 2;
  },
);
