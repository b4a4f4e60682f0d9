/**
 * Bridge an EoIP tunnel: make sure a bridge exists (created through the
 * generic link layer if missing), then create the tunnel inside it with
 * MTU 1500, keepalive and up, all in one request.
 *
 * Needs root (CAP_NET_ADMIN) and the eoip kernel module (`modprobe eoip`).
 * To try it without touching the host's interfaces, run it in a throwaway
 * network namespace:
 *   sudo unshare -n npx tsx --tsconfig tsconfig.examples.json examples/bridge-a-tunnel.ts [remote] [local]
 * Defaults: remote 198.51.100.7, local 192.0.2.1. Pass --keep to leave the
 * tunnel (and a bridge it created) in place; by default both are removed.
 * Without the module it prints the kernel's refusal and exits with status 1.
 *
 * The matching RouterOS side:
 *   /interface eoip add name=eoip-linux local-address=198.51.100.7 remote-address=192.0.2.1 \
 *     tunnel-id=200 keepalive=10s,10 mtu=1500
 *   /interface bridge port add bridge=bridge1 interface=eoip-linux
 */
import { createLink, deleteLink, EoipClient, EoipError } from 'eoip-netlink';

const BRIDGE = 'br-eoip';
const TUNNEL = 'eoip-br';

const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const keep = process.argv.includes('--keep');
const remote = args[0] ?? '198.51.100.7';
const local = args[1] ?? '192.0.2.1';

async function main(): Promise<void> {
  const client = await EoipClient.open();
  let madeBridge = false;
  try {
    // 1. The bridge: any link kind goes through the generic link layer.
    if (!(await client.getLink(BRIDGE))) {
      await createLink(client.transport, { kind: 'bridge', name: BRIDGE, up: true });
      madeBridge = true;
      console.log(`created bridge ${BRIDGE}`);
    }

    // 2. The tunnel, created inside the bridge: master, MTU and up go in the
    //    same request as the create, so it never exists half-configured.
    const t = await client.createTunnel({
      name: TUNNEL,
      tunnelId: 200,
      local,
      remote,
      keepalive: 10, // 10 s, 10 retries: RouterOS's default
      mtu: 1500, // bridged frames are 1500 bytes; the outer packets get fragmented
      master: BRIDGE,
      up: true,
    });
    const bridge = await client.getLink(BRIDGE);
    console.log(
      `${t.name}: ifindex ${t.index}, mtu ${t.mtu}, mac ${t.address}, master ${bridge?.name} (ifindex ${t.master})`,
    );
    console.log(`bridge ${BRIDGE}: mtu ${bridge?.mtu}`);

    if (!keep) {
      await client.deleteTunnel(t.name);
      console.log(`deleted ${t.name} (pass --keep to leave it)`);
    }
  } catch (e) {
    if (!(e instanceof EoipError)) throw e;
    console.error(`${e.code}: ${e.message}`);
    process.exitCode = 1;
  } finally {
    // Leave no bridge behind that this run made, unless asked to keep it.
    if (madeBridge && (!keep || process.exitCode === 1)) {
      const bridge = await client.getLink(BRIDGE).catch(() => undefined);
      if (bridge) await deleteLink(client.transport, { index: bridge.index }).catch(() => undefined);
    }
    client.close();
  }
}

await main();
