/**
 * The record a bulk delete writes into each link's alias before moving it:
 * it gives back the exact group and alias bytes, refuses anything else, and
 * tells a finished run from one still going on.
 */
import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/codec/bytes.js';
import { IFLA_GROUP } from '../../src/codec/constants.js';
import { buildNewLinkRequest, CHANGE_FLAGS } from '../../src/codec/requests.js';
import {
  beginRun,
  buildGroupAliasRequest,
  encodeRecord,
  endRun,
  type FoundLink,
  heldByLiveRun,
  isBorrowedGroup,
  MAX_ALIAS_BYTES,
  ownerIsGone,
  parseRecord,
  pickBorrowedGroup,
  recoverLinkGroups,
  strandedRecord,
} from '../../src/transport/bulk-recovery.js';
import { InvalidArgumentError } from '../../src/transport/invalid-argument.js';
import type { NetlinkTransport } from '../../src/transport/socket.js';

const u32 = fc.integer({ min: 0, max: 0xffffffff });
/** What the kernel can hold as an alias: non-empty bytes without NUL. */
const aliasBytes = (max: number) =>
  fc.uint8Array({ minLength: 1, maxLength: max }).map((b) => b.map((x) => x || 1));

const link = (over: Partial<FoundLink>): FoundLink => ({
  index: 7,
  name: 'br0',
  kind: undefined,
  group: 0,
  alias: undefined,
  ...over,
});

const ascii = (s: string) => new TextEncoder().encode(s);

describe('bulk delete records', () => {
  it('a record gives back the exact group and alias bytes (none stays none)', () => {
    const run = beginRun();
    try {
      fc.assert(
        fc.property(u32, fc.option(aliasBytes(150), { nil: undefined }), (group, alias) => {
          const record = encodeRecord(run, link({ group, alias }));
          expect(record).toBeDefined();
          expect(record!.length).toBeLessThanOrEqual(MAX_ALIAS_BYTES);
          const back = parseRecord(record);
          expect(back?.group).toBe(group);
          expect(back?.alias === undefined ? undefined : toHex(back.alias)).toBe(
            alias === undefined ? undefined : toHex(alias),
          );
          expect(back?.owner).toEqual(run.owner);
        }),
      );
    } finally {
      endRun(run);
    }
  });

  it('an alias too long to keep beside the record gets none (that link is deleted on its own)', () => {
    const run = beginRun();
    const fits = encodeRecord(run, link({ group: 0xffffffff }))!.length;
    expect(
      encodeRecord(run, link({ group: 0xffffffff, alias: new Uint8Array(MAX_ALIAS_BYTES - fits).fill(65) })),
    ).toBeDefined();
    expect(
      encodeRecord(
        run,
        link({ group: 0xffffffff, alias: new Uint8Array(MAX_ALIAS_BYTES - fits + 1).fill(65) }),
      ),
    ).toBeUndefined();
    endRun(run);
  });

  it('anything that is not a whole record is none', () => {
    for (const text of [
      '',
      'uplink',
      'eoipnl-del1:',
      'eoipnl-del1:1:2:3:0:4',
      'eoipnl-del1:1:2:3:0:4:',
      'eoipnl-del1:1:x:3:0:4:5:',
      'eoipnl-del1:1:2:3:0:4:4294967296:',
      'eoipnl-del1:a:2:3:0:4:5:',
      'eoipnl-del1:1:2:3::4:5:',
      'Eoipnl-del1:1:2:3:0:4:5:',
    ]) {
      expect({ text, record: parseRecord(ascii(text)) }).toEqual({ text, record: undefined });
    }
    expect(parseRecord(undefined)).toBeUndefined();
    // Arbitrary bytes never crash the parser.
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (b) => {
        parseRecord(b);
      }),
    );
  });

  it("a run of this process is alive until it ends; a dead or reused pid is gone; another pid namespace's is not judged", () => {
    const run = beginRun();
    expect(ownerIsGone(run.owner)).toBe(false);
    endRun(run);
    expect(ownerIsGone(run.owner)).toBe(true);
    // A process that has exited (and been reaped).
    const dead = spawnSync(process.execPath, ['-e', '0']).pid;
    expect(ownerIsGone({ ...run.owner, pid: dead, run: 1 })).toBe(true);
    // The same pid with another start time: the pid was reused by another process.
    expect(ownerIsGone({ ...run.owner, run: 1, start: `${run.owner.start}9` })).toBe(true);
    expect(ownerIsGone({ ...run.owner, pid: process.ppid, start: '1', run: 1 })).toBe(true);
    // Another pid namespace: its pids mean nothing here, so its runs are left alone.
    expect(ownerIsGone({ ...run.owner, pidns: '1', pid: dead })).toBe(false);
    // Another worker thread of this process: its runs are not known here.
    expect(ownerIsGone({ ...run.owner, thread: run.owner.thread + 1 })).toBe(false);
  });

  it('a link is stranded only in a borrowed group, with a record of a finished run', () => {
    const run = beginRun();
    const record = encodeRecord(run, link({ group: 5, alias: ascii('keep') }))!;
    const borrowed = pickBorrowedGroup(new Set());
    const held = link({ group: borrowed, alias: record });
    expect(heldByLiveRun(held)).toBe(true);
    expect(strandedRecord(held)).toBeUndefined();
    endRun(run);
    expect(heldByLiveRun(held)).toBe(false);
    expect(strandedRecord(held)?.group).toBe(5);
    // Outside the borrowed range, or without a record: never touched.
    expect(strandedRecord(link({ group: 5, alias: record }))).toBeUndefined();
    expect(strandedRecord(link({ group: borrowed, alias: ascii('keep') }))).toBeUndefined();
  });

  it('borrowed groups come from 0xEE000000-0xEEFFFFFF and avoid the groups in use', () => {
    fc.assert(
      fc.property(fc.array(u32, { maxLength: 20 }), (used) => {
        const g = pickBorrowedGroup(new Set(used));
        expect(isBorrowedGroup(g)).toBe(true);
        expect(g >= 0xee000000 && g <= 0xeeffffff).toBe(true);
        expect(used).not.toContain(g);
      }),
    );
    expect(isBorrowedGroup(0xedffffff)).toBe(false);
    expect(isBorrowedGroup(0xef000000)).toBe(false);
  });

  it('the group-and-alias request is the generic change with IFLA_GROUP and IFLA_IFALIAS (empty removes)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 0xffffffff }),
        fc.integer({ min: 1, max: 0x7fffffff }),
        u32,
        fc.option(aliasBytes(MAX_ALIAS_BYTES), { nil: undefined }),
        (seq, index, group, alias) => {
          const generic = buildNewLinkRequest(seq, CHANGE_FLAGS, {
            index,
            extra: (w) => w.u32(IFLA_GROUP, group).bytes(20, alias ?? new Uint8Array(0)),
          });
          expect(toHex(buildGroupAliasRequest(seq, index, group, alias))).toBe(toHex(generic));
        },
      ),
    );
  });

  it('recoverLinkGroups refuses bad options before anything is sent', async () => {
    const sent: string[] = [];
    const untouchable: NetlinkTransport = {
      ack: () => Promise.reject(sent.push('ack')),
      reply: () => Promise.reject(sent.push('reply')),
      dump: () => Promise.reject(sent.push('dump')),
      close: () => undefined,
    };
    const inherited = Object.create({ maxAttempts: 0 }) as object;
    for (const [opts, field] of [
      [{ maxAttempts: 0 }, 'maxAttempts'],
      [{ maxAttempts: 1.5 }, 'maxAttempts'],
      [{ timeout: -1 }, 'timeout'],
      [{ signal: 'stop' }, 'signal'],
      [{ group: 5 }, 'group'],
      ['all', 'options'],
    ] as const) {
      const e = await recoverLinkGroups(untouchable, opts as never).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(InvalidArgumentError);
      expect((e as InvalidArgumentError).field).toBe(field);
    }
    // An inherited property is not an option: nothing to refuse, and the dump is what runs.
    await expect(recoverLinkGroups(untouchable, inherited)).rejects.toBe(1);
    expect(sent).toEqual(['dump']);
  });
});
