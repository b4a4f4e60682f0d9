/**
 * Doctor checks on captured tunnel state (the kernel side is replayed).
 */
import { describe, expect, it } from 'vitest';
import { EoipClient } from '../../src/api/client.js';
import { hasNetAdmin, probeKind, runDoctor, tunnelChecks } from '../../src/api/doctor.js';
import { ReplayTransport } from '../fixtures/replay.js';

async function tunnel(name: string) {
  const t = await EoipClient.withTransport(new ReplayTransport()).getTunnel(name);
  if (!t) throw new Error(`no ${name} in the capture`);
  return t;
}

describe('doctor', () => {
  it('reads CAP_NET_ADMIN from the effective capability set', () => {
    expect(hasNetAdmin('Name:\tx\nCapEff:\t000001ffffffffff\n')).toBe(true);
    expect(hasNetAdmin('CapEff:\t0000000000001000\n')).toBe(true); // bit 12 only
    expect(hasNetAdmin('CapEff:\t0000000000000800\n')).toBe(false); // bit 11 only
    expect(hasNetAdmin('CapEff:\t0000000000000000\n')).toBe(false);
  });

  it('warns about keepalive off (the RouterOS side shows "not running")', async () => {
    const [c] = tunnelChecks(await tunnel('e_basic'));
    expect(c).toMatchObject({ id: 'keepalive:e_basic', status: 'warn' });
    expect(c!.fix).toContain('keepalive 10,10');
    expect(c!.fix).toContain('!keepalive');
    expect(c!.fix).toContain('tunnel-id=7');
  });

  it('warns when an up tunnel lost its carrier: the peer is silent', async () => {
    const [c] = tunnelChecks(await tunnel('e_ka1_1'));
    expect(c!.status).toBe('warn');
    expect(c!.detail).toContain('no keepalive received from 10.0.0.5 within 1s');
    expect(c!.fix).toContain('tunnel-id 13');
  });

  it('passes a tunnel with keepalive on and carrier, and send-only keepalive', async () => {
    expect(tunnelChecks(await tunnel('e_ka10'))[0]).toMatchObject({
      status: 'pass',
      detail: 'e_ka10: keepalive 10s,10',
    });
    expect(tunnelChecks(await tunnel('e_ka5_0'))[0]!.status).toBe('pass');
  });

  it('warns about a bridged tunnel with an MTU below 1500', async () => {
    const t = { ...(await tunnel('e_mtu')), master: 4 };
    const checks = tunnelChecks(t, 'br0');
    const mtu = checks.find((c) => c.id === 'mtu:e_mtu')!;
    expect(mtu.status).toBe('warn');
    expect(mtu.detail).toContain('into br0 with MTU 1400');
    expect(tunnelChecks({ ...t, mtu: 1500 }).some((c) => c.id.startsWith('mtu:'))).toBe(false);
  });

  it('probes a kind by the answer to a request that cannot create anything', async () => {
    const answers = new Map([
      ['eoip', 22],
      ['eoipv6', 95],
    ]);
    const t = new ReplayTransport((req) => answers.get(req.link.linkInfo!.kind!) ?? 0);
    const c = EoipClient.withTransport(t);
    expect(await probeKind(c, 'eoip')).toBe('available');
    expect(await probeKind(c, 'eoipv6')).toBe('missing');
    // The probe names the unspecified remote, which every driver refuses.
    expect(t.mutations.map((m) => m.link.tunnel!.remote)).toEqual(['0.0.0.0', '::']);
  });

  it('runs every check on the captured host', async () => {
    const t = new ReplayTransport((req) =>
      req.link.linkInfo?.kind === 'eoip' || req.link.linkInfo?.kind === 'eoipv6' ? 22 : 0,
    );
    const checks = await runDoctor(EoipClient.withTransport(t));
    const ids = checks.map((c) => c.id);
    expect(ids.slice(0, 3)).toEqual(['privileges', 'kind:eoip', 'kind:eoipv6']);
    expect(ids).toContain('keepalive:e_ka1_1');
    expect(ids.filter((i) => i.startsWith('keepalive:'))).toHaveLength(18);
  });
});
