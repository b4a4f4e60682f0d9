/**
 * Reading an apply file safely: bounded size, bounded nesting, positions
 * (line and column) for every error, and nothing of the file's content in a
 * message beyond a value quoted with {@link quoteValue} (at most 64
 * characters). The JSON and YAML documents come back with a `locate`
 * function that finds where a field sits in the text.
 */
import { closeSync, constants as fsConstants, fstatSync, openSync, readSync } from 'node:fs';
import type { CST } from 'yaml';
import { InvalidArgumentError, QUOTE_MAX_CHARS, quoteValue } from './errors.js';

/** Largest apply file read, in bytes (16 MiB): larger files are refused before they are read. */
export const APPLY_FILE_MAX_BYTES = 16 * 1024 * 1024;
/** Most tunnels an apply file may list: more are refused before any is checked. */
export const APPLY_FILE_MAX_TUNNELS = 100_000;
/** Deepest nesting of lists and objects in an apply file (a valid one needs 4). */
export const APPLY_FILE_MAX_DEPTH = 64;

/** A place in the text of an apply file, both 1-based. */
export interface FilePosition {
  /** Line, from 1. */
  line: number;
  /** Column, from 1, in UTF-16 code units. */
  column: number;
}

/** What {@link ApplyFileError} is built from. */
export interface ApplyFileErrorDetails {
  /** The file as named (`standard input` for `-`); undefined when only text was given. */
  file: string | undefined;
  /** Where in the file, when known. */
  position: FilePosition | undefined;
  /** The field at fault (`tunnels[3].ttl`), or `file` for the file as a whole. */
  field: string;
  /** The value at fault (the field's value; for the file as a whole, its path or nothing). */
  value: unknown;
  /** What is allowed. */
  allowed: string;
  /** What is wrong, without the file and position (they are prefixed). */
  problem: string;
}

/**
 * An apply file was refused before anything was sent: it could not be read,
 * is not a regular file, is too large, is not JSON / YAML, is nested too
 * deeply, lists too many tunnels, or a field is invalid. The message starts
 * with the file, line and column (`tunnels.yaml:7:15: invalid
 * tunnels[1].ttl: 999 (allowed: an integer 0..255)`) and never holds more
 * than 64 characters of the file's content. An {@link InvalidArgumentError},
 * so code that catches that catches this too.
 */
export class ApplyFileError extends InvalidArgumentError {
  /** The file as named; undefined when only text was parsed. */
  readonly file: string | undefined;
  /** 1-based line of the fault, when known. */
  readonly line: number | undefined;
  /** 1-based column of the fault, when known. */
  readonly column: number | undefined;

  /** @param d what is wrong and where */
  constructor(d: ApplyFileErrorDetails) {
    super(d.field, d.value, d.allowed);
    this.file = d.file;
    this.line = d.position?.line;
    this.column = d.position?.column;
    this.message = `${placeOf(d.file, d.position)}${d.problem}`;
  }
}

function placeOf(file: string | undefined, pos: FilePosition | undefined): string {
  const name = file !== undefined ? printableName(file) : undefined;
  if (pos === undefined) return name !== undefined ? `${name}: ` : '';
  return name !== undefined
    ? `${name}:${pos.line}:${pos.column}: `
    : `line ${pos.line}, column ${pos.column}: `;
}

/** A file name as messages show it: control characters escaped, cut when very long. */
export function printableName(file: string): string {
  const plain = /^[\x20-\x7e]{1,200}$/.test(file);
  return plain ? file : quoteValue(file);
}

/** A field path as messages show it: control characters escaped, cut after 64 characters. */
export function printableField(field: string): string {
  if (/^[\x21-\x7e]{1,64}$/.test(field)) return field;
  const escaped = JSON.stringify(field).slice(1, -1);
  if (escaped.length <= QUOTE_MAX_CHARS) return escaped;
  const cut = escaped.slice(0, QUOTE_MAX_CHARS - 1);
  // Never end inside an escape sequence or a surrogate pair.
  return `${cut.replace(/\\u?[0-9a-fA-F]{0,3}$|[\ud800-\udbff]$/, '')}…`;
}

/** 'an object', 'a list', 'a string', …: what a value is, without showing it. */
export function kindOfValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  switch (typeof v) {
    case 'object':
      return 'an object';
    case 'string':
      return 'a string';
    case 'number':
      return 'a number';
    case 'boolean':
      return 'a boolean';
    default:
      return `a ${typeof v}`;
  }
}

// --- reading the file ------------------------------------------------------------

function fileKind(st: {
  isDirectory(): boolean;
  isFIFO(): boolean;
  isSocket(): boolean;
  isCharacterDevice(): boolean;
  isBlockDevice(): boolean;
}): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  return 'not a regular file';
}

function tooLarge(file: string, size: number): ApplyFileError {
  return new ApplyFileError({
    file,
    position: undefined,
    field: 'file',
    value: file,
    allowed: `a file of at most ${APPLY_FILE_MAX_BYTES} bytes`,
    problem: `too large (${size.toLocaleString('en-US')} bytes or more; at most ${APPLY_FILE_MAX_BYTES.toLocaleString('en-US')} bytes, 16 MiB)`,
  });
}

/**
 * Read a descriptor to its end, at most one byte past the limit: a file
 * that grew since fstat, or one that reports size 0 but has content
 * (/proc, /sys), is read whole and still bounded.
 */
function readToEnd(fd: number, file: string, sizeHint: number): string {
  let buf = Buffer.allocUnsafe(Math.min(Math.max(sizeHint, 4096), APPLY_FILE_MAX_BYTES) + 1);
  let length = 0;
  for (;;) {
    if (length === buf.length) {
      const bigger = Buffer.allocUnsafe(Math.min(buf.length * 2, APPLY_FILE_MAX_BYTES + 1));
      buf.copy(bigger, 0, 0, length);
      buf = bigger;
    }
    const n = readSync(fd, buf, length, buf.length - length, null);
    if (n === 0) break;
    length += n;
    if (length > APPLY_FILE_MAX_BYTES) throw tooLarge(file, length);
  }
  return buf.toString('utf8', 0, length);
}

/** The error for a file that cannot be opened or read: its errno code, never its content. */
function cannotRead(file: string, e: unknown): ApplyFileError {
  const code = (e as NodeJS.ErrnoException).code ?? 'EIO';
  return new ApplyFileError({
    file: undefined,
    position: undefined,
    field: 'file',
    value: file,
    allowed: 'a readable regular file',
    problem: `cannot read ${printableName(file)}: ${code}`,
  });
}

/**
 * The text of an apply file, read safely: opened without blocking (a FIFO
 * does not hang), refused unless it is a regular file of at most
 * {@link APPLY_FILE_MAX_BYTES} bytes (checked on the open descriptor, before
 * reading), and decoded as UTF-8.
 *
 * @throws ApplyFileError when it cannot be opened (`cannot read FILE: ENOENT`),
 *   is not a regular file, or is too large
 */
export function readApplyFileText(file: string): string {
  let fd: number;
  try {
    fd = openSync(file, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
  } catch (e) {
    throw cannotRead(file, e);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) {
      throw new ApplyFileError({
        file,
        position: undefined,
        field: 'file',
        value: file,
        allowed: 'a regular file',
        problem: `${fileKind(st)}, not a regular file: an apply file must be a regular file (or '-' for standard input)`,
      });
    }
    if (st.size > APPLY_FILE_MAX_BYTES) throw tooLarge(file, st.size);
    return readToEnd(fd, file, st.size);
  } catch (e) {
    if (e instanceof ApplyFileError) throw e;
    throw cannotRead(file, e);
  } finally {
    closeSync(fd);
  }
}

/**
 * Read a stream (standard input) as text, at most {@link APPLY_FILE_MAX_BYTES}
 * bytes: the first chunk past the limit ends the read with an error.
 *
 * @param name how the stream is named in errors
 */
export async function readApplyStream(stream: AsyncIterable<unknown>, name: string): Promise<string> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const c of stream) {
    const chunk = typeof c === 'string' ? Buffer.from(c) : Buffer.from(c as Uint8Array);
    length += chunk.length;
    if (length > APPLY_FILE_MAX_BYTES) throw tooLarge(name, length);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, length).toString('utf8');
}

// --- positions -------------------------------------------------------------------

/** Line and column of a UTF-16 offset in `text`. */
export function positionAt(text: string, offset: number): FilePosition {
  const end = Math.max(0, Math.min(offset, text.length));
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < end; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: end - lineStart + 1 };
}

/** A path to a value: object keys and list indexes. */
export type ValuePath = ReadonlyArray<string | number>;

/** A document read from an apply file. */
export interface ApplyDocument {
  /** The value, made of plain objects, lists, strings, numbers, booleans and null. */
  value: unknown;
  /** Where the value at `path` starts, or the deepest existing part of it. */
  locate(path: ValuePath): FilePosition | undefined;
}

/**
 * The path of a field name as the checks write it (`tunnels[3].keepalive.retries`).
 * Keys holding `.` or `[` cannot be told apart; the deepest part found is used.
 */
export function fieldPath(field: string): Array<string | number> {
  const out: Array<string | number> = [];
  for (const m of field.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) {
    out.push(m[2] !== undefined ? Number(m[2]) : m[1]!);
  }
  return out;
}

// --- JSON --------------------------------------------------------------------------

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * The offset where list/object nesting first goes deeper than `max`, or -1.
 * Brackets inside strings do not count. Linear, no recursion.
 */
export function jsonDepthExceeded(text: string, max: number): number {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      for (i++; i < text.length; i++) {
        const s = text.charCodeAt(i);
        if (s === BACKSLASH) i++;
        else if (s === QUOTE) break;
      }
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return i;
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  return -1;
}

const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const STRING_ESCAPE = /["\\/bfnrt]|u[0-9a-fA-F]{4}/y;

interface JsonFrame {
  /** 'a' list, 'o' object. */
  type: 'a' | 'o';
  /** Next index (list) or the current key (object). */
  key: string | number;
  /** The path to this container matches the target so far. */
  onPath: boolean;
}

interface JsonWalk {
  /** Offset of the first syntax error, or -1. */
  errorAt: number;
  /** What is wrong there. */
  reason: string;
  /** Offset of the deepest part of the target path found. */
  foundAt: number;
}

/** The end of the string starting at `i` (the opening quote), or -reason. */
function skipString(text: string, i: number): number {
  for (let j = i + 1; j < text.length; j++) {
    const c = text.charCodeAt(j);
    if (c === QUOTE) return j + 1;
    if (c < 0x20) return -j - 1;
    if (c === BACKSLASH) {
      STRING_ESCAPE.lastIndex = j + 1;
      if (!STRING_ESCAPE.test(text)) return -j - 1;
      j = STRING_ESCAPE.lastIndex - 1;
    }
  }
  return -text.length - 1;
}

function skipSpace(text: string, i: number): number {
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
    i++;
  }
  return i;
}

/**
 * Walk JSON text without recursion: the first syntax error (offset and
 * reason), and where the value at `target` (or its deepest existing part)
 * starts. Used only once JSON.parse refused the text or a field needs a
 * position.
 *
 * Long on purpose: one loop over up to 16 MiB of text, a state machine whose
 * state (stack, position, target depth) would otherwise pass through every call.
 */
function walkJson(text: string, target: ValuePath): JsonWalk {
  const stack: JsonFrame[] = [];
  let foundAt = -1;
  let foundDepth = -1;
  const fail = (at: number, reason: string): JsonWalk => ({ errorAt: at, reason, foundAt });
  let i = skipSpace(text, 0);
  // expecting: a value (v), a key or '}' (k), a key (K, after ','), ',' or a closer (c).
  let expect: 'v' | 'k' | 'K' | 'c' | 'first' = 'first';
  const noteValue = (at: number) => {
    const depth = stack.length;
    const onPath = depth === 0 || (stack[depth - 1]!.onPath && stack[depth - 1]!.key === target[depth - 1]);
    if (onPath && depth > foundDepth && depth <= target.length) {
      foundDepth = depth;
      foundAt = at;
    } else if (onPath && depth === foundDepth) {
      foundAt = at; // a repeated key: JSON.parse keeps the last one
    }
    return onPath;
  };
  for (;;) {
    if (expect === 'v' || expect === 'first') {
      if (i >= text.length) return fail(i, 'unexpected end of JSON input');
      const onPath = noteValue(i);
      const c = text.charCodeAt(i);
      if (c === 0x5b || c === 0x7b) {
        const type = c === 0x5b ? 'a' : 'o';
        stack.push({ type, key: 0, onPath });
        i = skipSpace(text, i + 1);
        if (type === 'a') {
          if (text.charCodeAt(i) === 0x5d) {
            stack.pop();
            i++;
            expect = 'c';
          } else expect = 'v';
        } else expect = 'k';
        continue;
      }
      if (c === QUOTE) {
        const end = skipString(text, i);
        if (end < 0) return fail(-end - 1, 'invalid or unterminated string');
        i = end;
      } else if (text.startsWith('true', i)) i += 4;
      else if (text.startsWith('false', i)) i += 5;
      else if (text.startsWith('null', i)) i += 4;
      else {
        NUMBER.lastIndex = i;
        if (!NUMBER.test(text)) return fail(i, 'unexpected character');
        i = NUMBER.lastIndex;
      }
      expect = 'c';
    } else if (expect === 'k' || expect === 'K') {
      if (expect === 'k' && text.charCodeAt(i) === 0x7d) {
        stack.pop();
        i++;
        expect = 'c';
        continue;
      }
      if (text.charCodeAt(i) !== QUOTE) {
        return fail(i, i >= text.length ? 'unexpected end of JSON input' : 'expected a quoted key');
      }
      const end = skipString(text, i);
      if (end < 0) return fail(-end - 1, 'invalid or unterminated string');
      stack[stack.length - 1]!.key = JSON.parse(text.slice(i, end)) as string;
      i = skipSpace(text, end);
      if (text.charCodeAt(i) !== 0x3a) return fail(i, "expected ':' after a key");
      i++;
      expect = 'v';
    } else {
      const top = stack[stack.length - 1];
      if (top === undefined) {
        if (i < text.length) return fail(i, 'unexpected text after the JSON value');
        return { errorAt: -1, reason: '', foundAt };
      }
      const c = text.charCodeAt(i);
      if (c === 0x2c) {
        i++;
        if (top.type === 'a') {
          top.key = (top.key as number) + 1;
          expect = 'v';
        } else expect = 'K';
      } else if ((c === 0x5d && top.type === 'a') || (c === 0x7d && top.type === 'o')) {
        stack.pop();
        i++;
      } else {
        return fail(
          i,
          i >= text.length
            ? 'unexpected end of JSON input'
            : `expected ',' or '${top.type === 'a' ? ']' : '}'}'`,
        );
      }
    }
    i = skipSpace(text, i);
  }
}

/**
 * Parse JSON text as an apply document: nesting checked before parsing,
 * syntax errors reported by line and column (never with the text around them).
 *
 * @param file the file as named in errors
 */
export function readJsonDocument(text: string, file: string | undefined): ApplyDocument {
  const deep = jsonDepthExceeded(text, APPLY_FILE_MAX_DEPTH);
  if (deep !== -1) throw tooDeep(file, positionAt(text, deep));
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    const walk = walkJson(text, []);
    const at = walk.errorAt === -1 ? 0 : walk.errorAt;
    const reason = walk.errorAt === -1 ? 'invalid JSON' : walk.reason;
    throw new ApplyFileError({
      file,
      position: positionAt(text, at),
      field: 'file',
      value: `not JSON: ${reason}`,
      allowed: 'a JSON document',
      problem: `not JSON: ${reason}`,
    });
  }
  return {
    value,
    locate: (path) => {
      const at = walkJson(text, path).foundAt;
      return at === -1 ? undefined : positionAt(text, at);
    },
  };
}

/** The most items any collection still being parsed holds so far. */
function longestOpenCollection(stack: readonly CST.Token[]): number {
  let most = 0;
  for (const t of stack) {
    if ('items' in t && Array.isArray(t.items) && t.items.length > most) most = t.items.length;
  }
  return most;
}

function tooManyItems(file: string | undefined, position: FilePosition): ApplyFileError {
  return new ApplyFileError({
    file,
    position,
    field: 'file',
    value: undefined,
    allowed: `lists and objects of at most ${APPLY_FILE_MAX_TUNNELS} items`,
    problem: `a list or object with more than ${APPLY_FILE_MAX_TUNNELS.toLocaleString('en-US')} items (at most ${APPLY_FILE_MAX_TUNNELS.toLocaleString('en-US')} tunnels per file)`,
  });
}

function tooDeep(file: string | undefined, position: FilePosition | undefined): ApplyFileError {
  return new ApplyFileError({
    file,
    position,
    field: 'file',
    value: undefined,
    allowed: `lists and objects nested at most ${APPLY_FILE_MAX_DEPTH} deep`,
    problem: `nested too deeply (lists and objects may nest at most ${APPLY_FILE_MAX_DEPTH} deep)`,
  });
}

// --- YAML --------------------------------------------------------------------------

/** A YAML error or warning's text without the source it may quote (after a ':'), one line. */
function yamlReason(e: { code: string; message: string }): string {
  const first = e.message.split('\n')[0] ?? '';
  const head = first.replace(/ at line \d+, column \d+.*$/, '').replace(/:.*$/, '');
  return head.length > 0 && head.length <= 100 ? head : e.code;
}

/**
 * Parse YAML text (1.2 core schema, one document) as an apply document:
 * nesting is checked while the parser runs (before anything recurses), every
 * error and warning (an unknown tag, a duplicate key) refuses the file with
 * its line and column, and aliases are limited. Nothing is printed: the
 * YAML package's process warnings are not used.
 *
 * @param file the file as named in errors
 */
export async function readYamlDocument(text: string, file: string | undefined): Promise<ApplyDocument> {
  const yaml = await import('yaml');
  // One way to count lines and columns for both formats (computed only for an error).
  const posOf = (offset: number): FilePosition => positionAt(text, offset);
  const fail = (offset: number, reason: string) =>
    new ApplyFileError({
      file,
      position: posOf(offset),
      field: 'file',
      value: `not YAML: ${reason}`,
      allowed: 'a YAML document',
      problem: `not YAML: ${reason}`,
    });
  const tokens = yamlTokens(yaml, text, file);
  const composer = new yaml.Composer({
    schema: 'core',
    version: '1.2',
    uniqueKeys: true,
    strict: true,
    prettyErrors: false,
    logLevel: 'silent',
  });
  const docs = [...composer.compose(tokens, true, text.length)];
  if (docs.length > 1) {
    throw fail(docs[1]!.range[0], 'more than one document (an apply file holds one)');
  }
  const doc = docs[0];
  if (doc === undefined) return { value: null, locate: () => undefined };
  const problem = doc.errors[0] ?? doc.warnings[0];
  if (problem !== undefined) {
    const tag = problem.code === 'TAG_RESOLVE_FAILED' ? ' (only the core schema: no custom tags)' : '';
    throw fail(problem.pos[0], `${yamlReason(problem)}${tag}`);
  }
  return {
    value: yamlValue(doc, fail),
    locate: (path) => {
      for (let n = path.length; n >= 0; n--) {
        const node = doc.getIn(path.slice(0, n), true) as { range?: [number, number, number] } | undefined;
        if (node?.range !== undefined) return posOf(node.range[0]);
      }
      return undefined;
    },
  };
}

/**
 * The YAML text's tokens, with nesting and list length refused while the
 * parser runs: the composer recurses once per level, and building the
 * document costs far more than parsing.
 */
function yamlTokens(yaml: typeof import('yaml'), text: string, file: string | undefined): CST.Token[] {
  const parser = new yaml.Parser();
  const tokens: CST.Token[] = [];
  let offset = 0;
  let count = 0;
  for (const source of new yaml.Lexer().lex(text)) {
    for (const t of parser.next(source)) tokens.push(t);
    offset += source.length;
    if (parser.stack.length > APPLY_FILE_MAX_DEPTH + 1) throw tooDeep(file, positionAt(text, offset));
    // A list that will be too long is refused while it is parsed (checked every 1,024 tokens).
    if ((++count & 1023) === 0 && longestOpenCollection(parser.stack) > APPLY_FILE_MAX_TUNNELS + 1) {
      throw tooManyItems(file, positionAt(text, offset));
    }
  }
  for (const t of parser.end()) tokens.push(t);
  return tokens;
}

/** The document's value, aliases limited; a failure says why in words. */
function yamlValue(
  doc: { toJS(opts: { maxAliasCount: number }): unknown },
  fail: (offset: number, reason: string) => ApplyFileError,
): unknown {
  try {
    return doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    const why = String((e as Error)?.message);
    throw fail(
      0,
      /excessive alias/i.test(why)
        ? 'too many aliases'
        : /alias/i.test(why)
          ? 'an alias without its anchor'
          : 'cannot be read',
    );
  }
}
