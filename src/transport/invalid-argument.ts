/**
 * Bad input: the error every layer above the codec throws for it, and the
 * bounded way values are quoted in error messages. It lives in the transport
 * so that the generic link functions refuse bad input with the same class as
 * the tunnel API (which re-exports it).
 */
import { EoipError } from './errors.js';

/**
 * Bad input, caught before anything was sent to the kernel.
 *
 * @example
 * ```ts
 * try { await createTunnel({ tunnelId: 70000, remote: '192.0.2.1' }); }
 * catch (e) { if (e instanceof InvalidArgumentError) console.log(e.field, e.allowed); }
 * // e.field === 'tunnelId', e.allowed === '0..65535 for eoip'
 * ```
 */
export class InvalidArgumentError extends EoipError {
  /** The field at fault, e.g. `tunnelId`, `remote`, `keepalive.interval`. */
  readonly field: string;
  /** The value given. */
  readonly value: unknown;
  /** What is allowed, e.g. `0..65535`. */
  readonly allowed: string;

  /**
   * @param field the field at fault
   * @param value the value given
   * @param allowed what is allowed
   */
  constructor(field: string, value: unknown, allowed: string) {
    super(`invalid ${field}: ${quoteValue(value)} (allowed: ${allowed})`, 'INVALID_ARGUMENT');
    this.field = field;
    this.value = value;
    this.allowed = allowed;
  }
}

/** Longest stretch of a value quoted in an error message, in characters. */
export const QUOTE_MAX_CHARS = 64;

/** A number as people write it: `NaN`, `Infinity`, `-0` too (JSON would say `null` or `0`). */
function numberText(n: number): string {
  return Object.is(n, -0) ? '-0' : String(n);
}

/** The first `max` characters of `s`, never splitting a surrogate pair. */
function headOf(s: string, max: number): string {
  let head = s.slice(0, max);
  const last = head.charCodeAt(head.length - 1);
  if (last >= 0xd800 && last <= 0xdbff) head = head.slice(0, -1);
  return head;
}

function quoteString(s: string): string {
  if (s.length <= QUOTE_MAX_CHARS) return escapeInvisible(JSON.stringify(s));
  const head = escapeInvisible(JSON.stringify(`${headOf(s, QUOTE_MAX_CHARS - 1)}…`));
  return `${head} (${s.length.toLocaleString('en-US')} characters)`;
}

/**
 * Characters JSON leaves as they are but a terminal acts on: C1 controls
 * and the bidirectional overrides, isolates and marks (which can make a
 * message read differently from what it says).
 */
const INVISIBLE = /[\u0080-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** `text` with each such character written as a \uXXXX escape. */
function escapeInvisible(text: string): string {
  return text.replace(INVISIBLE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * A short, bounded sketch of a value: own enumerable properties only (no
 * getter is called, nothing inherited is read), stopping once `budget`
 * characters are written, so a huge or deeply nested value costs little.
 */
function sketch(v: unknown, budget: { left: number }, depth: number): string {
  if (budget.left <= 0) return '…';
  let out: string;
  if (v === null) out = 'null';
  else if (v === undefined) out = 'undefined';
  else if (typeof v === 'string') out = quoteString(v);
  else if (typeof v === 'number') out = numberText(v);
  else if (typeof v === 'bigint') out = `${v}n`;
  else if (typeof v === 'boolean') out = String(v);
  else if (typeof v === 'symbol') out = 'a symbol';
  else if (typeof v === 'function') out = 'a function';
  else out = sketchObject(v as object, budget, depth);
  budget.left -= out.length;
  return out;
}

function sketchObject(o: object, budget: { left: number }, depth: number): string {
  try {
    if (ArrayBuffer.isView(o)) return `bytes (${o.byteLength.toLocaleString('en-US')})`;
    if (Array.isArray(o)) {
      if (depth >= 3) return o.length === 0 ? '[]' : '[…]';
      const parts: string[] = [];
      for (let i = 0; i < o.length && budget.left > 0; i++) {
        parts.push(ownValueSketch(o, String(i), budget, depth));
      }
      return `[${parts.join(',')}${parts.length < o.length ? ',…' : ''}]`;
    }
    const keys = Object.keys(o);
    if (depth >= 3) return keys.length === 0 ? '{}' : '{…}';
    const parts: string[] = [];
    for (let i = 0; i < keys.length && budget.left > 0; i++) {
      const key = quoteString(keys[i]!);
      budget.left -= key.length + 1;
      parts.push(`${key}:${ownValueSketch(o, keys[i]!, budget, depth)}`);
    }
    return `{${parts.join(',')}${parts.length < keys.length ? ',…' : ''}}`;
  } catch {
    // A proxy that throws on inspection.
    return 'an object';
  }
}

function ownValueSketch(o: object, key: string, budget: { left: number }, depth: number): string {
  const d = Object.getOwnPropertyDescriptor(o, key);
  if (d === undefined) return 'undefined';
  if (!('value' in d)) return 'a getter';
  return sketch(d.value, budget, depth + 1);
}

/**
 * A value as error messages quote it: strings in double quotes, numbers as
 * written (`NaN`, `Infinity`), objects as short JSON-like sketches of their
 * own properties. At most {@link QUOTE_MAX_CHARS} characters of the value
 * are shown; a longer string ends with `…` and its full length, e.g.
 * `"-----BEGIN OPENSSH PRIVATE KEY-----…" (2,602 characters)`. Never throws,
 * never calls getters or inherited methods, costs little for any input.
 *
 * @example
 * ```ts
 * quoteValue('x'.repeat(1000)); // '"xxx…x…" (1,000 characters)'
 * quoteValue(Number.NaN);       // 'NaN'
 * ```
 */
export function quoteValue(v: unknown): string {
  if (typeof v === 'string') return quoteString(v);
  if (v === null || typeof v !== 'object') return sketch(v, { left: QUOTE_MAX_CHARS }, 0);
  const text = sketch(v, { left: QUOTE_MAX_CHARS }, 0);
  return text.length <= QUOTE_MAX_CHARS ? text : `${headOf(text, QUOTE_MAX_CHARS - 1)}…`;
}
