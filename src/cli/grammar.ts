/**
 * The `eoip` command line grammar: words, abbreviations, numbers and the
 * translation of an argument vector into one {@link ParsedCommand}. Pure: no
 * I/O; its runtime imports are the api's bounded value quoting (for
 * messages) and the tunnel parameter table, whose words, aliases and value
 * forms make the options of `add` and `set`.
 */
import { quoteValue } from '../api/errors.js';
import { paramSpec, TUNNEL_FIELDS, type TunnelField, type ValueForm } from '../api/fields.js';
import type { KeepaliveInput, LinkRef, TunnelKind, TunnelPatch, TunnelSpec } from '../api/types.js';

/** Bad usage: an unknown or ambiguous word, a missing or malformed value. Exit status 1. */
export class UsageError extends Error {
  /** The command concerned, when known (for the `try 'eoip help …'` hint). */
  readonly command: CommandName | undefined;
  /** The option word at fault, when there is one (e.g. `tunnel-id`). */
  readonly field: string | undefined;

  /**
   * @param message one line, without the `eoip: ` prefix
   * @param command the command concerned
   * @param field the option word at fault
   */
  constructor(message: string, command?: CommandName, field?: string) {
    super(message);
    this.name = 'UsageError';
    this.command = command;
    this.field = field;
  }
}

// --- words and abbreviations -------------------------------------------------

/** One word of a vocabulary: what the user may type and what it means. */
export interface Word<M extends string> {
  /** The word as typed in full. */
  word: string;
  /** What it stands for (aliases share a meaning: `new` and `add` both mean `add`). */
  meaning: M;
  /** Whether the reference C tool knows this word (its abbreviations must keep working). */
  reference: boolean;
}

/** The outcome of {@link resolveWord}. */
export type Resolution<M extends string> =
  | { ok: true; meaning: M; word: string }
  | { ok: false; reason: 'unknown' | 'ambiguous'; candidates: string[] };

function prefixMatches<M extends string>(
  input: string,
  words: readonly Word<M>[],
): { words: Word<M>[]; meanings: M[] } {
  const hits = words.filter((w) => w.word.startsWith(input));
  return { words: hits, meanings: [...new Set(hits.map((w) => w.meaning))] };
}

/**
 * Resolve a possibly abbreviated word:
 * 1. an exact word always wins;
 * 2. a prefix of the reference tool's words resolves among those words only,
 *    so abbreviations that work with the reference keep their meaning when
 *    new words share the prefix (`a` stays `add`), and prefixes ambiguous in
 *    the reference stay ambiguous (`t`: tunnel-id, tid, ttl, tos);
 * 3. otherwise the prefix resolves among the new words.
 *
 * Aliases of one meaning never make a prefix ambiguous (`d` is `del`/`delete`).
 *
 * @example
 * ```ts
 * resolveWord('tu', OPTION_WORDS); // { ok: true, meaning: 'tunnel-id', word: 'tunnel-id' }
 * resolveWord('l', OPTION_WORDS);  // { ok: false, reason: 'ambiguous', candidates: ['local', 'link'] }
 * ```
 */
export function resolveWord<M extends string>(input: string, words: readonly Word<M>[]): Resolution<M> {
  if (input === '') return { ok: false, reason: 'unknown', candidates: [] };
  const exact = words.find((w) => w.word === input);
  if (exact) return { ok: true, meaning: exact.meaning, word: exact.word };
  for (const group of [words.filter((w) => w.reference), words.filter((w) => !w.reference)]) {
    const m = prefixMatches(input, group);
    if (m.meanings.length === 1) return { ok: true, meaning: m.meanings[0]!, word: m.words[0]!.word };
    if (m.meanings.length > 1) {
      return {
        ok: false,
        reason: 'ambiguous',
        candidates: prefixMatches(input, words).words.map((w) => w.word),
      };
    }
  }
  return { ok: false, reason: 'unknown', candidates: [] };
}

/** The commands, by their canonical name. */
export type CommandName =
  | 'add'
  | 'set'
  | 'list'
  | 'delete'
  | 'monitor'
  | 'apply'
  | 'doctor'
  | 'version'
  | 'help';

/**
 * Command words: the reference tool's, then the new ones. A prefix of a
 * reference word keeps its meaning (`a` is `add`, not `apply`); among the new
 * words `d` is ambiguous (`del`, `delete`, `doctor`), `de` is `del`, `do` is
 * `doctor`, `ap` is `apply`, `m`/`mo` is `monitor`.
 */
export const COMMAND_WORDS: readonly Word<CommandName>[] = [
  { word: 'add', meaning: 'add', reference: true },
  { word: 'new', meaning: 'add', reference: true },
  { word: 'set', meaning: 'set', reference: true },
  { word: 'change', meaning: 'set', reference: true },
  { word: 'list', meaning: 'list', reference: true },
  { word: 'show', meaning: 'list', reference: true },
  { word: 'version', meaning: 'version', reference: true },
  { word: 'help', meaning: 'help', reference: true },
  { word: 'del', meaning: 'delete', reference: false },
  { word: 'delete', meaning: 'delete', reference: false },
  { word: 'monitor', meaning: 'monitor', reference: false },
  { word: 'apply', meaning: 'apply', reference: false },
  { word: 'doctor', meaning: 'doctor', reference: false },
];

/**
 * Options of `add` and `set`, by their canonical word: `name`, a tunnel
 * parameter's word (`tunnel-id`, `local`, … as the parameter table names
 * them), `mtu`, `address`, `master`, `up` or `down`.
 */
export type TunnelOption = string;

/**
 * Option words of `add` and `set`: `name`, every tunnel parameter's word and
 * aliases in table order (each its table entry's `reference`), then the
 * interface's words, new ones.
 */
export const OPTION_WORDS: readonly Word<TunnelOption>[] = [
  { word: 'name', meaning: 'name', reference: true },
  ...TUNNEL_FIELDS.flatMap((f) => {
    const p = paramSpec(f);
    return [p.word, ...p.aliases].map((word) => ({ word, meaning: p.word, reference: p.reference }));
  }),
  { word: 'mtu', meaning: 'mtu', reference: false },
  { word: 'address', meaning: 'address', reference: false },
  { word: 'master', meaning: 'master', reference: false },
  { word: 'up', meaning: 'up', reference: false },
  { word: 'down', meaning: 'down', reference: false },
];

/** Options of `list`. */
export type ListOption = 'name' | 'kind' | 'detail';

/** Option words of `list` (all new: the reference `list` takes none). */
export const LIST_WORDS: readonly Word<ListOption>[] = [
  { word: 'name', meaning: 'name', reference: false },
  { word: 'kind', meaning: 'kind', reference: false },
  { word: 'detail', meaning: 'detail', reference: false },
];

/** Option words of `monitor`. */
export const MONITOR_WORDS: readonly Word<'kind'>[] = [{ word: 'kind', meaning: 'kind', reference: false }];

/** Option words of `del`. */
export const DELETE_WORDS: readonly Word<'name'>[] = [{ word: 'name', meaning: 'name', reference: false }];

/** Option words that take no value. */
const FLAG_WORDS = new Set<string>(['up', 'down', 'detail']);

// --- values ------------------------------------------------------------------

/**
 * Read an unsigned number as C's `strtoul(s, &end, 0)` does, but strictly:
 * decimal, `0x`/`0X` hex, or a leading `0` for octal; the whole text must be
 * used (no sign, no blanks, no trailing characters). `undefined` otherwise.
 *
 * @example
 * ```ts
 * parseUnsigned('0x10'); // 16
 * parseUnsigned('010');  // 8
 * parseUnsigned('08');   // undefined (8 is not an octal digit)
 * ```
 */
export function parseUnsigned(text: string): number | undefined {
  if (/^0[xX][0-9a-fA-F]+$/.test(text)) return Number.parseInt(text.slice(2), 16);
  if (/^0[0-7]*$/.test(text)) return Number.parseInt(text, 8);
  if (/^[1-9][0-9]*$/.test(text)) return Number(text);
  return undefined;
}

const NUMBER_FORMS = 'a number: decimal, 0x hex or 0-prefixed octal';

function numberValue(command: CommandName, option: string, text: string): number {
  const n = parseUnsigned(text);
  if (n === undefined)
    throw new UsageError(
      `invalid ${option}: ${quoteValue(text)} (allowed: ${NUMBER_FORMS})`,
      command,
      option,
    );
  return n;
}

/**
 * A keepalive value: `none`, `<secs>` (retries 10), or `<secs>,<retries>`.
 * An interval of 0 means off, and then retries are 0 as well (as in the reference tool).
 */
export function parseKeepalive(text: string, command: CommandName = 'add'): KeepaliveInput {
  if (text === 'none') return 'none';
  const parts = text.split(',');
  const bad = () =>
    new UsageError(
      `invalid keepalive: ${quoteValue(text)} (allowed: none, <seconds> or <seconds>,<retries> as numbers)`,
      command,
      'keepalive',
    );
  if (parts.length > 2) throw bad();
  const interval = parseUnsigned(parts[0]!);
  if (interval === undefined) throw bad();
  if (parts.length === 1) return interval;
  const retries = parseUnsigned(parts[1]!);
  if (retries === undefined) throw bad();
  return interval === 0 ? 'none' : { interval, retries };
}

/**
 * An interface reference: a number (any strtoul form) is an ifindex, anything
 * else a name; `none` (and `0`) mean "no interface" (returned as null).
 */
export function parseLinkRef(text: string): LinkRef | null {
  if (text === 'none') return null;
  const n = parseUnsigned(text);
  if (n === undefined) return text;
  return n === 0 ? null : n;
}

/** How a tunnel parameter's value of each form is read; `word` names the parameter in errors. */
const READ_FORM: {
  readonly [K in ValueForm]: (command: CommandName, word: string, text: string) => unknown;
} = {
  number: numberValue,
  address: (_command, _word, text) => text,
  // null: none (`none` or 0).
  link: (_command, _word, text) => parseLinkRef(text),
  keepalive: (command, _word, text) => parseKeepalive(text, command),
};

/**
 * The parameters `add` requires, in the order they are checked (and listed
 * in its help), with why when it is not plain.
 */
export const ADD_REQUIRED: readonly { readonly field: TunnelField; readonly why?: string }[] = [
  { field: 'tunnelId' },
  { field: 'remote', why: 'the kernel refuses a tunnel without one' },
];

// --- parsed commands ---------------------------------------------------------

/** Flags that apply to every command. */
export interface GlobalOptions {
  /** `-j` / `--json`: print JSON. */
  json: boolean;
  /** `-p` / `--pretty`: indent JSON (implies `json`). */
  pretty: boolean;
  /**
   * `-n` / `--netns NAME`: act in this network namespace: a name under
   * /run/netns, or a path (a word with a `/`). Always a string: a bare
   * number is a name, as with `ip -n`; a process is `/proc/PID/ns/net`.
   */
  netns?: string;
  /** `--dry-run`: check and build the request, print it, send nothing. */
  dryRun: boolean;
}

/** What the user typed for each option (canonical option word → text), for error messages. */
export type RawValues = Partial<Record<string, string>>;

/** `add`: create a tunnel. */
export interface AddCommand {
  command: 'add';
  global: GlobalOptions;
  /** The request for `createTunnel`. */
  spec: TunnelSpec;
  raw: RawValues;
}

/** `set`: change a tunnel. */
export interface SetCommand {
  command: 'set';
  global: GlobalOptions;
  /** The tunnel to change (its name). */
  target: string;
  /** Only what was given. */
  patch: TunnelPatch;
  raw: RawValues;
}

/** `list`: print tunnels. */
export interface ListCommand {
  command: 'list';
  global: GlobalOptions;
  /** Only this interface. */
  name?: string;
  /** Only this kind. */
  kind?: TunnelKind;
  /** Add a detail line per tunnel. */
  detail: boolean;
  raw: RawValues;
}

/** `del`: delete one tunnel, or several together. */
export interface DeleteCommand {
  command: 'delete';
  global: GlobalOptions;
  /** The tunnel to delete (its name): the first of `targets`. */
  target: string;
  /** Every tunnel named, in order (one unless several names were given). */
  targets: string[];
  raw: RawValues;
}

/** `monitor`: print tunnel events until interrupted. */
export interface MonitorCommand {
  command: 'monitor';
  global: GlobalOptions;
  /** Only this kind. */
  kind?: TunnelKind;
  raw: RawValues;
}

/** `apply FILE`: make the tunnels match a file. */
export interface ApplyCommand {
  command: 'apply';
  global: GlobalOptions;
  /** The file, or `-` for standard input (JSON). */
  file: string;
  /** `--prune`: delete tunnels that are not in the file. */
  prune: boolean;
  raw: RawValues;
}

/** `doctor`: preflight checks. */
export interface DoctorCommand {
  command: 'doctor';
  global: GlobalOptions;
}

/** `version`. */
export interface VersionCommand {
  command: 'version';
  global: GlobalOptions;
}

/** `help [COMMAND]`. */
export interface HelpCommand {
  command: 'help';
  global: GlobalOptions;
  /** The command to explain; undefined = the overview. */
  topic?: CommandName;
}

/** Any parsed command line. */
export type ParsedCommand =
  | AddCommand
  | SetCommand
  | ListCommand
  | DeleteCommand
  | MonitorCommand
  | ApplyCommand
  | DoctorCommand
  | VersionCommand
  | HelpCommand;

// --- the parser --------------------------------------------------------------

/** Thrown inside the parser when `--help`/`-h` appears among a command's words. */
class HelpRequested {
  constructor(readonly topic: CommandName) {}
}

function describeCandidates(c: string[]): string {
  return c.join(', ');
}

function resolveOrThrow<M extends string>(
  input: string,
  words: readonly Word<M>[],
  what: string,
  command: CommandName | undefined,
): M {
  const r = resolveWord(input, words);
  if (r.ok) return r.meaning;
  const where = command ? `${command}: ` : '';
  const hint = command ? ` (try 'eoip help ${command}')` : " (try 'eoip help')";
  if (r.reason === 'ambiguous') {
    throw new UsageError(
      `${where}ambiguous ${what} ${quoteValue(input)}: could be ${describeCandidates(r.candidates)}${hint}`,
      command,
    );
  }
  throw new UsageError(`${where}unknown ${what} ${quoteValue(input)}${hint}`, command);
}

/** Cursor over argv that consumes global flags wherever a word (not a value) is expected. */
class Cursor {
  i = 0;
  detail = false;
  prune = false;
  constructor(
    readonly argv: readonly string[],
    readonly global: GlobalOptions,
  ) {}

  get done(): boolean {
    return this.i >= this.argv.length;
  }

  peek(): string | undefined {
    return this.argv[this.i];
  }

  next(): string | undefined {
    return this.argv[this.i++];
  }

  /**
   * If the next word is a flag, consume it and return true. `help` is the
   * command whose `--help` this would be (undefined before the command word).
   */
  flag(command: CommandName | undefined): boolean {
    const tok = this.peek();
    if (tok === undefined || tok.length < 2 || !tok.startsWith('-')) return false;
    this.i++;
    if (tok === '--help' || tok === '-h') {
      if (command === undefined) throw new HelpRequested('help');
      throw new HelpRequested(command);
    }
    if (this.netnsFlag(tok, command) || this.booleanFlag(tok)) return true;
    const where = command ? `${command}: ` : '';
    throw new UsageError(
      `${where}unknown flag ${quoteValue(tok)} (try 'eoip help${command ? ` ${command}` : ''}')`,
      command,
    );
  }

  /** `--netns NAME`, `-n NAME` or `--netns=NAME`: true when `tok` was one. */
  private netnsFlag(tok: string, command: CommandName | undefined): boolean {
    let v: string | undefined;
    if (tok === '--netns' || tok === '-n') v = this.next();
    else if (tok.startsWith('--netns=')) v = tok.slice('--netns='.length);
    else return false;
    if (v === undefined || v === '') {
      throw new UsageError(
        `${tok.startsWith('--netns=') ? '--netns' : tok} needs a namespace name`,
        command,
        'netns',
      );
    }
    this.global.netns = v;
    return true;
  }

  /** A flag without a value, long or short (alone or combined: -j, -p, -d, -jp, -dj): true when `tok` was one. */
  private booleanFlag(tok: string): boolean {
    switch (tok) {
      case '--json':
        this.global.json = true;
        return true;
      case '--pretty':
        this.global.json = true;
        this.global.pretty = true;
        return true;
      case '--dry-run':
        this.global.dryRun = true;
        return true;
      case '--detail':
        this.detail = true;
        return true;
      case '--prune':
        this.prune = true;
        return true;
    }
    if (!/^-[jpd]+$/.test(tok)) return false;
    for (const c of tok.slice(1)) {
      if (c === 'j') this.global.json = true;
      else if (c === 'p') {
        this.global.json = true;
        this.global.pretty = true;
      } else this.detail = true;
    }
    return true;
  }

  /** The next word, skipping flags; undefined at the end. */
  word(command: CommandName | undefined): string | undefined {
    while (this.flag(command)) {
      /* consumed */
    }
    return this.next();
  }
}

/**
 * Parse an `eoip` argument vector (without `node` and the script) into a
 * command. Throws {@link UsageError} for anything that is not a valid command
 * line; values that only the library can judge (address syntax, ranges,
 * interface existence) are passed on and checked there.
 *
 * @example
 * ```ts
 * parseArgs(['a', 'rem', '192.0.2.7', 'tu', '0x10']);
 * // { command: 'add', spec: { remote: '192.0.2.7', tunnelId: 16 }, ... }
 * ```
 */
export function parseArgs(argv: readonly string[]): ParsedCommand {
  const global: GlobalOptions = { json: false, pretty: false, dryRun: false };
  const cur = new Cursor(argv, global);
  try {
    const parsed = parseCommand(leadingWords(cur), cur);
    if (cur.detail && parsed.command !== 'list') {
      throw new UsageError(`${parsed.command}: -d/--detail is only for list`, parsed.command);
    }
    if (cur.prune && parsed.command !== 'apply') {
      throw new UsageError(`${parsed.command}: --prune is only for apply`, parsed.command);
    }
    return parsed;
  } catch (e) {
    if (e instanceof HelpRequested) {
      return e.topic === 'help' ? { command: 'help', global } : { command: 'help', global, topic: e.topic };
    }
    throw e;
  }
}

/** The command word, after any leading flags (-v/--version and -h/--help are command words too). */
function leadingWords(cur: Cursor): CommandName {
  while (!cur.done) {
    const tok = cur.peek()!;
    if (tok === '-v' || tok === '--version') {
      cur.next();
      return 'version';
    }
    if (tok === '-h' || tok === '--help') {
      cur.next();
      return 'help';
    }
    if (!cur.flag(undefined)) break;
  }
  const w = cur.next();
  return w === undefined ? 'list' : resolveOrThrow(w, COMMAND_WORDS, 'command', undefined);
}

/** The rest of the command line, as `command` reads it. */
function parseCommand(command: CommandName, cur: Cursor): ParsedCommand {
  switch (command) {
    case 'add':
    case 'set':
      return parseTunnelCommand(command, cur);
    case 'list':
      return parseList(cur);
    case 'delete':
      return parseDelete(cur);
    case 'monitor':
      return parseMonitor(cur);
    case 'apply':
      return parseApply(cur);
    case 'doctor':
      return parseDoctor(cur);
    case 'version':
      return parseVersion(cur);
    case 'help':
      return parseHelp(cur);
  }
}

/** What the words of `add` or `set` gave (the last one given wins, as in the reference tool). */
interface TunnelWords {
  /** The text of each option given, by its canonical word. */
  values: Map<TunnelOption, string>;
  /** The same, for error messages. */
  raw: RawValues;
  /** `up` (true) or `down` (false), when given. */
  up: boolean | undefined;
}

function readTunnelWords(command: 'add' | 'set', cur: Cursor): TunnelWords {
  const values = new Map<TunnelOption, string>();
  const raw: RawValues = {};
  let up: boolean | undefined;
  for (let w = cur.word(command); w !== undefined; w = cur.word(command)) {
    const opt = resolveOrThrow(w, OPTION_WORDS, 'option', command);
    if (opt === 'up' || opt === 'down') {
      up = opt === 'up'; // the last one given wins
      continue;
    }
    const v = cur.next();
    if (v === undefined) throw new UsageError(`${command}: ${opt} needs a value`, command, opt);
    values.set(opt, v); // the last one given wins, as in the reference tool
    raw[opt] = v;
  }
  return { values, raw, up };
}

/** The interface's options of `add` and `set`, read. */
interface InterfaceOptions {
  name: string | undefined;
  mtu: number | undefined;
  address: string | undefined;
  /** null: none. */
  master: LinkRef | null | undefined;
  up: boolean | undefined;
}

/**
 * Read into `params` each tunnel parameter given whose form is a number
 * (`numbers`) or is not, by its form.
 */
function readParams(
  command: 'add' | 'set',
  values: ReadonlyMap<TunnelOption, string>,
  numbers: boolean,
  params: Map<TunnelField, unknown>,
): void {
  for (const f of TUNNEL_FIELDS) {
    const p = paramSpec(f);
    const text = values.get(p.word);
    if (text !== undefined && (p.form === 'number') === numbers) {
      params.set(f, READ_FORM[p.form](command, p.word, text));
    }
  }
}

function parseTunnelCommand(command: 'add' | 'set', cur: Cursor): AddCommand | SetCommand {
  const { values, raw, up } = readTunnelWords(command, cur);
  // Each parameter given, read by its form. The numbers are read first (the
  // parameters' in table order, then mtu), then the other forms: of several
  // bad values, a bad number is the one reported.
  const params = new Map<TunnelField, unknown>();
  readParams(command, values, true, params);
  const mtuText = values.get('mtu');
  const mtu = mtuText === undefined ? undefined : numberValue(command, 'mtu', mtuText);
  readParams(command, values, false, params);
  const masterText = values.get('master');
  const iface: InterfaceOptions = {
    name: values.get('name'),
    mtu,
    address: values.get('address'),
    master: masterText === undefined ? undefined : parseLinkRef(masterText),
    up,
  };
  return command === 'add'
    ? addCommand(cur.global, params, iface, raw)
    : setCommand(cur.global, params, iface, raw);
}

function addCommand(
  global: GlobalOptions,
  params: ReadonlyMap<TunnelField, unknown>,
  iface: InterfaceOptions,
  raw: RawValues,
): AddCommand {
  for (const { field, why } of ADD_REQUIRED) {
    if (!params.has(field)) {
      const word = paramSpec(field).word;
      throw new UsageError(`add: ${word} is required${why ? ` (${why})` : ''}`, 'add', word);
    }
  }
  const spec = {} as TunnelSpec;
  const given = spec as { [F in TunnelField]?: unknown };
  for (const { field } of ADD_REQUIRED) given[field] = params.get(field);
  if (iface.name !== undefined) spec.name = iface.name;
  // Table order; a required one keeps its place. A null value (link none) is left out.
  for (const f of TUNNEL_FIELDS) {
    const v = params.get(f);
    if (v !== undefined && v !== null) given[f] = v;
  }
  if (iface.mtu !== undefined) spec.mtu = iface.mtu;
  if (iface.address !== undefined) spec.address = iface.address;
  if (iface.master !== undefined && iface.master !== null) spec.master = iface.master;
  if (iface.up !== undefined) spec.up = iface.up;
  return { command: 'add', global, spec, raw };
}

function setCommand(
  global: GlobalOptions,
  params: ReadonlyMap<TunnelField, unknown>,
  iface: InterfaceOptions,
  raw: RawValues,
): SetCommand {
  const target = iface.name;
  if (target === undefined)
    throw new UsageError('set: name is required (the tunnel to change)', 'set', 'name');
  const patch: TunnelPatch = {};
  const changed = patch as { [F in TunnelField]?: unknown };
  // Table order; a null value (link none) is given: it clears.
  for (const f of TUNNEL_FIELDS) {
    const v = params.get(f);
    if (v !== undefined) changed[f] = v;
  }
  if (iface.mtu !== undefined) patch.mtu = iface.mtu;
  if (iface.address !== undefined) patch.address = iface.address;
  if (iface.master !== undefined) patch.master = iface.master;
  if (iface.up !== undefined) patch.up = iface.up;
  if (Object.keys(patch).length === 0) {
    throw new UsageError('set: nothing to change (give at least one option besides name)', 'set');
  }
  return { command: 'set', global, target, patch, raw };
}

function parseList(cur: Cursor): ListCommand {
  const out: ListCommand = { command: 'list', global: cur.global, detail: false, raw: {} };
  for (let w = cur.word('list'); w !== undefined; w = cur.word('list')) {
    const opt = resolveOrThrow(w, LIST_WORDS, 'option', 'list');
    if (FLAG_WORDS.has(opt)) {
      out.detail = true;
      continue;
    }
    const v = cur.next();
    if (v === undefined) throw new UsageError(`list: ${opt} needs a value`, 'list', opt);
    out.raw[opt] = v;
    if (opt === 'name') out.name = v;
    else {
      if (v !== 'eoip' && v !== 'eoipv6') {
        throw new UsageError(`invalid kind: ${quoteValue(v)} (allowed: eoip or eoipv6)`, 'list', 'kind');
      }
      out.kind = v;
    }
  }
  if (cur.detail) out.detail = true;
  cur.detail = false;
  return out;
}

function parseDelete(cur: Cursor): DeleteCommand {
  const words: string[] = [];
  for (let w = cur.word('delete'); w !== undefined; w = cur.word('delete')) words.push(w);
  if (words.length === 0) throw new UsageError('delete: which tunnel? (eoip del NAME)', 'delete', 'name');
  // `del name NAME` (the keyword, or a prefix of it) names one tunnel; otherwise every word is a name.
  const keyword = words.length === 2 && resolveWord(words[0]!, DELETE_WORDS).ok;
  const targets = keyword ? [words[1]!] : words;
  if (targets.length > 1 && cur.global.dryRun) {
    throw new UsageError('delete: --dry-run shows one request; name one tunnel', 'delete', 'name');
  }
  const target = targets[0]!;
  return { command: 'delete', global: cur.global, target, targets, raw: { name: target } };
}

function parseMonitor(cur: Cursor): MonitorCommand {
  const out: MonitorCommand = { command: 'monitor', global: cur.global, raw: {} };
  for (let w = cur.word('monitor'); w !== undefined; w = cur.word('monitor')) {
    const opt = resolveOrThrow(w, MONITOR_WORDS, 'option', 'monitor');
    const v = cur.next();
    if (v === undefined) throw new UsageError(`monitor: ${opt} needs a value`, 'monitor', opt);
    if (v !== 'eoip' && v !== 'eoipv6') {
      throw new UsageError(`invalid kind: ${quoteValue(v)} (allowed: eoip or eoipv6)`, 'monitor', 'kind');
    }
    out.raw[opt] = v;
    out.kind = v;
  }
  return out;
}

function parseApply(cur: Cursor): ApplyCommand {
  const words: string[] = [];
  for (let w = cur.word('apply'); w !== undefined; w = cur.word('apply')) words.push(w);
  if (words.length !== 1) {
    throw new UsageError(
      words.length === 0
        ? 'apply: which file? (eoip apply FILE, or - for JSON on standard input)'
        : `apply: unexpected argument ${quoteValue(words[1])} (eoip apply FILE)`,
      'apply',
      'file',
    );
  }
  const file = words[0]!;
  const out: ApplyCommand = { command: 'apply', global: cur.global, file, prune: cur.prune, raw: { file } };
  cur.prune = false;
  return out;
}

function parseDoctor(cur: Cursor): DoctorCommand {
  const extra = cur.word('doctor');
  if (extra !== undefined) throw new UsageError(`doctor: unexpected argument ${quoteValue(extra)}`, 'doctor');
  return { command: 'doctor', global: cur.global };
}

function parseVersion(cur: Cursor): VersionCommand {
  const extra = cur.word('version');
  if (extra !== undefined)
    throw new UsageError(`version: unexpected argument ${quoteValue(extra)}`, 'version');
  return { command: 'version', global: cur.global };
}

function parseHelp(cur: Cursor): HelpCommand {
  const w = cur.word('help');
  if (w === undefined) return { command: 'help', global: cur.global };
  const topic = resolveOrThrow(w, COMMAND_WORDS, 'command', undefined);
  const extra = cur.word('help');
  if (extra !== undefined) throw new UsageError(`help: unexpected argument ${quoteValue(extra)}`, 'help');
  return { command: 'help', global: cur.global, topic };
}
