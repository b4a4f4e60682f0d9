/**
 * The apply file: a desired state in JSON or YAML, read and checked as
 * schema/tunnels.schema.json describes it (the reading limits are in
 * apply-file.ts).
 */
import {
  APPLY_FILE_MAX_BYTES,
  APPLY_FILE_MAX_TUNNELS,
  type ApplyDocument,
  ApplyFileError,
  fieldPath,
  kindOfValue,
  printableField,
  readApplyFileText,
  readJsonDocument,
  readYamlDocument,
  type ValuePath,
} from '../apply-file.js';
import { InvalidArgumentError, quoteValue } from '../errors.js';
import { checkDesiredList } from './check-desired.js';
import type { DesiredTunnel } from './types.js';

/** Formats {@link parseApplyFile} reads. */
export type ApplyFileFormat = 'json' | 'yaml';

/** Options of {@link parseApplyFile}. */
export interface ParseApplyFileOptions {
  /** The file the text came from: errors start with `FILE:LINE:COLUMN: `. */
  file?: string;
}

/** The file name of {@link ParseApplyFileOptions}, checked (own properties only). */
function checkParseOptions(opts: unknown): string | undefined {
  if (opts === undefined) return undefined;
  if (opts === null || typeof opts !== 'object' || Array.isArray(opts)) {
    throw new InvalidArgumentError('options', opts, 'an object { file? }');
  }
  for (const k of Object.keys(opts)) {
    if (k !== 'file') throw new InvalidArgumentError(k, ownValue(opts, k), 'a known option: file');
  }
  const file = ownValue(opts, 'file');
  if (file !== undefined && (typeof file !== 'string' || file === '')) {
    throw new InvalidArgumentError('file', file, 'a file name (a non-empty string)');
  }
  return file;
}

/** An own property of a plain object: never one inherited (`constructor`, `__proto__`). */
function ownValue(o: object, key: string): unknown {
  return Object.hasOwn(o, key) ? (o as Record<string, unknown>)[key] : undefined;
}

/** The list of tunnels of an apply document, checked for shape (not yet per tunnel). */
function tunnelListOf(doc: ApplyDocument, fileFail: FileFail): { list: unknown[]; root: 'list' | 'object' } {
  const v = doc.value;
  if (Array.isArray(v)) return { list: v, root: 'list' };
  if (v === null || typeof v !== 'object') {
    throw fileFail(
      [],
      'file',
      v,
      '{ "tunnels": [ ... ] } or a list of tunnels',
      `the document is ${kindOfValue(v)}, not { "tunnels": [ ... ] } or a list of tunnels`,
    );
  }
  for (const k of Object.keys(v)) {
    if (k === '$schema') {
      const schema = ownValue(v, k);
      if (typeof schema !== 'string') {
        throw fileFail(
          [k],
          '$schema',
          schema,
          'a string (a URI)',
          `invalid $schema: ${kindOfValue(schema)} (allowed: a string, a URI)`,
        );
      }
    } else if (k !== 'tunnels') {
      const field = printableField(k);
      throw fileFail(
        [k],
        k,
        ownValue(v, k),
        "only 'tunnels' (and '$schema')",
        `unknown key ${field} (allowed: only 'tunnels' and '$schema')`,
      );
    }
  }
  if (!Object.hasOwn(v, 'tunnels')) {
    throw fileFail(
      [],
      'tunnels',
      undefined,
      'a list of tunnels (required)',
      'missing tunnels (a list of tunnels is required)',
    );
  }
  const list = ownValue(v, 'tunnels');
  if (!Array.isArray(list)) {
    throw fileFail(
      ['tunnels'],
      'tunnels',
      list,
      'a list of tunnels',
      `invalid tunnels: ${kindOfValue(list)} (allowed: a list of tunnels)`,
    );
  }
  return { list, root: 'object' };
}

type FileFail = (
  path: ValuePath,
  field: string,
  value: unknown,
  allowed: string,
  problem: string,
) => ApplyFileError;

/**
 * Read an apply file: `{ "tunnels": [ ... ] }` (optionally with a `$schema`
 * key) or a bare list, in JSON or YAML, and check every tunnel as
 * `schema/tunnels.schema.json` describes it (the same rules, plus unique
 * names, which a schema cannot express). The YAML parser is loaded only for
 * YAML input.
 *
 * Bounded for any input: text over {@link APPLY_FILE_MAX_BYTES} bytes,
 * lists/objects nested deeper than {@link APPLY_FILE_MAX_DEPTH}, or more than
 * {@link APPLY_FILE_MAX_TUNNELS} tunnels are refused before the heavy work.
 * YAML is read with the 1.2 core schema: an unknown tag, a duplicate key or
 * a second document is an error. Errors never quote more than 64 characters
 * of the text.
 *
 * @param text - the file's content (a leading byte order mark is ignored)
 * @param format - how to read it: `json` or `yaml`
 * @param opts - `file`: the name to put in errors (default none)
 * @throws {@link ApplyFileError} (an InvalidArgumentError) naming the field at fault
 *   (`tunnels[3].tunnelId`), or `file` when the text is not JSON / YAML at all,
 *   with the line and column where it is
 * @throws InvalidArgumentError for a `format` other than 'json'/'yaml', text
 *   that is not a string, or options that are not `{ file?: string }`
 *
 * @example
 * ```ts
 * const desired = await parseApplyFile(readFileSync('tunnels.yaml', 'utf8'), 'yaml', { file: 'tunnels.yaml' });
 * await applyTunnels(desired, { prune: true });
 * ```
 */
export async function parseApplyFile(
  text: string,
  format: ApplyFileFormat,
  opts: ParseApplyFileOptions = {},
): Promise<DesiredTunnel[]> {
  const file = checkParseOptions(opts);
  if (format !== 'json' && format !== 'yaml')
    throw new InvalidArgumentError('format', format, "'json' or 'yaml'");
  if (typeof text !== 'string') throw new InvalidArgumentError('text', text, 'a string');
  // UTF-8 needs at least one byte per UTF-16 unit: the cheap test first.
  if (text.length > APPLY_FILE_MAX_BYTES || Buffer.byteLength(text, 'utf8') > APPLY_FILE_MAX_BYTES) {
    throw new ApplyFileError({
      file,
      position: undefined,
      field: 'file',
      value: undefined,
      allowed: `at most ${APPLY_FILE_MAX_BYTES} bytes`,
      problem: `too large (more than ${APPLY_FILE_MAX_BYTES.toLocaleString('en-US')} bytes, 16 MiB)`,
    });
  }
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const doc = format === 'json' ? readJsonDocument(body, file) : await readYamlDocument(body, file);
  const fileFail: FileFail = (path, field, value, allowed, problem) =>
    new ApplyFileError({ file, position: doc.locate(path), field, value, allowed, problem });
  const { list, root } = tunnelListOf(doc, fileFail);
  if (list.length > APPLY_FILE_MAX_TUNNELS) {
    throw fileFail(
      root === 'list' ? [] : ['tunnels'],
      'tunnels',
      `${list.length} tunnels`,
      `at most ${APPLY_FILE_MAX_TUNNELS} tunnels`,
      `too many tunnels (${list.length.toLocaleString('en-US')}; at most ${APPLY_FILE_MAX_TUNNELS.toLocaleString('en-US')} per file)`,
    );
  }
  try {
    return checkDesiredList(list, true).map(({ spec }) => spec);
  } catch (e) {
    if (!(e instanceof InvalidArgumentError)) throw e;
    // Checks name fields `tunnels[3].ttl`; in a bare list that is `[3].ttl`.
    const path = fieldPath(e.field);
    const inDoc = root === 'list' && path[0] === 'tunnels' ? path.slice(1) : path;
    const field = printableField(e.field);
    throw fileFail(
      inDoc,
      e.field,
      e.value,
      e.allowed,
      `invalid ${field}: ${quoteValue(e.value)} (allowed: ${e.allowed})`,
    );
  }
}

/**
 * Read and check an apply file by its path, as {@link parseApplyFile} does:
 * YAML when the name ends in `.yaml`/`.yml`, JSON otherwise. The file is
 * opened without blocking and must be a regular file of at most
 * {@link APPLY_FILE_MAX_BYTES} bytes (a FIFO, a device or `/dev/zero` is
 * refused before anything is read).
 *
 * @param path - the file's path; `.yaml` or `.yml` (any case) is read as YAML, anything else as JSON
 * @throws {@link ApplyFileError} when the file cannot be read or is refused, with
 *   the file, line and column in the message
 * @throws {@link InvalidArgumentError} when `path` is not a non-empty string
 *
 * @example
 * ```ts
 * const desired = await readApplyFile('/etc/eoip/tunnels.yaml');
 * await applyTunnels(desired, { prune: true });
 * ```
 */
export async function readApplyFile(path: string): Promise<DesiredTunnel[]> {
  if (typeof path !== 'string' || path === '') throw new InvalidArgumentError('path', path, 'a file path');
  const text = readApplyFileText(path);
  return parseApplyFile(text, /\.ya?ml$/i.test(path) ? 'yaml' : 'json', { file: path });
}
