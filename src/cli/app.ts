/**
 * The `eoip` command as a function: parse, then help, version, or run a
 * kernel command. Parsing, help and version load nothing else; each command
 * that talks to the kernel loads only its own module and the part of the
 * library it calls.
 */
import pkg from '../../package.json' with { type: 'json' };
import { type ParsedCommand, parseArgs, UsageError } from './grammar.js';
import { helpText } from './help.js';
import type { CliIo } from './run.js';

/** `eoip-netlink <version>`: the package version, inlined at build time. */
export const VERSION_LINE = `${pkg.name} ${pkg.version}`;

/**
 * Run `eoip` with these arguments (without `node` and the script) and return
 * the exit status.
 */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  let cmd: ParsedCommand;
  try {
    cmd = parseArgs(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.stderr(`eoip: ${e.message}\n`);
    return 1;
  }
  switch (cmd.command) {
    case 'help':
      io.stdout(helpText(cmd.topic));
      return 0;
    case 'version':
      io.stdout(
        cmd.global.json
          ? `${JSON.stringify({ name: pkg.name, version: pkg.version }, null, cmd.global.pretty ? 2 : undefined)}\n`
          : `${VERSION_LINE}\n`,
      );
      return 0;
    case 'monitor': {
      const { runMonitor } = await import('./monitor.js');
      return runMonitor(cmd, io);
    }
    case 'apply': {
      const { runApply } = await import('./apply.js');
      return runApply(cmd, io);
    }
    case 'doctor': {
      const { runDoctorCommand } = await import('./doctor.js');
      return runDoctorCommand(cmd, io);
    }
    default: {
      const { execute } = await import('./run.js');
      return execute(cmd, io);
    }
  }
}
