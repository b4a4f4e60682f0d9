/**
 * The tunnel API against the real kernel. This kernel has no eoip module, so
 * creates must fail with the kind-not-available error and leave nothing
 * behind; everything around them (lookups, validation, plans, listing) is real.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EoipClient } from '../../src/api/client.js';
import { InvalidArgumentError, KindNotAvailableError, NotATunnelError } from '../../src/api/errors.js';
import { createTunnel, listTunnels } from '../../src/api/tunnels.js';
import { decodeLinkMessage } from '../../src/codec/link.js';
import { canUseKernel, ip, linkNames, uniqueName } from './helpers.js';

describe.skipIf(!canUseKernel)('tunnel API on a kernel without the eoip module', () => {
  let client: EoipClient;
  const br = uniqueName('tbr');
  const va = uniqueName('tva');
  const vb = uniqueName('tvb');

  beforeAll(async () => {
    client = await EoipClient.open();
    ip('link', 'add', br, 'type', 'bridge');
    ip('link', 'add', va, 'type', 'veth', 'peer', 'name', vb);
    ip('link', 'set', va, 'up');
    ip('link', 'set', vb, 'up');
    ip('addr', 'add', '192.0.2.10/24', 'dev', va);
    ip('-6', 'addr', 'add', 'fd00:77::10/64', 'dev', va, 'nodad');
  });
  afterAll(() => {
    client.close();
    ip('link', 'del', br);
    ip('link', 'del', va);
  });

  it('createTunnel rejects with KindNotAvailableError (EOPNOTSUPP) and leaves no link', async () => {
    const before = linkNames();
    const err = await client
      .createTunnel({
        name: 'hq',
        tunnelId: 100,
        local: '192.0.2.10',
        remote: '198.51.100.7',
        master: br,
        mtu: 1500,
        up: true,
      })
      .catch((e) => e);
    expect(err).toBeInstanceOf(KindNotAvailableError);
    expect(err).toMatchObject({ errno: 95, code: 'EOPNOTSUPP', operation: 'create', interface: 'hq' });
    expect(err.hint).toContain('modprobe eoip');
    expect(linkNames()).toEqual(before);
  });

  it('the IPv6 kind is reported by its own name', async () => {
    const err = await createTunnel({ tunnelId: 5, remote: 'fd00:77::99' }).catch((e) => e);
    expect(err).toBeInstanceOf(KindNotAvailableError);
    expect(err.message).toContain('eoipv6');
    expect(err.hint).toContain('modprobe eoipv6');
  });

  it('a master that does not exist is refused before sending, and leaves no link', async () => {
    const before = linkNames();
    const err = await client
      .createTunnel({ name: 'x1', tunnelId: 1, remote: '198.51.100.7', master: 'nobr0' })
      .catch((e) => e);
    expect(err).toBeInstanceOf(InvalidArgumentError);
    expect(err.field).toBe('master');
    expect(linkNames()).toEqual(before);
  });

  it('resolves names to ifindexes and local "auto" from the route, in the planned request', async () => {
    const plan = await client.planCreateTunnel({
      name: 'hq6',
      tunnelId: 4000,
      local: 'auto',
      remote: 'fd00:77::99',
      link: va,
      master: br,
      ttl: 9,
      tos: 3,
      keepalive: 10,
      address: 'auto',
    });
    const m = decodeLinkMessage(plan.bytes);
    const vaIndex = (await client.getLink(va))!.index;
    const brIndex = (await client.getLink(br))!.index;
    expect(m.tunnel).toMatchObject({
      kind: 'eoipv6',
      tunnelId: 4000,
      local: 'fd00:77::10',
      remote: 'fd00:77::99',
      link: vaIndex,
      ttl: 9,
      tos: 3,
      keepalive: { interval: 10, retries: 10 },
    });
    expect(m.master).toBe(brIndex);
    expect(m.name).toBe('hq6');
    // The derived MAC is locally administered and unicast, and stable.
    expect(m.address).toMatch(/^[0-9a-f][26ae]:/);
    const again = decodeLinkMessage(
      (await client.planCreateTunnel({ tunnelId: 4000, remote: 'fd00:77::99', address: 'auto' })).bytes,
    );
    expect(again.address).toBe(m.address);
  });

  it('listTunnels returns nothing here, and other kinds are refused by change and delete', async () => {
    expect(await listTunnels()).toEqual([]);
    expect(await client.listTunnels({ kind: 'eoipv6' })).toEqual([]);
    await expect(client.changeTunnel(br, { ttl: 1 })).rejects.toBeInstanceOf(NotATunnelError);
    await expect(client.deleteTunnel(va)).rejects.toBeInstanceOf(NotATunnelError);
    expect(linkNames()).toContain(va);
  });
});
