/**
 * Watch tunnel events for a while: additions, changes (with what changed,
 * including keepalive liveness: `running` flipping), removals and resyncs.
 *
 *   npx tsx --tsconfig tsconfig.examples.json examples/watch-events.ts [seconds]
 *
 * Stops after `seconds` (default 30) through an AbortController, or on Ctrl-C.
 * Needs no privileges and works without the eoip module (there is then simply
 * nothing to report). Create, change or delete a tunnel in another terminal
 * (e.g. `sudo eoip add remote 198.51.100.7 tunnel-id 7 up`) to see events.
 */
import { EoipError, type Tunnel, watchTunnels } from 'eoip-netlink';

const seconds = Number(process.argv[2] ?? 30);
if (!Number.isFinite(seconds) || seconds <= 0) {
  console.error(`usage: watch-events.ts [seconds]   (got ${JSON.stringify(process.argv[2])})`);
  process.exit(1);
}

/** What differs between two states of a tunnel, as `field old -> new`. */
function differences(before: Tunnel, after: Tunnel): string[] {
  const out: string[] = [];
  const show = (v: unknown): string => {
    if (v === null || typeof v !== 'object') return String(v);
    const k = v as { interval: number; retries: number }; // the only object field: keepalive
    return k.interval === 0 ? 'none' : `${k.interval},${k.retries}`;
  };
  for (const f of [
    'name',
    'tunnelId',
    'local',
    'remote',
    'link',
    'ttl',
    'tos',
    'mtu',
    'address',
    'master',
    'up',
    'running',
  ] as const) {
    if (before[f] !== after[f]) out.push(`${f} ${show(before[f])} -> ${show(after[f])}`);
  }
  if (show(before.keepalive) !== show(after.keepalive))
    out.push(`keepalive ${show(before.keepalive)} -> ${show(after.keepalive)}`);
  return out;
}

async function main(): Promise<void> {
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), seconds * 1000);
  process.once('SIGINT', () => ac.abort());
  console.log(`watching eoip/eoipv6 tunnels for ${seconds} s…`);
  try {
    for await (const ev of watchTunnels({ signal: ac.signal, initial: true })) {
      const at = new Date().toISOString();
      switch (ev.type) {
        case 'added':
          console.log(
            `${at} + ${ev.tunnel.name} ${ev.tunnel.kind} tunnel-id ${ev.tunnel.tunnelId} remote ${ev.tunnel.remote}`,
          );
          break;
        case 'changed': {
          const p = ev.previous;
          if (p && p.running !== ev.tunnel.running && p.up && ev.tunnel.up) {
            // Carrier flipped on an up tunnel: with keepalive on, the peer went silent or came back.
            console.log(
              `${at} ! ${ev.tunnel.name}: peer ${ev.tunnel.remote} ${ev.tunnel.running ? 'is back' : 'went silent'}`,
            );
          }
          console.log(`${at} ~ ${ev.tunnel.name}: ${p ? differences(p, ev.tunnel).join(', ') : 'changed'}`);
          break;
        }
        case 'removed':
          console.log(`${at} - ${ev.tunnel.name}`);
          break;
        case 'resync':
          console.log(`${at} = events were lost; re-read ${ev.tunnels.length} tunnels`);
          break;
      }
    }
    console.log('done');
  } catch (e) {
    if (!(e instanceof EoipError)) throw e;
    console.error(`${e.code}: ${e.message}`);
    process.exitCode = 1;
  } finally {
    clearTimeout(timer);
  }
}

await main();
