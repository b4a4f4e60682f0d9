/**
 * The socket asks for extended acknowledgements (NETLINK_EXT_ACK), so the
 * kernel's own explanation of a refusal, and the attribute it blames, reach
 * the KernelError. Exact texts of this kernel's refusals.
 */
import { describe, expect, it } from 'vitest';
import type { AttributeWriter } from '../../src/codec/attributes.js';
import { NLM_F_ACK, NLM_F_CREATE, NLM_F_EXCL, NLM_F_REQUEST } from '../../src/codec/constants.js';
import { buildNewLinkRequest } from '../../src/codec/requests.js';
import { KernelError, KindNotAvailableError } from '../../src/transport/errors.js';
import { changeLink, createLink, deleteLink, getLink } from '../../src/transport/links.js';
import { NetlinkSocket } from '../../src/transport/socket.js';
import { canUseKernel, uniqueName } from '../kernel/helpers.js';

const IFLA_VXLAN_ID = 1;

/** IFLA_INFO_DATA of a vxlan with this VNI (port 4789). */
function vxlanData(vni: number) {
  return (w: AttributeWriter) => {
    w.u32(IFLA_VXLAN_ID, vni);
    w.bytes(15 /* IFLA_VXLAN_PORT */, new Uint8Array([0x12, 0xb5]));
  };
}

async function refusal(p: Promise<unknown>): Promise<KernelError> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(KernelError);
  return e as KernelError;
}

describe.skipIf(!canUseKernel)('kernel messages (extended ack)', () => {
  it('an unknown link kind: "Unknown device type"', async () => {
    const sock = NetlinkSocket.open();
    try {
      const e = await refusal(createLink(sock, { name: uniqueName('nk'), kind: 'nosuchkind' }));
      expect(e).toBeInstanceOf(KindNotAvailableError);
      expect(e.errno).toBe(95);
      expect(e.kernelMessage).toBe('Unknown device type');
      expect(e.extAck?.message).toBe('Unknown device type');
      expect(e.message).toContain('(EOPNOTSUPP: Unknown device type)');
    } finally {
      sock.close();
    }
  });

  it('an MTU above the device maximum: "mtu greater than device maximum"', async () => {
    const sock = NetlinkSocket.open();
    const name = uniqueName('mt');
    try {
      await createLink(sock, { name, kind: 'bridge' });
      const e = await refusal(changeLink(sock, { name, mtu: 70_000 }));
      expect(e.errno).toBe(22);
      expect(e.operation).toBe('change');
      expect(e.interface).toBe(name);
      expect(e.kernelMessage).toBe('mtu greater than device maximum');
      // Nothing changed.
      expect((await getLink(sock, { name }))?.mtu).toBe(1500);
    } finally {
      await deleteLink(sock, { name }).catch(() => undefined);
      sock.close();
    }
  });

  it('a bridge as the master of a bridge: "Can not enslave a bridge to a bridge"', async () => {
    const sock = NetlinkSocket.open();
    const inner = uniqueName('bi');
    const outer = uniqueName('bo');
    try {
      await createLink(sock, { name: inner, kind: 'bridge' });
      await createLink(sock, { name: outer, kind: 'bridge' });
      const master = (await getLink(sock, { name: outer }))!.index;
      const e = await refusal(changeLink(sock, { name: inner, master }));
      expect(e.errno).toBe(40); // ELOOP
      expect(e.kernelMessage).toBe('Can not enslave a bridge to a bridge');
      expect((await getLink(sock, { name: inner }))?.master).toBeUndefined();
    } finally {
      await deleteLink(sock, { name: inner }).catch(() => undefined);
      await deleteLink(sock, { name: outer }).catch(() => undefined);
      sock.close();
    }
  });

  it('a value out of range: the text, and the offset of the attribute at fault in the request', async () => {
    const sock = NetlinkSocket.open();
    const name = uniqueName('vx');
    const body = { name, kind: 'vxlan', infoData: vxlanData(1 << 24) };
    try {
      const e = await refusal(createLink(sock, body));
      expect(e.errno).toBe(34); // ERANGE
      expect(e.kernelMessage).toBe('VXLAN ID must be lower than 16777216');
      const offset = e.extAck?.offset;
      expect(offset).toBeTypeOf('number');
      // The same request, rebuilt: the offset points at its IFLA_VXLAN_ID attribute.
      const request = buildNewLinkRequest(1, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, body);
      const view = new DataView(request.buffer, request.byteOffset, request.byteLength);
      expect(view.getUint16(offset! + 2, true) & 0x3fff).toBe(IFLA_VXLAN_ID);
      expect(view.getUint32(offset! + 4, true)).toBe(1 << 24);
    } finally {
      await deleteLink(sock, { name }).catch(() => undefined);
      sock.close();
    }
  });
});
