/**
 * The eoip / eoipv6 IFLA_INFO_DATA: one declaration per attribute, in
 * {@link TUNNEL_ATTRIBUTES}, from which encode, decode, the encoded size and
 * `describeMessage`'s names are all derived (tunnel-data.ts). This is the one
 * place where IFLA_GRE_* names meet the user's names.
 *
 * Quirks the driver imposes (see the facts file): the tunnel id travels as a
 * u32 in *host* order despite the GRE name; addresses are 4 or 16 bytes in
 * network order; keepalive attributes are absent on old drivers (unknown, not off).
 */

import {
  IFLA_EOIP_KA_INTERVAL,
  IFLA_EOIP_KA_RETRIES,
  IFLA_GRE_IKEY,
  IFLA_GRE_LINK,
  IFLA_GRE_LOCAL,
  IFLA_GRE_REMOTE,
  IFLA_GRE_TOS,
  IFLA_GRE_TTL,
} from './constants.js';
import type { Keepalive, TunnelKind, TunnelParams } from './types.js';

/** True for the link kinds of the eoip driver. */
export function isTunnelKind(kind: string | undefined): kind is TunnelKind {
  return kind === 'eoip' || kind === 'eoipv6';
}

/** Address length of a kind's IFLA_GRE_LOCAL / IFLA_GRE_REMOTE. */
export function addressLength(kind: TunnelKind): 4 | 16 {
  return kind === 'eoipv6' ? 16 : 4;
}

/** The unspecified address of a kind (`0.0.0.0` or `::`). */
export function anyAddress(kind: TunnelKind): string {
  return kind === 'eoipv6' ? '::' : '0.0.0.0';
}

/** The error for an address literal that is not one of `kind`'s family. */
export function badAddress(kind: TunnelKind, text: string, field: string): TypeError {
  return new TypeError(
    `${field}: ${JSON.stringify(text)} is not an ${kind === 'eoipv6' ? 'IPv6' : 'IPv4'} address`,
  );
}

/**
 * How a value travels: `u8` and `u32` in host order (a u8 padded to 4 bytes),
 * `address` as the kind's 4 or 16 bytes in network order.
 */
export type TunnelWire = 'u8' | 'u32' | 'address';

/** A value as it travels: a number, or an address's text. */
export type WireValue = number | string;

/**
 * One IFLA_INFO_DATA attribute of a tunnel, and how it maps to its field.
 * `get` and `set` name the field directly: one small function per field
 * keeps every property access monomorphic, which the decoder of a
 * 10,000-link dump depends on.
 */
export interface TunnelAttribute {
  /** Attribute type (IFLA_GRE_* / IFLA_EOIP_*). */
  readonly id: number;
  /** The attribute's name, for errors and `describeMessage`. */
  readonly name: string;
  /** How the value travels. */
  readonly wire: TunnelWire;
  /** The kinds whose driver reads this attribute. */
  readonly kinds: readonly TunnelKind[];
  /**
   * Sent only when `get` gives a value (keepalive, unknown to old drivers);
   * false: always sent.
   */
  readonly optional: boolean;
  /** The attribute's value in `p`; undefined (only for an optional one): not sent. */
  readonly get: (p: TunnelParams) => WireValue | undefined;
  /** Store the value read from the wire into `p`. */
  readonly set: (p: TunnelParams, v: WireValue) => void;
}

/** How one field of {@link TunnelParams} travels. */
export interface TunnelFieldCodec {
  /** Give `p` the field's value for when the driver sends none of its attributes (what the driver assumes then). */
  readonly reset: (p: TunnelParams) => void;
  /** The field's attributes, in the order they are sent. */
  readonly attributes: readonly TunnelAttribute[];
}

/** The fields of {@link TunnelParams} that travel as attributes. */
export type TunnelField = Exclude<keyof TunnelParams, 'kind' | 'unknown'>;

const BOTH: readonly TunnelKind[] = ['eoip', 'eoipv6'];

type Get<V> = (p: TunnelParams) => V | undefined;
type Set<V> = (p: TunnelParams, v: V) => void;

function attribute(
  id: number,
  name: string,
  wire: TunnelWire,
  get: Get<WireValue>,
  set: Set<never>,
): TunnelAttribute {
  return { id, name, wire, kinds: BOTH, optional: false, get, set: set as Set<WireValue> };
}

/** An attribute sent only when its value is known. */
const optional = (a: TunnelAttribute): TunnelAttribute => ({ ...a, optional: true });
const u8 = (id: number, name: string, get: Get<number>, set: Set<number>) =>
  attribute(id, name, 'u8', get, set);
const u32 = (id: number, name: string, get: Get<number>, set: Set<number>) =>
  attribute(id, name, 'u32', get, set);
const address = (id: number, name: string, get: Get<string>, set: Set<string>) =>
  attribute(id, name, 'address', get, set);

/** The keepalive being read: decoding owns it, the first part read creates it. */
const keepaliveOf = (p: TunnelParams): Keepalive => (p.keepalive ??= { interval: 0, retries: 0 });

/**
 * Every tunnel attribute, by field, in the reference tool's order (IKEY,
 * LOCAL, REMOTE, LINK, TTL, TOS, then keepalive when known). A field of
 * {@link TunnelParams} without an entry here does not compile.
 */
export const TUNNEL_ATTRIBUTES: { readonly [F in TunnelField]: TunnelFieldCodec } = {
  tunnelId: {
    reset: (p) => {
      p.tunnelId = 0;
    },
    attributes: [
      u32(
        IFLA_GRE_IKEY,
        'IFLA_GRE_IKEY',
        (p) => p.tunnelId,
        (p, v) => {
          p.tunnelId = v;
        },
      ),
    ],
  },
  local: {
    reset: (p) => {
      p.local = anyAddress(p.kind);
    },
    attributes: [
      address(
        IFLA_GRE_LOCAL,
        'IFLA_GRE_LOCAL',
        (p) => p.local,
        (p, v) => {
          p.local = v;
        },
      ),
    ],
  },
  remote: {
    reset: (p) => {
      p.remote = anyAddress(p.kind);
    },
    attributes: [
      address(
        IFLA_GRE_REMOTE,
        'IFLA_GRE_REMOTE',
        (p) => p.remote,
        (p, v) => {
          p.remote = v;
        },
      ),
    ],
  },
  link: {
    reset: (p) => {
      p.link = 0;
    },
    attributes: [
      u32(
        IFLA_GRE_LINK,
        'IFLA_GRE_LINK',
        (p) => p.link,
        (p, v) => {
          p.link = v;
        },
      ),
    ],
  },
  ttl: {
    reset: (p) => {
      p.ttl = 0;
    },
    attributes: [
      u8(
        IFLA_GRE_TTL,
        'IFLA_GRE_TTL',
        (p) => p.ttl,
        (p, v) => {
          p.ttl = v;
        },
      ),
    ],
  },
  tos: {
    reset: (p) => {
      p.tos = 0;
    },
    attributes: [
      u8(
        IFLA_GRE_TOS,
        'IFLA_GRE_TOS',
        (p) => p.tos,
        (p, v) => {
          p.tos = v;
        },
      ),
    ],
  },
  keepalive: {
    // Both attributes absent: the driver predates keepalive (not "off").
    reset: (p) => {
      p.keepalive = null;
    },
    attributes: [
      optional(
        u32(
          IFLA_EOIP_KA_INTERVAL,
          'IFLA_EOIP_KA_INTERVAL',
          (p) => p.keepalive?.interval,
          (p, v) => {
            keepaliveOf(p).interval = v;
          },
        ),
      ),
      optional(
        u8(
          IFLA_EOIP_KA_RETRIES,
          'IFLA_EOIP_KA_RETRIES',
          (p) => p.keepalive?.retries,
          (p, v) => {
            keepaliveOf(p).retries = v;
          },
        ),
      ),
    ],
  },
};

/** The fields in sending order. */
export const TUNNEL_FIELDS = Object.keys(TUNNEL_ATTRIBUTES) as TunnelField[];
