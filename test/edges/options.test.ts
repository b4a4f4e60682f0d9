/**
 * Every public option of every entry point is checked before anything is
 * opened, sent or spawned: a hostile value is an InvalidArgumentError naming
 * the option, an unknown key one naming the key, and the transport saw no
 * request (the replay transport records every request; a spy counts the
 * sockets opened). Specs, patches and options are read from their own
 * properties only. And each option's valid values pass: removing an option
 * from its table makes the positive half fail.
 */
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { applyTunnels, applyTunnelsWith } from '../../src/api/apply.js';
import { EoipClient } from '../../src/api/client.js';
import { probeKind } from '../../src/api/doctor.js';
import { InvalidArgumentError } from '../../src/api/errors.js';
import * as oneShot from '../../src/api/tunnels.js';
import { checkOptions, deriveTunnelMac, WATCH_LINKS_OPTIONS, WATCH_OPTIONS } from '../../src/api/validate.js';
import { watchLinks, watchTunnels } from '../../src/api/watch.js';
import { IFLA_MTU } from '../../src/codec/constants.js';
import { deleteLinks } from '../../src/transport/bulk-delete.js';
import { changeLink, createLink, deleteLink, getLink } from '../../src/transport/links.js';
import { NetlinkSocket, type NetlinkTransport } from '../../src/transport/socket.js';
import { ReplayTransport } from '../fixtures/replay.js';

const RUNS = 25;

// --- what is valid, said independently of the library ---------------------------

const isInt = (v: unknown, min: number, max: number) =>
  typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
const wellFormed = (s: string) => !/\p{Cs}/u.test(s);
const isName = (v: unknown) => {
  if (typeof v !== 'string' || v === '.' || v === '..' || !wellFormed(v)) return false;
  const b = Buffer.from(v);
  return (
    b.length >= 1 &&
    b.length <= 15 &&
    !b.some((x) => x === 0 || x === 0x2f || x === 0x3a || (x >= 9 && x <= 13) || x === 32 || x === 0xa0)
  );
};

/** An option: a valid value and a test of validity (`undefined` is always valid: no option). */
interface OptionSpec {
  valid: () => unknown;
  isValid: (v: unknown) => boolean;
}

const O: Record<string, OptionSpec> = {
  signal: { valid: () => new AbortController().signal, isValid: (v) => v instanceof AbortSignal },
  timeout: { valid: () => 5000, isValid: (v) => isInt(v, 0, 0x7fffffff) },
  netns: {
    valid: () => 'no-such-ns',
    isValid: (v) =>
      isInt(v, 1, 4194304) ||
      (typeof v === 'string' &&
        v.length > 0 &&
        Buffer.byteLength(v) <= 4095 &&
        wellFormed(v) &&
        !v.includes('\0') &&
        v !== '.' &&
        v !== '..'),
  },
  tunnelKind: { valid: () => 'eoip', isValid: (v) => v === 'eoip' || v === 'eoipv6' },
  linkKind: { valid: () => 'bridge', isValid: (v) => typeof v === 'string' && /^[\x21-\x7e]{1,55}$/.test(v) },
  name: { valid: () => 'e_basic', isValid: isName },
  bool: { valid: () => true, isValid: (v) => typeof v === 'boolean' },
  recvBufferSize: { valid: () => 1 << 20, isValid: (v) => isInt(v, 1, 0x7fffffff) },
  operation: {
    valid: () => 'probe',
    isValid: (v) => typeof v === 'string' && v.length >= 1 && v.length <= 64 && wellFormed(v),
  },
  targetNsid: { valid: () => 0, isValid: (v) => isInt(v, 0, 0x7fffffff) },
  check: { valid: () => () => undefined, isValid: (v) => typeof v === 'function' },
  maxAttempts: { valid: () => 3, isValid: (v) => isInt(v, 1, 1000) },
};

const OPERATION = { signal: O.signal!, timeout: O.timeout! };
const ONE_SHOT = { ...OPERATION, netns: O.netns! };
const LIST_TUNNELS = { ...OPERATION, kind: O.tunnelKind!, name: O.name!, stats: O.bool! };
const LINK = { ...OPERATION, operation: O.operation!, targetNsid: O.targetNsid! };

// --- hostile values ----------------------------------------------------------------

const hostileConstants = fc.constantFrom<unknown>(
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  -1,
  -0.5,
  2 ** 31,
  2 ** 53 + 2,
  '100',
  '',
  'x'.repeat(100_000),
  'a\ud800',
  '\udc00',
  7n,
  Symbol('s'),
  () => 1,
  {},
  [],
  [1],
  null,
  true,
  false,
  Object.create(null),
  Object.create({ aborted: false }),
  new Date(0),
  new Uint8Array(4),
  { aborted: false, addEventListener() {} },
  new Proxy(
    {},
    {
      get() {
        throw new Error('trap');
      },
    },
  ),
  '.',
  '..',
  'eoip ',
  'a\0b',
  'x'.repeat(16),
  'à',
  '/run/netns/\ud800',
);

const hostile = fc.oneof(
  hostileConstants,
  fc.anything({
    withBigInt: true,
    withBoxedValues: true,
    withDate: true,
    withMap: true,
    withSet: true,
    withNullPrototype: true,
    withTypedArray: true,
    withSparseArray: true,
    withObjectString: true,
    maxDepth: 3,
  }),
  fc.double(),
  fc.integer(),
  fc.string({ unit: 'binary', maxLength: 20 }),
);

/** A hostile value for one option: anything that option does not accept. */
function hostileFor(spec: OptionSpec): fc.Arbitrary<unknown> {
  return hostile.filter((v) => v !== undefined && !spec.isValid(v));
}

/** A key no table has, built-in names included. */
const unknownKey = fc.oneof(
  fc.constantFrom(
    'constructor',
    '__proto__',
    'toString',
    'hasOwnProperty',
    'valueOf',
    'prune ',
    'Timeout',
    'netNs',
  ),
  fc.string({ minLength: 1, maxLength: 12 }),
);

/** An object with one own property, `__proto__` included. */
function withKey(key: string, value: unknown): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });
  return o;
}

// --- entry points --------------------------------------------------------------------

/** An entry point: its options, and a call with valid other arguments on a transport. */
interface Entry {
  name: string;
  options: Record<string, OptionSpec>;
  /** Calls the entry; `t` is the transport every socket it opens gets. */
  call: (t: ReplayTransport, opts: unknown) => unknown;
}

const spec = { name: 'e_new', tunnelId: 9, local: '192.0.2.1', remote: '198.51.100.9' };
const desired = [{ name: 'e_basic', tunnelId: 100, remote: '198.51.100.2', local: '192.0.2.1' }];
const clientOn = (t: ReplayTransport) => EoipClient.withTransport(t);
const any = (x: unknown) => x as never;

const ENTRIES: Entry[] = [
  // EoipClient
  {
    name: 'EoipClient.open',
    options: { netns: O.netns!, timeout: O.timeout! },
    call: (_t, o) => EoipClient.open(any(o)),
  },
  {
    name: 'EoipClient.withTransport',
    options: { timeout: O.timeout! },
    call: (t, o) => EoipClient.withTransport(t, any(o)),
  },
  { name: 'client.getLink', options: OPERATION, call: (t, o) => clientOn(t).getLink('e_basic', any(o)) },
  {
    name: 'client.listLinks',
    options: { ...OPERATION, kind: O.linkKind!, stats: O.bool! },
    call: (t, o) => clientOn(t).listLinks(any(o)),
  },
  { name: 'client.getTunnel', options: OPERATION, call: (t, o) => clientOn(t).getTunnel('e_basic', any(o)) },
  { name: 'client.listTunnels', options: LIST_TUNNELS, call: (t, o) => clientOn(t).listTunnels(any(o)) },
  {
    name: 'client.planCreateTunnel',
    options: OPERATION,
    call: (t, o) => clientOn(t).planCreateTunnel(spec, any(o)),
  },
  { name: 'client.createTunnel', options: OPERATION, call: (t, o) => clientOn(t).createTunnel(spec, any(o)) },
  {
    name: 'client.planChangeTunnel',
    options: OPERATION,
    call: (t, o) => clientOn(t).planChangeTunnel('e_basic', { ttl: 9 }, any(o)),
  },
  {
    name: 'client.changeTunnel',
    options: OPERATION,
    call: (t, o) => clientOn(t).changeTunnel('e_basic', { ttl: 9 }, any(o)),
  },
  {
    name: 'client.planDeleteTunnel',
    options: OPERATION,
    call: (t, o) => clientOn(t).planDeleteTunnel('e_basic', any(o)),
  },
  {
    name: 'client.deleteTunnel',
    options: OPERATION,
    call: (t, o) => clientOn(t).deleteTunnel('e_basic', any(o)),
  },
  {
    name: 'client.deleteTunnels',
    options: OPERATION,
    call: (t, o) => clientOn(t).deleteTunnels(['e_basic'], any(o)),
  },
  // One-shot functions
  { name: 'createTunnel', options: ONE_SHOT, call: (_t, o) => oneShot.createTunnel(spec, any(o)) },
  {
    name: 'changeTunnel',
    options: ONE_SHOT,
    call: (_t, o) => oneShot.changeTunnel('e_basic', { ttl: 9 }, any(o)),
  },
  { name: 'getTunnel', options: ONE_SHOT, call: (_t, o) => oneShot.getTunnel('e_basic', any(o)) },
  {
    name: 'listTunnels',
    options: { ...LIST_TUNNELS, netns: O.netns! },
    call: (_t, o) => oneShot.listTunnels(any(o)),
  },
  { name: 'deleteTunnel', options: ONE_SHOT, call: (_t, o) => oneShot.deleteTunnel('e_basic', any(o)) },
  { name: 'deleteTunnels', options: ONE_SHOT, call: (_t, o) => oneShot.deleteTunnels(['e_basic'], any(o)) },
  { name: 'planCreateTunnel', options: ONE_SHOT, call: (_t, o) => oneShot.planCreateTunnel(spec, any(o)) },
  {
    name: 'planChangeTunnel',
    options: ONE_SHOT,
    call: (_t, o) => oneShot.planChangeTunnel('e_basic', { ttl: 9 }, any(o)),
  },
  {
    name: 'planDeleteTunnel',
    options: ONE_SHOT,
    call: (_t, o) => oneShot.planDeleteTunnel('e_basic', any(o)),
  },
  // Apply
  {
    name: 'applyTunnels',
    options: { ...ONE_SHOT, prune: O.bool!, dryRun: O.bool! },
    call: (_t, o) => applyTunnels(desired, any(o)),
  },
  {
    name: 'applyTunnelsWith',
    options: { ...OPERATION, prune: O.bool!, dryRun: O.bool! },
    call: (t, o) => applyTunnelsWith(clientOn(t), desired, any(o)),
  },
  // Generic links
  {
    name: 'createLink',
    options: LINK,
    call: (t, o) => createLink(t, { name: 'br9', kind: 'bridge' }, any(o)),
  },
  { name: 'changeLink', options: LINK, call: (t, o) => changeLink(t, { index: 1, mtu: 1400 }, any(o)) },
  {
    name: 'getLink',
    options: { ...LINK, stats: O.bool! },
    call: (t, o) => getLink(t, { name: 'e_basic' }, any(o)),
  },
  { name: 'deleteLink', options: LINK, call: (t, o) => deleteLink(t, { index: 5 }, any(o)) },
  {
    name: 'deleteLinks',
    options: { ...LINK, check: O.check!, maxAttempts: O.maxAttempts! },
    call: (t, o) => deleteLinks(t, [{ name: 'e_basic' }], any(o)),
  },
];

/** Watchers start a reader (a socket or a process) once checked: the hostile half only. */
const WATCH_ENTRIES: Entry[] = [
  {
    name: 'watchTunnels',
    options: {
      kind: O.tunnelKind!,
      signal: O.signal!,
      initial: O.bool!,
      recvBufferSize: O.recvBufferSize!,
      isolate: O.bool!,
      netns: O.netns!,
    },
    call: (_t, o) => watchTunnels(any(o)),
  },
  {
    name: 'watchLinks',
    options: {
      kind: O.linkKind!,
      signal: O.signal!,
      initial: O.bool!,
      recvBufferSize: O.recvBufferSize!,
      isolate: O.bool!,
      netns: O.netns!,
    },
    call: (_t, o) => watchLinks(any({ kind: 'bridge', ...(o as object) })),
  },
];

// --- harness ------------------------------------------------------------------------

let transport: ReplayTransport;
let opened: ReturnType<typeof vi.spyOn>;

beforeEach(() => {
  transport = new ReplayTransport();
  // Every socket the library opens is the replay transport: nothing reaches the kernel.
  opened = vi.spyOn(NetlinkSocket, 'open').mockImplementation(() => transport as unknown as NetlinkSocket);
});

afterEach(() => {
  vi.restoreAllMocks();
});

/** The error of a call (sync throw or rejection), or undefined when it succeeded. */
async function outcome(run: () => unknown): Promise<unknown> {
  try {
    const r = run() as { return?: () => unknown } | Promise<unknown>;
    if (r instanceof Promise) await r;
    else if (r && typeof (r as { return?: unknown }).return === 'function')
      await (r as { return: () => unknown }).return();
    else if (r instanceof EoipClient) r.close();
    return undefined;
  } catch (e) {
    return e;
  }
}

/** Asserts `e` is an InvalidArgumentError naming `field`, with a bounded message, and nothing was sent. */
function expectRefused(e: unknown, field: string, t: NetlinkTransport & { sent: unknown[] }): void {
  expect(e).toBeInstanceOf(InvalidArgumentError);
  const err = e as InvalidArgumentError;
  expect(err.field).toBe(field);
  expect(err.message.startsWith(`invalid ${field}: `)).toBe(true);
  expect(err.message).not.toMatch(/native code|\[object Object\]/);
  expect(err.message.length).toBeLessThan(600);
  expect(t.sent).toEqual([]);
  expect(opened).not.toHaveBeenCalled();
}

// --- tests ---------------------------------------------------------------------------

describe('a hostile option value is refused, naming the option, before anything is sent', () => {
  for (const entry of [...ENTRIES, ...WATCH_ENTRIES]) {
    it(entry.name, async () => {
      await fc.assert(
        fc.asyncProperty(
          fc
            .constantFrom(...Object.keys(entry.options))
            .chain((key) => fc.tuple(fc.constant(key), hostileFor(entry.options[key]!))),
          async ([key, value]) => {
            transport = new ReplayTransport();
            opened.mockClear();
            const e = await outcome(() => entry.call(transport, withKey(key, value)));
            expectRefused(e, key, transport);
          },
        ),
        { numRuns: RUNS },
      );
    });
  }
});

describe('an unknown option key is refused, naming it', () => {
  for (const entry of [...ENTRIES, ...WATCH_ENTRIES]) {
    it(entry.name, async () => {
      await fc.assert(
        fc.asyncProperty(
          unknownKey.filter(
            (k) => !Object.hasOwn(entry.options, k) && !(entry.name === 'watchLinks' && k === 'kind'),
          ),
          hostile,
          async (key, value) => {
            transport = new ReplayTransport();
            opened.mockClear();
            const e = await outcome(() => entry.call(transport, withKey(key, value)));
            expectRefused(e, key, transport);
          },
        ),
        { numRuns: RUNS },
      );
    });
  }
});

describe('options that are not an object are refused', () => {
  for (const entry of [...ENTRIES, ...WATCH_ENTRIES.slice(0, 1)]) {
    it(entry.name, async () => {
      for (const value of [5, 'x', true, [], null, 7n, Symbol('o'), () => 1]) {
        transport = new ReplayTransport();
        opened.mockClear();
        const e = await outcome(() => entry.call(transport, value));
        expectRefused(e, 'options', transport);
      }
    });
  }
});

describe('every option of every entry point accepts its valid values', () => {
  for (const entry of ENTRIES) {
    it(entry.name, async () => {
      for (const [key, o] of Object.entries(entry.options)) {
        transport = new ReplayTransport();
        const e = await outcome(() => entry.call(transport, { [key]: o.valid() }));
        // Other failures (no such namespace, the replayed kernel's answers) may come; not a refused option.
        expect(e instanceof InvalidArgumentError ? `${key}: ${e.message}` : undefined).toBeUndefined();
      }
    });
  }

  it('the watchers’ option tables', () => {
    for (const [entry, table] of [
      [WATCH_ENTRIES[0]!, WATCH_OPTIONS],
      [WATCH_ENTRIES[1]!, WATCH_LINKS_OPTIONS],
    ] as const) {
      expect(Object.keys(table).sort()).toEqual(Object.keys(entry.options).sort());
      for (const [key, o] of Object.entries(entry.options)) {
        const v = o.valid();
        expect(checkOptions({ [key]: v }, table)).toEqual({ [key]: v });
      }
    }
  });
});

describe('inherited properties are ignored', () => {
  afterEach(() => {
    for (const k of ['mtu', 'keepalive', 'ttl', 'timeout', 'netns'])
      delete (Object.prototype as Record<string, unknown>)[k];
  });

  it('a spec inheriting mtu and keepalive creates without them', async () => {
    const own = Object.assign(Object.create({ mtu: 9000, keepalive: 10 }), spec);
    await clientOn(transport)
      .planCreateTunnel(own)
      .then((p) => {
        expect(mtuOf(p.bytes)).toBeUndefined();
      });
    await clientOn(transport)
      .createTunnel(own)
      .catch(() => undefined);
    const create = transport.mutations[0]!;
    expect(create.link.mtu).toBeUndefined();
    expect(create.link.tunnel?.keepalive).toBeNull();
  });

  it('with Object.prototype polluted, nothing polluted reaches a request', async () => {
    const proto = Object.prototype as Record<string, unknown>;
    proto['mtu'] = 9000;
    proto['keepalive'] = 10;
    proto['ttl'] = 200;
    proto['timeout'] = Number.NaN;
    proto['netns'] = 1;
    await clientOn(transport)
      .createTunnel({ ...spec })
      .catch(() => undefined);
    const create = transport.mutations[0]!;
    expect(create.link.mtu).toBeUndefined();
    expect(create.link.tunnel?.keepalive).toBeNull();
    expect(create.link.tunnel?.ttl).toBe(0);
    // The one-shot did not act in the namespace of pid 1.
    const t2 = new ReplayTransport();
    opened.mockImplementation(() => t2 as unknown as NetlinkSocket);
    await oneShot.getTunnel('e_basic', {});
    expect(t2.sent.length).toBe(1);
    // A generic link create reads no polluted field either.
    const t3 = new ReplayTransport();
    await createLink(t3, { name: 'br7', kind: 'bridge' });
    expect(mtuOf(t3.sent[0]!.bytes)).toBeUndefined();
  });

  it('a patch inheriting ttl changes nothing', async () => {
    const patch = Object.assign(Object.create({ ttl: 9 }), { tos: 4 });
    const plan = await clientOn(transport).planChangeTunnel('e_basic', patch);
    const t = new ReplayTransport();
    const sent = await clientOn(t).planChangeTunnel('e_basic', { tos: 4 });
    expect(Array.from(plan.bytes)).toEqual(Array.from(sent.bytes));
  });
});

describe('hostile values in specs and patches are refused before any lookup or spawn', () => {
  it('BigInt, Symbol, functions, NaN and objects where numbers go', async () => {
    for (const v of [7n, Symbol('t'), () => 7, Number.NaN, { valueOf: () => 7 }, [7], '7']) {
      for (const field of ['ttl', 'tos', 'mtu', 'tunnelId']) {
        transport = new ReplayTransport();
        opened.mockClear();
        const e = await outcome(() => oneShot.changeTunnel('e_basic', withKey(field, v), { netns: 'nsx' }));
        expectRefused(e, field, transport);
        const c = await outcome(() => oneShot.createTunnel({ ...spec, [field]: v }, { netns: 'nsx' }));
        expectRefused(c, field, transport);
      }
    }
  });

  it('an apply list is checked before the namespace is opened, and reads own properties only', async () => {
    const bad = [{ name: 'e_x', tunnelId: 7n, remote: '198.51.100.2' }];
    expectRefused(
      await outcome(() => applyTunnels(any(bad), { netns: 'nsx' })),
      'tunnels[0].tunnelId',
      transport,
    );
    const inherited = Object.assign(Object.create({ mtu: 9000, up: false }), desired[0]);
    const r = await applyTunnelsWith(clientOn(transport), [inherited], { dryRun: true });
    expect(r.steps.flatMap((step) => (step.diffs ?? []).map((d) => d.field))).not.toContain('mtu');
    expect(r.steps.flatMap((step) => (step.diffs ?? []).map((d) => d.field))).not.toContain('up');
  });

  it('messages show NaN and Infinity as such, and no built-in name', async () => {
    const nan = (await outcome(() =>
      clientOn(transport).createTunnel({ ...spec, ttl: Number.NaN }),
    )) as Error;
    expect(nan.message).toContain('invalid ttl: NaN');
    const inf = (await outcome(() =>
      clientOn(transport).createTunnel({ ...spec, mtu: Number.POSITIVE_INFINITY }),
    )) as Error;
    expect(inf.message).toContain('invalid mtu: Infinity');
    const ctor = (await outcome(() =>
      clientOn(transport).createTunnel(any({ ...spec, constructor: 1 })),
    )) as Error;
    expect(ctor).toBeInstanceOf(InvalidArgumentError);
    expect((ctor as InvalidArgumentError).field).toBe('constructor');
    expect(ctor.message).not.toContain('native code');
    const proto = (await outcome(() =>
      clientOn(transport).changeTunnel('e_basic', withKey('__proto__', { ttl: 1 })),
    )) as Error;
    expect((proto as InvalidArgumentError).field).toBe('__proto__');
    const long = (await outcome(() =>
      clientOn(transport).createTunnel({ ...spec, name: 'n'.repeat(5000) }),
    )) as Error;
    expect(long.message).toContain('(5,000 characters)');
    expect(long.message.length).toBeLessThan(300);
    expect(transport.sent).toEqual([]);
  });

  it('text with a lone surrogate is refused wherever it would become bytes', async () => {
    const cases: Array<[string, () => unknown]> = [
      ['name', () => clientOn(transport).createTunnel({ ...spec, name: 'e\ud800' })],
      ['remote', () => clientOn(transport).createTunnel({ ...spec, remote: '198.51.100.9\udc00' })],
      ['local', () => clientOn(transport).createTunnel({ ...spec, local: '\ud800' })],
      ['link', () => clientOn(transport).createTunnel({ ...spec, link: 'x\udfff' })],
      ['target', () => clientOn(transport).deleteTunnel('e\ud800')],
      ['kind', () => clientOn(transport).listLinks({ kind: 'br\ud800' })],
      ['netns', () => oneShot.listTunnels({ netns: 'ns\ud800' })],
      ['name', () => createLink(transport, { name: 'b\ud800', kind: 'bridge' })],
      ['kind', () => createLink(transport, { name: 'b0', kind: '\udc00' })],
    ];
    for (const [field, run] of cases) expectRefused(await outcome(run), field, transport);
  });
});

describe('other exported functions check their input', () => {
  it('deriveTunnelMac: kind, tunnel id for the kind, canonical remote of the kind', () => {
    const cases: Array<[string, () => unknown]> = [
      ['kind', () => deriveTunnelMac(any('gre'), 1, '192.0.2.1')],
      ['tunnelId', () => deriveTunnelMac('eoip', 65_536, '192.0.2.1')],
      ['tunnelId', () => deriveTunnelMac('eoipv6', 4096, 'fd00::1')],
      ['tunnelId', () => deriveTunnelMac('eoip', Number.NaN, '192.0.2.1')],
      ['remote', () => deriveTunnelMac('eoip', 1, 'fd00::1')],
      ['remote', () => deriveTunnelMac('eoipv6', 1, 'FD00::1')],
      ['remote', () => deriveTunnelMac('eoipv6', 1, 'fd00:0::1')],
      ['remote', () => deriveTunnelMac('eoip', 1, any({}))],
    ];
    for (const [field, run] of cases) {
      let e: unknown;
      try {
        run();
      } catch (err) {
        e = err;
      }
      expect(e).toBeInstanceOf(InvalidArgumentError);
      expect((e as InvalidArgumentError).field).toBe(field);
    }
    expect(deriveTunnelMac('eoipv6', 4095, 'fd00::1')).toMatch(/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/);
  });

  it('the transport given to the generic link functions and withTransport is checked', async () => {
    for (const sock of [null, {}, { ack: 1 }, 'socket']) {
      const cases: Array<[string, () => unknown]> = [
        ['sock', () => createLink(any(sock), { name: 'br1', kind: 'bridge' })],
        ['sock', () => changeLink(any(sock), { index: 1, mtu: 1400 })],
        ['sock', () => getLink(any(sock), { index: 1 })],
        ['sock', () => deleteLink(any(sock), { index: 1 })],
        ['sock', () => deleteLinks(any(sock), [{ index: 1 }])],
        ['transport', () => EoipClient.withTransport(any(sock))],
      ];
      for (const [field, run] of cases) {
        const e = await outcome(run);
        expect(e).toBeInstanceOf(InvalidArgumentError);
        expect((e as InvalidArgumentError).field).toBe(field);
      }
    }
  });

  it('getters and proxies that throw are refused, not let through', async () => {
    const getter = Object.defineProperty({ ...spec }, 'ttl', {
      enumerable: true,
      get() {
        throw new Error('boom');
      },
    });
    expectRefused(await outcome(() => clientOn(transport).createTunnel(getter)), 'ttl', transport);
    const trap = new Proxy(
      {},
      {
        ownKeys() {
          throw new Error('boom');
        },
      },
    );
    expectRefused(await outcome(() => clientOn(transport).listTunnels(any(trap))), 'options', transport);
    expectRefused(await outcome(() => createLink(transport, any(trap))), 'body', transport);
  });

  it('a hole in a list of targets or selectors is refused like any bad value', async () => {
    // biome-ignore lint/suspicious/noSparseArray: the hole is the point
    const targets = [, 'e_basic'] as unknown as string[];
    expectRefused(await outcome(() => oneShot.deleteTunnels(targets)), 'targets[0]', transport);
    // biome-ignore lint/suspicious/noSparseArray: the hole is the point
    const selectors = [{ name: 'e_basic' }, ,] as unknown as { name: string }[];
    selectors.length = 3;
    expectRefused(await outcome(() => deleteLinks(transport, selectors)), 'selectors[1]', transport);
  });

  it('probeKind refuses a kind other than eoip/eoipv6 before sending', async () => {
    const e = await outcome(() => probeKind(clientOn(transport), any('bridge')));
    expect(e).toBeInstanceOf(InvalidArgumentError);
    expect(transport.sent).toEqual([]);
  });
});

/** IFLA_MTU of a request, from its bytes. */
function mtuOf(bytes: Uint8Array): number | undefined {
  let mtu: number | undefined;
  // nlmsghdr (16) + ifinfomsg (16), then attributes.
  let off = 32;
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  while (off + 4 <= bytes.byteLength) {
    const len = v.getUint16(off, true);
    if (len < 4) break;
    if ((v.getUint16(off + 2, true) & 0x3fff) === IFLA_MTU) mtu = v.getUint32(off + 4, true);
    off += (len + 3) & ~3;
  }
  return mtu;
}
