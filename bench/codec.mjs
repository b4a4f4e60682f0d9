/**
 * Codec benchmark, no kernel needed:
 *  - decode of every captured dump message (dumps.json) with decodeLinkMessage,
 *    against the `netlink` package's own parser (nlmsghdr + rt link message) on the same bytes;
 *  - encode of create requests with buildCreateTunnelRequest, against the
 *    `netlink` package's formatter;
 *  - the buffer-layout question: decoding the fixed C structs (nlmsghdr +
 *    ifinfomsg, and rtnl_link_stats64) with buffer-layout Structures instead
 *    of DataView, as a share of the whole link-message decode time.
 *
 * Run alone: node --expose-gc bench/codec.mjs [--quick] (after the runner built .bench-tmp/lib.mjs).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildLib, emitResult, gc, LIB, now, parseFlags, summary, VECTORS } from './common.mjs';

const require = createRequire(import.meta.url);
const nlStructs = require('netlink/dist/structs.js');
const nlRt = require('netlink/dist/rt/structs.js');
const BL = require('buffer-layout');

const { flags } = parseFlags(process.argv.slice(2));
const quick = Boolean(flags.quick);
const ROUNDS = Number(flags.rounds ?? (quick ? 3 : 9));
const ROUND_MS = Number(flags['round-ms'] ?? (quick ? 40 : 150));
const log = (s) => process.stderr.write(`[codec] ${s}\n`);

await buildLib({ log });
const lib = await import(pathToFileURL(LIB).href);
const {
  buildCreateTunnelRequest,
  decodeLinkMessage,
  forEachAttribute,
  readHeader,
  readIfInfoMsg,
  viewOf,
  IFLA_LINKINFO,
  NLMSG_HDRLEN,
  IFINFOMSG_LEN,
} = lib;

// --- the bytes -------------------------------------------------------------
const dumps = JSON.parse(readFileSync(join(VECTORS, 'dumps.json'), 'utf8'));
const links = dumps.links.map((l) => ({
  name: l.name,
  kind: l.kind,
  bytes: Buffer.from(l.rtm_newlink_hex, 'hex'),
}));
const all = links.map((l) => l.bytes);
const tunnels = links.filter((l) => l.kind === 'eoip' || l.kind === 'eoipv6').map((l) => l.bytes);
const others = links.filter((l) => !(l.kind === 'eoip' || l.kind === 'eoipv6')).map((l) => l.bytes);
const totalBytes = all.reduce((n, b) => n + b.byteLength, 0);

// Both parsers must accept every message, or the comparison is meaningless.
for (const b of all) {
  decodeLinkMessage(b);
  const m = nlStructs.parseMessage(b).x;
  nlRt.parseMessage(m.type, m.data);
}

let sink = 0;

function oursDecode(set) {
  return () => {
    for (let i = 0; i < set.length; i++) sink += decodeLinkMessage(set[i]).index;
  };
}

function netlinkDecode(set) {
  return () => {
    for (let i = 0; i < set.length; i++) {
      const m = nlStructs.parseMessage(set[i]).x;
      sink += nlRt.parseMessage(m.type, m.data).data.index;
    }
  };
}

// --- encode ------------------------------------------------------------------
const v4 = {
  kind: 'eoip',
  tunnelId: 1234,
  local: '203.0.113.50',
  remote: '198.51.100.11',
  link: 0,
  ttl: 64,
  tos: 0,
  keepalive: { interval: 10, retries: 10 },
};
const v6 = {
  kind: 'eoipv6',
  tunnelId: 1234,
  local: '2001:db8::1',
  remote: '2001:db8:ffff::2',
  link: 0,
  ttl: 64,
  tos: 0,
  keepalive: { interval: 10, retries: 10 },
};
let seq = 1;
const oursEncode = (params) => () => {
  sink += buildCreateTunnelRequest(seq++, params, { name: 'eoip1234', mtu: 1458, up: true }).byteLength;
};

/** The IFLA_LINKINFO value of one of our requests: the netlink package cannot encode eoip INFO_DATA. */
function linkInfoOf(req) {
  let value;
  forEachAttribute(req, NLMSG_HDRLEN + IFINFOMSG_LEN, req.byteLength, (type, vs, ve) => {
    if (type === IFLA_LINKINFO) value = Buffer.from(req.subarray(vs, ve));
  });
  return value;
}
const netlinkEncode = (params) => {
  const linkinfo = linkInfoOf(buildCreateTunnelRequest(0, params, { name: 'eoip1234' }));
  return () => {
    const out = new nlStructs.AttrStream();
    nlRt.formatLinkMessage(
      {
        data: { flags: { up: true }, change: { up: true } },
        attrs: { ifname: 'eoip1234', linkinfo, mtu: 1458 },
      },
      out,
    );
    const parts = nlStructs.formatMessage({ type: 16, flags: 0x605, seq: seq++, port: 0, data: out.bufs });
    sink += Buffer.concat(parts).byteLength;
  };
};

// --- the fixed structs: buffer-layout vs DataView ----------------------------
const NLMSGHDR = BL.struct([BL.u32('len'), BL.u16('type'), BL.u16('flags'), BL.u32('seq'), BL.u32('pid')]);
const IFINFOMSG = BL.struct([
  BL.u8('family'),
  BL.u8('pad'),
  BL.u16('type'),
  BL.s32('index'),
  BL.u32('flags'),
  BL.u32('change'),
]);
const STATS64_FIELDS = [
  'rxPackets',
  'txPackets',
  'rxBytes',
  'txBytes',
  'rxErrors',
  'txErrors',
  'rxDropped',
  'txDropped',
  'multicast',
  'collisions',
];
const STATS64 = BL.struct(STATS64_FIELDS.map((f) => BL.nu64(f)));

// The IFLA_STATS64 values of the messages (every captured message has one).
const stats64 = [];
for (const b of all) {
  forEachAttribute(b, NLMSG_HDRLEN + IFINFOMSG_LEN, b.byteLength, (type, vs, ve) => {
    if (type === 23) stats64.push(b.subarray(vs, ve));
  });
}

function headersDataView() {
  for (let i = 0; i < all.length; i++) {
    const b = all[i];
    const v = viewOf(b);
    const h = readHeader(v, 0);
    const f = readIfInfoMsg(v, NLMSG_HDRLEN);
    sink += h.length + f.index;
  }
}

function headersBufferLayout() {
  for (let i = 0; i < all.length; i++) {
    const b = all[i];
    const h = NLMSGHDR.decode(b, 0);
    const f = IFINFOMSG.decode(b, NLMSG_HDRLEN);
    sink += h.len + f.index;
  }
}

// The same reads as the decoder's decodeStats64 (which is not exported).
function stats64DataView() {
  for (let i = 0; i < stats64.length; i++) {
    const d = viewOf(stats64[i]);
    const u64 = (k) => d.getUint32(k * 8 + 4, true) * 0x100000000 + d.getUint32(k * 8, true);
    const s = {
      rxPackets: u64(0),
      txPackets: u64(1),
      rxBytes: u64(2),
      txBytes: u64(3),
      rxErrors: u64(4),
      txErrors: u64(5),
      rxDropped: u64(6),
      txDropped: u64(7),
      multicast: u64(8),
      collisions: u64(9),
    };
    sink += s.txBytes;
  }
}

function stats64BufferLayout() {
  for (let i = 0; i < stats64.length; i++) sink += STATS64.decode(stats64[i], 0).txBytes;
}

// --- the harness ---------------------------------------------------------------
/**
 * Measure cases side by side: calibrate each (which also warms it up), then
 * run rounds in rotating order, each case ~ROUND_MS per round. Returns ops/s samples.
 */
function compare(cases) {
  for (const c of cases) {
    let calls = 0;
    const t0 = now();
    let elapsed = 0;
    while (elapsed < ROUND_MS * 2 || calls < 5) {
      c.fn();
      calls++;
      if ((calls & 15) === 0 || calls < 16) elapsed = Number(now() - t0) / 1e6;
    }
    c.iters = Math.max(1, Math.round((calls * ROUND_MS) / elapsed));
    c.samples = [];
  }
  for (let r = 0; r < ROUNDS; r++) {
    for (let k = 0; k < cases.length; k++) {
      const c = cases[(k + r) % cases.length];
      gc();
      const fn = c.fn;
      const n = c.iters;
      const t0 = now();
      for (let i = 0; i < n; i++) fn();
      const t1 = now();
      c.samples.push((n * c.opsPerCall * 1e9) / Number(t1 - t0));
    }
  }
  const out = {};
  for (const c of cases)
    out[c.id] = { label: c.label, opsPerSec: summary(c.samples), nsPerOp: 1e9 / summaryMedian(c.samples) };
  return out;
}
const summaryMedian = (xs) => summary(xs).median;

log(
  `decode: ${all.length} messages (${tunnels.length} eoip/eoipv6, ${others.length} other kinds), ${totalBytes} bytes`,
);
const decode = compare([
  { id: 'ours_all', label: 'decodeLinkMessage, all messages', fn: oursDecode(all), opsPerCall: all.length },
  {
    id: 'netlink_all',
    label: 'netlink package parser, all messages',
    fn: netlinkDecode(all),
    opsPerCall: all.length,
  },
  {
    id: 'ours_tunnels',
    label: 'decodeLinkMessage, eoip/eoipv6 messages',
    fn: oursDecode(tunnels),
    opsPerCall: tunnels.length,
  },
  {
    id: 'netlink_tunnels',
    label: 'netlink package parser, eoip/eoipv6 messages',
    fn: netlinkDecode(tunnels),
    opsPerCall: tunnels.length,
  },
  {
    id: 'ours_others',
    label: 'decodeLinkMessage, other kinds',
    fn: oursDecode(others),
    opsPerCall: others.length,
  },
  {
    id: 'netlink_others',
    label: 'netlink package parser, other kinds',
    fn: netlinkDecode(others),
    opsPerCall: others.length,
  },
]);

log('encode: create requests');
const encode = compare([
  { id: 'ours_v4', label: 'buildCreateTunnelRequest (eoip)', fn: oursEncode(v4), opsPerCall: 1 },
  { id: 'netlink_v4', label: 'netlink package formatter (eoip)', fn: netlinkEncode(v4), opsPerCall: 1 },
  { id: 'ours_v6', label: 'buildCreateTunnelRequest (eoipv6)', fn: oursEncode(v6), opsPerCall: 1 },
  { id: 'netlink_v6', label: 'netlink package formatter (eoipv6)', fn: netlinkEncode(v6), opsPerCall: 1 },
]);

log('fixed structs: buffer-layout vs DataView');
const structs = compare([
  { id: 'full', label: 'decodeLinkMessage (whole message)', fn: oursDecode(all), opsPerCall: all.length },
  {
    id: 'hdr_dataview',
    label: 'nlmsghdr + ifinfomsg, DataView',
    fn: headersDataView,
    opsPerCall: all.length,
  },
  {
    id: 'hdr_layout',
    label: 'nlmsghdr + ifinfomsg, buffer-layout',
    fn: headersBufferLayout,
    opsPerCall: all.length,
  },
  {
    id: 'stats_dataview',
    label: 'rtnl_link_stats64, DataView',
    fn: stats64DataView,
    opsPerCall: stats64.length,
  },
  {
    id: 'stats_layout',
    label: 'rtnl_link_stats64, buffer-layout',
    fn: stats64BufferLayout,
    opsPerCall: stats64.length,
  },
]);

// Shares of the decode time. stats64 appears once in every message, so per-message costs add up.
const T = (id) => structs[id].nsPerOp;
const full = T('full');
const hdrShareDv = T('hdr_dataview') / full;
const hdrShareBl = T('hdr_layout') / (full - T('hdr_dataview') + T('hdr_layout'));
const bothDv = T('hdr_dataview') + T('stats_dataview');
const bothBl = T('hdr_layout') + T('stats_layout');
const bothShareBl = bothBl / (full - bothDv + bothBl);
const bufferLayout = {
  fullNs: full,
  headersDataViewNs: T('hdr_dataview'),
  headersLayoutNs: T('hdr_layout'),
  stats64DataViewNs: T('stats_dataview'),
  stats64LayoutNs: T('stats_layout'),
  headersShareDataView: hdrShareDv,
  headersShareLayout: hdrShareBl,
  withStatsShareLayout: bothShareBl,
  decodeSlowdownHeaders: (full - T('hdr_dataview') + T('hdr_layout')) / full,
  decodeSlowdownWithStats: (full - bothDv + bothBl) / full,
};

emitResult({
  rounds: ROUNDS,
  roundMs: ROUND_MS,
  messages: { all: all.length, tunnels: tunnels.length, others: others.length, bytes: totalBytes },
  stats64Count: stats64.length,
  decode,
  encode,
  structs,
  bufferLayout,
  sink: sink % 1000,
});
