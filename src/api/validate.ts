/**
 * Input checks: every field and every option is checked here, before
 * anything reaches the kernel or a helper process, and every failure is an
 * InvalidArgumentError naming the field, the value and what is allowed.
 * The mechanism (field tables, own properties only, the value checkers) is
 * the transport's (src/transport/check.ts), shared with the generic link
 * functions; the tables here are the tunnel API's.
 */
import { createRequire } from 'node:module';
import { formatMac } from '../codec/addresses.js';
import { TUNNEL_FIELDS, type TunnelField } from '../codec/eoip.js';
import type { TunnelKind } from '../codec/types.js';
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
import { paramSpec } from './fields.js';
import type { LinkRef, OperationOptions, TunnelPatch, TunnelSpec } from './types.js';
import { checkAddress, checkRemote, MTU_MAX, MTU_MIN, TUNNEL_ID_MAX } from './validate-values.js';

export {
  checkAddress,
  checkRemote,
  DEFAULT_KEEPALIVE_RETRIES,
  KEEPALIVE_INTERVAL_MAX,
  MTU_MAX,
  MTU_MIN,
  normalizeKeepalive,
  TUNNEL_ID_MAX,
} from './validate-values.js';
export { checkInt, checkInterfaceName, checkMac };

const tunnelKind: Check<TunnelKind> = oneOf<TunnelKind>('eoip', 'eoipv6');

/** A link reference: a valid interface name or an ifindex 1..2147483647. */
export function checkLinkRef(field: string, v: unknown): LinkRef {
  return linkRef(field, v);
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

/** Each tunnel parameter of a spec, checked and canonical (or its default); `link` and `local: 'auto'` still to resolve. */
export type CheckedParams = { [F in TunnelField]: unknown };

/** A create spec with every field checked; names of link/master are still to be resolved. */
export interface CheckedSpec {
  kind: TunnelKind;
  /** The tunnel parameters: see {@link CheckedParams}. */
  params: CheckedParams;
  /** The tunnel id, checked (also in `params`). */
  tunnelId: number;
  /** The remote, canonical (also in `params`). */
  remote: string;
  name?: string;
  mtu?: number;
  /** MAC bytes, or 'auto'. */
  address?: Uint8Array | 'auto';
  master?: LinkRef;
  up?: boolean;
}

/** `'auto'` or a MAC address as bytes. */
const macOrAuto: Check<Uint8Array | 'auto'> = (field, v) => (v === 'auto' ? 'auto' : checkMac(field, v));

/** `null` or `0` (none), or a link reference. */
const linkRefOrNone: Check<LinkRef | null> = (field, v) => (v === null || v === 0 ? null : linkRef(field, v));

/** `'auto'` or a MAC address, kept as written (a patch carries text). */
function macTextOrAuto(field: string, v: unknown): string {
  if (v !== 'auto') checkMac(field, v);
  return v as string;
}

/** Each tunnel parameter's check of one kind (`spec` or `patch`), from the parameter table. */
function paramChecks(which: 'spec' | 'patch'): Record<string, Check> {
  return Object.fromEntries(TUNNEL_FIELDS.map((f) => [f, paramSpec(f)[which]]));
}

/**
 * The fields of a {@link TunnelSpec}: the tunnel parameters (those whose
 * check needs the kind are checked right after, once the remote's family
 * gives it), then the link's.
 */
const SPEC_FIELDS: FieldTable = fieldTable(paramChecks('spec'), {
  name: interfaceName,
  mtu: int(MTU_MIN, MTU_MAX),
  address: macOrAuto,
  master: linkRef,
  up: bool,
});

/** The interface's fields of a {@link TunnelPatch}: `master` also `null`/`0` for none. */
const PATCH_LINK_FIELDS = {
  name: interfaceName,
  mtu: int(MTU_MIN, MTU_MAX),
  address: macTextOrAuto,
  master: linkRefOrNone,
  up: bool,
};

/** The fields of a {@link TunnelPatch}: the tunnel parameters, then the interface's. */
const PATCH_FIELDS: FieldTable = fieldTable(paramChecks('patch'), PATCH_LINK_FIELDS);

/**
 * Check a {@link TunnelSpec}: throws InvalidArgumentError on the first bad
 * field. Only the spec's own properties count: inherited ones are ignored.
 */
export function checkTunnelSpec(input: TunnelSpec): CheckedSpec {
  const spec = checkFields<Record<string, unknown>>('spec', input, SPEC_FIELDS);
  if (spec['remote'] === undefined)
    throw new InvalidArgumentError('remote', undefined, 'an IPv4 or IPv6 address (required)');
  // The remote's family is the tunnel's kind.
  const kind: TunnelKind = checkRemote(spec['remote']).family === 6 ? 'eoipv6' : 'eoip';
  if (spec['tunnelId'] === undefined) {
    throw new InvalidArgumentError(
      'tunnelId',
      undefined,
      `an integer 0..${TUNNEL_ID_MAX[kind]} for ${kind} (required)`,
    );
  }
  const params = {} as Record<TunnelField, unknown>;
  for (const f of TUNNEL_FIELDS) {
    const e = paramSpec(f);
    const v = spec[f];
    params[f] = v === undefined ? e.default(kind) : e.forKind(v as never, kind);
  }
  // Every field own (undefined when not given): reading one never reaches Object.prototype.
  return {
    kind,
    params,
    tunnelId: params.tunnelId as number,
    remote: params.remote as string,
    name: spec['name'] as string | undefined,
    mtu: spec['mtu'] as number | undefined,
    address: spec['address'] as Uint8Array | 'auto' | undefined,
    master: spec['master'] as LinkRef | undefined,
    up: spec['up'] as boolean | undefined,
  };
}

/**
 * Check a {@link TunnelPatch} against the tunnel's kind. Address fields must
 * stay in the tunnel's family: the kind cannot change in place. Only the
 * patch's own properties count: inherited ones are ignored. The result has
 * every field as an own property, undefined when not given, the others
 * checked and canonical.
 */
export function checkTunnelPatch(input: TunnelPatch, kind: TunnelKind): TunnelPatch {
  const p = checkFields<Record<string, unknown>>('patch', input, PATCH_FIELDS);
  const out: Record<string, unknown> = {};
  for (const f of TUNNEL_FIELDS) {
    const v = p[f];
    out[f] = v === undefined ? undefined : paramSpec(f).forKind(v as never, kind);
  }
  for (const f of Object.keys(PATCH_LINK_FIELDS)) out[f] = p[f];
  return out as TunnelPatch;
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
