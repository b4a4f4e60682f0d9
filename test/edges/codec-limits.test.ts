/**
 * The codec refuses what its length fields cannot hold (an attribute's 16
 * bits, a message's 32), text without a UTF-8 form, and link-group numbers
 * a DataView would wrap: NetlinkEncodeError, never a wrapped length the
 * kernel would read as further attributes. And it reads own properties only.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { AttributeWriter, forEachAttribute, NetlinkEncodeError } from '../../src/codec/attributes.js';
import {
  IFINFOMSG_LEN,
  IFLA_ADDRESS,
  IFLA_IFNAME,
  IFLA_MTU,
  NLMSG_HDRLEN,
  RTM_GETLINK,
} from '../../src/codec/constants.js';
import { writeHeader } from '../../src/codec/header.js';
import { decodeLinkMessage } from '../../src/codec/link.js';
import {
  buildDeleteGroupRequest,
  buildRefusedGetLinkRequest,
  buildSetGroupRequest,
} from '../../src/codec/link-requests.js';
import {
  buildChangeTunnelRequest,
  buildCreateTunnelRequest,
  buildDumpLinksRequest,
  buildGetLinkRequest,
  buildNewLinkRequest,
  CREATE_FLAGS,
} from '../../src/codec/requests.js';
import type { TunnelParams } from '../../src/codec/types.js';
import * as pkg from '../../src/index.js';

const PARAMS: TunnelParams = {
  kind: 'eoip',
  tunnelId: 7,
  local: '192.0.2.1',
  remote: '198.51.100.9',
  link: 0,
  ttl: 64,
  tos: 8,
  keepalive: null,
};

/** A name whose wrapped length would make the kernel read an IFLA_MTU of 9000 from its tail. */
function injectingName(): string {
  const mtuAttr = String.fromCharCode(8, 0, IFLA_MTU, 0, 0x28, 0x23, 0, 0);
  return `br0x${mtuAttr}`.padEnd(65_540, 'A');
}

/** Types of the top-level attributes of a link request. */
function topTypes(msg: Uint8Array): number[] {
  const types: number[] = [];
  forEachAttribute(msg, NLMSG_HDRLEN + IFINFOMSG_LEN, msg.byteLength, (t) => types.push(t));
  return types;
}

function refused(build: () => unknown): NetlinkEncodeError {
  try {
    build();
  } catch (e) {
    expect(e).toBeInstanceOf(NetlinkEncodeError);
    return e as NetlinkEncodeError;
  }
  throw new Error('was not refused');
}

describe('attribute lengths', () => {
  it('the generic writer refuses a string, bytes or nest longer than 65,535 bytes with its header', () => {
    const w = new AttributeWriter();
    w.string(IFLA_IFNAME, 'x'.repeat(65_531), false); // 4 + 65,531 = 65,535: fits
    expect(w.length).toBe(65_536);
    const e = refused(() => w.string(IFLA_IFNAME, 'x'.repeat(65_532), false));
    expect(e.length).toBe(65_536);
    expect(e.max).toBe(65_535);
    expect(e.code).toBe('ENCODE');
    refused(() => w.string(IFLA_IFNAME, 'x'.repeat(65_531))); // with its NUL: 65,536
    refused(() => w.string(IFLA_IFNAME, 'é'.repeat(40_000))); // 80,000 bytes of UTF-8
    refused(() => w.bytes(IFLA_ADDRESS, new Uint8Array(65_532)));
    expect(w.length).toBe(65_536); // nothing appended by the refusals
    w.finish();
  });

  it('a nest whose children overflow its length is refused, and the writer is left as before it', () => {
    const w = new AttributeWriter();
    w.u32(1, 5);
    const before = w.length;
    refused(() =>
      w.nest(18, (n) => {
        for (let i = 0; i < 17; i++) n.bytes(1, new Uint8Array(4000));
      }),
    );
    expect(w.length).toBe(before);
    const nested = new AttributeWriter();
    // The inner nest fits; the outer one, with a sibling after it, does not.
    refused(() =>
      nested.nest(18, (n) =>
        n.nest(2, (m) => m.bytes(1, new Uint8Array(65_000))).bytes(3, new Uint8Array(1000)),
      ),
    );
    expect(nested.length).toBe(0);
  });

  it('the generic link request refuses a name, kind or info data its length fields cannot hold', () => {
    refused(() => buildNewLinkRequest(1, CREATE_FLAGS, { name: injectingName(), kind: 'bridge' }));
    refused(() => buildNewLinkRequest(1, CREATE_FLAGS, { kind: 'k'.repeat(70_000) }));
    refused(() =>
      buildNewLinkRequest(1, CREATE_FLAGS, {
        kind: 'vxlan',
        infoData: (w) => {
          for (let i = 0; i < 20; i++) w.bytes(1, new Uint8Array(4000));
        },
      }),
    );
    refused(() => buildGetLinkRequest(1, { name: injectingName() }));
    refused(() => buildDumpLinksRequest(1, { kind: 'k'.repeat(65_532) }));
    // The shared scratch buffer was given back: the next message is whole.
    const ok = buildNewLinkRequest(2, CREATE_FLAGS, { name: 'br0', kind: 'bridge', mtu: 1400 });
    expect(decodeLinkMessage(ok).name).toBe('br0');
    expect(decodeLinkMessage(ok).mtu).toBe(1400);
  });

  it('the direct tunnel writer refuses a name or MAC its length fields cannot hold', () => {
    refused(() => buildCreateTunnelRequest(1, PARAMS, { name: injectingName() }));
    refused(() => buildChangeTunnelRequest(1, 5, PARAMS, { name: 'é'.repeat(40_000) }));
    refused(() => buildCreateTunnelRequest(1, PARAMS, { address: new Uint8Array(65_532) }));
    const ok = buildCreateTunnelRequest(1, PARAMS, { name: 'x'.repeat(65_531) });
    expect(new DataView(ok.buffer, ok.byteOffset).getUint16(NLMSG_HDRLEN + IFINFOMSG_LEN, true)).toBe(65_535);
  });

  it('for any length, a name is written whole or refused, never wrapped', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 140_000 }), (n) => {
        const name = 'n'.repeat(n);
        for (const build of [
          () => buildNewLinkRequest(1, CREATE_FLAGS, { name, kind: 'bridge' }),
          () => buildCreateTunnelRequest(1, PARAMS, { name }),
        ]) {
          if (n + 4 > 65_535) refused(build);
          else expect(decodeLinkMessage(build()).name).toBe(name);
        }
      }),
      { numRuns: 40 },
    );
  });

  it('a message longer than its 32-bit length field is refused', () => {
    const v = new DataView(new ArrayBuffer(16));
    refused(() => writeHeader(v, 0, { length: 2 ** 32, type: RTM_GETLINK, flags: 0, seq: 1, pid: 0 }));
    refused(() => writeHeader(v, 0, { length: -1, type: RTM_GETLINK, flags: 0, seq: 1, pid: 0 }));
    refused(() => buildRefusedGetLinkRequest(1, 70_000));
    refused(() => buildRefusedGetLinkRequest(1, 8));
    expect(buildRefusedGetLinkRequest(1, 65_535 + NLMSG_HDRLEN + IFINFOMSG_LEN).byteLength).toBe(65_567);
  });

  it('link-group requests refuse an ifindex or group a DataView would wrap', () => {
    for (const group of [2 ** 32, 2 ** 32 + 5, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      refused(() => buildSetGroupRequest(1, 3, group));
      refused(() => buildDeleteGroupRequest(1, group));
    }
    for (const index of [2 ** 31, -1, 0.5, Number.NaN]) refused(() => buildSetGroupRequest(1, index, 7));
    expect(buildSetGroupRequest(1, 0x7fffffff, 0xffffffff).byteLength).toBe(40);
  });
});

describe('text', () => {
  it('text with a lone surrogate is refused, not written as U+FFFD', () => {
    for (const name of ['\ud800', 'br\udc00', 'a\ud83d']) {
      refused(() => new AttributeWriter().string(IFLA_IFNAME, name));
      refused(() => buildNewLinkRequest(1, CREATE_FLAGS, { name, kind: 'bridge' }));
      refused(() => buildCreateTunnelRequest(1, PARAMS, { name }));
    }
    // A well-formed pair is fine.
    expect(decodeLinkMessage(buildNewLinkRequest(1, CREATE_FLAGS, { name: 'b😀' })).name).toBe('b😀');
  });
});

describe('own properties only', () => {
  afterEach(() => {
    delete (Object.prototype as Record<string, unknown>)['mtu'];
    delete (Object.prototype as Record<string, unknown>)['kind'];
  });

  it('fields inherited from a prototype never reach a request', () => {
    const body = Object.assign(Object.create({ mtu: 9000, up: true }), { name: 'br0', kind: 'bridge' });
    expect(topTypes(buildNewLinkRequest(1, CREATE_FLAGS, body))).not.toContain(IFLA_MTU);
    const extras = Object.assign(Object.create({ mtu: 9000 }), { name: 't0' });
    expect(decodeLinkMessage(buildCreateTunnelRequest(1, PARAMS, extras)).mtu).toBeUndefined();
  });

  it('a polluted Object.prototype never reaches a request', () => {
    (Object.prototype as Record<string, unknown>)['mtu'] = 9000;
    (Object.prototype as Record<string, unknown>)['kind'] = 'bridge';
    expect(decodeLinkMessage(buildNewLinkRequest(1, CREATE_FLAGS, { name: 'br0' })).mtu).toBeUndefined();
    expect(decodeLinkMessage(buildCreateTunnelRequest(1, PARAMS, { name: 't0' })).mtu).toBeUndefined();
    expect(decodeLinkMessage(buildChangeTunnelRequest(1, 3, PARAMS, {})).mtu).toBeUndefined();
    expect(topTypes(buildGetLinkRequest(1, { name: 'br0' }))).toEqual([IFLA_IFNAME]);
    expect(topTypes(buildDumpLinksRequest(1))).toEqual([]);
  });
});

describe('exports', () => {
  it('NetlinkEncodeError is exported from the package', () => {
    expect(pkg.NetlinkEncodeError).toBe(NetlinkEncodeError);
  });
});

describe('own properties only, every body field', () => {
  const polluted = ['link', 'extMask', 'extra', 'infoData', 'tunnel', 'kind', 'mtu', 'master', 'netnsFd'];
  afterEach(() => {
    for (const k of polluted) delete (Object.prototype as Record<string, unknown>)[k];
  });

  it('no field polluted into Object.prototype reaches any builder', () => {
    const clean = {
      create: buildCreateTunnelRequest(1, PARAMS, { name: 't0' }),
      change: buildChangeTunnelRequest(1, 3, PARAMS, {}),
      get: buildGetLinkRequest(1, { name: 'br0' }),
      getIndex: buildGetLinkRequest(1, { index: 4 }),
      generic: buildNewLinkRequest(1, CREATE_FLAGS, { name: 'br0' }),
      dump: buildDumpLinksRequest(1),
    };
    const proto = Object.prototype as Record<string, unknown>;
    proto['link'] = 7;
    proto['extMask'] = 1;
    proto['extra'] = (w: { u32(type: number, v: number): unknown }) => w.u32(99, 1);
    proto['infoData'] = (w: { u32(type: number, v: number): unknown }) => w.u32(1, 1);
    proto['tunnel'] = PARAMS;
    proto['kind'] = 'bridge';
    proto['mtu'] = 9000;
    proto['master'] = 5;
    proto['netnsFd'] = 3;
    const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
    expect(hex(buildCreateTunnelRequest(1, PARAMS, { name: 't0' }))).toBe(hex(clean.create));
    expect(hex(buildChangeTunnelRequest(1, 3, PARAMS, {}))).toBe(hex(clean.change));
    expect(hex(buildGetLinkRequest(1, { name: 'br0' }))).toBe(hex(clean.get));
    expect(hex(buildGetLinkRequest(1, { index: 4 }))).toBe(hex(clean.getIndex));
    expect(hex(buildNewLinkRequest(1, CREATE_FLAGS, { name: 'br0' }))).toBe(hex(clean.generic));
    expect(hex(buildDumpLinksRequest(1))).toBe(hex(clean.dump));
  });
});
