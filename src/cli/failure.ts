/**
 * How a failure is reported: one line on stderr and an exit status.
 * 1 = bad usage or input refused before anything was sent; 2 = the kernel
 * refused, or another runtime failure.
 */

import { printableField } from '../api/apply-file.js';
import { EoipError, InvalidArgumentError, NotATunnelError, quoteValue } from '../api/errors.js';
import { TUNNEL_FIELDS, TUNNEL_PARAMS } from '../api/fields.js';
import { parseUnsigned, type RawValues, UsageError } from './grammar.js';

/** Exit statuses of `eoip`. */
export const EXIT_OK = 0;
/** Bad usage, invalid input, or an interface that is not a tunnel: nothing was sent. */
export const EXIT_USAGE = 1;
/** The kernel refused the request, or another runtime failure. */
export const EXIT_FAILURE = 2;

/** A failure as the command reports it. */
export interface Failure {
  /** One line, without the `eoip: ` prefix and without a newline. */
  message: string;
  /** The exit status. */
  exitCode: 1 | 2;
}

/** Library field names that differ from the option words. */
const FIELD_WORDS: Record<string, string> = {
  // Each tunnel parameter's word, from the parameter table (tunnelId: tunnel-id).
  ...Object.fromEntries(TUNNEL_FIELDS.map((f) => [f, TUNNEL_PARAMS[f].word])),
  'keepalive.interval': 'keepalive',
  'keepalive.retries': 'keepalive',
  target: 'name',
};

/**
 * The command line word for a library field name (`tunnelId` → `tunnel-id`,
 * `keepalive.interval` → `keepalive`, `target` → `name`); others are unchanged.
 */
export function optionWord(field: string): string {
  // Own entries only: a field named `constructor` is not Object's.
  return Object.hasOwn(FIELD_WORDS, field) ? FIELD_WORDS[field]! : printableField(field);
}

/** The value shown: what the user typed when known (numbers as typed), else the library's value; bounded. */
function showValue(raw: string | undefined, value: unknown): string {
  if (raw !== undefined && parseUnsigned(raw) !== undefined) return raw;
  return quoteValue(raw ?? value);
}

/** A message on one line: line breaks become `; `, other control characters are escaped. */
export function oneLine(s: string): string {
  return s
    .replace(/\s*\n\s*/g, '; ')
    .replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * Map any error to its one-line message and exit status. Library field
 * names are turned back into option words, and the value shown is the text
 * the user typed.
 *
 * @param raw what the user typed per option word (for the value shown)
 */
export function describeFailure(e: unknown, raw: RawValues = {}): Failure {
  if (e instanceof UsageError) return { message: oneLine(e.message), exitCode: EXIT_USAGE };
  if (e instanceof InvalidArgumentError) {
    const word = optionWord(e.field);
    return {
      message: oneLine(
        `invalid ${word}: ${showValue(Object.hasOwn(raw, word) ? raw[word] : undefined, e.value)} (allowed: ${e.allowed})`,
      ),
      exitCode: EXIT_USAGE,
    };
  }
  if (e instanceof NotATunnelError) return { message: oneLine(e.message), exitCode: EXIT_USAGE };
  if (e instanceof EoipError) return { message: oneLine(e.message), exitCode: EXIT_FAILURE };
  if (e instanceof Error) return { message: oneLine(e.message || e.name), exitCode: EXIT_FAILURE };
  return { message: oneLine(String(e)), exitCode: EXIT_FAILURE };
}
