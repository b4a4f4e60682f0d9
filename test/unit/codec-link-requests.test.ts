/**
 * The link-group requests are written directly; they must be the bytes the
 * generic link writer produces for the same fields.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { forEachAttribute } from '../../src/codec/attributes.js';
import { toHex } from '../../src/codec/bytes.js';
import { IFLA_GROUP, NLM_F_ACK, NLM_F_REQUEST, RTM_DELLINK } from '../../src/codec/constants.js';
import { decodeLinkMessage } from '../../src/codec/link.js';
import { encodeLinkRequest } from '../../src/codec/link-request.js';
import {
  buildDeleteGroupRequest,
  buildRefusedGetLinkRequest,
  buildSetGroupRequest,
} from '../../src/codec/link-requests.js';
import { buildNewLinkRequest, CHANGE_FLAGS } from '../../src/codec/requests.js';

const u32 = fc.integer({ min: 0, max: 0xffffffff });
const seq = fc.integer({ min: 1, max: 0xffffffff });

describe('link-group requests', () => {
  it('a group move is the generic change with IFLA_GROUP only', () => {
    fc.assert(
      fc.property(seq, fc.integer({ min: 1, max: 0x7fffffff }), u32, (s, index, group) => {
        const generic = buildNewLinkRequest(s, CHANGE_FLAGS, {
          index,
          extra: (w) => w.u32(IFLA_GROUP, group),
        });
        expect(toHex(buildSetGroupRequest(s, index, group))).toBe(toHex(generic));
      }),
    );
  });

  it('a group delete is RTM_DELLINK with ifindex 0, no name and IFLA_GROUP', () => {
    fc.assert(
      fc.property(seq, u32, (s, group) => {
        const generic = encodeLinkRequest(RTM_DELLINK, NLM_F_REQUEST | NLM_F_ACK, s, {
          extra: (x) => x.u32(IFLA_GROUP, group),
        });
        expect(toHex(buildDeleteGroupRequest(s, group))).toBe(toHex(generic));
      }),
    );
    const m = decodeLinkMessage(buildDeleteGroupRequest(9, 0x9abcdef0));
    expect(m.index).toBe(0);
    expect(m.name).toBeUndefined();
    const g = m.unknown.find((a) => a.type === IFLA_GROUP)!;
    expect(new DataView(g.value.buffer, g.value.byteOffset, 4).getUint32(0, true)).toBe(0x9abcdef0);
  });

  it('the refused RTM_GETLINK is exactly `size` bytes: no link named, one unknown attribute filling the rest', () => {
    const m = buildRefusedGetLinkRequest(77, 32 * 1024);
    const v = new DataView(m.buffer, m.byteOffset, m.byteLength);
    expect(m.byteLength).toBe(32768);
    expect([v.getUint32(0, true), v.getUint16(4, true), v.getUint16(6, true), v.getUint32(8, true)]).toEqual([
      32768,
      18, // RTM_GETLINK
      NLM_F_REQUEST | NLM_F_ACK,
      77,
    ]);
    expect(v.getInt32(16 + 4, true)).toBe(0); // ifi_index: no link
    const attrs: number[][] = [];
    forEachAttribute(m, 32, m.byteLength, (type, vs, ve) => attrs.push([type, ve - vs]));
    expect(attrs).toEqual([[0x3fff, 32768 - 36]]);
  });
});
