/**
 * Act on another network namespace from this process: create a tunnel
 * there, list that namespace's tunnels, change the tunnel, and delete it
 * (the library's socket is opened inside the namespace; nothing else is).
 *
 *   sudo ip netns add eoip-demo
 *   sudo npx tsx --tsconfig tsconfig.examples.json examples/act-in-namespace.ts [namespace]
 *   sudo ip netns del eoip-demo
 *
 * The namespace is a name under /run/netns (default `eoip-demo`), a path such
 * as /proc/1234/ns/net, or a pid given as a number. Needs root (CAP_SYS_ADMIN
 * to enter the namespace, CAP_NET_ADMIN in it) and the eoip kernel module. Without the module, or without the namespace, it prints
 * the refusal and exits with status 1.
 */
import {
  changeTunnel,
  createTunnel,
  deleteTunnel,
  EoipError,
  formatTunnelLine,
  listTunnels,
  type NetnsRef,
} from 'eoip-netlink';

const arg = process.argv[2] ?? 'eoip-demo';
// A number is a pid (its namespace is /proc/<pid>/ns/net); anything else a name or a path.
const netns: NetnsRef = /^\d+$/.test(arg) ? Number(arg) : arg;

async function main(): Promise<void> {
  const where = { netns };
  let created: string | undefined;
  try {
    const t = await createTunnel(
      {
        name: 'eoip-ns',
        tunnelId: 300,
        local: '192.0.2.1', // 'auto' is refused in another namespace: give the address
        remote: '198.51.100.7',
        keepalive: 10,
        up: true,
      },
      where,
    );
    created = t.name;
    console.log(`created ${t.name} in ${arg} (ifindex ${t.index} there)`);

    console.log(`tunnels in ${arg}:`);
    for (const x of await listTunnels(where)) console.log(`  ${formatTunnelLine(x)}`);

    const changed = await changeTunnel(t.name, { ttl: 64, keepalive: { interval: 5, retries: 3 } }, where);
    console.log(
      `changed: ttl ${changed.ttl}, keepalive ${changed.keepalive?.interval},${changed.keepalive?.retries}`,
    );

    console.log(`tunnels in this process's own namespace: ${(await listTunnels()).length}`);
  } catch (e) {
    if (!(e instanceof EoipError)) throw e;
    console.error(`${e.code}: ${e.message}`);
    process.exitCode = 1;
  }
  // Clean up what this run made, whether or not the steps after the create worked.
  if (created) {
    try {
      await deleteTunnel(created, where);
      console.log(`deleted ${created}`);
    } catch (e) {
      if (!(e instanceof EoipError)) throw e;
      console.error(`could not delete ${created}: ${e.code}: ${e.message}`);
      process.exitCode = 1;
    }
  }
}

await main();
