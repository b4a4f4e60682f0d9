/**
 * The canonical form of the desired tunnels: each as the kernel would report
 * it (references resolved to ifindexes, `auto` values worked out), and the
 * check that no two of them would clash in the end state.
 */
import { formatMac } from '../../codec/addresses.js';
import { TUNNEL_FIELDS } from '../../codec/eoip.js';
import { decodeLinkMessage } from '../../codec/link.js';
import type { Tunnel, TunnelParams } from '../../codec/types.js';
import type { EoipClient } from '../client.js';
import { InvalidArgumentError } from '../errors.js';
import { identityKey, paramSpec, type ResolveContext, resolveParams } from '../fields.js';
import type { LinkRef, OperationOptions as Op } from '../types.js';
import { deriveTunnelMac } from '../validate.js';
import { type CheckedDesired, prefixed } from './check-desired.js';

/** A desired tunnel as the kernel would report it: every reference resolved. */
export interface Canonical extends Omit<TunnelParams, 'unknown'> {
  index: number;
  mtu?: number;
  address?: string;
  master?: number;
  up?: boolean;
}

/** Resolves an interface reference to its ifindex, each reference asked of the kernel once. */
type Resolve = (field: string, ref: LinkRef) => Promise<number>;

/** The canonical form of every checked desired tunnel, by name. */
export async function canonicalize(
  client: EoipClient,
  items: CheckedDesired[],
  op: Op,
): Promise<Map<string, Canonical>> {
  const refs = new Map<LinkRef, number | undefined>();
  const resolve: Resolve = async (field, ref) => {
    if (!refs.has(ref)) refs.set(ref, (await client.getLink(ref, op))?.index);
    const index = refs.get(ref);
    if (index === undefined)
      throw new InvalidArgumentError(field, ref, 'an existing interface (name or ifindex)');
    return index;
  };
  const out = new Map<string, Canonical>();
  for (const item of items) out.set(item.spec.name, await canonicalOne(client, item, resolve, op));
  return out;
}

/** One desired tunnel in canonical form. */
async function canonicalOne(
  client: EoipClient,
  { index, checked: c }: CheckedDesired,
  resolve: Resolve,
  op: Op,
): Promise<Canonical> {
  const at = `tunnels[${index}]`;
  const ctx: ResolveContext = {
    kind: c.kind,
    remote: c.remote,
    resolveLink: (field, ref) => resolve(`${at}.${field}`, ref),
    // The client's own resolution (route lookup; refused when acting in another namespace).
    autoLocal: async (remote) => {
      try {
        const plan = await client.planCreateTunnel({ tunnelId: c.tunnelId, remote, local: 'auto' }, op);
        return decodeLinkMessage(plan.bytes).tunnel!.local;
      } catch (e) {
        throw prefixed(at, e);
      }
    },
  };
  const params = await resolveParams(c.params, ctx);
  const t = { index } as Canonical;
  Object.assign(t, params);
  // Each parameter as the driver would report it after the create.
  for (const f of TUNNEL_FIELDS)
    (t as unknown as Record<string, unknown>)[f] = paramSpec(f).desired(params[f]);
  if (c.mtu !== undefined) t.mtu = c.mtu;
  if (c.address !== undefined) {
    t.address = c.address === 'auto' ? deriveTunnelMac(c.kind, c.tunnelId, c.remote) : formatMac(c.address);
  }
  if (c.master !== undefined) t.master = await resolve(`${at}.master`, c.master);
  if (c.up !== undefined) t.up = c.up;
  return t;
}

/**
 * The driver refuses two tunnels of a kind with the same (local, remote,
 * tunnel id, link): find such clashes in the end state before sending
 * anything, rather than failing half-way.
 */
export function checkIdentities(
  canon: Map<string, Canonical>,
  current: ReadonlyMap<string, Tunnel>,
  prune: boolean,
): void {
  const taken = new Map<string, string>();
  if (!prune) {
    for (const [name, t] of current)
      if (!canon.has(name)) taken.set(identityKey(t), `the existing tunnel ${name}`);
  }
  for (const t of canon.values()) {
    const id = identityKey(t);
    const holder = taken.get(id);
    if (holder !== undefined) {
      throw new InvalidArgumentError(
        `tunnels[${t.index}].tunnelId`,
        t.tunnelId,
        `a (local, remote, tunnelId, link) not already used by ${holder}: the driver allows one ${t.kind} tunnel per combination`,
      );
    }
    taken.set(id, `tunnels[${t.index}]`);
  }
}
