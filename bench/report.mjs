/**
 * BENCHMARKS.md from the results of one run (bench/run.mjs). Every ratio is
 * a ratio of medians measured side by side in that same run.
 */

const n0 = (x) => Math.round(x).toLocaleString('en-US');
const f1 = (x) => (Number.isFinite(x) ? x.toFixed(1) : '–');
const f2 = (x) => (Number.isFinite(x) ? x.toFixed(2) : '–');
const f3 = (x) => (Number.isFinite(x) ? x.toFixed(3) : '–');
const msf = (x) => (x < 10 ? x.toFixed(2) : x < 100 ? x.toFixed(1) : x.toFixed(0));
const pct = (x) => `${(100 * x).toFixed(1)} %`;
const range = (s, f = msf) => `${f(s.min)}–${f(s.max)}`;
const yes = (ok) => (ok ? '**met**' : '**missed**');
/** Which sample from the top the nearest-rank percentile `p` of `n` samples is: "largest", "3rd-largest". */
function rankFromTop(n, p) {
  const k = n - Math.ceil(p * n) + 1;
  if (k <= 1) return 'largest';
  const suffix = k % 100 >= 11 && k % 100 <= 13 ? 'th' : ({ 1: 'st', 2: 'nd', 3: 'rd' }[k % 10] ?? 'th');
  return `${k}${suffix}-largest`;
}

function table(head, rows) {
  const line = (cells) => `| ${cells.join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}

export function renderReport(r) {
  const m = r.machine;
  const goals = [];
  const parts = [];
  parts.push(`# Benchmarks

Written by \`npm run bench\` (bench/run.mjs) on ${m.date.slice(0, 10)}; do not edit by hand. \`npm run bench -- --quick\` is a small development run (written to \`.bench-tmp/\`); \`npm run bench -- fuzz\` runs the 1,000,000-input decoder fuzz (bench/fuzz.mjs). Raw results of the last run: \`.bench-tmp/results.json\`.
${r.quick ? '\n> **Quick run** (fewer links, rounds and repetitions): for development only.\n' : ''}
## Machine

${table(
  ['', ''],
  [
    ['CPU', m.cpu],
    ['Cores', String(m.cores)],
    ['RAM', `${f1(m.ramGiB)} GiB`],
    ['Kernel', m.kernel],
    ['Node', m.node],
    ['Date', m.date],
    ['Load average (1/5/15 min) at start', m.loadStart.map(f2).join(' / ')],
    ['Load average at end', m.loadEnd.map(f2).join(' / ')],
    ['Whole run', `${n0(r.seconds)} s`],
  ],
)}

The machine is shared (other jobs may run at the same time); that is why every comparison below is measured side by side, in rotating order, in the same run, and reported as medians.

## Method

- **Code under test.** \`bench/lib.ts\` re-exports the sources (internals included: \`dumpLinksRaw\`, \`peekLinkKind\`, …) and is bundled by esbuild, the compiler tsup uses for \`dist/\`, with the same target (node20), into \`.bench-tmp/lib.mjs\`. So the benchmarks run the code of the built package, not tsx-transpiled sources. The CLI is built with the project's own tsup config (\`npx tsup --out-dir .bench-tmp/dist\`, so \`dist/\` is left alone): the same bundle as \`dist/cli.cjs\`.
- **Timing.** \`process.hrtime.bigint()\`; warm-up runs first; then rounds in which every contender runs once, in an order that rotates from round to round (codec, CLI) or is shuffled anew each round (listing, receive buffer: with a fixed cycle, the variant that always followed the \`ip\` processes was measured up to 3× slower than the same dump elsewhere); \`global.gc()\` before each measurement (and, before kernel work, a 40 ms pause: V8 keeps sweeping on background threads after \`gc()\` returns). Figures are medians (min–max in brackets or columns); ratios are ratios of medians.
- **Kernel benchmarks** run in a private network namespace that \`bench/kernel.mjs\` creates for itself (\`unshare -n\`, checked before anything is created; skipped with the reason when not root). Every link it makes carries a link group, and cleanup is one \`ip link del group\` per group; the namespace vanishes with the process.`);

  // --- codec -------------------------------------------------------------------
  const c = r.codec;
  if (c && !c.failed) {
    const d = c.decode;
    const e = c.encode;
    const ratio = (a, b) => a.opsPerSec.median / b.opsPerSec.median;
    const decAll = ratio(d.ours_all, d.netlink_all);
    const encV4 = ratio(e.ours_v4, e.netlink_v4);
    const encV6 = ratio(e.ours_v6, e.netlink_v6);
    goals.push([
      'Codec: decode ≥ 5× the `netlink` package (all captured messages)',
      `${f2(decAll)}×`,
      yes(decAll >= 5),
    ]);
    goals.push([
      'Codec: encode ≥ 5× the `netlink` package (create request)',
      `${f2(encV4)}× (eoip), ${f2(encV6)}× (eoipv6)`,
      yes(encV4 >= 5 && encV6 >= 5),
    ]);
    const row = (x, base) => [
      x.label,
      n0(x.opsPerSec.median),
      `${n0(x.opsPerSec.min)}–${n0(x.opsPerSec.max)}`,
      n0(1e9 / x.opsPerSec.median),
      base ? `${f2(ratio(x, base))}×` : '1×',
    ];
    const bl = c.bufferLayout;
    // Every fixed struct the decoder reads: nlmsghdr, ifinfomsg and rtnl_link_stats64.
    const blShare = bl.withStatsShareLayout;
    const blVerdict =
      blShare > 0.2
        ? `would cost more than 20 % of the decode time for the structs the decoder reads (nlmsghdr, ifinfomsg, rtnl_link_stats64): DataView it is, as the codec does (${f1(bl.headersLayoutNs / bl.headersDataViewNs)}× cheaper for these structs)`
        : `stays within 20 % of the decode time, so the 20 % rule would allow it; the codec uses DataView, which is ${f1(bl.headersLayoutNs / bl.headersDataViewNs)}× cheaper for these structs`;
    goals.push([
      'buffer-layout for the fixed structs (nlmsghdr, ifinfomsg, rtnl_link_stats64) unless > 20 % of decode time',
      `${pct(blShare)} of decode time (headers alone ${pct(bl.headersShareLayout)})`,
      blShare > 0.2 ? 'over 20 %: **DataView**' : 'within 20 %',
    ]);
    parts.push(`## 1. Codec (no kernel)

Input: the ${c.messages.all} RTM_NEWLINK messages of \`test/fixtures/vectors/dumps.json\` (${c.messages.tunnels} eoip/eoipv6, ${c.messages.others} other kinds; ${n0(c.messages.bytes)} bytes, counters included), as Node Buffers. ${c.rounds} rounds of about ${c.roundMs} ms per contender. "ops/s" counts messages.

The \`netlink\` package contender is what its \`RtNetlinkSocket\` does with each message: \`parseMessage\` (nlmsghdr) from \`netlink/dist/structs\`, then the rt parser \`parseMessage(type, data)\` from \`netlink/dist/rt/structs\` (ifinfomsg + every IFLA attribute; it leaves IFLA_LINKINFO raw, so it does less for tunnels than \`decodeLinkMessage\`, which also decodes the eoip INFO_DATA).

### Decode

${table(
  ['contender', 'ops/s (median)', 'ops/s (min–max)', 'ns/message', 'vs netlink package'],
  [
    row(d.ours_all, d.netlink_all),
    row(d.netlink_all),
    row(d.ours_tunnels, d.netlink_tunnels),
    row(d.netlink_tunnels),
    row(d.ours_others, d.netlink_others),
    row(d.netlink_others),
  ],
)}

### Encode (a complete create request: name, MTU, up, kind, INFO_DATA with keepalive)

The \`netlink\` package has no eoip INFO_DATA encoder, so it is given the IFLA_LINKINFO bytes ready-made and only formats ifinfomsg + IFNAME + MTU + LINKINFO + header (\`formatLinkMessage\` + \`formatMessage\` + \`Buffer.concat\`): less work than \`buildCreateTunnelRequest\`, which also parses the two addresses and writes the nested INFO_DATA.

${table(
  ['contender', 'ops/s (median)', 'ops/s (min–max)', 'ns/request', 'vs netlink package'],
  [row(e.ours_v4, e.netlink_v4), row(e.netlink_v4), row(e.ours_v6, e.netlink_v6), row(e.netlink_v6)],
)}

### buffer-layout or DataView for the fixed C structs

Per message, over the same ${c.messages.all} messages: the cost of reading nlmsghdr + ifinfomsg (and, separately, the rtnl_link_stats64 counters the decoder reads) with buffer-layout \`Structure.decode\` and with DataView (what the codec does), against the whole \`decodeLinkMessage\`.

${table(
  ['what', 'ns/message'],
  [
    ['whole decodeLinkMessage (DataView inside)', f1(bl.fullNs)],
    ['nlmsghdr + ifinfomsg, DataView', f1(bl.headersDataViewNs)],
    ['nlmsghdr + ifinfomsg, buffer-layout', f1(bl.headersLayoutNs)],
    ['rtnl_link_stats64 (10 counters), DataView', f1(bl.stats64DataViewNs)],
    ['rtnl_link_stats64 (10 counters), buffer-layout', f1(bl.stats64LayoutNs)],
  ],
)}

- DataView headers: ${pct(bl.headersShareDataView)} of the decode time.
- buffer-layout headers would be **${pct(bl.headersShareLayout)}** of the decode time (decode ${f2(bl.decodeSlowdownHeaders)}× slower); with the stats64 struct too, ${pct(bl.withStatsShareLayout)} (decode ${f2(bl.decodeSlowdownWithStats)}× slower).
- **Verdict:** buffer-layout ${blVerdict}.`);
  } else if (c?.failed) {
    parts.push(`## 1. Codec\n\nFailed: ${c.failed}`);
  }

  // --- kernel --------------------------------------------------------------------
  const k = r.kernel;
  if (k?.skipped) {
    parts.push(`## 2.–5. Kernel benchmarks\n\nSkipped: ${k.skipped}.`);
  } else if (k?.failed) {
    parts.push(`## 2.–5. Kernel benchmarks\n\nFailed: ${k.failed}`);
  } else if (k) {
    const L = k.listing;
    if (L) {
      const v = L.variants;
      const med = (id) => v[id].ms.median;
      for (const s of ['nostats', 'stats']) {
        const sl = s === 'stats' ? 'with counters' : 'stats: false';
        const ab = med(`b_peek_${s}`) / med(`a_${s}`);
        const abFull = med(`b_full_${s}`) / med(`a_${s}`);
        const bc = med(`b_peek_${s}`) / med(`c_${s}`);
        const bcFull = med(`b_full_${s}`) / med(`c_${s}`);
        goals.push([
          `Listing (${sl}): (a) kind-filtered ≥ 10× faster than (b) dump-and-filter`,
          `${f1(ab)}× vs peek path, ${f1(abFull)}× vs decode-all`,
          yes(ab >= 10),
        ]);
        goals.push([
          `Listing (${sl}): (b) ≤ 1.5× the raw floor (c)`,
          `${f2(bc)}× peek path, ${f2(bcFull)}× decode-all`,
          yes(bc <= 1.5) + (bcFull <= 1.5 ? '' : ' (decode-all: missed)'),
        ]);
      }
      const rows = [];
      const order = ['a', 'b_peek', 'b_full', 'c', 'e'];
      const cpuOf = (x) => `${msf(x.userMs)} + ${msf(x.systemMs)}`;
      for (const id of order) {
        const ns = v[`${id}_nostats`];
        const st = v[`${id}_stats`];
        rows.push([
          ns.label,
          `${msf(ns.ms.median)} (${range(ns.ms)})`,
          `${f2(ns.ms.median / med('c_nostats'))}×`,
          cpuOf(ns),
          `${msf(st.ms.median)} (${range(st.ms)})`,
          `${f2(st.ms.median / med('c_stats'))}×`,
          cpuOf(st),
        ]);
      }
      for (const id of ['d_all', 'd_vxlan']) {
        rows.push([
          `${v[id].label} (whole process)`,
          `${msf(v[id].ms.median)} (${range(v[id].ms)})`,
          `${f2(v[id].ms.median / med('c_nostats'))}×`,
          '',
          '',
          '',
          '',
        ]);
      }
      parts.push(`## 2. Listing ${n0(L.totalLinks)} links

The namespace holds ${n0(L.totalLinks)} links: ${n0((L.totalLinks - L.vxlans - k.baseLinks) / 2)} veth pairs made with \`ip -batch\`, ${L.vxlans} vxlan links (\`ip link add vxN type vxlan id N dstport 4789\`) and \`lo\`. One warm process, one socket; 5 warm-up runs of each, then ${L.rounds} rounds in random order. A full dump is ${n0(L.sizes.stats.bytes)} bytes with counters and ${n0(L.sizes.nostats.bytes)} bytes with IFLA_EXT_MASK = RTEXT_FILTER_SKIP_STATS (\`stats: false\`). Times in ms, median (min–max); "× (c)" is the ratio to the raw floor with the same stats setting.

- (a) the kernel-filtered path: \`dumpLinks(sock, { kind: 'vxlan' })\`; the kernel sends only the ${L.vxlans} vxlan links, flagged NLM_F_DUMP_FILTERED.
- (b) the unfiltered dump-and-filter path, two ways: **peek**, the library's own fallback when the kernel ignores the kind filter (\`dumpLinks\` with kind \`vxlan\` over a transport that strips IFLA_LINKINFO from the request, with \`setKernelFilterSupport(false)\`: every message's kind is peeked with \`peekLinkKind\` and only vxlan ones are decoded); **decode-all**, \`dumpLinks(sock)\` of every link followed by a JS filter on \`linkInfo.kind\`.
- (c) the raw floor: \`dumpLinksRaw(sock)\`, the same dump received and thrown away undecoded.
- (d) iproute2 as a process (spawn to exit, output to /dev/null).
- (e) what \`listTunnels\` costs on this machine, where the eoip driver is not loaded: \`dumpLinks(sock, { kind: 'eoip' })\`; the kernel answers with every link, unflagged, and the library stops decoding at the first message (kernel ≥ 5 filters by kind, so an unflagged answer means the kind is not registered).

${table(
  ['path', 'stats: false, ms', '× (c)', 'CPU user + sys', 'with counters, ms', '× (c)', 'CPU user + sys'],
  rows,
)}

"CPU" is the process's user + system time per listing (median, ms), from \`process.cpuUsage()\`; the kernel builds the dump inside the process's recvmsg, so system time is mostly the kernel's work. With \`stats: false\` the request carries IFLA_EXT_MASK, and for any dump request with IFLA_EXT_MASK the kernel first walks every device of the namespace to size its dump buffers (\`rtnl_calcit\`), a cost proportional to the number of links that the kind filter does not avoid: (a) took ${msf(med('a_nostats'))} ms with \`stats: false\` and ${msf(med('a_stats'))} ms with counters.`);
    }

    const D = k.decode;
    if (D?.variants) {
      const v = D.variants;
      const ipCpu = v.ip.cpuMs.median;
      const ratio = (id) => v[id].cpuMs.median / ipCpu;
      goals.push([
        `Decoding all ${n0(D.totalLinks)} links: the library's listing ≤ 1.2× the CPU time of \`ip -d link show\` (whole process)`,
        `${f2(ratio('lib_stats'))}× with counters, ${f2(ratio('lib_nostats'))}× \`stats: false\` (in a warm process; a new \`node\` process that lists once: ${f2(ratio('node_list'))}×)`,
        yes(ratio('lib_stats') <= 1.2 && ratio('lib_nostats') <= 1.2),
      ]);
      const rows = Object.values(v).map((x) => [
        x.label,
        `${msf(x.cpuMs.median)} (${range(x.cpuMs)})`,
        `${msf(x.userMs)} + ${msf(x.systemMs)}`,
        `${f2(x.cpuMs.median / ipCpu)}×`,
        `${msf(x.ms.median)} (${range(x.ms)})`,
        `${f2(x.ms.median / v.ip.ms.median)}×`,
      ]);
      const coldMs = v.node_list.cpuMs.median - v.node_idle.cpuMs.median;
      parts.push(`## 2b. Decoding every link: the library against \`ip -d link show\`

The same ${n0(D.totalLinks)} links. The library's full listing, every message decoded into a \`LinkMessage\`, against the whole \`ip -d link show\` process (start, dump, decoding and printing, output to /dev/null). iproute2 asks for the counters too (its dump request carries IFLA_EXT_MASK = RTEXT_FILTER_VF only), so the kernel builds the same dump for \`ip\` as for \`dumpLinks(sock)\` with counters. CPU time is user + system: for the listings in this process from \`process.cpuUsage()\` around the call (one warm process, 5 warm-up runs); for processes, the child's own from \`wait4()\` (bench/helper.py starts them and times spawn to exit). ${D.rounds} rounds in random order after one untimed run of each process; ms, median (min–max).

${table(['what', 'CPU user + sys, ms', 'user + sys', 'CPU vs ip', 'wall ms', 'wall vs ip'], rows)}

The new \`node\` processes are bench/mem-child.mjs: loading Node and the library costs ${msf(v.node_idle.cpuMs.median)} ms of CPU, and the first listing in a process, before the JIT has compiled the decoder, ${msf(coldMs)} ms (the warm one: ${msf(v.lib_stats.cpuMs.median)} ms).`);
    } else if (D?.skipped || D?.error) {
      parts.push(
        `## 2b. Decoding every link\n\n${D.skipped ? `Skipped: ${D.skipped}.` : `Failed: ${D.error}`}`,
      );
    }

    const cliRows = [];
    const cliGoal = (set, label) => {
      if (!set) return;
      const base = set.commands.node?.ms?.median;
      for (const id of ['node', 'version', 'list', 'listNoCache']) {
        const x = set.commands[id];
        if (!x) continue;
        if (x.failed) {
          cliRows.push([label, x.label, 'failed', '', x.failed.replace(/\|/g, '\\|').replace(/\n/g, ' ')]);
          continue;
        }
        cliRows.push([
          label,
          x.label,
          `${msf(x.ms.median)}`,
          range(x.ms),
          id === 'node' ? '1×' : `${f2(x.ms.median / base)}×`,
        ]);
      }
      for (const [id, limit] of [
        ['version', 1.3],
        ['list', 1.2],
      ]) {
        const x = set.commands[id];
        if (!x) continue;
        const cold = set.commands.listNoCache;
        const note = id === 'list' && cold?.ms ? ` (no code cache: ${f2(cold.ms.median / base)}×)` : '';
        goals.push([
          `CLI start \`${x.label}\` ≤ ${limit}× \`node -e 0\` (${label})`,
          x.failed ? 'failed to run' : `${f2(x.ms.median / base)}×${note}`,
          x.failed ? '**not measured**' : yes(x.ms.median / base <= limit),
        ]);
      }
    };
    cliGoal(k.cliEmpty, 'empty namespace');
    cliGoal(k.cliFull, `${n0(k.populatedLinks ?? 0)} links`);
    if (cliRows.length) {
      parts.push(`## 3. CLI start

\`node .bench-tmp/dist/cli.cjs …\` (the bin, built from the current sources) against \`node -e 0\`, as processes, output to /dev/null, ${k.cliEmpty?.rounds ?? k.cliFull?.rounds} rounds in rotating order after one untimed run each. Times in ms.

The bin, \`dist/cli.cjs\`, is only a loader: the parser, help, version and \`add\`, \`set\`, \`list\`, \`del\` are the bundle \`dist/cli-main.cjs\` beside it, and \`apply\`, \`monitor\`, \`doctor\` the bundle \`dist/cli-commands.cjs\`, each loaded with V8's code cache. Node 20 has no compile cache for CommonJS of its own: the bin keeps one under \`$XDG_CACHE_HOME/eoip-netlink\` (src/cli/code-cache.ts), one file per bundle and command, since each command compiles other functions. Each set starts with an empty cache directory (\`XDG_CACHE_HOME\` set for the runs): the untimed first run of each command writes its cache, as a user's first run does. "no code cache" is \`eoip list\` with \`NODE_DISABLE_COMPILE_CACHE=1\`: the bundle compiled at every start, as where no cache can be kept (no home directory of the user's own).${r.cliBuildError ? `\n\n**The CLI build failed:** ${r.cliBuildError}` : ''}

${table(['namespace', 'command', 'median ms', 'min–max', 'vs node -e 0'], cliRows)}`);
    }

    const Q = k.requests;
    if (Q && !Q.error) {
      const ours = Q.ours;
      const theirs = Q.netlink;
      goals.push([
        `Requests: user CPU ≤ 7 µs per answered request (${n0(Q.requests)} pipelined \`getLink\` of \`lo\`, decoded)`,
        `${f2(ours.userUsPerRequest)} µs` +
          (theirs.skipped ? '' : ` (the \`netlink\` package: ${f2(theirs.userUsPerRequest)} µs)`),
        yes(ours.userUsPerRequest <= 7),
      ]);
      const qrow = (label, x) => [
        label,
        f2(x.userUsPerRequest),
        f2(x.systemUsPerRequest),
        f2(x.cpuUsPerRequest),
        msf(x.wallMsMedian),
      ];
      parts.push(`## 4a. CPU per answered request

${n0(Q.requests)} RTM_GETLINK requests for \`lo\` started at once on one socket, each answer decoded (counters included): this library's \`getLink\` over \`NetlinkSocket\` (64 requests in flight by default), and the \`netlink\` package's \`RtNetlinkSocket.getLink\`, kept at 64 in flight as well (all ${n0(Q.requests)} at once overrun its receive buffer, which aborts the process in its native code). Each side runs in processes of its own (${Q.processes ?? 1} per side, alternating which goes first), each process doing untimed warm-up rounds and then its share of the ${Q.rounds} measured rounds: \`process.cpuUsage()\` counts the whole process, V8's collector threads included, so in a process shared with the other library the collection of its garbage was charged to whichever side ran next. CPU is added up over all measured rounds and divided by the requests (the kernel splits user and system time by the tick, so one round's split is a sample, not a measurement).

${table(
  [
    'reader',
    'user µs / request',
    'system µs / request',
    'CPU µs / request',
    `wall ms per ${n0(Q.requests)} (median)`,
  ],
  [
    qrow('eoip-netlink `getLink`', ours),
    ...(theirs.skipped ? [] : [qrow('`netlink` package `getLink`', theirs)]),
  ],
)}
${theirs.skipped ? `\nThe \`netlink\` package was skipped: ${theirs.skipped}.\n` : ''}`);
    } else if (Q?.error) {
      parts.push(`## 4a. CPU per answered request\n\nFailed: ${Q.error}`);
    }

    const T = k.throughput;
    if (T) {
      const cs = T.creates;
      const cy = T.cycles;
      const createRatio = cs.sequential.ms.median / cs.pipelined.ms.median;
      const cycleRatio = cy.sequential.total.ms / cy.bulk.total.ms;
      const perLinkRatio = cy.sequential.total.ms / cy.pipelined.total.ms;
      const userShare = (x) => x.userMs / x.systemMs;
      goals.push([
        `Throughput: pipelined ≥ 3× sequential (create + delete of ${n0(T.links)} vxlan; pipelined deletes through \`deleteLinks\`)`,
        `${f2(cycleRatio)}× (with a \`deleteLink\` per link: ${f2(perLinkRatio)}×; creates alone: ${f2(createRatio)}×)`,
        yes(cycleRatio >= 3) +
          (createRatio >= 3
            ? ' (creates alone: met)'
            : ` (creates alone: below 3×; pipelined creates take ${f2(cs.pipelined.ms.median / cs.pipelined.systemMs)}× the kernel's own CPU time, the floor)`),
      ]);
      goals.push([
        'Throughput: user CPU ≤ 25 % of kernel CPU (pipelined cycle)',
        `${pct(userShare(cy.bulk.total))} (creates alone: ${pct(userShare(cs.pipelined))})`,
        yes(userShare(cy.bulk.total) <= 0.25) +
          (userShare(cs.pipelined) <= 0.25 ? ' (creates alone: met)' : ' (creates alone: missed)'),
      ]);
      const cpuRow = (label, x, ms) => [
        label,
        msf(ms ?? x.ms),
        msf(x.userMs),
        msf(x.systemMs),
        pct(x.userMs / x.systemMs),
        n0((T.links * 1000) / (ms ?? x.ms)),
      ];
      const perDelete = cy.sequential.delete.ms / T.links;
      const modeLabel = {
        sequential: 'sequential',
        pipelined: 'pipelined, a deleteLink per link',
        bulk: 'pipelined, deleteLinks',
      };
      parts.push(`## 4. Create + delete throughput on one socket

\`createLink\` / \`deleteLink\` / \`deleteLinks\` (src/transport/) of ${n0(T.links)} vxlan links (\`bt0…\`, VNI 100000+i, dstport 4789) on one \`NetlinkSocket\`: **sequential** awaits each request before the next; **pipelined** starts all of them at once and lets the socket bound the requests in flight (64 by default). Wall time and the process's CPU time from \`process.cpuUsage()\` (user = JavaScript, the native socket layer and libuv; system = the kernel, which runs rtnetlink requests synchronously inside the process's sendmsg, plus page faults). Every request gets a 300 s timeout, so that a slow shared machine cannot turn a benchmark into a failure.

Creates alone, ${T.createRounds} rounds per mode in alternating order (cleanup between rounds, untimed, is one group delete), after two untimed rounds of every mode (the JIT settles only after some thousand requests). No forced GC before a round: V8 would spend the following tens of milliseconds sweeping and marking on its background threads, user time the workload did not cause. Median wall time; CPU times are means over the rounds (the kernel accounts CPU time in scheduler ticks, so a single ~100 ms round reads as 0, 4 or 8 ms of user time):

${table(
  ['mode', 'wall ms', 'user ms', 'system ms', 'user / system', 'links/s'],
  [
    cpuRow('sequential', { ...cs.sequential, ms: cs.sequential.ms.median }),
    cpuRow('pipelined', { ...cs.pipelined, ms: cs.pipelined.ms.median }),
  ],
)}

The whole create + delete cycle. **sequential**: awaited creates, then an awaited \`deleteLink\` per link; **pipelined, a deleteLink per link**: all creates in flight, then all single deletes in flight; **pipelined, deleteLinks**: all creates in flight, then one \`deleteLinks\` call (one dump to resolve the names and find an unused link group, the links moved into that group with pipelined RTM_NEWLINK, one RTM_DELLINK for the group). The first two run once (each single RTM_DELLINK takes the kernel about ${msf(perDelete)} ms here); the last runs ${cy.bulk.rounds ?? 1} times (medians).

${table(
  ['mode', 'phase', 'wall ms', 'user ms', 'system ms', 'user / system'],
  ['sequential', 'pipelined', 'bulk'].flatMap((mode) =>
    ['create', 'delete', 'total'].map((ph) => {
      const x = cy[mode][ph];
      return [modeLabel[mode], ph, msf(x.ms), msf(x.userMs), msf(x.systemMs), pct(x.userMs / x.systemMs)];
    }),
  ),
)}

Single deletes cannot be overlapped: the kernel waits for an RCU grace period after each RTM_DELLINK (\`netdev_run_todo\`), using little CPU, and it serves the messages of one socket one after the other, so keeping many in flight saves nothing (the pipelined per-link cycle is ${f2(perLinkRatio)}× sequential). A group delete unregisters every member behind one wait; \`deleteLinks\` uses it with a group no link is in, so it removed ${n0(T.links)} links in ${msf(cy.bulk.delete.ms)} ms against ${msf(cy.sequential.delete.ms)} ms one by one. For reference, \`ip link del group\` (process start included) removed the same ${n0(T.links)} links in ${msf(T.groupDeleteMs)} ms.`);
    }

    const RB = k.receiveBuffer;
    if (RB && !RB.error) {
      const base = RB.sizes['0'];
      parts.push(`## 4b. The socket's receive buffer

The package's native layer reads datagrams back to back into 64 KiB slabs that JavaScript owns (no allocation per datagram); by default (\`datagramSize: 0\`) it peeks at each datagram's size first, so none is ever cut. The kernel sizes dump datagrams to the largest read the socket has done, so exact-size reads alone would leave every dump in ~4 KiB datagrams (10× as many); before its first dump the socket makes the kernel answer one 32 KiB message (a refused 32 KiB request, echoed whole in its NLMSG_ERROR), after which dumps come in 32 KiB datagrams. Same namespace (${n0(k.populatedLinks ?? 0)} links), one socket per setting, ${RB.rounds} rounds in random order; the dump is the raw floor (\`dumpLinksRaw\`, \`stats: false\`), the requests are ${n0(RB.gets)} pipelined \`getLink\` of \`lo\` (\`stats: false\`), each answered by a ~1 KiB message, ${RB.rounds * 2} rounds. Wall: medians; CPU: means; ms.

${table(
  [
    'datagramSize',
    'raw dump wall',
    'dump CPU user + sys',
    `${n0(RB.gets)} pipelined gets wall`,
    'gets CPU user + sys',
    'gets user / sys',
    'gets vs exact size',
  ],
  Object.entries(RB.sizes).map(([size, x]) => [
    size === '0' ? 'exact size (default)' : `${Number(size) / 1024} KiB`,
    msf(x.dumpMs),
    `${msf(x.dumpUserMs)} + ${msf(x.dumpSystemMs)}`,
    msf(x.getsMs),
    `${msf(x.getsUserMs)} + ${msf(x.getsSystemMs)}`,
    pct(x.getsUserMs / x.getsSystemMs),
    `${f2(x.getsMs / base.getsMs)}× the time`,
  ]),
)}

The kernel never builds dump datagrams larger than 32 KiB (it caps them at \`SKB_WITH_OVERHEAD(32768)\`), so a fixed 32 KiB buffer receives the same dump datagrams; with a fixed buffer, a single non-dump answer larger than it would be truncated (reported as an error by the socket).`);
    } else if (RB?.error) {
      parts.push(`## 4b. The socket's receive buffer\n\nFailed: ${RB.error}`);
    }

    const M = k.memory;
    if (M) {
      goals.push([
        `Memory: peak RSS listing all ${n0(M.modes.stats.links)} links (with counters) ≤ 77 MB, the level measured with the \`netlink\` package's socket`,
        `${f1(M.modes.stats.maxRssMB)} MB`,
        yes(M.modes.stats.maxRssMB <= 77),
      ]);
      parts.push(`## 5. Memory: peak RSS of listing ${n0(M.modes.stats.links)} links

A fresh \`node\` process per run: load the library, open a socket, do the listing, report its peak RSS (VmHWM from /proc/self/status; not \`process.resourceUsage().maxRSS\`, which on Linux starts from the parent's RSS at exec time). Median of ${M.runs} runs.

${table(
  ['what', 'links', 'peak RSS MB', 'heap used after MB'],
  Object.values(M.modes).map((x) => [x.label, n0(x.links), f1(x.maxRssMB), f1(x.heapUsedMB)]),
)}

Listing everything costs ${f1(M.modes.stats.maxRssMB - M.modes.idle.maxRssMB)} MB of peak RSS over the idle process (${f1(M.modes.nostats.maxRssMB - M.modes.idle.maxRssMB)} MB without counters), about ${n0(((M.modes.stats.maxRssMB - M.modes.idle.maxRssMB) * 2 ** 20) / M.modes.stats.links)} bytes per link. Most of it is the received bytes themselves: a decoded link keeps the attributes it does not interpret (\`unknown\`) as views into them, so they live as long as the result (the "received, not decoded" row is about their size); the decoded objects are the heap figure.`);
    }
  }

  const E = r.kernel?.events;
  if (E?.readers) {
    const x = E.readers;
    const w = x.watch;
    const p = x.pyroute2;
    if (p) {
      const okMedian = w.ms.median <= 0.5 && w.ms.median < p.ms.median;
      const okP99 = w.ms.p99 <= p.ms.p99;
      goals.push([
        "Event latency: `watchLinks` median ≤ 0.5 ms and below pyroute2's; p99 no worse than pyroute2's",
        `median ${f3(w.ms.median)} ms (pyroute2 ${f3(p.ms.median)} ms), p99 ${f3(w.ms.p99)} ms (pyroute2 ${f3(p.ms.p99)} ms); ${w.withGcMs?.length ?? 0} of its ${n0(w.ms.n)} events waited for a garbage collection of the reader`,
        okMedian && okP99
          ? yes(true)
          : `${yes(false)} (${okMedian ? 'median met' : 'median missed'}, ${okP99 ? 'p99 met' : 'p99 missed'})`,
      ]);
    } else {
      goals.push([
        "Event latency: `watchLinks` median ≤ 0.5 ms and below pyroute2's; p99 no worse than pyroute2's",
        `median ${f3(w.ms.median)} ms, p99 ${f3(w.ms.p99)} ms; pyroute2 not measured: ${E.pyroute2Skipped}`,
        '**not measured**',
      ]);
    }
    const rows = Object.values(x).map((y) => [
      y.label,
      f3(y.ms.median),
      f3(y.ms.p90),
      f3(y.ms.p99),
      f3(y.ms.max),
      String(y.ms.over1ms),
      y.withGcMs
        ? `${y.withGcMs.length}${y.withGcMs.length ? ` (${y.withGcMs.map(f3).join(', ')})` : ''}`
        : '–',
      f3(y.afterAckMs.median),
      String(y.missing),
    ]);
    parts.push(`## 6. Event latency: a link change to the event in the reader

In the empty namespace, a veth pair (\`evA\`, \`evB\`, both up). Another process, bench/helper.py, changes the MTU of \`evA\` with one RTM_NEWLINK at a time over its own rtnetlink socket, ${f1(E.gapMs)}–${f1(E.gapMs + E.jitterMs)} ms apart, and reads CLOCK_MONOTONIC just before each sendmsg; the kernel makes the change and sends the notification to the listeners inside that call, before the ack. Each reader notes CLOCK_MONOTONIC (\`process.hrtime.bigint()\` in Node, \`time.monotonic_ns()\` in Python: the same clock) when it has the event decoded. Every MTU is used once per run, so each arrival is matched to its change (none went missing unless the table says so). Readers run one at a time, each a new process per round, ${E.rounds} rounds in rotating order; each run starts with ${E.warmPerRun} changes 1 ms apart that are not counted (a watcher is a long-running process, and V8 optimizes the path of a Node reader only after some hundred events, holding up the event at hand for about a millisecond when it does), then ${n0(E.changesPerReader / E.rounds)} that are: ${n0(E.changesPerReader)} changes per reader. ms from just before the change's sendmsg to the event in the reader; "after ack" from the changer's read of the ack instead (it can be negative: the reader may have the event before the changer has its ack). The changer's own sendmsg-to-ack time: median ${f3(E.sendToAckMs.median)} ms.${E.pyroute2Skipped ? `\n\npyroute2 not measured: ${E.pyroute2Skipped}.` : ''}

${table(['reader', 'median', 'p90', 'p99', 'max', '> 1 ms', 'a GC of the reader in between (ms)', 'after ack, median', 'missing'], rows)}

The tail (p99, max) is where the reader waited: for a CPU (the machine is shared), and in the Node readers for a young-generation garbage collection of their own (one every few hundred events, each of about a millisecond here; the Node readers report their collections, and the column counts the events for which one took 0.1 ms or more of the time between the change and the arrival). With ${n0(E.changesPerReader)} changes per reader, p99 is the ${rankFromTop(E.changesPerReader, 0.99)} sample.`);
  } else if (E?.skipped || E?.error) {
    parts.push(`## 6. Event latency\n\n${E.skipped ? `Skipped: ${E.skipped}.` : `Failed: ${E.error}`}`);
  }

  const goalTable = goals.length
    ? `## Goals

${table(['goal', 'measured (ratio of medians, same run)', 'verdict'], goals)}
`
    : '';
  // Goals right after the machine and the method.
  parts.splice(1, 0, goalTable);
  return `${parts.filter(Boolean).join('\n\n')}\n`;
}
