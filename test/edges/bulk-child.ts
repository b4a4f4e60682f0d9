/**
 * A process running one deleteLinks, for the crash and race tests. Its
 * configuration (JSON in EOIP_BULK_CHILD) names the links and the points,
 * counted over the requests deleteLinks hands to the socket, at which it
 * pauses (until a line on stdin), aborts its signal, or kills itself with
 * SIGKILL. It writes one JSON line per event on stdout.
 */
import { createInterface } from 'node:readline';
import { deleteLinks } from '../../src/transport/bulk-delete.js';
import { NetlinkSocket, type NetlinkTransport } from '../../src/transport/socket.js';

/**
 * Where something happens: the n-th ack request of a message type (16
 * RTM_NEWLINK, 17 RTM_DELLINK) or of any type, or the n-th dump.
 */
export interface ChildPoint {
  type?: 16 | 17 | 'dump';
  n: number;
  /** pause: before handing it over; abort: the signal, just before; kill-before / kill-answered: SIGKILL before handing it over / once answered. */
  action: 'pause' | 'abort' | 'kill-before' | 'kill-answered';
}

/** What the child is told. */
export interface ChildConfig {
  names: string[];
  points: ChildPoint[];
}

/** One line of the child's output. */
export type ChildEvent =
  | { event: 'ready'; pid: number }
  | { event: 'paused'; type: number; n: number }
  | { event: 'done'; results: Array<{ status: string; error?: string; errno?: number }> };

function say(e: ChildEvent): void {
  process.stdout.write(`${JSON.stringify(e)}\n`);
}

const die = (): void => void process.kill(process.pid, 'SIGKILL');

async function main(): Promise<void> {
  const cfg = JSON.parse(process.env['EOIP_BULK_CHILD'] ?? '{}') as ChildConfig;
  const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
  const sock = NetlinkSocket.open();
  const ac = new AbortController();
  const counts = new Map<number | 'dump' | undefined, number>();
  let gate: Promise<void> | undefined;
  const transport: NetlinkTransport = {
    ack(build, o) {
      const type = build(0)[4]!;
      const nAll = (counts.get(undefined) ?? 0) + 1;
      const nType = (counts.get(type) ?? 0) + 1;
      counts.set(undefined, nAll);
      counts.set(type, nType);
      const here = cfg.points.filter((p) =>
        p.type === undefined ? p.n === nAll : p.type === type && p.n === nType,
      );
      const has = (a: ChildPoint['action']) => here.some((p) => p.action === a);
      const send = () => {
        if (has('kill-before')) die();
        if (has('abort')) ac.abort(new Error('stop'));
        const answer = sock.ack(build, o);
        if (has('kill-answered')) answer.then(die, die);
        return answer;
      };
      if (has('pause')) {
        say({ event: 'paused', type, n: nType });
        // Every later request waits behind this one, in order.
        gate = lines.next().then(() => {
          gate = undefined;
        });
      }
      return gate ? gate.then(send) : send();
    },
    reply: (b, o) => sock.reply(b, o),
    dump(b, v, o) {
      const n = (counts.get('dump') ?? 0) + 1;
      counts.set('dump', n);
      const here = cfg.points.filter((p) => p.type === 'dump' && p.n === n);
      if (here.some((p) => p.action === 'kill-before')) die();
      const answer = sock.dump(b, v, o);
      if (here.some((p) => p.action === 'kill-answered')) answer.then(die, die);
      return answer;
    },
    close: () => undefined,
  };
  say({ event: 'ready', pid: process.pid });
  const results = await deleteLinks(
    transport,
    cfg.names.map((name) => ({ name })),
    { signal: ac.signal },
  );
  say({
    event: 'done',
    results: results.map((r) =>
      r.status === 'fulfilled'
        ? { status: r.status }
        : { status: r.status, error: r.reason?.name, errno: r.reason?.errno },
    ),
  });
  sock.close();
  process.exit(0);
}

void main();
