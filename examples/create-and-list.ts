/**
 * Create an EoIP tunnel to a RouterOS box, list all tunnels, then remove it.
 * Run as root (CAP_NET_ADMIN) on a host with the eoip module loaded:
 *   sudo npx tsx --tsconfig tsconfig.examples.json examples/create-and-list.ts
 * (prefix `unshare -n` to try it in a throwaway network namespace).
 * Without the module, it prints the kernel's refusal and its hint, and exits
 * with status 1.
 *
 * The matching RouterOS side:
 *   /interface eoip add name=eoip-linux local-address=198.51.100.7 remote-address=192.0.2.1 \
 *     tunnel-id=100 keepalive=10s,10
 */
import { createTunnel, deleteTunnel, EoipError, formatTunnelLine, listTunnels } from 'eoip-netlink';

async function main(): Promise<void> {
  try {
    const t = await createTunnel({
      name: 'eoip-hq',
      tunnelId: 100, // RouterOS: /interface eoip add remote-address=... tunnel-id=100
      local: '192.0.2.1',
      remote: '198.51.100.7',
      keepalive: { interval: 10, retries: 10 }, // RouterOS default: keepalive=10s,10
      up: true,
    });
    console.log(`created ${t.name} (ifindex ${t.index}, mtu ${t.mtu})`);
    for (const tunnel of await listTunnels()) console.log(formatTunnelLine(tunnel));
    await deleteTunnel(t.name);
  } catch (e) {
    if (e instanceof EoipError) {
      console.error(`${e.code}: ${e.message}`);
      process.exitCode = 1;
    } else throw e;
  }
}

await main();
