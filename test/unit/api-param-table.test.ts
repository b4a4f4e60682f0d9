/**
 * Every tunnel parameter, through everything derived from the parameter
 * table (src/api/fields.ts): valid values pass spec and patch checks at
 * both ends of their range, out-of-range values are refused in both, and a
 * change of that parameter alone is seen by watch's comparison, apply's
 * diff, a change's decision to send the parameters, and the restore after a
 * refused change. The generators below are keyed by parameter: a parameter
 * added without them does not compile.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Canonical } from '../../src/api/apply/canonical.js';
import { changePhases, diffTunnel } from '../../src/api/apply/tunnel-diff.js';
import { InvalidArgumentError } from '../../src/api/errors.js';
import {
  changedParams,
  differingParams,
  type ResolveContext,
  TUNNEL_FIELDS,
  TUNNEL_PARAMS,
  type TunnelField,
} from '../../src/api/fields.js';
import { checkTunnelPatch, checkTunnelSpec } from '../../src/api/validate.js';
import { sameTunnel } from '../../src/api/watch.js';
import type { Tunnel, TunnelKind, TunnelParams } from '../../src/codec/types.js';

const RUNS = Number(process.env['PROPERTY_RUNS'] ?? 200);
const KINDS: TunnelKind[] = ['eoip', 'eoipv6'];

const ipv4 = fc
  .tuple(fc.integer({ min: 1, max: 223 }), fc.nat(255), fc.nat(255), fc.integer({ min: 1, max: 254 }))
  .map((b) => b.join('.'));
const ipv6 = fc
  .array(fc.integer({ min: 0, max: 0xffff }), { minLength: 7, maxLength: 7 })
  .map((w) => ['2001', ...w.map((x) => x.toString(16))].join(':'));
const addressOf = (kind: TunnelKind) => (kind === 'eoipv6' ? ipv6 : ipv4);
const otherFamily = (kind: TunnelKind) => (kind === 'eoipv6' ? ipv4 : ipv6);
const notAnInteger = fc.constantFrom(1.5, Number.NaN, Number.POSITIVE_INFINITY, '7', null, true, {});

interface Gen {
  /** Valid inputs (the range's ends among them). */
  valid: (kind: TunnelKind) => fc.Arbitrary<unknown>;
  /** The ends of the range, which must pass in both spec and patch. */
  bounds: (kind: TunnelKind) => unknown[];
  /** Inputs refused in a spec and in a patch for a tunnel of `kind`. */
  invalid: (kind: TunnelKind) => fc.Arbitrary<unknown>;
  /** Inputs refused in a patch only. */
  invalidInPatch?: (kind: TunnelKind) => fc.Arbitrary<unknown>;
  /** A valid input whose resolved value differs from `p`'s (resolution as the context below does it). */
  other: (p: TunnelParams) => { input: unknown; value: unknown };
}

const byte: Gen = {
  valid: () => fc.integer({ min: 0, max: 255 }),
  bounds: () => [0, 255],
  invalid: () =>
    fc.oneof(fc.integer({ min: 256, max: 1e9 }), fc.integer({ min: -1e9, max: -1 }), notAnInteger),
  other: () => ({ input: 0, value: 0 }), // replaced per field below
};

const GEN: { [F in TunnelField]: Gen } = {
  tunnelId: {
    valid: (kind) => fc.integer({ min: 0, max: kind === 'eoipv6' ? 4095 : 65535 }),
    bounds: (kind) => [0, kind === 'eoipv6' ? 4095 : 65535],
    invalid: (kind) =>
      fc.oneof(
        fc.integer({ min: kind === 'eoipv6' ? 4096 : 65536, max: 1e9 }),
        fc.integer({ min: -1e9, max: -1 }),
        notAnInteger,
      ),
    other: (p) => ({ input: p.tunnelId + 11, value: p.tunnelId + 11 }),
  },
  local: {
    valid: addressOf,
    bounds: (kind) => [kind === 'eoipv6' ? '::' : '0.0.0.0'],
    invalid: (kind) => fc.oneof(otherFamily(kind), fc.constantFrom('300.1.1.1', 'x', '', 7, null)),
    other: (p) => {
      const v = p.kind === 'eoipv6' ? '2001:db8:77::7' : '203.0.113.77';
      return { input: v, value: v };
    },
  },
  remote: {
    valid: addressOf,
    bounds: (kind) => [kind === 'eoipv6' ? '2001:db8::1' : '1.0.0.1'],
    // Another family is no error in a spec: the remote's family picks the kind.
    invalid: () => fc.constantFrom('0.0.0.0', '::', 'ff02::1', 'x', '', 7, null),
    invalidInPatch: otherFamily,
    other: (p) => {
      const v = p.kind === 'eoipv6' ? '2001:db8:88::8' : '198.51.100.88';
      return { input: v, value: v };
    },
  },
  link: {
    valid: () =>
      fc.oneof(fc.integer({ min: 1, max: 0x7fffffff }), fc.stringMatching(/^[a-z][a-z0-9]{0,14}$/)),
    bounds: () => [1, 0x7fffffff, 'a', 'abcdefghijklmno'],
    invalid: () => fc.constantFrom(-1, 0x80000000, 1.5, '', 'a/b', 'x'.repeat(16), true, {}),
    // Names resolve to ifindex 99 in the context below.
    other: (p) => ({ input: 'lower0', value: p.link === 99 ? 98 : 99 }),
  },
  ttl: { ...byte, other: (p) => ({ input: (p.ttl + 33) % 256, value: (p.ttl + 33) % 256 }) },
  tos: { ...byte, other: (p) => ({ input: (p.tos + 77) % 256, value: (p.tos + 77) % 256 }) },
  keepalive: {
    valid: () =>
      fc.oneof(
        fc.record({ interval: fc.integer({ min: 0, max: 3600 }), retries: fc.integer({ min: 0, max: 255 }) }),
        fc.integer({ min: 0, max: 3600 }),
        fc.constant('none'),
      ),
    bounds: () => [{ interval: 3600, retries: 255 }, { interval: 0, retries: 0 }, 3600, 0, 'none'],
    invalid: () =>
      fc.oneof(
        fc.record({
          interval: fc.integer({ min: 3601, max: 1e6 }),
          retries: fc.integer({ min: 0, max: 255 }),
        }),
        fc.record({
          interval: fc.integer({ min: 0, max: 3600 }),
          retries: fc.integer({ min: 256, max: 1e6 }),
        }),
        fc.integer({ min: 3601, max: 1e6 }),
        fc.constantFrom(-1, 'off', null, [], { interval: 1 }),
      ),
    other: (p) => {
      const v = p.keepalive?.interval === 17 ? { interval: 18, retries: 4 } : { interval: 17, retries: 3 };
      return { input: v, value: v };
    },
  },
};

/** A tunnel with every parameter set, numbers all different. */
function tunnel(kind: TunnelKind): Tunnel {
  return {
    kind,
    tunnelId: 301,
    local: kind === 'eoipv6' ? '2001:db8::1' : '192.0.2.1',
    remote: kind === 'eoipv6' ? '2001:db8::2' : '192.0.2.2',
    link: 5,
    ttl: 64,
    tos: 8,
    keepalive: { interval: 10, retries: 10 },
    index: 40,
    name: 'e40',
    flags: 0x1043,
    up: true,
    running: true,
    operState: 'unknown',
    mtu: 1458,
    address: '02:00:00:00:00:40',
  };
}

const ctx = (kind: TunnelKind): ResolveContext => ({
  kind,
  remote: tunnel(kind).remote,
  resolveLink: async (_field, ref) => (typeof ref === 'number' ? ref : 99),
  autoLocal: async () => (kind === 'eoipv6' ? '2001:db8::a' : '192.0.2.10'),
});

const specOf = (kind: TunnelKind) => ({ tunnelId: 7, remote: tunnel(kind).remote });

/** The field an InvalidArgumentError names, or a description of what was thrown instead. */
function refusal(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    return e instanceof InvalidArgumentError ? e.field : `not InvalidArgumentError: ${e}`;
  }
  return 'accepted';
}

describe.each(KINDS)('every tunnel parameter of %s', (kind) => {
  it('has generators here for every parameter of the table', () => {
    expect(Object.keys(GEN).sort()).toEqual([...TUNNEL_FIELDS].sort());
  });

  for (const f of TUNNEL_FIELDS) {
    const gen = GEN[f];

    it(`${f}: valid values, range ends included, pass in a spec and in a patch`, () => {
      for (const v of gen.bounds(kind)) {
        expect(refusal(() => checkTunnelSpec({ ...specOf(kind), [f]: v }))).toBe('accepted');
        expect(refusal(() => checkTunnelPatch({ [f]: v }, kind))).toBe('accepted');
      }
      fc.assert(
        fc.property(gen.valid(kind), (v) => {
          expect(refusal(() => checkTunnelSpec({ ...specOf(kind), [f]: v }))).toBe('accepted');
          expect(refusal(() => checkTunnelPatch({ [f]: v }, kind))).toBe('accepted');
        }),
        { numRuns: RUNS },
      );
    });

    it(`${f}: out-of-range and malformed values are refused in a spec and in a patch, naming it`, () => {
      fc.assert(
        fc.property(gen.invalid(kind), (v) => {
          expect(refusal(() => checkTunnelSpec({ ...specOf(kind), [f]: v }))).toMatch(
            new RegExp(`^${f}(\\.|$)`),
          );
          expect(refusal(() => checkTunnelPatch({ [f]: v }, kind))).toMatch(new RegExp(`^${f}(\\.|$)`));
        }),
        { numRuns: RUNS },
      );
      if (gen.invalidInPatch) {
        fc.assert(
          fc.property(gen.invalidInPatch(kind), (v) => {
            expect(refusal(() => checkTunnelPatch({ [f]: v }, kind))).toBe(f);
          }),
          { numRuns: RUNS },
        );
      }
    });

    it(`${f}: a change of it alone is seen by watch, apply's diff, a change and a restore`, async () => {
      const cur = tunnel(kind);
      const { input, value } = gen.other(cur);
      const changed = { ...cur, [f]: value } as Tunnel;
      expect(sameTunnel(cur, { ...cur })).toBe(true);
      expect(sameTunnel(cur, changed)).toBe(false);
      const want = { ...changed, index: 0 } as unknown as Canonical;
      expect(diffTunnel(want, cur).diffs.map((d) => d.field)).toEqual([f]);
      expect(diffTunnel({ ...cur, index: 0 } as unknown as Canonical, cur).diffs).toEqual([]);
      const change = await changedParams(cur, { [f]: input }, ctx(kind));
      expect(change.touched).toBe(true);
      expect(change.params[f]).toEqual(value);
      for (const g of TUNNEL_FIELDS)
        if (g !== f && g !== 'keepalive') expect(change.params[g]).toEqual(cur[g]);
      expect((await changedParams(cur, {}, ctx(kind))).touched).toBe(false);
      expect(differingParams(cur, changed)).toEqual([f]);
      // Apply sets an up tunnel down around a change the driver refuses while up, as the table says.
      const phases = changePhases(cur, [{ field: f, from: cur[f], to: value }]);
      expect(phases).toEqual(TUNNEL_PARAMS[f].changeWhileUp ? undefined : ['down', 'change', 'up']);
      expect(changePhases({ ...cur, up: false }, [{ field: f, from: cur[f], to: value }])).toBeUndefined();
    });
  }
});
