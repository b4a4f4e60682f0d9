/**
 * The eoip / eoipv6 IFLA_INFO_DATA, both directions, side by side.
 * This is the one place where IFLA_GRE_* names meet the user's names.
 *
 * Quirks the driver imposes (see the facts file): the tunnel id travels as a
 * u32 in *host* order despite the GRE name; addresses are 4 or 16 bytes in
 * network order; keepalive attributes are absent on old drivers (unknown, not off).
 */

import { formatIPv4, formatIPv6, writeIPv4, writeIPv6 } from './addresses.js';
import { type AttributeWriter, attrU8, attrU32, forEachAttribute } from './attributes.js';
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
import { NetlinkParseError } from './parse-error.js';
import type { TunnelKind, TunnelParams } from './types.js';

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

/** Write an address attribute in place (no temporary array); TypeError for a bad literal. */
function writeAddress(w: AttributeWriter, type: number, kind: TunnelKind, text: string, field: string): void {
  const ok =
    kind === 'eoipv6'
      ? w.inPlace(type, 16, (buf, at) => writeIPv6(text, buf, at))
      : w.inPlace(type, 4, (buf, at) => writeIPv4(text, buf, at));
  if (!ok) throw badAddress(kind, text, field);
}

/** The error for an address literal that is not one of `kind`'s family. */
export function badAddress(kind: TunnelKind, text: string, field: string): TypeError {
  return new TypeError(
    `${field}: ${JSON.stringify(text)} is not an ${kind === 'eoipv6' ? 'IPv6' : 'IPv4'} address`,
  );
}

/**
 * Write the IFLA_INFO_DATA children for a tunnel, in the reference tool's
 * order (IKEY, LOCAL, REMOTE, LINK, TTL, TOS, then keepalive when known).
 * Values must already be validated; a bad address literal throws TypeError.
 */
export function encodeTunnelInfoData(w: AttributeWriter, p: TunnelParams): void {
  w.u32(IFLA_GRE_IKEY, p.tunnelId);
  writeAddress(w, IFLA_GRE_LOCAL, p.kind, p.local, 'local');
  writeAddress(w, IFLA_GRE_REMOTE, p.kind, p.remote, 'remote');
  w.u32(IFLA_GRE_LINK, p.link);
  w.u8(IFLA_GRE_TTL, p.ttl);
  w.u8(IFLA_GRE_TOS, p.tos);
  if (p.keepalive) {
    w.u32(IFLA_EOIP_KA_INTERVAL, p.keepalive.interval);
    w.u8(IFLA_EOIP_KA_RETRIES, p.keepalive.retries);
  }
}

/**
 * Read a tunnel's IFLA_INFO_DATA. Missing attributes read as 0 / the
 * unspecified address, as the driver treats them; missing keepalive reads as `null`.
 * @param data the IFLA_INFO_DATA value (may be undefined: the kind came without data)
 * @param base offset of `data` in the whole message, for error offsets
 */
export function decodeTunnelInfoData(kind: TunnelKind, data: Uint8Array | undefined, base = 0): TunnelParams {
  const p: TunnelParams = {
    kind,
    tunnelId: 0,
    local: anyAddress(kind),
    remote: anyAddress(kind),
    link: 0,
    ttl: 0,
    tos: 0,
    keepalive: null,
  };
  if (!data) return p;
  const alen = addressLength(kind);
  let kaInterval: number | undefined;
  let kaRetries: number | undefined;
  forEachAttribute(
    data,
    0,
    data.byteLength,
    (type, vs, ve) => {
      // Values are read in place (no subarray or DataView per attribute).
      const at = base + vs;
      switch (type) {
        case IFLA_GRE_LINK:
          p.link = attrU32(data, vs, ve, 'IFLA_GRE_LINK', at);
          break;
        case IFLA_GRE_IKEY:
          p.tunnelId = attrU32(data, vs, ve, 'IFLA_GRE_IKEY', at);
          break;
        case IFLA_GRE_LOCAL:
        case IFLA_GRE_REMOTE: {
          const name = type === IFLA_GRE_LOCAL ? 'IFLA_GRE_LOCAL' : 'IFLA_GRE_REMOTE';
          if (ve - vs < alen) {
            throw new NetlinkParseError(`${name} of ${kind} needs ${alen} bytes, got ${ve - vs}`, at);
          }
          const text = alen === 16 ? formatIPv6(data, vs) : formatIPv4(data, vs);
          if (type === IFLA_GRE_LOCAL) p.local = text;
          else p.remote = text;
          break;
        }
        case IFLA_GRE_TTL:
          p.ttl = attrU8(data, vs, ve, 'IFLA_GRE_TTL', at);
          break;
        case IFLA_GRE_TOS:
          p.tos = attrU8(data, vs, ve, 'IFLA_GRE_TOS', at);
          break;
        case IFLA_EOIP_KA_INTERVAL:
          kaInterval = attrU32(data, vs, ve, 'IFLA_EOIP_KA_INTERVAL', at);
          break;
        case IFLA_EOIP_KA_RETRIES:
          kaRetries = attrU8(data, vs, ve, 'IFLA_EOIP_KA_RETRIES', at);
          break;
      }
    },
    base,
  );
  if (kaInterval !== undefined || kaRetries !== undefined) {
    p.keepalive = { interval: kaInterval ?? 0, retries: kaRetries ?? 0 };
  }
  return p;
}
