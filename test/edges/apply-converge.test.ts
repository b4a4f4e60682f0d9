/**
 * A create reported failed may have been applied: when the kernel's answer
 * never came (the socket closed, a timeout, an abort after sending), the
 * error says so, and a re-run of apply finds the tunnel the failed run made
 * and treats it as existing. The kernel is the model of
 * change-kernel-model.ts, made to apply a create and then lose its answer.
 */
import { describe, expect, it } from 'vitest';
import { ApplyError, applyTunnelsWith, type DesiredTunnel, formatPlan } from '../../src/api/apply.js';
import { EoipClient } from '../../src/api/client.js';
import { AbortedError, SocketClosedError, TimeoutError, TunnelExistsError } from '../../src/api/errors.js';
import { KernelModel, tunnel } from './change-kernel-model.js';

const SPEC = { name: 'n1', tunnelId: 500, local: '10.0.0.1', remote: '10.0.0.9', ttl: 64 } as const;
const WORDING = 'may or may not have been applied';

describe('a create whose answer never came says it may have been applied', () => {
  const lost: Array<[string, () => Error, new (...a: never[]) => Error]> = [
    ['the socket closed', () => new SocketClosedError('create'), SocketClosedError],
    ['a timeout', () => new TimeoutError('create', 100), TimeoutError],
    ['an abort after sending', () => new AbortedError('create', 'stop'), AbortedError],
  ];

  it.each(lost)('%s', async (_what, make, cls) => {
    const model = new KernelModel([]);
    model.loseAnswer = make;
    const err = await EoipClient.withTransport(model)
      .createTunnel(SPEC)
      .catch((e) => e);
    expect(err).toBeInstanceOf(cls);
    expect(err.message).toContain(WORDING);
    expect(err.message).toContain('read the state back');
    // It was: the kernel has the tunnel.
    expect(model.byName('n1')?.params).toMatchObject({ tunnelId: 500, ttl: 64 });
  });

  it('a create acknowledged, then not read back, says the tunnel was created', async () => {
    const model = new KernelModel([]);
    const reply = model.reply.bind(model);
    model.reply = async (build, opts) => {
      if (model.links.size > 0) throw new TimeoutError('get', 100);
      return reply(build, opts);
    };
    const err = await EoipClient.withTransport(model)
      .createTunnel(SPEC)
      .catch((e) => e);
    expect(err).toBeInstanceOf(TimeoutError);
    expect(err.message).toContain('the tunnel was created, but reading it back failed');
    expect(model.byName('n1')).toBeDefined();
  });

  it('says nothing of the kind for a refusal, or an abort before anything was sent', async () => {
    const model = new KernelModel([tunnel(10, 'n1')]);
    const refused = await EoipClient.withTransport(model)
      .createTunnel(SPEC)
      .catch((e) => e);
    expect(refused).toBeInstanceOf(TunnelExistsError);
    expect(refused.message).not.toContain(WORDING);
    const ctl = new AbortController();
    ctl.abort('stop');
    const empty = new KernelModel([]);
    const aborted = await EoipClient.withTransport(empty)
      .createTunnel(SPEC, { signal: ctl.signal })
      .catch((e) => e);
    expect(aborted).toBeInstanceOf(AbortedError);
    expect(aborted.message).not.toContain(WORDING);
    const closedClient = EoipClient.withTransport(empty);
    closedClient.close();
    const closed = await closedClient.createTunnel(SPEC).catch((e) => e);
    expect(closed).toBeInstanceOf(SocketClosedError);
    expect(closed.message).not.toContain(WORDING);
    expect(empty.mutations).toHaveLength(0);
    expect(empty.links.size).toBe(0);
  });
});

describe('apply converges after a create that was applied but reported failed', () => {
  const desired: DesiredTunnel[] = [
    { ...SPEC },
    { name: 'n2', tunnelId: 501, local: '10.0.0.1', remote: '10.0.0.9', keepalive: 10 },
  ];

  it('the failed run says it may have been applied; the re-run finds the tunnel and creates only the rest', async () => {
    const model = new KernelModel([]);
    model.loseAnswer = (req) => (req.link.name === 'n1' ? new TimeoutError('create', 100) : undefined);
    const err = await applyTunnelsWith(EoipClient.withTransport(model), desired).catch((e) => e);
    expect(err).toBeInstanceOf(ApplyError);
    expect(err.step).toMatchObject({ action: 'create', name: 'n1', status: 'failed' });
    expect(err.cause).toBeInstanceOf(TimeoutError);
    expect(err.cause.message).toContain(WORDING);
    expect(formatPlan(err.plan)).toContain(WORDING);
    expect((err as ApplyError).plan.steps.map((s) => s.status)).toEqual(['failed', 'skipped']);

    // The answer was lost, the create was not: n1 exists.
    model.loseAnswer = undefined;
    const sent = model.mutations.length;
    const rerun = await applyTunnelsWith(EoipClient.withTransport(model), desired);
    expect(rerun.steps.map((s) => [s.action, s.name, s.status])).toEqual([
      ['create', 'n2', 'done'],
      ['unchanged', 'n1', 'done'],
    ]);
    // One create (n2), nothing sent for n1.
    expect(model.mutations.slice(sent).map((r) => r.link.name)).toEqual(['n2']);
    const third = await applyTunnelsWith(EoipClient.withTransport(model), desired);
    expect(third.changed).toBe(false);
    expect(third.steps.map((s) => s.action)).toEqual(['unchanged', 'unchanged']);
  });
});
