/**
 * The kernel changes a tunnel's MAC address (and name) only while it is down
 * (EBUSY otherwise): apply plans such a change of an up tunnel as down,
 * change, up, says so in the plan, and sets the tunnel up again when the
 * change itself fails. The kernel is the model of change-kernel-model.ts.
 */
import { describe, expect, it } from 'vitest';
import { ApplyError, applyTunnelsWith, type DesiredTunnel, formatPlan } from '../../src/api/apply.js';
import { EoipClient } from '../../src/api/client.js';
import { KernelError } from '../../src/api/errors.js';
import { applyResultToJson } from '../../src/cli/apply.js';
import { bridgeAndDummy, KernelModel, type ModelLink, tunnel } from './change-kernel-model.js';

const EADDRNOTAVAIL = 99;
const NEW_MAC = '02:aa:bb:cc:dd:ee';
const OLD_MAC = '86:5f:75:38:e0:a7';

/** t1 as the model holds it, with a MAC change (and whatever else `more` says). */
function desired(more: Partial<DesiredTunnel> = {}): DesiredTunnel[] {
  return [{ name: 't1', tunnelId: 7, local: '10.0.0.1', remote: '10.0.0.2', address: NEW_MAC, ...more }];
}

function setup(t1: Partial<ModelLink> = { up: true }) {
  const model = new KernelModel([...bridgeAndDummy(), tunnel(10, 't1', t1)]);
  return { model, client: EoipClient.withTransport(model), t1: () => model.links.get(10)! };
}

/** The mutations sent, as `up`/`down`/the attributes they change. */
function sentSteps(model: KernelModel): string[] {
  return model.mutations.map((r) => {
    const parts: string[] = [];
    if (r.link.address !== undefined) parts.push(`address ${r.link.address}`);
    if (r.link.tunnel) parts.push(`ttl ${r.link.tunnel.ttl}`);
    if ((r.link.change & 1) !== 0) parts.push((r.link.flags & 1) !== 0 ? 'up' : 'down');
    return parts.join(' ');
  });
}

describe('apply: a MAC change of an up tunnel runs as down, change, up', () => {
  it('the dry run plans it so, and formatPlan says so', async () => {
    const { model, client } = setup();
    const r = await applyTunnelsWith(client, desired({ ttl: 9 }), { dryRun: true });
    expect(r.steps).toHaveLength(1);
    expect(r.steps[0]).toMatchObject({ action: 'change', name: 't1', phases: ['down', 'change', 'up'] });
    expect(formatPlan(r).split('\n')[0]).toBe(
      `~ change t1: ttl 0 -> 9, address ${OLD_MAC} -> ${NEW_MAC} (down, change, up)`,
    );
    expect(model.mutations).toHaveLength(0);
    // `eoip apply -j --dry-run` carries them too.
    expect(applyResultToJson(r).steps[0]!.phases).toEqual(['down', 'change', 'up']);
  });

  it('the run sets it down, changes it, sets it up: the tunnel ends changed and up', async () => {
    const { model, client, t1 } = setup();
    const r = await applyTunnelsWith(client, desired({ ttl: 9 }));
    expect(r.steps[0]).toMatchObject({ action: 'change', status: 'done' });
    expect(sentSteps(model)).toEqual(['down', `address ${NEW_MAC} ttl 9`, 'up']);
    expect(t1()).toMatchObject({ address: NEW_MAC, up: true, params: { ttl: 9 } });
    expect(formatPlan(r).split('\n')[0]).toContain('(down, change, up)');
    // And again: nothing left to do.
    const again = await applyTunnelsWith(EoipClient.withTransport(model), desired({ ttl: 9 }));
    expect(again.steps[0]!.action).toBe('unchanged');
  });

  it('a tunnel that is to end down is set down and changed, not set up again', async () => {
    const { model, client, t1 } = setup();
    const r = await applyTunnelsWith(client, desired({ up: false }));
    expect(r.steps[0]!.phases).toEqual(['down', 'change']);
    expect(sentSteps(model)).toEqual(['down', `address ${NEW_MAC}`]);
    expect(t1()).toMatchObject({ address: NEW_MAC, up: false });
  });

  it('a down tunnel, or an up one whose MAC stays, is changed in one request', async () => {
    const down = setup({ up: false });
    const r = await applyTunnelsWith(down.client, desired());
    expect(r.steps[0]!.phases).toBeUndefined();
    expect(sentSteps(down.model)).toEqual([`address ${NEW_MAC}`]);
    const up = setup();
    const r2 = await applyTunnelsWith(up.client, desired({ address: OLD_MAC, ttl: 3 }));
    expect(r2.steps[0]!.phases).toBeUndefined();
    expect(formatPlan(r2)).not.toContain('(down');
    expect(sentSteps(up.model)).toEqual(['ttl 3']);
  });

  it('when the change is refused, the tunnel is set up again and the refusal is reported', async () => {
    const { model, client, t1 } = setup();
    model.refuse = (step) => (step === 'address' ? EADDRNOTAVAIL : 0);
    const err = await applyTunnelsWith(client, desired({ ttl: 9 })).catch((e) => e);
    expect(err).toBeInstanceOf(ApplyError);
    expect(err.cause).toBeInstanceOf(KernelError);
    expect(err.cause).toMatchObject({ errno: EADDRNOTAVAIL, operation: 'change' });
    expect(err.step).toMatchObject({ action: 'change', status: 'failed', phases: ['down', 'change', 'up'] });
    // down; the refused change (its TTL put back by the client); up again.
    expect(sentSteps(model)).toEqual(['down', `address ${NEW_MAC} ttl 9`, 'ttl 0', 'up']);
    expect(t1()).toMatchObject({ address: OLD_MAC, up: true, params: { ttl: 0 } });
  });

  it('when setting it up again fails too, the error says the tunnel stays down', async () => {
    const { model, client, t1 } = setup();
    model.refuse = (step, _l, req) => {
      if (step === 'address') return EADDRNOTAVAIL;
      if (step === 'flags' && (req.link.flags & 1) !== 0) return 100; // ENETDOWN: it cannot go up
      return 0;
    };
    const err = await applyTunnelsWith(client, desired()).catch((e) => e);
    expect(err).toBeInstanceOf(ApplyError);
    expect(err.cause).toMatchObject({ errno: EADDRNOTAVAIL });
    expect(err.cause.message).toContain('t1 was set down for the change and could not be set up again');
    expect(t1().up).toBe(false);
  });
});
