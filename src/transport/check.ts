/**
 * Input checks shared by every entry point (the generic link functions here,
 * the tunnel API above): one declarative way to check an options object or
 * a record (which keys it may have, a checker per key), and the checkers of
 * the values the kernel takes. Every failure is an {@link InvalidArgumentError}
 * naming the field, thrown before anything is sent or spawned.
 *
 * Only own enumerable properties are read, each exactly once: a value
 * inherited from a prototype (or `Object.prototype` polluted by someone else)
 * is ignored, and a getter cannot give one value to the check and another to
 * the request.
 */
import { parseMac } from '../codec/addresses.js';
import { IFNAMSIZ_MAX } from '../codec/constants.js';
import { InvalidArgumentError } from './invalid-argument.js';
import type { NetlinkTransport } from './socket.js';

/** Checks one value; returns the value to use or throws InvalidArgumentError naming `field`. */
export type Check<T = unknown> = (field: string, value: unknown) => T;

/** The keys an input object may have, each with its checker (a null-prototype map). */
export type FieldTable = Readonly<Record<string, Check>>;

/** A {@link FieldTable} from a literal: frozen, without a prototype, so no built-in name is a key. */
export function fieldTable(...parts: Record<string, Check>[]): FieldTable {
  const table = Object.freeze(Object.assign(Object.create(null) as Record<string, Check>, ...parts));
  TABLE_KEYS.set(table, Object.keys(table));
  return table;
}

/** Each table's keys, in order (the result objects of a table all get them, in this order). */
const TABLE_KEYS = new WeakMap<FieldTable, readonly string[]>();

/** An empty result shared by every call without options (never written to). */
const NO_FIELDS: Readonly<Record<string, unknown>> = Object.freeze(Object.create(null));

/**
 * Check an input object against `table`: it must be a non-array object, its
 * own enumerable keys must all be in the table, and each value other than
 * `undefined` must pass its key's checker. Returns a new object holding
 * every key of the table as an own property: the checked value, or
 * `undefined` when not given (inherited properties never reach it, and
 * reading a key never reaches a prototype).
 * `undefined` is an empty object when `optional`.
 *
 * @param what how the object is named in errors (`options`, `spec`, …)
 * @param prefix put before each key in errors (e.g. `keepalive.`)
 */
export function checkFields<T extends object>(
  what: string,
  input: unknown,
  table: FieldTable,
  { optional = false, prefix = '' }: { optional?: boolean; prefix?: string } = {},
): T {
  if (input === undefined && optional) return NO_FIELDS as T;
  const keys = ownKeys(what, input, table);
  if (keys.length === 0) return NO_FIELDS as T;
  // Every key of the table is an own property of the result (undefined when not
  // given): reading one never reaches Object.prototype, and every result of a
  // table has one shape (an object without a prototype would be a slow dictionary).
  const out: Record<string, unknown> = {};
  for (const key of TABLE_KEYS.get(table) ?? Object.keys(table)) out[key] = undefined;
  for (const key of keys) {
    const check = table[key];
    const field = prefix === '' ? key : prefix + key;
    const value = readOwn(field, input as Record<string, unknown>, key);
    if (check === undefined) {
      throw new InvalidArgumentError(field, value, `a known field of ${what}: ${listOf(table)}`);
    }
    if (value !== undefined) out[key] = check(field, value);
  }
  return out as T;
}

/** The own enumerable keys of an input object; anything else (or a proxy that throws) is refused. */
function ownKeys(what: string, input: unknown, table: FieldTable): string[] {
  // The sentence of allowed keys is built only for an error: this runs on every call.
  if (input === null || typeof input !== 'object') {
    throw new InvalidArgumentError(what, input, `an object with: ${listOf(table)}`);
  }
  try {
    if (!Array.isArray(input)) return Object.keys(input);
  } catch {
    // A proxy whose traps throw: no keys can be read.
  }
  throw new InvalidArgumentError(what, input, `an object with: ${listOf(table)}`);
}

/** `input[key]`, read once; a getter (or proxy trap) that throws is refused as the field's value. */
function readOwn(field: string, input: Record<string, unknown>, key: string): unknown {
  try {
    return input[key];
  } catch {
    throw new InvalidArgumentError(field, undefined, 'a value that can be read (its getter threw)');
  }
}

/** The keys of a table as a sentence: `a, b and c`. */
function listOf(table: FieldTable): string {
  const keys = Object.keys(table);
  return keys.length < 2 ? keys.join('') : `${keys.slice(0, -1).join(', ')} and ${keys.at(-1)}`;
}

// --- value checkers ------------------------------------------------------------

/** A lone surrogate (half of a UTF-16 pair): it has no UTF-8 form. */
const LONE_SURROGATE = /\p{Cs}/u;

/** True when `s` can become bytes unchanged (no lone surrogate). */
export function isWellFormed(s: string): boolean {
  return !LONE_SURROGATE.test(s);
}

/** An integer in [min, max]. */
export function checkInt(field: string, v: unknown, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new InvalidArgumentError(field, v, `an integer ${min}..${max}`);
  }
  return v;
}

/** A checker of integers in [min, max]. */
export function int(min: number, max: number): Check<number> {
  return (field, v) => checkInt(field, v, min, max);
}

/** `true` or `false`. */
export const bool: Check<boolean> = (field, v) => {
  if (typeof v !== 'boolean') throw new InvalidArgumentError(field, v, 'true or false');
  return v;
};

/** A function (callbacks such as `check`, `infoData`). */
export const func: Check<(...args: never[]) => unknown> = (field, v) => {
  if (typeof v !== 'function') throw new InvalidArgumentError(field, v, 'a function');
  return v as (...args: never[]) => unknown;
};

/** One of the given strings. */
export function oneOf<T extends string>(...values: T[]): Check<T> {
  const allowed = values.map((s) => `'${s}'`).join(' or ');
  return (field, v) => {
    if (typeof v !== 'string' || !values.includes(v as T)) throw new InvalidArgumentError(field, v, allowed);
    return v as T;
  };
}

/** Largest setTimeout delay: a longer one would fire at once. */
export const TIMEOUT_MAX = 0x7fffffff;

/** A timeout in milliseconds; 0 = none. */
export const timeoutMs: Check<number> = (field, v) => {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > TIMEOUT_MAX) {
    throw new InvalidArgumentError(
      field,
      v,
      `an integer number of milliseconds 0..${TIMEOUT_MAX} (0 = none)`,
    );
  }
  return v;
};

/** An AbortSignal. */
export const abortSignal: Check<AbortSignal> = (field, v) => {
  if (!(v instanceof AbortSignal)) throw new InvalidArgumentError(field, v, 'an AbortSignal');
  return v;
};

/** A short text (an operation name in errors): well-formed, 1..64 characters. */
export const label: Check<string> = (field, v) => {
  if (typeof v !== 'string' || v.length < 1 || v.length > 64 || !isWellFormed(v)) {
    throw new InvalidArgumentError(field, v, 'a text of 1..64 characters');
  }
  return v;
};

/** Highest ifindex (a positive int). */
export const IFINDEX_MAX = 0x7fffffff;
/** An ifindex: 1..2147483647. */
export const ifindex: Check<number> = int(1, IFINDEX_MAX);
/** An ifindex or 0 (none / release). */
export const ifindexOrZero: Check<number> = int(0, IFINDEX_MAX);

/** The bytes the kernel's isspace() is true for (lib/ctype.c): \t \n \v \f \r, space and 0xa0. */
function isKernelSpace(b: number): boolean {
  return (b >= 9 && b <= 13) || b === 32 || b === 0xa0;
}

/** Visible ASCII without '/' and ':', not '.' or '..': the common case, decided without encoding. */
function isPlainAsciiName(v: string): boolean {
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c <= 0x20 || c >= 0x7f || c === 0x2f || c === 0x3a) return false;
  }
  return v !== '.' && v !== '..';
}

const NAME_ALLOWED = `1..${IFNAMSIZ_MAX} bytes without NUL, '/', ':' or whitespace, not '.' or '..'`;

/**
 * An interface name the kernel will accept (dev_valid_name): 1..15 bytes of
 * UTF-8, none of them NUL, '/', ':' or a byte the kernel counts as
 * whitespace (0xa0 included, which also appears inside multi-byte
 * characters such as 'à'), and not '.' or '..'.
 */
export function checkInterfaceName(field: string, v: unknown): string {
  if (typeof v !== 'string' || v.length === 0 || v.length > IFNAMSIZ_MAX) {
    throw new InvalidArgumentError(field, v, NAME_ALLOWED);
  }
  if (isPlainAsciiName(v)) return v;
  if (!isWellFormed(v)) throw new InvalidArgumentError(field, v, NAME_ALLOWED);
  const bytes = Buffer.from(v, 'utf8');
  if (bytes.byteLength > IFNAMSIZ_MAX || v === '.' || v === '..') {
    throw new InvalidArgumentError(field, v, NAME_ALLOWED);
  }
  for (const b of bytes) {
    if (b === 0 || b === 0x2f || b === 0x3a || isKernelSpace(b)) {
      throw new InvalidArgumentError(field, v, NAME_ALLOWED);
    }
  }
  return v;
}

/** A checker of interface names. */
export const interfaceName: Check<string> = checkInterfaceName;

/** Longest link kind: the kernel copies IFLA_INFO_KIND into a MODULE_NAME_LEN (56) buffer. */
export const KIND_MAX_BYTES = 55;

/** A link kind (`bridge`, `vxlan`, `eoip`, …): 1..55 visible ASCII characters. */
export const linkKind: Check<string> = (field, v) => {
  if (typeof v !== 'string' || !/^[\x21-\x7e]{1,55}$/.test(v)) {
    throw new InvalidArgumentError(field, v, `a link kind: 1..${KIND_MAX_BYTES} visible ASCII characters`);
  }
  return v;
};

/** An interface given by name or ifindex. */
export const linkRef: Check<string | number> = (field, v) => {
  if (typeof v === 'string') return checkInterfaceName(field, v);
  if (typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= IFINDEX_MAX) return v;
  throw new InvalidArgumentError(field, v, `an interface name or an ifindex > 0 (1..${IFINDEX_MAX})`);
};

/** Longest hardware address (MAX_ADDR_LEN). */
export const HWADDR_MAX_BYTES = 32;

/** Hardware address bytes: a Uint8Array of 1..32 bytes. */
export const hwAddressBytes: Check<Uint8Array> = (field, v) => {
  if (!(v instanceof Uint8Array) || v.byteLength < 1 || v.byteLength > HWADDR_MAX_BYTES) {
    throw new InvalidArgumentError(field, v, `a Uint8Array of 1..${HWADDR_MAX_BYTES} bytes`);
  }
  return v;
};

/** A unicast, non-zero MAC address written `aa:bb:cc:dd:ee:ff`, as 6 bytes. */
export function checkMac(field: string, v: unknown): Uint8Array {
  const allowed = 'a unicast, non-zero MAC address like 02:00:5e:10:00:01';
  if (typeof v !== 'string') throw new InvalidArgumentError(field, v, allowed);
  const b = parseMac(v);
  if (!b || (b[0]! & 1) !== 0 || b.every((x) => x === 0)) throw new InvalidArgumentError(field, v, allowed);
  return b;
}

/** Highest pid the kernel hands out (PID_MAX_LIMIT). */
export const PID_MAX = 4194304;
/** Longest namespace path (PATH_MAX without the NUL). */
export const NETNS_PATH_MAX_BYTES = 4095;

const NETNS_ALLOWED = `a name under /run/netns, a path to a namespace file (1..${NETNS_PATH_MAX_BYTES} bytes, no NUL), or a pid 1..${PID_MAX}`;

/** A network namespace: a name under /run/netns, a path, or a pid. */
export const netnsRef: Check<string | number> = (field, v) => {
  if (typeof v === 'number') {
    if (Number.isInteger(v) && v >= 1 && v <= PID_MAX) return v;
    throw new InvalidArgumentError(field, v, NETNS_ALLOWED);
  }
  if (
    typeof v !== 'string' ||
    v.length === 0 ||
    v.length > NETNS_PATH_MAX_BYTES ||
    !isWellFormed(v) ||
    v.includes('\0') ||
    v === '.' ||
    v === '..' ||
    Buffer.byteLength(v, 'utf8') > NETNS_PATH_MAX_BYTES
  ) {
    throw new InvalidArgumentError(field, v, NETNS_ALLOWED);
  }
  return v;
};

/** A transport: a NetlinkSocket, or an object with `ack`, `reply`, `dump` and `close` methods. */
export function checkTransport(field: string, v: unknown): NetlinkTransport {
  const t = v as Partial<Record<keyof NetlinkTransport, unknown>> | null;
  if (
    t === null ||
    typeof t !== 'object' ||
    typeof t.ack !== 'function' ||
    typeof t.reply !== 'function' ||
    typeof t.dump !== 'function' ||
    typeof t.close !== 'function'
  ) {
    throw new InvalidArgumentError(field, v, 'a NetlinkTransport (ack, reply, dump and close methods)');
  }
  return v as NetlinkTransport;
}

// --- tables of the transport's options -------------------------------------------

/** What every request takes (RequestOptions). */
export const REQUEST_OPTIONS: FieldTable = fieldTable({
  signal: abortSignal,
  timeout: timeoutMs,
  operation: label,
});

/** The generic link functions' options (LinkOptions). */
export const LINK_OPTIONS: FieldTable = fieldTable(REQUEST_OPTIONS, { targetNsid: int(0, 0x7fffffff) });

/** {@link getLink}'s options. */
export const GET_LINK_OPTIONS: FieldTable = fieldTable(LINK_OPTIONS, { stats: bool });

/** deleteLinks' options. */
export const DELETE_LINKS_OPTIONS: FieldTable = fieldTable(LINK_OPTIONS, {
  check: func,
  maxAttempts: int(1, 1000),
});

/** {@link dumpLinks}' request (DumpLinksRequest). */
export const DUMP_LINKS_REQUEST: FieldTable = fieldTable(LINK_OPTIONS, {
  kind: linkKind,
  master: ifindex,
  stats: bool,
  maxAttempts: int(1, 1000),
});

/** Multicast group numbers (1..1023), at most 64 of them, none twice. */
const groupList: Check<number[]> = (field, v) => {
  if (!Array.isArray(v) || v.length > 64)
    throw new InvalidArgumentError(field, v, 'an array of at most 64 group numbers');
  const out: number[] = [];
  for (let i = 0; i < v.length; i++) {
    if (!Object.hasOwn(v, i))
      throw new InvalidArgumentError(`${field}[${i}]`, undefined, 'a group number (1..1023)');
    const g = checkInt(`${field}[${i}]`, v[i], 1, 1023);
    if (out.includes(g)) throw new InvalidArgumentError(`${field}[${i}]`, g, 'each group once');
    out.push(g);
  }
  return out;
};

/** A value checked elsewhere (netns: checkNetnsTarget), accepted here as given. */
const checkedElsewhere: Check = (_field, v) => v;

/** {@link NetlinkSocket.open}'s options (SocketOptions). */
export const SOCKET_OPTIONS: FieldTable = fieldTable({
  recvBufferSize: int(0, TIMEOUT_MAX),
  datagramSize: int(0, 16 * 1024 * 1024),
  groups: groupList,
  onEvent: func,
  onEventError: func,
  keepAlive: bool,
  maxInFlight: int(1, 65536),
  netns: checkedElsewhere,
});

/** Fields of a link request body (LinkRequestBody). */
export const LINK_BODY: FieldTable = fieldTable({
  index: ifindex,
  name: interfaceName,
  kind: linkKind,
  infoData: func,
  mtu: int(68, 0x7fffffff),
  address: hwAddressBytes,
  master: ifindexOrZero,
  link: ifindexOrZero,
  up: bool,
  netnsFd: int(0, 0x7fffffff),
  targetNsid: int(0, 0x7fffffff),
  extMask: int(0, 0xffffffff),
  extra: func,
});

const SELECTOR: FieldTable = fieldTable({ index: ifindex, name: interfaceName });

/**
 * A link selector: exactly one of `index` (1..2147483647) or `name`.
 * @param prefix put before `index`/`name` in errors (e.g. `selectors[3].`)
 */
export function checkLinkSelector<T extends { index?: number; name?: string }>(
  field: string,
  sel: unknown,
  prefix = '',
): T {
  const s = checkFields<{ index?: number; name?: string }>(field, sel, SELECTOR, { prefix });
  if ((s.index === undefined) === (s.name === undefined)) {
    throw new InvalidArgumentError(field, sel, 'exactly one of { index } or { name }');
  }
  return s as T;
}

/** An array of link selectors, each checked (named `field[i]` in errors). */
export function checkLinkSelectors<T extends { index?: number; name?: string }>(
  field: string,
  v: unknown,
): T[] {
  if (!Array.isArray(v)) throw new InvalidArgumentError(field, v, 'an array of { index } or { name }');
  // Array.from, not map: a hole of a sparse array is checked (and refused) like any value.
  return Array.from(v, (sel, i) => checkLinkSelector<T>(`${field}[${i}]`, sel, `${field}[${i}].`));
}
