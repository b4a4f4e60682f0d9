/**
 * The generic link layer is as strict as the tunnel layer, against the real
 * kernel (private namespace only): every field of createLink, changeLink,
 * getLink, deleteLink and deleteLinks is checked before anything is sent
 * (InvalidArgumentError naming it, and no link appears or changes); values
 * are read from own properties only; and a name longer than its attribute's
 * length field can hold is refused by the codec instead of smuggling
 * attributes to the kernel.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { NetlinkEncodeError } from '../../src/codec/attributes.js';
import { IFLA_MTU } from '../../src/codec/constants.js';
import { buildNewLinkRequest, CREATE_FLAGS } from '../../src/codec/requests.js';
import { deleteLinks } from '../../src/transport/bulk-delete.js';
import { InvalidArgumentError } from '../../src/transport/invalid-argument.js';
import { changeLink, createLink, deleteLink, getLink } from '../../src/transport/links.js';
import { NetlinkSocket } from '../../src/transport/socket.js';
import { canUseKernel, ipLinks, linkNames, uniqueName } from '../kernel/helpers.js';

/** The error a call rejects with (or throws), or undefined. */
async function failure(run: () => Promise<unknown>): Promise<unknown> {
  try {
    await run();
    return undefined;
  } catch (e) {
    return e;
  }
}

function expectInvalid(e: unknown, field: string): void {
  expect(e).toBeInstanceOf(InvalidArgumentError);
  expect((e as InvalidArgumentError).field).toBe(field);
  expect((e as Error).message.startsWith(`invalid ${field}: `)).toBe(true);
}

/**
 * A 65,540-character name: 4 + 65,540 wraps the 16-bit length to 8, so a
 * kernel would read `br0x` as the name and the rest as attributes: an
 * IFLA_MTU of 9000, then fillers (lengths and types in ASCII) that end
 * exactly where the string does, so the IFLA_LINKINFO after it still counts.
 */
function smugglingName(): string {
  const c = String.fromCharCode;
  const attr = (len: number, type: number) => c(len & 0xff, len >> 8, type & 0xff, type >> 8);
  const filler = (len: number) => attr(len, 0x3f7f) + '\0'.repeat(len - 4);
  const name = `br0x${attr(8, IFLA_MTU)}${c(0x28, 0x23, 0, 0)}${filler(0x7f7c)}${filler(0x7f7c)}${filler(0x100)}`;
  expect(name.length).toBe(65_540);
  return name;
}

describe.skipIf(!canUseKernel)('generic link validation on the real kernel', () => {
  let sock: NetlinkSocket;
  let before: string[];
  beforeAll(() => {
    sock = NetlinkSocket.open();
  });
  afterAll(() => sock.close());
  afterEach(() => {
    delete (Object.prototype as Record<string, unknown>)['mtu'];
    delete (Object.prototype as Record<string, unknown>)['up'];
  });

  /** Runs `run`, expects InvalidArgumentError naming `field`, and that no link appeared. */
  async function refused(field: string, run: () => Promise<unknown>): Promise<void> {
    before = linkNames();
    expectInvalid(await failure(run), field);
    expect(linkNames()).toEqual(before);
  }

  it('names the kernel refuses are refused first, byte by byte as dev_valid_name does', async () => {
    const bad = [
      '',
      'abcdefghijklmnop', // 16 bytes
      'éééééééé', // 16 bytes of UTF-8
      'a/b',
      'a:b',
      'a b',
      'a\tb',
      'a\nb',
      'a\vb',
      '.',
      '..',
      'bà', // 'à' is c3 a0, and the kernel's isspace(0xa0) is true
      'b\u00a0',
      'a\0b',
      'b\ud800',
      'x'.repeat(65_540),
    ];
    for (const name of bad) await refused('name', () => createLink(sock, { name, kind: 'bridge' }));
    // What the kernel takes is taken.
    const ok = uniqueName('bré');
    await createLink(sock, { name: ok, kind: 'bridge' });
    expect(linkNames()).toContain(ok);
    await deleteLink(sock, { name: ok });
  });

  it('kinds, MTUs, addresses, references and flags are range-checked', async () => {
    const name = uniqueName('brv');
    const cases: Array<[string, Record<string, unknown>]> = [
      ['kind', { kind: '' }],
      ['kind', { kind: ' bridge' }],
      ['kind', { kind: 'k'.repeat(56) }],
      ['kind', { kind: 'br\ud800' }],
      ['kind', { kind: 5 }],
      ['mtu', { kind: 'bridge', mtu: Number.NaN }],
      ['mtu', { kind: 'bridge', mtu: 2 ** 32 + 1500 }], // u32 would wrap it to 1500
      ['mtu', { kind: 'bridge', mtu: -1 }],
      ['mtu', { kind: 'bridge', mtu: 67 }],
      ['mtu', { kind: 'bridge', mtu: '1500' }],
      ['mtu', { kind: 'bridge', mtu: 1500n }],
      ['address', { kind: 'bridge', address: '02:00:00:00:00:01' }],
      ['address', { kind: 'bridge', address: new Uint8Array(33) }],
      ['address', { kind: 'bridge', address: new Uint8Array(0) }],
      ['master', { kind: 'bridge', master: -1 }],
      ['master', { kind: 'bridge', master: 2 ** 32 + 1 }],
      ['master', { kind: 'bridge', master: 'br0' }],
      ['link', { kind: 'bridge', link: 1.5 }],
      ['up', { kind: 'bridge', up: 'yes' }],
      ['up', { kind: 'bridge', up: 1 }],
      ['index', { kind: 'bridge', index: 0 }],
      ['netnsFd', { kind: 'bridge', netnsFd: -1 }],
      ['targetNsid', { kind: 'bridge', targetNsid: Number.POSITIVE_INFINITY }],
      ['extMask', { kind: 'bridge', extMask: 2 ** 32 }],
      ['infoData', { kind: 'bridge', infoData: 'data' }],
      ['mtuu', { kind: 'bridge', mtuu: 1400 }],
      ['constructor', { kind: 'bridge', constructor: 1 }],
    ];
    for (const [field, fields] of cases) {
      await refused(field, () => createLink(sock, { name, ...fields } as never));
    }
    for (const body of [null, 'br0', [], 7]) await refused('body', () => createLink(sock, body as never));
  });

  it('changeLink refuses bad fields and a body that selects nothing, and changes nothing', async () => {
    const name = uniqueName('brc');
    await createLink(sock, { name, kind: 'bridge', mtu: 1400 });
    const link = (await getLink(sock, { name }))!;
    await refused('mtu', () => changeLink(sock, { index: link.index, mtu: 2 ** 32 + 1500 }));
    await refused('body', () => changeLink(sock, { mtu: 1300 }));
    await refused('name', () => changeLink(sock, { index: link.index, name: 'x'.repeat(16) }));
    await refused('timeout', () => changeLink(sock, { index: link.index, mtu: 1300 }, { timeout: -1 }));
    await refused('signal', () =>
      changeLink(sock, { index: link.index, mtu: 1300 }, { signal: {} as never }),
    );
    expect((await getLink(sock, { name }))?.mtu).toBe(1400);
    await deleteLink(sock, { index: link.index });
  });

  it('selectors of getLink, deleteLink and deleteLinks are exactly one valid index or name', async () => {
    const name = uniqueName('brs');
    await createLink(sock, { name, kind: 'bridge' });
    const index = (await getLink(sock, { name }))!.index;
    await refused('index', () => getLink(sock, { index: 0 }));
    await refused('index', () => getLink(sock, { index: Number.NaN }));
    await refused('name', () => getLink(sock, { name: `${name}/x` }));
    await refused('selector', () => getLink(sock, {} as never));
    await refused('selector', () => getLink(sock, { index, name } as never));
    await refused('stats', () => getLink(sock, { index }, { stats: 'no' as never }));
    await refused('index', () => deleteLink(sock, { index: -index }));
    await refused('name', () => deleteLink(sock, { name: `${name} ` }));
    await refused('targetNsid', () => deleteLink(sock, { index }, { targetNsid: -5 }));
    await refused('selectors[1].name', () => deleteLinks(sock, [{ name }, { name: 'x'.repeat(16) }]));
    await refused('selectors[0]', () => deleteLinks(sock, [7 as never]));
    await refused('selectors', () => deleteLinks(sock, { name } as never));
    await refused('maxAttempts', () => deleteLinks(sock, [{ name }], { maxAttempts: 0 }));
    await refused('check', () => deleteLinks(sock, [{ name }], { check: true as never }));
    // Nothing was deleted by any of them.
    expect(linkNames()).toContain(name);
    expect((await deleteLinks(sock, [{ name }]))[0]?.status).toBe('fulfilled');
    expect(linkNames()).not.toContain(name);
  });

  it('inherited and polluted properties never reach the kernel', async () => {
    const inherit = uniqueName('bri');
    await createLink(
      sock,
      Object.assign(Object.create({ mtu: 9000, up: true }), { name: inherit, kind: 'bridge' }),
    );
    const polluted = uniqueName('brp');
    (Object.prototype as Record<string, unknown>)['mtu'] = 9000;
    (Object.prototype as Record<string, unknown>)['up'] = true;
    try {
      await createLink(sock, { name: polluted, kind: 'bridge' });
    } finally {
      delete (Object.prototype as Record<string, unknown>)['mtu'];
      delete (Object.prototype as Record<string, unknown>)['up'];
    }
    for (const name of [inherit, polluted]) {
      const [l] = ipLinks(['dev', name]);
      expect(l?.mtu).toBe(1500);
      expect(l?.flags).not.toContain('UP');
      await deleteLink(sock, { name });
    }
  });

  it('a name longer than its length field holds is refused, and smuggles no link into the kernel', async () => {
    before = linkNames();
    const name = smugglingName();
    // Through the codec directly: the typed error, and nothing sent.
    const direct = await failure(() =>
      sock.ack((seq) => buildNewLinkRequest(seq, CREATE_FLAGS, { name, kind: 'bridge' })),
    );
    expect(direct).toBeInstanceOf(NetlinkEncodeError);
    expect((direct as NetlinkEncodeError).length).toBe(65_544);
    expect(linkNames()).toEqual(before);
    expect(linkNames()).not.toContain('br0x');
    // Through createLink: refused as a name before the codec is reached.
    expectInvalid(await failure(() => createLink(sock, { name, kind: 'bridge' })), 'name');
    expect(linkNames()).toEqual(before);
    // The socket still works.
    expect((await getLink(sock, { name: 'lo' }))?.name).toBe('lo');
  });
});
