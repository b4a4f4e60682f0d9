/**
 * Preflight diagnostics: checks that explain what stands between a host and
 * working tunnels, each with a fix. Nothing is created or changed.
 */
import { readFileSync } from 'node:fs';
import { Errno } from '../codec/errno.js';
import { buildNewLinkRequest, CREATE_FLAGS } from '../codec/requests.js';
import { initialTunnelParams } from '../codec/tunnel-data.js';
import type { Tunnel, TunnelKind } from '../codec/types.js';
import { NetlinkErrorAnswer } from '../transport/errors.js';
import type { EoipClient } from './client.js';
import { InvalidArgumentError } from './errors.js';

/** The result of one check. */
export interface DoctorCheck {
  /** Short identifier, e.g. `privileges`, `kind:eoip`, `keepalive:eoip1`. */
  id: string;
  /** `pass`, `warn` (works, but likely not as meant) or `fail`. */
  status: 'pass' | 'warn' | 'fail';
  /** What was found. */
  detail: string;
  /** What to do about it (absent on pass). */
  fix?: string;
}

const CAP_NET_ADMIN = 12;

/**
 * Whether this process has CAP_NET_ADMIN in its effective set (from /proc/self/status).
 * Never throws: an unreadable or unparsable status is false.
 * @param status - the text of a `/proc/<pid>/status` file to read instead of this process's (for tests)
 */
export function hasNetAdmin(status?: string): boolean {
  try {
    const text = status ?? readFileSync('/proc/self/status', 'utf8');
    const m = /^CapEff:\s*([0-9a-f]+)/im.exec(text);
    if (!m) return false;
    return (BigInt(`0x${m[1]}`) & (1n << BigInt(CAP_NET_ADMIN))) !== 0n;
  } catch {
    return false;
  }
}

/**
 * Probe whether the kernel has a link kind, creating nothing: a create
 * request whose remote is the unspecified address. The driver's validation
 * refuses it (EINVAL) when the kind exists; the core answers EOPNOTSUPP when
 * it does not. Any other answer, a timeout (5 s) or a closed client is
 * `unknown`; it rejects only for a kind other than `eoip` / `eoipv6`
 * (InvalidArgumentError, before anything is sent).
 * @param client - the client whose socket (and namespace) to probe in; needs CAP_NET_ADMIN
 * @param kind - the link kind to probe, `eoip` or `eoipv6`
 */
export async function probeKind(
  client: EoipClient,
  kind: TunnelKind,
): Promise<'available' | 'missing' | 'unknown'> {
  if (kind !== 'eoip' && kind !== 'eoipv6') {
    throw new InvalidArgumentError('kind', kind, "'eoip' or 'eoipv6'");
  }
  // A tunnel with every parameter at the driver's default: nothing for it to refuse but the kind.
  const params = initialTunnelParams(kind);
  try {
    await client.transport.ack(
      (seq) =>
        buildNewLinkRequest(seq, CREATE_FLAGS, {
          name: 'eoipprobe0',
          tunnel: params,
        }),
      { operation: 'probe', timeout: 5000 },
    );
  } catch (e) {
    if (e instanceof NetlinkErrorAnswer) {
      if (e.errno === Errno.EOPNOTSUPP) return 'missing';
      if (e.errno === Errno.EINVAL) return 'available';
    }
    return 'unknown';
  }
  // Accepted: a driver without the check created the probe link; remove it again.
  await client.deleteTunnel('eoipprobe0').catch(() => undefined);
  return 'available';
}

/**
 * Checks about one tunnel: keepalive settings and bridged MTU.
 * @param t - the tunnel as read from the kernel (e.g. from {@link listTunnels})
 * @param masterName - the name of its bridge, when it has one (used in the text only)
 */
export function tunnelChecks(t: Tunnel, masterName?: string): DoctorCheck[] {
  const out: DoctorCheck[] = [];
  if (t.keepalive === null) {
    out.push({
      id: `keepalive:${t.name}`,
      status: 'pass',
      detail: `${t.name}: the driver does not report keepalive`,
    });
  } else if (t.keepalive.interval === 0) {
    out.push({
      id: `keepalive:${t.name}`,
      status: 'warn',
      detail: `${t.name}: keepalive is off here; RouterOS sends keepalives by default (10s,10) and shows the tunnel as not running when none come back`,
      fix: `eoip set name ${t.name} keepalive 10,10 — or on RouterOS: /interface eoip set [find tunnel-id=${t.tunnelId}] !keepalive`,
    });
  } else if (t.up && !t.running && t.keepalive.retries > 0) {
    out.push({
      id: `keepalive:${t.name}`,
      status: 'warn',
      detail: `${t.name}: up but no carrier: no keepalive received from ${t.remote} within ${t.keepalive.interval * t.keepalive.retries}s`,
      fix: `check that ${t.remote} has an EoIP tunnel with tunnel-id ${t.tunnelId} and remote-address ${t.local}, and that IP protocol ${t.kind === 'eoip' ? '47 (GRE)' : '97'} passes the firewalls`,
    });
  } else {
    out.push({
      id: `keepalive:${t.name}`,
      status: 'pass',
      detail: `${t.name}: keepalive ${t.keepalive.interval}s,${t.keepalive.retries}`,
    });
  }
  if (t.master !== undefined && t.mtu !== undefined && t.mtu < 1500) {
    out.push({
      id: `mtu:${t.name}`,
      status: 'warn',
      detail: `${t.name}: bridged${masterName ? ` into ${masterName}` : ''} with MTU ${t.mtu}: full-size (1500) frames from other ports are dropped`,
      fix: `eoip set name ${t.name} mtu 1500 (the outer packets are then fragmented), or lower the MTU of every port of the bridge to ${t.mtu}`,
    });
  }
  return out;
}

/**
 * Run every check: privileges, the two link kinds, and each existing tunnel.
 *
 * @example
 * ```ts
 * const client = await EoipClient.open();
 * for (const c of await runDoctor(client)) console.log(c.status, c.detail, c.fix ?? '');
 * ```
 *
 * @param client - the client whose namespace to check; the kind probes run only with CAP_NET_ADMIN
 * @throws {@link DumpInterruptedError} when the tunnel list kept changing while it was read
 * @throws {@link KernelError} when the kernel refuses to list the tunnels or a bridge
 * @throws {@link TimeoutError} when listing the tunnels took longer than the client's timeout
 * @throws {@link SocketClosedError} when the client is closed first
 * @throws {@link SocketError} when the socket fails
 */
export async function runDoctor(client: EoipClient): Promise<DoctorCheck[]> {
  const out: DoctorCheck[] = [];
  const admin = hasNetAdmin();
  out.push(
    admin
      ? {
          id: 'privileges',
          status: 'pass',
          detail: 'CAP_NET_ADMIN is available: tunnels can be created and changed',
        }
      : {
          id: 'privileges',
          status: 'fail',
          detail: 'no CAP_NET_ADMIN: tunnels can be listed but not created, changed or deleted',
          fix: 'run as root (sudo), or grant CAP_NET_ADMIN (e.g. systemd AmbientCapabilities=CAP_NET_ADMIN)',
        },
  );
  for (const kind of ['eoip', 'eoipv6'] as const) {
    const r = admin ? await probeKind(client, kind) : 'unknown';
    if (r === 'available')
      out.push({ id: `kind:${kind}`, status: 'pass', detail: `the ${kind} link kind is available` });
    else if (r === 'missing') {
      out.push({
        id: `kind:${kind}`,
        status: 'fail',
        detail: `the kernel has no ${kind} link kind: the module is not loaded (or not installed)`,
        fix: `modprobe ${kind} (install the eoip driver from the bbonev/eoip project first if modprobe cannot find it)`,
      });
    } else {
      out.push({
        id: `kind:${kind}`,
        status: 'warn',
        detail: `could not probe the ${kind} link kind${admin ? '' : ' without CAP_NET_ADMIN'}`,
        fix: admin ? `check lsmod | grep ${kind}` : 'run eoip doctor as root',
      });
    }
  }
  const tunnels = await client.listTunnels({ stats: false });
  for (const t of tunnels) {
    let masterName: string | undefined;
    if (t.master !== undefined) masterName = (await client.getLink(t.master))?.name;
    out.push(...tunnelChecks(t, masterName));
  }
  return out;
}
