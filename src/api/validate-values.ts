/**
 * The value checks of tunnel parameters that more than one table needs:
 * ranges, addresses, keepalive. Each failure is an InvalidArgumentError
 * naming the field, the value and what is allowed.
 */
import { formatIPv4, formatIPv6, parseIp } from '../codec/addresses.js';
import type { Keepalive, TunnelKind } from '../codec/types.js';
import { checkFields, checkInt, type FieldTable, fieldTable } from '../transport/check.js';
import { InvalidArgumentError } from './errors.js';
import type { KeepaliveInput } from './types.js';

/** Highest tunnel id per kind: the eoip header carries 16 bits, eoipv6 12. */
export const TUNNEL_ID_MAX: Record<TunnelKind, number> = { eoip: 65535, eoipv6: 4095 };
/** Keepalive interval ceiling enforced by the driver. */
export const KEEPALIVE_INTERVAL_MAX = 3600;
/** Retries used when keepalive is given as a bare number of seconds (RouterOS and the reference tool). */
export const DEFAULT_KEEPALIVE_RETRIES = 10;
/** MTU range the driver accepts. */
export const MTU_MIN = 68;
export const MTU_MAX = 65535;

/** A value a table only takes in, checked later against other fields. */
const later = (_field: string, v: unknown) => v;

const KEEPALIVE_FIELDS: FieldTable = fieldTable({ interval: later, retries: later });

/** Keepalive in any accepted form, normalised to `{ interval, retries }`. */
export function normalizeKeepalive(v: KeepaliveInput | unknown): Keepalive {
  if (v === 'none') return { interval: 0, retries: 0 };
  if (typeof v === 'number') {
    const interval = checkInt('keepalive', v, 0, KEEPALIVE_INTERVAL_MAX);
    // 0 means off; the reference tool then forces retries to 0 as well.
    return { interval, retries: interval === 0 ? 0 : DEFAULT_KEEPALIVE_RETRIES };
  }
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
    const o = checkFields<Partial<Keepalive>>('keepalive', v, KEEPALIVE_FIELDS, { prefix: 'keepalive.' });
    return {
      interval: checkInt('keepalive.interval', o.interval, 0, KEEPALIVE_INTERVAL_MAX),
      retries: checkInt('keepalive.retries', o.retries, 0, 255),
    };
  }
  throw new InvalidArgumentError(
    'keepalive',
    v,
    `'none', seconds 0..${KEEPALIVE_INTERVAL_MAX}, or { interval: 0..${KEEPALIVE_INTERVAL_MAX}, retries: 0..255 }`,
  );
}

/** An address literal of a given family (or either), canonicalised. */
export function checkAddress(field: string, v: unknown, family?: 4 | 6): { family: 4 | 6; text: string } {
  const what =
    family === 4 ? 'an IPv4 address' : family === 6 ? 'an IPv6 address' : 'an IPv4 or IPv6 address';
  if (typeof v !== 'string' || v.length > 64) throw new InvalidArgumentError(field, v, what);
  const p = parseIp(v);
  if (!p || (family !== undefined && p.family !== family)) throw new InvalidArgumentError(field, v, what);
  return { family: p.family, text: p.family === 6 ? formatIPv6(p.bytes) : formatIPv4(p.bytes) };
}

function isUnspecified(text: string): boolean {
  return text === '0.0.0.0' || text === '::';
}

/** The remote: a unicast address, not unspecified (the driver refuses 0.0.0.0 / ::, and IPv6 multicast). */
export function checkRemote(v: unknown, family?: 4 | 6): { family: 4 | 6; text: string } {
  const a = checkAddress('remote', v, family);
  if (isUnspecified(a.text)) {
    throw new InvalidArgumentError('remote', v, 'a specific address (not 0.0.0.0 or ::)');
  }
  if (a.family === 6 && parseIp(a.text)!.bytes[0] === 0xff) {
    throw new InvalidArgumentError('remote', v, 'a unicast IPv6 address (not multicast ff00::/8)');
  }
  return a;
}
