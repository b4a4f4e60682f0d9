/**
 * A change the kernel refuses half-way is put back whole: every tunnel
 * parameter and link attribute it applied before refusing (master, MTU, MAC,
 * name, up) is restored from the state read before the change. The kernel
 * is a model (change-kernel-model.ts) that applies a change in the real
 * kernel's order and keeps what it applied when it refuses.
 */
import { describe, expect, it } from 'vitest';
import { EoipClient } from '../../src/api/client.js';
import { InvalidArgumentError, KernelError, TimeoutError, TunnelExistsError } from '../../src/api/errors.js';
import type { TunnelPatch } from '../../src/api/types.js';
import { bridgeAndDummy, KernelModel, type ModelLink, tunnel } from './change-kernel-model.js';

const EOPNOTSUPP = 95;
const EINVAL = 22;
const EPERM = 1;

function setup(t1: Partial<ModelLink> = {}) {
  const model = new KernelModel([...bridgeAndDummy(), tunnel(10, 't1', t1)]);
  return { model, client: EoipClient.withTransport(model), t1: () => model.links.get(10)! };
}

describe('a refused change puts back what the kernel applied before refusing', () => {
  it('a master the kernel refuses after releasing the old one: the tunnel goes back into its bridge', async () => {
    const { model, client, t1 } = setup({ master: 4 });
    const err = await client.changeTunnel('t1', { ttl: 7, master: 'd0' }).catch((e) => e);
    expect(err).toBeInstanceOf(KernelError);
    expect(err).toMatchObject({ errno: EOPNOTSUPP, operation: 'change', interface: 't1' });
    expect(err.message).not.toContain('could not be undone');
    // The change, then the restore: the old master (br0 = 4) and the old TTL.
    expect(model.mutations).toHaveLength(2);
    const restore = model.mutations[1]!.link;
    expect(restore.index).toBe(10);
    expect(restore.master).toBe(4);
    expect(restore.tunnel).toMatchObject({ ttl: 0, tunnelId: 7, local: '10.0.0.1', remote: '10.0.0.2' });
    expect(t1()).toMatchObject({ master: 4, params: { ttl: 0 } });
  });

  // One case per attribute: the kernel applies it, then refuses a later part of the change.
  const cases: Array<{
    attr: string;
    start?: Partial<ModelLink>;
    patch: TunnelPatch;
    refuseEnd?: boolean;
    want: (l: ModelLink) => unknown;
    restored: Record<string, unknown>;
  }> = [
    {
      attr: 'mtu',
      patch: { mtu: 1400, master: 'd0' },
      want: (l) => l.mtu,
      restored: { mtu: 1458 },
    },
    {
      attr: 'address',
      patch: { address: '02:11:22:33:44:55', master: 'd0' },
      want: (l) => l.address,
      restored: { address: '86:5f:75:38:e0:a7' },
    },
    {
      attr: 'name',
      patch: { name: 't9', master: 'd0' },
      want: (l) => l.name,
      restored: { name: 't1' },
    },
    {
      attr: 'master',
      start: { master: 4 },
      patch: { master: 'd0' },
      want: (l) => l.master,
      restored: { master: 4 },
    },
    {
      attr: 'up',
      patch: { up: true, ttl: 9 },
      refuseEnd: true,
      want: (l) => l.up,
      restored: { flags: 0, change: 1 },
    },
    {
      attr: 'keepalive',
      patch: { keepalive: { interval: 5, retries: 3 }, master: 'd0' },
      want: (l) => l.params!.keepalive,
      restored: {},
    },
    {
      attr: 'tunnel parameters',
      patch: { tunnelId: 900, tos: 12, master: 'd0' },
      want: (l) => [l.params!.tunnelId, l.params!.tos],
      restored: {},
    },
  ];

  it.each(cases)('restores $attr', async ({ start, patch, refuseEnd, want, restored }) => {
    const { model, client, t1 } = setup(start);
    const before = want(t1());
    if (refuseEnd) {
      // Refused after the last step (as a late attribute would be): everything was applied.
      model.refuse = (step, _l, req) => (step === 'end' && req.link.tunnel?.ttl === 9 ? EINVAL : 0);
    }
    const err = await client.changeTunnel('t1', patch).catch((e) => e);
    expect(err).toBeInstanceOf(KernelError);
    expect(err.message).not.toContain('could not be undone');
    expect(want(t1())).toEqual(before);
    expect(model.mutations).toHaveLength(2);
    expect(model.mutations[1]!.link).toMatchObject(restored);
  });

  it('a restore the kernel refuses as a whole is retried attribute by attribute, in an order that works', async () => {
    const { model, client, t1 } = setup();
    // Renamed and brought up, then refused: putting both back in one request
    // fails (the kernel renames before it sets the link down, and an up link
    // cannot be renamed); down first, then the name, works.
    model.refuse = (step, _l, req) => (step === 'end' && req.link.tunnel?.ttl === 9 ? EINVAL : 0);
    const err = await client.changeTunnel('t1', { name: 't9', up: true, ttl: 9 }).catch((e) => e);
    expect(err).toMatchObject({ errno: EINVAL });
    expect(err.message).not.toContain('could not be undone');
    expect(t1()).toMatchObject({ name: 't1', up: false, params: { ttl: 0 } });
  });

  it('restores nothing, and sends nothing more, when the refusal changed nothing', async () => {
    const { model, client, t1 } = setup();
    model.refuse = (step) => (step === 'params' ? EINVAL : 0);
    const err = await client.changeTunnel('t1', { ttl: 3, mtu: 1400 }).catch((e) => e);
    expect(err).toMatchObject({ errno: EINVAL });
    expect(model.mutations).toHaveLength(1);
    expect(t1()).toMatchObject({ mtu: 1458, params: { ttl: 0 } });
  });

  it('says exactly what could not be restored, and restores the rest', async () => {
    const { model, client, t1 } = setup({ master: 4, mtu: 1458 });
    // The bridge no longer takes the tunnel back.
    model.refuse = (step, _l, req) => (step === 'master' && req.link.master === 4 ? EPERM : 0);
    const err = await client.changeTunnel('t1', { ttl: 7, mtu: 1300, master: 'd0' }).catch((e) => e);
    expect(err).toBeInstanceOf(KernelError);
    expect(err.errno).toBe(EOPNOTSUPP);
    expect(err.hint).toContain('the change could not be undone for master (is none, was 4)');
    expect(err.hint).not.toContain('ttl');
    expect(err.hint).not.toContain('mtu');
    expect(err.message).toContain('could not be undone for master');
    // TTL and MTU are back; only the master is not.
    expect(t1()).toMatchObject({ master: 0, mtu: 1458, params: { ttl: 0 } });
  });

  it('keeps the class and hint of the refusal when it names what could not be restored', async () => {
    const { model, client } = setup();
    // The rename collides (EEXIST) after the TTL was applied; putting the TTL back is refused.
    model.refuse = (step, _l, req) => (step === 'params' && req.link.tunnel?.ttl === 0 ? EPERM : 0);
    const err = await client.changeTunnel('t1', { name: 'd0', ttl: 5 }).catch((e) => e);
    expect(err).toBeInstanceOf(TunnelExistsError);
    expect(err).toMatchObject({ errno: 17, code: 'EEXIST', operation: 'change', interface: 't1' });
    expect(err.hint).toMatch(
      /^an interface with this name exists.*; the change could not be undone for ttl \(is 5, was 0\)$/,
    );
    expect(err.message.endsWith(err.hint)).toBe(true);
  });

  it('does not undo a change whose answer never came: its error says it may have been applied', async () => {
    const { model, client, t1 } = setup();
    model.loseAnswer = () => new TimeoutError('change', 50);
    const err = await client.changeTunnel('t1', { ttl: 7 }).catch((e) => e);
    expect(err).toBeInstanceOf(TimeoutError);
    expect(err.message).toContain('may or may not have been applied');
    expect(model.mutations).toHaveLength(1);
    expect(t1().params!.ttl).toBe(7);
  });
});

describe('EBUSY: a rename or MAC change of an up tunnel', () => {
  it('says the tunnel must be down, and puts back the parameters applied before the refusal', async () => {
    const { model, client, t1 } = setup({ up: true });
    const err = await client.changeTunnel('t1', { name: 't2', ttl: 5 }).catch((e) => e);
    expect(err).toBeInstanceOf(KernelError);
    expect(err).toMatchObject({ errno: 16, code: 'EBUSY', operation: 'change', interface: 't1' });
    expect(err.hint).toContain('only while it is down');
    expect(err.message).toContain('set it down, make the change, then set it up again');
    expect(t1()).toMatchObject({ name: 't1', up: true, params: { ttl: 0 } });
    const mac = await client.changeTunnel('t1', { address: '02:00:00:00:00:09' }).catch((e) => e);
    expect(mac).toMatchObject({ errno: 16 });
    expect(mac.hint).toContain('only while it is down');
    expect(model.mutations).toHaveLength(3);
  });

  it('the same change of a down tunnel goes through', async () => {
    const { client, t1 } = setup();
    const t = await client.changeTunnel('t1', { name: 't2', address: '02:00:00:00:00:09' });
    expect(t).toMatchObject({ name: 't2', address: '02:00:00:00:00:09' });
    expect(t1()).toMatchObject({ name: 't2', address: '02:00:00:00:00:09' });
  });
});

describe('a change with a bad value is refused before anything is looked up', () => {
  const bad: Array<[TunnelPatch, string]> = [
    [{ ttl: 999 }, 'ttl'],
    [{ tunnelId: 70000 }, 'tunnelId'],
    [{ remote: 'fd00::9', tunnelId: 5000 }, 'tunnelId'],
    [{ mtu: 10 }, 'mtu'],
    [{ address: 'ff:ff:ff:ff:ff:ff' }, 'address'],
    [{ keepalive: { interval: 5, retries: 300 } }, 'keepalive.retries'],
    [{ name: 'x'.repeat(16) }, 'name'],
  ];

  it.each(bad)(
    'changeTunnel and planChangeTunnel refuse %o (field %s) without a request',
    async (patch, field) => {
      for (const target of ['t1', 'nosuch']) {
        const model = new KernelModel([tunnel(10, 't1')]);
        const client = EoipClient.withTransport(model);
        const changed = await client.changeTunnel(target, patch).catch((e) => e);
        expect(changed).toBeInstanceOf(InvalidArgumentError);
        expect(changed.field).toBe(field);
        const planned = await client.planChangeTunnel(target, patch).catch((e) => e);
        expect(planned).toBeInstanceOf(InvalidArgumentError);
        expect(planned.field).toBe(field);
        expect(model.sent).toHaveLength(0);
      }
    },
  );

  it('a value valid for the other kind is checked once the tunnel is read', async () => {
    const model = new KernelModel([tunnel(10, 't1')]);
    const client = EoipClient.withTransport(model);
    // 5000 fits eoip (0..65535): t1 is eoip, so it goes through.
    await client.changeTunnel('t1', { tunnelId: 5000 });
    expect(model.links.get(10)!.params!.tunnelId).toBe(5000);
    // An IPv6 remote does not fit t1 (eoip): refused after the read, before any change.
    const err = await client.changeTunnel('t1', { remote: 'fd00::9' }).catch((e) => e);
    expect(err).toBeInstanceOf(InvalidArgumentError);
    expect(model.mutations).toHaveLength(1);
  });
});
