/**
 * Input checks: every field is checked here, before anything reaches the
 * kernel, and every failure is an InvalidArgumentError naming the field,
 * the value and what is allowed.
 */
import { createRequire } from 'node:module';
import { formatIPv4, formatIPv6, formatMac, parseIp, parseMac } from '../codec/addresses.js';
import { IFNAMSIZ_MAX } from '../codec/constants.js';
import type { Keepalive, TunnelKind } from '../codec/types.js';
import { InvalidArgumentError } from './errors.js';
import type { KeepaliveInput, LinkRef, TunnelPatch, TunnelSpec } from './types.js';

/** Highest tunnel id per kind: the eoip header carries 16 bits, eoipv6 12. */
export const TUNNEL_ID_MAX: Record<TunnelKind, number> = { eoip: 65535, eoipv6: 4095 };
/** Keepalive interval ceiling enforced by the driver. */
export const KEEPALIVE_INTERVAL_MAX = 3600;
/** Retries used when keepalive is given as a bare number of seconds (RouterOS and the reference tool). */
export const DEFAULT_KEEPALIVE_RETRIES = 10;
/** MTU range the driver accepts. */
export const MTU_MIN = 68;
export const MTU_MAX = 65535;

const SPEC_FIELDS = new Set([
  'tunnelId',
  'remote',
  'local',
  'name',
  'link',
  'ttl',
  'tos',
  'keepalive',
  'mtu',
  'address',
  'master',
  'up',
]);

function isInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v);
}

/** An integer in [min, max], or InvalidArgumentError naming `field`. */
export function checkInt(field: string, v: unknown, min: number, max: number): number {
  if (!isInt(v) || v < min || v > max) throw new InvalidArgumentError(field, v, `an integer ${min}..${max}`);
  return v;
}

/** An interface name the kernel will accept (dev_valid_name): 1..15 bytes, no '/', ':' or whitespace, not '.'/'..'. */
export function checkInterfaceName(field: string, v: unknown): string {
  const allowed = `1..${IFNAMSIZ_MAX} bytes without '/', ':' or whitespace, not '.' or '..'`;
  if (typeof v !== 'string') throw new InvalidArgumentError(field, v, allowed);
  const bytes = Buffer.byteLength(v, 'utf8');
  if (bytes < 1 || bytes > IFNAMSIZ_MAX || v === '.' || v === '..' || /[/:\s\0]/.test(v)) {
    throw new InvalidArgumentError(field, v, allowed);
  }
  return v;
}

/** A link reference: a valid interface name or an ifindex > 0. */
export function checkLinkRef(field: string, v: unknown): LinkRef {
  const allowed = 'an interface name or an ifindex > 0 (1..2147483647)';
  if (typeof v === 'number') {
    if (!isInt(v) || v < 1 || v > 0x7fffffff) throw new InvalidArgumentError(field, v, allowed);
    return v;
  }
  if (typeof v === 'string') return checkInterfaceName(field, v);
  throw new InvalidArgumentError(field, v, allowed);
}

/** Keepalive in any accepted form, normalised to `{ interval, retries }`. */
export function normalizeKeepalive(v: KeepaliveInput | unknown): Keepalive {
  if (v === 'none') return { interval: 0, retries: 0 };
  if (typeof v === 'number') {
    const interval = checkInt('keepalive', v, 0, KEEPALIVE_INTERVAL_MAX);
    // 0 means off; the reference tool then forces retries to 0 as well.
    return { interval, retries: interval === 0 ? 0 : DEFAULT_KEEPALIVE_RETRIES };
  }
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
    const o = v as Record<string, unknown>;
    for (const k of Object.keys(o)) {
      if (k !== 'interval' && k !== 'retries') {
        throw new InvalidArgumentError(`keepalive.${k}`, o[k], 'only interval and retries');
      }
    }
    return {
      interval: checkInt('keepalive.interval', o['interval'], 0, KEEPALIVE_INTERVAL_MAX),
      retries: checkInt('keepalive.retries', o['retries'], 0, 255),
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
  if (typeof v !== 'string') throw new InvalidArgumentError(field, v, what);
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

/** A unicast, non-zero MAC address as 6 bytes. */
export function checkMac(field: string, v: unknown): Uint8Array {
  const allowed = 'a unicast, non-zero MAC address like 02:00:5e:10:00:01';
  if (typeof v !== 'string') throw new InvalidArgumentError(field, v, allowed);
  const b = parseMac(v);
  if (!b || (b[0]! & 1) !== 0 || b.every((x) => x === 0)) throw new InvalidArgumentError(field, v, allowed);
  return b;
}

/**
 * A stable, locally administered unicast MAC for a tunnel, derived from
 * (kind, tunnel id, remote): re-creating the tunnel gives the same MAC.
 */
export function deriveTunnelMac(kind: TunnelKind, tunnelId: number, remote: string): string {
  // Loaded here, not at start-up: most commands never derive a MAC.
  const { createHash } = createRequire(import.meta.url)('node:crypto') as typeof import('node:crypto');
  const h = createHash('sha256').update(`eoip-netlink|${kind}|${tunnelId}|${remote}`).digest();
  const b = Uint8Array.from(h.subarray(0, 6));
  b[0] = (b[0]! & 0xfc) | 0x02; // locally administered, unicast
  return formatMac(b);
}

/** A create spec with every field checked; names of link/master are still to be resolved. */
export interface CheckedSpec {
  kind: TunnelKind;
  tunnelId: number;
  remote: string;
  /** Canonical local address, or 'auto' (resolved from the route), or the unspecified address. */
  local: string;
  name?: string;
  link?: LinkRef;
  ttl: number;
  tos: number;
  keepalive: Keepalive | null;
  mtu?: number;
  /** MAC bytes, or 'auto'. */
  address?: Uint8Array | 'auto';
  master?: LinkRef;
  up?: boolean;
}

/** Check a {@link TunnelSpec}: throws InvalidArgumentError on the first bad field. */
export function checkTunnelSpec(spec: TunnelSpec): CheckedSpec {
  if (spec === null || typeof spec !== 'object') throw new InvalidArgumentError('spec', spec, 'an object');
  for (const k of Object.keys(spec)) {
    if (!SPEC_FIELDS.has(k)) {
      throw new InvalidArgumentError(
        k,
        (spec as unknown as Record<string, unknown>)[k],
        `a known field: ${[...SPEC_FIELDS].join(', ')}`,
      );
    }
  }
  if (spec.remote === undefined)
    throw new InvalidArgumentError('remote', undefined, 'an IPv4 or IPv6 address (required)');
  const remote = checkRemote(spec.remote);
  const kind: TunnelKind = remote.family === 6 ? 'eoipv6' : 'eoip';
  if (spec.tunnelId === undefined) {
    throw new InvalidArgumentError(
      'tunnelId',
      undefined,
      `an integer 0..${TUNNEL_ID_MAX[kind]} for ${kind} (required)`,
    );
  }
  if (!isInt(spec.tunnelId) || spec.tunnelId < 0 || spec.tunnelId > TUNNEL_ID_MAX[kind]) {
    throw new InvalidArgumentError('tunnelId', spec.tunnelId, `0..${TUNNEL_ID_MAX[kind]} for ${kind}`);
  }
  let local = kind === 'eoipv6' ? '::' : '0.0.0.0';
  if (spec.local !== undefined && spec.local !== 'auto') {
    local = checkAddress('local', spec.local, remote.family).text;
  } else if (spec.local === 'auto') local = 'auto';
  const out: CheckedSpec = {
    kind,
    tunnelId: spec.tunnelId,
    remote: remote.text,
    local,
    ttl: spec.ttl === undefined ? 0 : checkInt('ttl', spec.ttl, 0, 255),
    tos: spec.tos === undefined ? 0 : checkInt('tos', spec.tos, 0, 255),
    keepalive: spec.keepalive === undefined ? null : normalizeKeepalive(spec.keepalive),
  };
  if (spec.name !== undefined) out.name = checkInterfaceName('name', spec.name);
  if (spec.link !== undefined) out.link = checkLinkRef('link', spec.link);
  if (spec.mtu !== undefined) out.mtu = checkInt('mtu', spec.mtu, MTU_MIN, MTU_MAX);
  if (spec.address !== undefined)
    out.address = spec.address === 'auto' ? 'auto' : checkMac('address', spec.address);
  if (spec.master !== undefined) out.master = checkLinkRef('master', spec.master);
  if (spec.up !== undefined) {
    if (typeof spec.up !== 'boolean') throw new InvalidArgumentError('up', spec.up, 'true or false');
    out.up = spec.up;
  }
  return out;
}

const PATCH_FIELDS = new Set([...SPEC_FIELDS]);

/**
 * Check a {@link TunnelPatch} against the tunnel's kind. Address fields must
 * stay in the tunnel's family: the kind cannot change in place.
 */
export function checkTunnelPatch(patch: TunnelPatch, kind: TunnelKind): TunnelPatch {
  if (patch === null || typeof patch !== 'object')
    throw new InvalidArgumentError('patch', patch, 'an object');
  const family = kind === 'eoipv6' ? 6 : 4;
  const keep = `an IPv${family} address (the tunnel is ${kind}; delete and re-create it to change family)`;
  const out: TunnelPatch = {};
  for (const [k, v] of Object.entries(patch)) {
    if (!PATCH_FIELDS.has(k))
      throw new InvalidArgumentError(k, v, `a known field: ${[...PATCH_FIELDS].join(', ')}`);
    if (v === undefined) continue;
    switch (k) {
      case 'name':
        out.name = checkInterfaceName('name', v);
        break;
      case 'tunnelId':
        out.tunnelId = checkInt('tunnelId', v, 0, TUNNEL_ID_MAX[kind]);
        break;
      case 'remote': {
        const p = typeof v === 'string' ? parseIp(v) : undefined;
        if (p && p.family !== family) throw new InvalidArgumentError('remote', v, keep);
        out.remote = checkRemote(v, family).text;
        break;
      }
      case 'local': {
        if (v === 'auto') {
          out.local = 'auto';
          break;
        }
        const p = typeof v === 'string' ? parseIp(v) : undefined;
        if (p && p.family !== family) throw new InvalidArgumentError('local', v, keep);
        out.local = checkAddress('local', v, family).text;
        break;
      }
      case 'link':
        out.link = v === null || v === 0 ? null : checkLinkRef('link', v);
        break;
      case 'master':
        out.master = v === null || v === 0 ? null : checkLinkRef('master', v);
        break;
      case 'ttl':
        out.ttl = checkInt('ttl', v, 0, 255);
        break;
      case 'tos':
        out.tos = checkInt('tos', v, 0, 255);
        break;
      case 'keepalive':
        out.keepalive = normalizeKeepalive(v);
        break;
      case 'mtu':
        out.mtu = checkInt('mtu', v, MTU_MIN, MTU_MAX);
        break;
      case 'address':
        if (v !== 'auto') checkMac('address', v);
        out.address = v as string;
        break;
      case 'up':
        if (typeof v !== 'boolean') throw new InvalidArgumentError('up', v, 'true or false');
        out.up = v;
        break;
    }
  }
  return out;
}
