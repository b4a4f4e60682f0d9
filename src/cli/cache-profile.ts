/**
 * Which command a run of the `eoip` bin is, guessed from its arguments
 * before the parser is loaded: the code cache keeps one file per command
 * (src/cli/code-cache.ts), because V8's cache holds the functions the run
 * that wrote it compiled, and `list` compiles other functions than `add` or
 * `--help`. A wrong guess costs speed only, never behaviour: the parser
 * decides what runs.
 */

/** Command words (as the grammar spells them in full) and the cache profile each runs. */
export const PROFILE_OF_WORD: Readonly<Record<string, string>> = {
  add: 'add',
  new: 'add',
  set: 'set',
  change: 'set',
  list: 'list',
  show: 'list',
  version: 'version',
  help: 'help',
  del: 'delete',
  delete: 'delete',
  monitor: 'monitor',
  apply: 'apply',
  doctor: 'doctor',
};

/** The profile of a command line that names no command the table knows (an abbreviation, a mistake). */
export const OTHER_PROFILE = 'other';

/**
 * The cache profile of `eoip` run with `argv` (without `node` and the
 * script): the first word that is not a flag or the value of `-n`/`--netns`,
 * mapped by {@link PROFILE_OF_WORD}; `list` when there is none (a bare
 * `eoip` lists); `version` / `help` for their flags.
 */
export function cacheProfile(argv: readonly string[]): string {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '-n' || arg === '--netns') {
      i++;
      continue;
    }
    if (arg === '-v' || arg === '--version') return 'version';
    if (arg === '-h' || arg === '--help') return 'help';
    if (arg.length > 1 && arg.startsWith('-')) continue;
    return Object.hasOwn(PROFILE_OF_WORD, arg) ? PROFILE_OF_WORD[arg]! : OTHER_PROFILE;
  }
  return 'list';
}
