/**
 * Input checks: every field and every option is checked here, before
 * anything reaches the kernel or a helper process, and every failure is an
 * InvalidArgumentError naming the field, the value and what is allowed.
 * The mechanism (field tables, own properties only, the value checkers) is
 * the transport's (src/transport/check.ts), shared with the generic link
 * functions; the tables here are the tunnel API's.
 */
import { createRequire } from 'node:module';
import { formatIPv4, formatIPv6, formatMac, parseIp } from '../codec/addresses.js';
import type { Keepalive, TunnelKind } from '../codec/types.js';
import {
  abortSignal,
  bool,
  type Check,
  checkFields,
  checkInt,
  checkInterfaceName,
  checkMac,
  type FieldTable,
  fieldTable,
  int,
  interfaceName,
  linkKind,
  linkRef,
  netnsRef,
  oneOf,
  timeoutMs,
} from '../transport/check.js';
import { InvalidArgumentError } from './errors.js';
import type { KeepaliveInput, LinkRef, OperationOptions, TunnelPatch, TunnelSpec } from './types.js';

export { checkInt, checkInterfaceName, checkMac };

/** Highest tunnel id per kind: the eoip header carries 16 bits, eoipv6 12. */
export const TUNNEL_ID_MAX: Record<TunnelKind, number> = { eoip: 65535, eoipv6: 4095 };
/** Keepalive interval ceiling enforced by the driver. */
export const KEEPALIVE_INTERVAL_MAX = 3600;
/** Retries used when keepalive is given as a bare number of seconds (RouterOS and the reference tool). */
export const DEFAULT_KEEPALIVE_RETRIES = 10;
/** MTU range the driver accepts. */
export const MTU_MIN = 68;
export const MTU_MAX = 65535;

function isInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v);
}

const tunnelKind: Check<TunnelKind> = oneOf<TunnelKind>('eoip', 'eoipv6');

/** A link reference: a valid interface name or an ifindex 1..2147483647. */
export function checkLinkRef(field: string, v: unknown): LinkRef {
  return linkRef(field, v);
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

/**
 * A stable, locally administered unicast MAC for a tunnel, derived from
 * (kind, tunnel id, remote): re-creating the tunnel gives the same MAC.
 * @param kind - the tunnel's kind, `eoip` or `eoipv6`
 * @param tunnelId - the tunnel id (0..65535 for eoip, 0..4095 for eoipv6)
 * @param remote - the remote address in canonical form, as {@link Tunnel.remote} reports it
 *   (another spelling of the same address would give another MAC, so it is refused)
 * @returns the MAC as six colon-separated lower-case hex bytes
 * @throws InvalidArgumentError for another kind, a tunnel id out of the kind's range,
 *   or a remote that is not a canonical address of the kind's family
 */
export function deriveTunnelMac(kind: TunnelKind, tunnelId: number, remote: string): string {
  tunnelKind('kind', kind);
  checkInt('tunnelId', tunnelId, 0, TUNNEL_ID_MAX[kind]);
  if (checkAddress('remote', remote, kind === 'eoipv6' ? 6 : 4).text !== remote) {
    throw new InvalidArgumentError(
      'remote',
      remote,
      `the canonical form of the address (${checkAddress('remote', remote).text})`,
    );
  }
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

/** A value the table only takes in, checked later against other fields. */
const later: Check = (_field, v) => v;

/** An address of either family, kept as written (its family is checked against the others later). */
function addressText(field: string, v: unknown): string {
  checkAddress(field, v);
  return v as string;
}

/** `'auto'` or an address of either family, kept as written. */
function addressTextOrAuto(field: string, v: unknown): string {
  return v === 'auto' ? 'auto' : addressText(field, v);
}

const keepaliveField: Check<Keepalive> = (_field, v) => normalizeKeepalive(v);

/** `'auto'` or a MAC address as bytes. */
const macOrAuto: Check<Uint8Array | 'auto'> = (field, v) => (v === 'auto' ? 'auto' : checkMac(field, v));

const KEEPALIVE_FIELDS: FieldTable = fieldTable({ interval: later, retries: later });

/**
 * The fields of a {@link TunnelSpec}. `tunnelId`, `remote` and `local` are
 * checked right after, once the kind (the remote's family) is known.
 */
const SPEC_FIELDS: FieldTable = fieldTable({
  tunnelId: later,
  remote: later,
  local: later,
  name: interfaceName,
  link: linkRef,
  ttl: int(0, 255),
  tos: int(0, 255),
  keepalive: keepaliveField,
  mtu: int(MTU_MIN, MTU_MAX),
  address: macOrAuto,
  master: linkRef,
  up: bool,
});

/** `null` or `0` (none), or a link reference. */
const linkRefOrNone: Check<LinkRef | null> = (field, v) => (v === null || v === 0 ? null : linkRef(field, v));

/** `'auto'` or a MAC address, kept as written (a patch carries text). */
function macTextOrAuto(field: string, v: unknown): string {
  if (v !== 'auto') checkMac(field, v);
  return v as string;
}

/** The fields of a {@link TunnelPatch}: those of a spec, `link` and `master` also `null`/`0` for none. */
const PATCH_FIELDS: FieldTable = fieldTable(SPEC_FIELDS, {
  tunnelId: int(0, TUNNEL_ID_MAX.eoip),
  remote: addressText,
  local: addressTextOrAuto,
  link: linkRefOrNone,
  master: linkRefOrNone,
  address: macTextOrAuto,
});

/**
 * Check a {@link TunnelSpec}: throws InvalidArgumentError on the first bad
 * field. Only the spec's own properties count: inherited ones are ignored.
 */
export function checkTunnelSpec(input: TunnelSpec): CheckedSpec {
  const spec = checkFields<{
    [K in keyof TunnelSpec]?: K extends 'keepalive'
      ? Keepalive
      : K extends 'address'
        ? Uint8Array | 'auto'
        : TunnelSpec[K];
  }>('spec', input, SPEC_FIELDS);
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
  // Every field own (undefined when not given): reading one never reaches Object.prototype.
  const out: CheckedSpec = {
    kind,
    tunnelId: spec.tunnelId,
    remote: remote.text,
    local,
    ttl: spec.ttl ?? 0,
    tos: spec.tos ?? 0,
    keepalive: spec.keepalive ?? null,
    name: spec.name,
    link: spec.link,
    mtu: spec.mtu,
    address: spec.address,
    master: spec.master,
    up: spec.up,
  };
  return out;
}

/**
 * Check a {@link TunnelPatch} against the tunnel's kind. Address fields must
 * stay in the tunnel's family: the kind cannot change in place. Only the
 * patch's own properties count: inherited ones are ignored. The result has
 * only the fields given, checked and canonical.
 */
export function checkTunnelPatch(input: TunnelPatch, kind: TunnelKind): TunnelPatch {
  const p = checkFields<TunnelPatch & { keepalive?: Keepalive }>('patch', input, PATCH_FIELDS);
  const family = kind === 'eoipv6' ? 6 : 4;
  const keep = `an IPv${family} address (the tunnel is ${kind}; delete and re-create it to change family)`;
  // Every field own (undefined when not given): reading one never reaches Object.prototype.
  const out: TunnelPatch = {
    name: undefined,
    tunnelId: undefined,
    local: undefined,
    remote: undefined,
    link: undefined,
    ttl: undefined,
    tos: undefined,
    keepalive: undefined,
    mtu: undefined,
    address: undefined,
    master: undefined,
    up: undefined,
  };
  if (p.name !== undefined) out.name = p.name;
  if (p.tunnelId !== undefined) out.tunnelId = checkInt('tunnelId', p.tunnelId, 0, TUNNEL_ID_MAX[kind]);
  if (p.remote !== undefined) {
    const v = p.remote;
    const parsed = typeof v === 'string' ? parseIp(v) : undefined;
    if (parsed && parsed.family !== family) throw new InvalidArgumentError('remote', v, keep);
    out.remote = checkRemote(v, family).text;
  }
  if (p.local !== undefined) {
    const v = p.local;
    if (v === 'auto') out.local = 'auto';
    else {
      const parsed = typeof v === 'string' ? parseIp(v) : undefined;
      if (parsed && parsed.family !== family) throw new InvalidArgumentError('local', v, keep);
      out.local = checkAddress('local', v, family).text;
    }
  }
  if (p.link !== undefined) out.link = p.link;
  if (p.master !== undefined) out.master = p.master;
  if (p.ttl !== undefined) out.ttl = p.ttl;
  if (p.tos !== undefined) out.tos = p.tos;
  if (p.keepalive !== undefined) out.keepalive = p.keepalive;
  if (p.mtu !== undefined) out.mtu = p.mtu;
  if (p.address !== undefined) out.address = p.address;
  if (p.up !== undefined) out.up = p.up;
  return out;
}

/**
 * Check what a patch can be checked for without the tunnel's kind: every
 * field but the tunnel id's upper bound for eoipv6 and the address family
 * (see {@link checkTunnelPatch}). For checks before anything is looked up.
 */
export function precheckTunnelPatch(patch: TunnelPatch): void {
  checkFields('patch', patch, PATCH_FIELDS);
}

/** An array of link references (names or ifindexes), each checked; named `targets[i]` in errors. */
export function checkTargets(targets: unknown): LinkRef[] {
  if (!Array.isArray(targets)) {
    throw new InvalidArgumentError('targets', targets, 'an array of names or ifindexes');
  }
  // Array.from, not map: a hole of a sparse array is checked (and refused) like any value.
  return Array.from(targets, (t, i) => linkRef(`targets[${i}]`, t));
}

// --- options -------------------------------------------------------------------

/** Options every operation takes ({@link OperationOptions}). */
export const OPERATION_OPTIONS: FieldTable = fieldTable({ signal: abortSignal, timeout: timeoutMs });

/** Options of the one-shot functions ({@link OneShotOptions}): an operation's and `netns`. */
export const ONE_SHOT_OPTIONS: FieldTable = fieldTable(OPERATION_OPTIONS, { netns: netnsRef });

/** Options of listTunnels ({@link ListTunnelsOptions}). */
export const LIST_TUNNELS_OPTIONS: FieldTable = fieldTable(OPERATION_OPTIONS, {
  kind: tunnelKind,
  name: interfaceName,
  stats: bool,
});

/** Options of EoipClient.listLinks. */
export const LIST_LINKS_OPTIONS: FieldTable = fieldTable(OPERATION_OPTIONS, { kind: linkKind, stats: bool });

/** Options of EoipClient.open. */
export const CLIENT_OPTIONS: FieldTable = fieldTable({ netns: netnsRef, timeout: timeoutMs });

/** Options of EoipClient.withTransport. */
export const TRANSPORT_CLIENT_OPTIONS: FieldTable = fieldTable({ timeout: timeoutMs });

/** Options of applyTunnelsWith. */
export const APPLY_RUN_OPTIONS: FieldTable = fieldTable(OPERATION_OPTIONS, { prune: bool, dryRun: bool });

/** Options of applyTunnels. */
export const APPLY_OPTIONS: FieldTable = fieldTable(APPLY_RUN_OPTIONS, { netns: netnsRef });

/** Options of watchTunnels. */
export const WATCH_OPTIONS: FieldTable = fieldTable({
  kind: tunnelKind,
  signal: abortSignal,
  initial: bool,
  recvBufferSize: int(1, 0x7fffffff),
  isolate: bool,
  netns: netnsRef,
});

/** Options of watchLinks (`kind` is any link kind, and required). */
export const WATCH_LINKS_OPTIONS: FieldTable = fieldTable(WATCH_OPTIONS, { kind: linkKind });

/** Only the {@link OperationOptions} of a larger options object (for the lookups an operation makes). */
export function operationOptions(opts: OperationOptions): OperationOptions {
  const out: OperationOptions = {};
  if (opts.signal !== undefined) out.signal = opts.signal;
  if (opts.timeout !== undefined) out.timeout = opts.timeout;
  return out;
}

/**
 * Check an options object against its table: `undefined` is no options;
 * anything else must be an object whose own keys are all known and whose
 * values pass their checks. Returns the checked options (own properties
 * only, in an object without a prototype).
 */
export function checkOptions<T extends object>(opts: T | undefined, table: FieldTable): T {
  return checkFields<T>('options', opts, table, { optional: true });
}
