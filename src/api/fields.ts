/**
 * One declaration per tunnel parameter, as users meet it: how it is checked
 * in a spec and in a patch, its default, how it is resolved into what the
 * kernel takes, how a change carries it, how it is compared, how it prints
 * (the monitor's summary, the list line, JSON) and how the command line names
 * it. Validation, create and change, apply's diff and patch, watch's
 * comparison, the restore after a refused change, `eoip list`, `eoip monitor`,
 * `-j` and the command line's grammar and help are all derived from
 * {@link TUNNEL_PARAMS}; a parameter of {@link TunnelParams} without an entry
 * does not compile. How a parameter travels on the wire is the codec's table
 * (codec/eoip.ts).
 */
import { TUNNEL_FIELDS, type TunnelField } from '../codec/eoip.js';
import type { Keepalive, TunnelKind, TunnelParams } from '../codec/types.js';
import { type Check, int, linkRef } from '../transport/check.js';
import { InvalidArgumentError } from './errors.js';
import type { LinkRef } from './types.js';
import {
  checkAddress,
  checkRemote,
  KEEPALIVE_INTERVAL_MAX,
  normalizeKeepalive,
  TUNNEL_ID_MAX,
} from './validate-values.js';

export type { TunnelField };

/** How the command line reads a parameter's value (each form has one parser there). */
export type ValueForm = 'number' | 'address' | 'link' | 'keepalive';

/** What resolving a checked value into the kernel's value may ask for. */
export interface ResolveContext {
  /** The tunnel's kind. */
  readonly kind: TunnelKind;
  /** The tunnel's remote address, canonical (for `local: 'auto'`). */
  readonly remote: string;
  /** The ifindex of an interface reference; `field` names it in errors. */
  readonly resolveLink: (field: string, ref: LinkRef) => Promise<number>;
  /** The source address the kernel would use towards `remote`. */
  readonly autoLocal: (remote: string) => Promise<string>;
}

/** Where a parameter sits in the reference tool's `list` line. */
export type LinePlace =
  /** In the line's head, `<index>: <name>@<link>: link/<kind>`. */
  | 'head'
  /** A segment after the head; segments print by rising `rank`; `text` undefined prints nothing. */
  | { readonly rank: number; readonly text: (v: never) => string | undefined };

/** Everything about one tunnel parameter of type `V` but its wire form. */
export interface TunnelParamSpec<V> {
  /** Its word on the command line (`eoip add … tos 16`) and in the monitor's summary. */
  readonly word: string;
  /** Other words the command line takes for it (the reference tool's abbreviations). */
  readonly aliases: readonly string[];
  /**
   * Whether the reference tool knows its word and aliases: a prefix of a
   * reference word keeps the meaning it has there, whatever newer words share
   * it (the command line's abbreviation rules). False for a parameter the
   * reference tool does not have.
   */
  readonly reference: boolean;
  /** How the command line reads its value. */
  readonly form: ValueForm;
  /** The placeholder and text of its line in `eoip add --help`. */
  readonly help: { readonly arg: string; readonly text: string };
  /** Check of a spec's value that needs no kind (`later`: only once the kind is known). */
  readonly spec: Check;
  /** Check of a patch's value that needs no kind. */
  readonly patch: Check;
  /** The check that needs the kind: the value canonical, or InvalidArgumentError. */
  readonly forKind: (v: never, kind: TunnelKind) => unknown;
  /** The value of a spec that does not give it: what a create sends. */
  readonly default: (kind: TunnelKind) => unknown;
  /** A checked value (or the default) as the kernel takes it: references and `auto` resolved. */
  readonly resolve: (v: never, ctx: ResolveContext) => V | Promise<V>;
  /**
   * What a change that does not give it sends: `current`, the tunnel's value
   * (the driver resets what a change leaves out); `absent`, nothing (the
   * driver keeps it), so giving it always sends the parameters.
   */
  readonly onChange: 'current' | 'absent';
  /** The value a change sends for `absent`. */
  readonly absent?: V;
  /** False when the driver did not report it (then there is nothing to compare it with). */
  readonly reported: (v: V) => boolean;
  /** Equal values. */
  readonly same: (a: V, b: V) => boolean;
  /** The value a desired state compares with what the kernel reports (a create's default as the driver applies it). */
  readonly desired: (v: V) => V;
  /** Part of the driver's identity of a tunnel: one tunnel per kind and combination. */
  readonly identity: boolean;
  /** The value as text (the monitor's summary, apply's plan, error messages). */
  readonly text: (v: V) => string;
  /** The value in `-j` output and apply's JSON. */
  readonly json: (v: V) => unknown;
  /** Its place in the list line. */
  readonly line: LinePlace;
  /** Its place in the monitor's summary, among the link fields (name 10, running 20, up 30, mtu 40, address 100, master 110). */
  readonly monitorRank: number;
  /**
   * The driver changes it while the tunnel is up. False: a change of it
   * is refused (EBUSY) unless the tunnel is down, so apply sets the tunnel
   * down, changes it and sets it up again.
   */
  readonly changeWhileUp: boolean;
}

/** An address of either family, kept as written (its family is checked once the kind is known). */
function addressText(field: string, v: unknown): string {
  checkAddress(field, v);
  return v as string;
}

/** A value only taken in by the field check, and checked once the kind is known. */
const later: Check = (_field, v) => v;

const same = <V>(a: V, b: V) => a === b;
const always = () => true;
const itself = <V>(v: V) => v;
const decimal = (v: number) => String(v);
/** 0 = none, as the list line's head, the monitor and the reference tool print a missing interface. */
const noneOrIndex = (v: number) => (v === 0 ? 'none' : String(v));

/**
 * What most parameters share: no other word, no check that needs the kind,
 * nothing to resolve, carried over by a change, always reported, compared
 * with ===, in JSON as they are, and changed while the tunnel is up.
 */
const PLAIN = {
  aliases: [],
  changeWhileUp: true,
  forKind: itself,
  resolve: itself,
  onChange: 'current',
  reported: always,
  same,
  desired: itself,
  json: itself,
} as const;

function u8Param(
  word: string,
  help: string,
  lineRank: number,
  monitorRank: number,
): Omit<TunnelParamSpec<number>, 'reference'> {
  return {
    ...PLAIN,
    word,
    form: 'number',
    help: { arg: 'N', text: help },
    spec: int(0, 255),
    patch: int(0, 255),
    default: () => 0,
    identity: false,
    text: decimal,
    line: { rank: lineRank, text: (v: number) => `${word} ${v}` },
    monitorRank,
  };
}

function keepaliveText(k: Keepalive | null): string {
  if (k === null) return 'unknown';
  return k.interval === 0 ? 'none' : `${k.interval},${k.retries}`;
}

const OFF: Keepalive = { interval: 0, retries: 0 };

/** The family an address must have in a tunnel of `kind`, said so that the user knows why. */
function familyOf(kind: TunnelKind): 4 | 6 {
  return kind === 'eoipv6' ? 6 : 4;
}

/**
 * Every tunnel parameter, in the order of JSON output and of apply's diff.
 * The address fields check their family against the tunnel's kind, which
 * cannot change in place.
 */
export const TUNNEL_PARAMS: { readonly [F in TunnelField]: TunnelParamSpec<TunnelParams[F]> } = {
  tunnelId: {
    ...PLAIN,
    word: 'tunnel-id',
    aliases: ['tid'],
    reference: true,
    form: 'number',
    help: {
      arg: 'ID',
      text: `(alias tid) 0..${TUNNEL_ID_MAX.eoip} for eoip, 0..${TUNNEL_ID_MAX.eoipv6} for eoipv6`,
    },
    spec: later,
    patch: int(0, TUNNEL_ID_MAX.eoip),
    forKind: (v: unknown, kind) => checkTunnelId(v, kind),
    default: () => undefined,
    identity: true,
    text: decimal,
    line: { rank: 30, text: (v: number) => `tunnel-id ${v}` },
    monitorRank: 60,
  },
  local: {
    ...PLAIN,
    word: 'local',
    reference: true,
    form: 'address',
    help: { arg: 'ADDR', text: "local address; default any; 'auto' = the source towards remote" },
    spec: later,
    patch: (field, v) => (v === 'auto' ? 'auto' : addressText(field, v)),
    forKind: (v: string, kind) => (v === 'auto' ? 'auto' : checkFamily('local', v, kind, checkAddress)),
    default: (kind) => (kind === 'eoipv6' ? '::' : '0.0.0.0'),
    resolve: (v: string, ctx) => (v === 'auto' ? ctx.autoLocal(ctx.remote) : v),
    identity: true,
    text: itself,
    line: { rank: 10, text: itself },
    monitorRank: 70,
  },
  remote: {
    ...PLAIN,
    word: 'remote',
    reference: true,
    form: 'address',
    help: { arg: 'ADDR', text: 'peer address; required' },
    spec: later,
    patch: addressText,
    forKind: (v: string, kind) => checkFamily('remote', v, kind, (_f, x, family) => checkRemote(x, family)),
    default: () => undefined,
    identity: true,
    text: itself,
    line: { rank: 20, text: (v: string) => `remote ${v}` },
    monitorRank: 80,
  },
  link: {
    ...PLAIN,
    word: 'link',
    reference: true,
    form: 'link',
    help: { arg: 'DEV', text: "underlying device, name or ifindex ('none' or 0 = none)" },
    spec: linkRef,
    patch: (field, v) => (v === null || v === 0 ? null : linkRef(field, v)),
    default: () => undefined,
    resolve: (v: LinkRef | null | undefined, ctx) =>
      v === undefined || v === null ? 0 : ctx.resolveLink('link', v),
    identity: true,
    text: noneOrIndex,
    line: 'head',
    monitorRank: 90,
  },
  ttl: { ...u8Param('ttl', '0..255, 0 = inherit (default)', 40, 91), reference: true },
  tos: { ...u8Param('tos', '0..255 (default 0)', 50, 92), reference: true },
  keepalive: {
    word: 'keepalive',
    aliases: [],
    reference: true,
    form: 'keepalive',
    help: {
      arg: 'K',
      text: `none | SECS (retries 10) | SECS,RETRIES; SECS 0..${KEEPALIVE_INTERVAL_MAX}, 0 = off; default off`,
    },
    spec: (_field, v) => normalizeKeepalive(v),
    patch: (_field, v) => normalizeKeepalive(v),
    forKind: itself,
    // Not given: no keepalive attributes, and the driver's default (off).
    default: () => null,
    resolve: itself,
    onChange: 'absent',
    absent: null,
    // null: a driver before 2.x, which does not report keepalive.
    reported: (k) => k !== null,
    same: (a, b) =>
      a === b || (a !== null && b !== null && a.interval === b.interval && a.retries === b.retries),
    desired: (k) => k ?? OFF,
    identity: false,
    text: keepaliveText,
    json: (k) => (k ? { interval: k.interval, retries: k.retries } : null),
    line: { rank: 60, text: (k: Keepalive | null) => (k ? `keepalive ${keepaliveText(k)}` : undefined) },
    monitorRank: 50,
    changeWhileUp: true,
  },
};

export { TUNNEL_FIELDS };

/** True for the name of a tunnel parameter (a field of the table). */
export function isTunnelField(field: string): field is TunnelField {
  return Object.hasOwn(TUNNEL_PARAMS, field);
}

/** The entry of `f`, typed loosely: for the loops that treat every parameter alike. */
export function paramSpec(f: TunnelField): TunnelParamSpec<unknown> {
  return TUNNEL_PARAMS[f] as unknown as TunnelParamSpec<unknown>;
}

function checkTunnelId(v: unknown, kind: TunnelKind): number {
  const max = TUNNEL_ID_MAX[kind];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > max) {
    throw new InvalidArgumentError('tunnelId', v, `0..${max} for ${kind}`);
  }
  return v;
}

/**
 * The tunnel parameters a create sends: each checked value (see
 * {@link TUNNEL_PARAMS}) resolved, in table order.
 */
export async function resolveParams(
  checked: { readonly [F in TunnelField]: unknown },
  ctx: ResolveContext,
): Promise<TunnelParams> {
  const out: Record<string, unknown> = { kind: ctx.kind };
  for (const f of TUNNEL_FIELDS) out[f] = await paramSpec(f).resolve(checked[f] as never, ctx);
  return out as unknown as TunnelParams;
}

/**
 * The tunnel parameters a change of `current` sends, and whether it must send
 * them at all: a given value resolved, an omitted one as its `onChange` says.
 * Attributes of a newer driver that this version does not know are sent back
 * as they were, so that the change does not reset them.
 */
export async function changedParams(
  current: TunnelParams,
  patch: { readonly [F in TunnelField]?: unknown },
  ctx: ResolveContext,
): Promise<{ params: TunnelParams; touched: boolean }> {
  const out = carriedParams(current, () => false) as unknown as Record<string, unknown>;
  let touched = false;
  for (const f of TUNNEL_FIELDS) {
    const given = patch[f];
    if (given === undefined) continue;
    const e = paramSpec(f);
    const v = await e.resolve(given as never, ctx);
    out[f] = v;
    if (e.onChange === 'absent' || !e.same(v, current[f])) touched = true;
  }
  return { params: out as unknown as TunnelParams, touched };
}

/**
 * The parameters a request sends to keep `state`, where the driver rebuilds
 * every parameter from the request: each one a change must carry
 * (`onChange: 'current'`) as it is in `state`; one the driver keeps when it
 * is left out (`absent`) only when `send` asks for it. Attributes of a newer
 * driver that this version does not know go back as they were.
 */
export function carriedParams(state: TunnelParams, send: (f: TunnelField) => boolean): TunnelParams {
  const out: Record<string, unknown> = { kind: state.kind };
  for (const f of TUNNEL_FIELDS) {
    const e = paramSpec(f);
    out[f] = e.onChange === 'current' || send(f) ? state[f] : e.absent;
  }
  if (state.unknown) out['unknown'] = state.unknown;
  return out as unknown as TunnelParams;
}

/**
 * The parameters that differ between two states of a tunnel, in table order
 * (a parameter the driver does not report in either is not compared).
 */
export function differingParams(a: TunnelParams, b: TunnelParams): TunnelField[] {
  return TUNNEL_FIELDS.filter((f) => {
    const e = paramSpec(f);
    return e.reported(a[f]) && e.reported(b[f]) && !e.same(a[f], b[f]);
  });
}

/** True when every parameter of `a` and `b` is the same (an unreported value equals only another). */
export function sameParams(a: TunnelParams, b: TunnelParams): boolean {
  return TUNNEL_FIELDS.every((f) => paramSpec(f).same(a[f], b[f]));
}

/** The driver's identity of a tunnel (kind and the identity parameters) as one string. */
export function identityKey(t: TunnelParams): string {
  let key = t.kind;
  for (const f of TUNNEL_FIELDS) {
    const e = paramSpec(f);
    if (e.identity) key += `|${e.text(t[f])}`;
  }
  return key;
}

/** An address of the kind's family, canonical; another family is refused with the reason. */
function checkFamily(
  field: string,
  v: string,
  kind: TunnelKind,
  check: (field: string, v: unknown, family: 4 | 6) => { text: string },
): string {
  const family = familyOf(kind);
  const a = checkAddress(field, v);
  if (a.family !== family) {
    throw new InvalidArgumentError(
      field,
      v,
      `an IPv${family} address (the tunnel is ${kind}; delete and re-create it to change family)`,
    );
  }
  return check(field, v, family).text;
}
