/**
 * Many links over one socket: create bridges with every request in flight,
 * then remove them all with one `deleteLinks` call. Bridges stand in for
 * tunnels so that it runs on any kernel; `deleteTunnels` does the same for
 * eoip/eoipv6 tunnels (and refuses links of other kinds).
 *
 * Needs root (CAP_NET_ADMIN). To try it without touching the host's
 * interfaces, run it in a throwaway network namespace:
 *   sudo unshare -n npx tsx --tsconfig tsconfig.examples.json examples/bulk-links.ts [count]
 * Default count: 200.
 */
import { createLink, deleteLinks, dumpLinks, EoipError, NetlinkSocket } from 'eoip-netlink';

const count = Number(process.argv[2] ?? 200);
const names = Array.from({ length: count }, (_, i) => `bulk${i}`);

async function main(): Promise<void> {
  const sock = NetlinkSocket.open();
  try {
    // Every create in flight at once: the socket sends them in a few sendmsg
    // calls and the kernel answers each batch with one ACK (a failure still
    // rejects only its own promise).
    let t0 = performance.now();
    await Promise.all(names.map((name) => createLink(sock, { kind: 'bridge', name })));
    console.log(`created ${count} bridges in ${(performance.now() - t0).toFixed(0)} ms`);

    const bridges = await dumpLinks(sock, { kind: 'bridge' });
    console.log(`the kernel lists ${bridges.filter((l) => l.name?.startsWith('bulk')).length} of them`);

    // One group delete for all of them, plus a name that does not exist:
    // it gets its own LinkNotFoundError and does not stop the others.
    t0 = performance.now();
    const results = await deleteLinks(
      sock,
      [...names, 'bulk-missing'].map((name) => ({ name })),
    );
    const deleted = results.filter((r) => r.status === 'fulfilled').length;
    console.log(`deleted ${deleted} bridges in ${(performance.now() - t0).toFixed(0)} ms`);
    for (const r of results)
      if (r.status === 'rejected') console.log(`refused: ${(r.reason as Error).message}`);
  } finally {
    sock.close();
  }
}

main().catch((e: unknown) => {
  if (e instanceof EoipError) console.error(`${e.code}: ${e.message}`);
  else console.error(e);
  process.exitCode = 1;
});
