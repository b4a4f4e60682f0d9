/**
 * Declarative apply: bring the namespace's eoip/eoipv6 tunnels to a desired
 * list, keyed by name. Reads the current tunnels, plans create / change /
 * replace / delete (with `prune`) / unchanged steps, and runs them in a safe
 * order through the kind-agnostic engine of reconcile.ts.
 */
import { formatMac } from '../codec/addresses.js';
import { decodeLinkMessage } from '../codec/link.js';
import type { Keepalive, Tunnel, TunnelKind } from '../codec/types.js';
import {
  APPLY_FILE_MAX_BYTES,
  APPLY_FILE_MAX_TUNNELS,
  type ApplyDocument,
  ApplyFileError,
  fieldPath,
  kindOfValue,
  printableField,
  readApplyFileText,
  readJsonDocument,
  readYamlDocument,
  type ValuePath,
} from './apply-file.js';
import { EoipClient } from './client.js';
import { EoipError, InvalidArgumentError, NotATunnelError, quoteValue, withNote } from './errors.js';
import {
  type DeclaredField,
  type Difference,
  executeSteps,
  type FieldDiff,
  type PlanStep,
  planSteps,
  type StepAction,
  type StepStatus,
} from './reconcile.js';
import type { LinkRef, NetnsRef, OperationOptions, TunnelPatch, TunnelSpec } from './types.js';
import {
  APPLY_OPTIONS,
  APPLY_RUN_OPTIONS,
  type CheckedSpec,
  checkOptions,
  checkTunnelSpec,
  deriveTunnelMac,
} from './validate.js';

/**
 * One tunnel of the desired state: a {@link TunnelSpec} whose `name` is
 * required (apply matches tunnels by name).
 *
 * Tunnel parameters (`tunnelId`, `local`, `remote`, `link`, `ttl`, `tos`,
 * `keepalive`) are declared in full: an omitted one means its create default
 * (local any, link none, ttl 0, tos 0, keepalive off), and an existing tunnel
 * with another value is changed back to it. Link attributes (`mtu`,
 * `address`, `master`, `up`) are enforced only when given.
 */
export interface DesiredTunnel extends TunnelSpec {
  /** Interface name (1..15 bytes): the key apply matches existing tunnels by. */
  name: string;
}

/** Options of {@link applyTunnelsWith}. */
export interface ApplyRunOptions extends OperationOptions {
  /**
   * Delete every eoip/eoipv6 tunnel of the namespace that is not in the
   * desired list (including unnamed ones the kernel named `eoip0`, …).
   * Default false: other tunnels are left alone.
   */
  prune?: boolean;
  /** Plan only: read the current state, return every step as `planned`, send no change. */
  dryRun?: boolean;
}

/** Options of {@link applyTunnels}: those of {@link applyTunnelsWith} plus the namespace to act in. */
export interface ApplyOptions extends ApplyRunOptions {
  /** Act in this network namespace (a name under /run/netns, a path, or a pid). */
  netns?: NetnsRef;
}

/**
 * One step of an apply plan. `desired` is the {@link DesiredTunnel} as given,
 * `current` the tunnel as the kernel reported it before the run; `diffs`
 * carry canonical values (addresses compressed, `link`/`master` as ifindex
 * with 0 = none, keepalive as `{ interval, retries }`).
 */
export type ApplyStep = PlanStep<DesiredTunnel, Tunnel>;

/** What {@link applyTunnels} returns (and {@link ApplyError} carries). */
export interface ApplyResult {
  /** Every step in the order it runs: deletes, changes and replaces, creates, then unchanged. */
  steps: ApplyStep[];
  /** True when this was a dry run (every step `planned`). */
  dryRun: boolean;
  /**
   * True when something was changed (after a run) or would be (dry run):
   * at least one step is not `unchanged`.
   */
  changed: boolean;
  /** How many steps of each action the plan has. */
  counts: Record<StepAction, number>;
}

/**
 * A step of an apply was refused: the run stopped there. Steps before it
 * were applied (`done`), the failed one is `failed` (a failed `replace` with
 * `deleted: true` had already deleted the old tunnel), the rest `skipped`.
 * The kernel's error is the `cause`.
 *
 * @example
 * ```ts
 * try { await applyTunnels(desired); }
 * catch (e) {
 *   if (e instanceof ApplyError) console.error(formatPlan(e.plan), e.cause);
 * }
 * ```
 */
export class ApplyError extends EoipError {
  /** The plan, with every step's status. */
  readonly plan: ApplyResult;
  /** The step that failed. */
  readonly step: ApplyStep;

  /**
   * @param plan the plan with statuses
   * @param step the failed step
   * @param cause the error that stopped the run
   */
  constructor(plan: ApplyResult, step: ApplyStep, cause: unknown) {
    const applied = plan.steps.filter((s) => s.action !== 'unchanged' && s.status === 'done').length;
    const total = plan.steps.filter((s) => s.action !== 'unchanged').length;
    const why = cause instanceof Error ? cause.message : String(cause);
    super(
      `apply: ${step.action} ${step.name} failed after ${applied} of ${total} changes were applied: ${why}`,
      'APPLY_FAILED',
      { cause },
    );
    this.plan = plan;
    this.step = step;
  }
}

// --- validation --------------------------------------------------------------

/** A desired tunnel checked, with its position in the list. */
interface CheckedDesired {
  index: number;
  spec: DesiredTunnel;
  checked: CheckedSpec;
}

/** Printable ASCII without '/' and ':', not '.' or '..': the schema's name rule. */
const FILE_NAME_PATTERN = /^(?!\.\.?$)[!-.0-9;-~]{1,15}$/;

function prefixed(prefix: string, e: unknown): unknown {
  if (e instanceof InvalidArgumentError) {
    const field = e.field === 'spec' ? prefix : `${prefix}.${e.field}`;
    return new InvalidArgumentError(field, e.value, e.allowed);
  }
  return e;
}

/**
 * Check every desired tunnel (all before anything is sent): each must be a
 * valid spec with a name, and names must be unique. `file` adds the apply
 * file's stricter name rule (printable ASCII, as the schema says).
 */
function checkDesiredList(list: readonly unknown[], file: boolean): CheckedDesired[] {
  if (!Array.isArray(list)) throw new InvalidArgumentError('tunnels', list, 'a list of tunnels');
  const out: CheckedDesired[] = [];
  const seen = new Map<string, number>();
  list.forEach((item, index) => {
    const at = `tunnels[${index}]`;
    if (item === null || typeof item !== 'object' || Array.isArray(item)) {
      throw new InvalidArgumentError(at, item, 'an object with at least name, tunnelId and remote');
    }
    const spec = item as DesiredTunnel;
    let checked: CheckedSpec;
    try {
      checked = checkTunnelSpec(spec);
    } catch (e) {
      throw prefixed(at, e);
    }
    if (checked.name === undefined) {
      throw new InvalidArgumentError(`${at}.name`, undefined, 'an interface name (required to apply)');
    }
    if (file) {
      for (const field of ['name', 'link', 'master'] as const) {
        const v = spec[field];
        if (typeof v === 'string' && !FILE_NAME_PATTERN.test(v)) {
          throw new InvalidArgumentError(
            `${at}.${field}`,
            v,
            "1..15 printable ASCII characters without '/' or ':', not '.' or '..'",
          );
        }
      }
    }
    const first = seen.get(checked.name);
    if (first !== undefined) {
      throw new InvalidArgumentError(
        `${at}.name`,
        checked.name,
        `a name not already used by tunnels[${first}]`,
      );
    }
    seen.set(checked.name, index);
    out.push({ index, spec, checked });
  });
  return out;
}

// --- canonical form ----------------------------------------------------------

/** A desired tunnel as the kernel would report it: every reference resolved. */
interface Canonical {
  index: number;
  kind: TunnelKind;
  tunnelId: number;
  local: string;
  remote: string;
  link: number;
  ttl: number;
  tos: number;
  keepalive: Keepalive;
  mtu?: number;
  address?: string;
  master?: number;
  up?: boolean;
}

type Op = OperationOptions;

function opOptions(opts: ApplyRunOptions): Op {
  const op: Op = {};
  if (opts.signal) op.signal = opts.signal;
  if (opts.timeout !== undefined) op.timeout = opts.timeout;
  return op;
}

async function canonicalize(
  client: EoipClient,
  items: CheckedDesired[],
  op: Op,
): Promise<Map<string, Canonical>> {
  const refs = new Map<LinkRef, number | undefined>();
  const resolve = async (field: string, ref: LinkRef): Promise<number> => {
    if (!refs.has(ref)) refs.set(ref, (await client.getLink(ref, op))?.index);
    const index = refs.get(ref);
    if (index === undefined)
      throw new InvalidArgumentError(field, ref, 'an existing interface (name or ifindex)');
    return index;
  };
  const out = new Map<string, Canonical>();
  for (const { index, spec, checked: c } of items) {
    const at = `tunnels[${index}]`;
    let local = c.local;
    if (local === 'auto') {
      // The client's own resolution (route lookup; refused when acting in another namespace).
      try {
        const plan = await client.planCreateTunnel(
          { tunnelId: c.tunnelId, remote: c.remote, local: 'auto' },
          op,
        );
        local = decodeLinkMessage(plan.bytes).tunnel?.local ?? local;
      } catch (e) {
        throw prefixed(at, e);
      }
    }
    const t: Canonical = {
      index,
      kind: c.kind,
      tunnelId: c.tunnelId,
      local,
      remote: c.remote,
      link: c.link !== undefined ? await resolve(`${at}.link`, c.link) : 0,
      ttl: c.ttl,
      tos: c.tos,
      keepalive: c.keepalive ?? { interval: 0, retries: 0 },
    };
    if (c.mtu !== undefined) t.mtu = c.mtu;
    if (c.address !== undefined) {
      t.address = c.address === 'auto' ? deriveTunnelMac(c.kind, c.tunnelId, c.remote) : formatMac(c.address);
    }
    if (c.master !== undefined) t.master = await resolve(`${at}.master`, c.master);
    if (c.up !== undefined) t.up = c.up;
    out.set(spec.name, t);
  }
  return out;
}

function sameKeepalive(a: Keepalive, b: Keepalive): boolean {
  return a.interval === b.interval && a.retries === b.retries;
}

/** Compare a canonical desired tunnel with the tunnel as the kernel reports it. */
function diffTunnel(want: Canonical, cur: Tunnel): Difference {
  const diffs: FieldDiff[] = [];
  const add = (field: string, from: unknown, to: unknown) => {
    if (from !== to) diffs.push({ field, from, to });
  };
  add('kind', cur.kind, want.kind);
  add('tunnelId', cur.tunnelId, want.tunnelId);
  add('local', cur.local, want.local);
  add('remote', cur.remote, want.remote);
  add('link', cur.link, want.link);
  add('ttl', cur.ttl, want.ttl);
  add('tos', cur.tos, want.tos);
  // A driver that does not report keepalive (before 2.x) has none to compare.
  if (cur.keepalive && !sameKeepalive(cur.keepalive, want.keepalive)) {
    diffs.push({ field: 'keepalive', from: cur.keepalive, to: want.keepalive });
  }
  if (want.mtu !== undefined) add('mtu', cur.mtu, want.mtu);
  if (want.address !== undefined) add('address', cur.address?.toLowerCase(), want.address);
  if (want.master !== undefined) add('master', cur.master ?? 0, want.master);
  if (want.up !== undefined) add('up', cur.up, want.up);
  if (cur.kind !== want.kind) return { diffs, replace: true };
  const phases = changePhases(cur, diffs);
  return phases ? { diffs, phases } : { diffs };
}

/** Link attributes the kernel changes only while the interface is down (EBUSY when up). */
const DOWN_ONLY_FIELDS = new Set(['name', 'address']);

/**
 * How a change of `cur` runs: an up tunnel whose name or MAC address changes
 * is set down, changed, and set up again (not when it is to end down);
 * undefined: in one request.
 */
function changePhases(cur: Tunnel, diffs: readonly FieldDiff[]): string[] | undefined {
  if (!cur.up || !diffs.some((d) => DOWN_ONLY_FIELDS.has(d.field))) return undefined;
  const staysDown = diffs.some((d) => d.field === 'up' && d.to === false);
  return staysDown ? ['down', 'change'] : ['down', 'change', 'up'];
}

/**
 * Run a planned change: in one request, or down, change, up (see
 * {@link changePhases}). When the change itself fails, the tunnel is set up
 * again before the failure is reported.
 */
async function runChange(client: EoipClient, cur: Tunnel, diffs: FieldDiff[], op: Op): Promise<void> {
  const patch = patchOf(diffs);
  const phases = changePhases(cur, diffs);
  if (!phases) {
    await client.changeTunnel(cur.index, patch, op);
    return;
  }
  const { up: _up, ...whileDown } = patch;
  await client.changeTunnel(cur.index, { up: false }, op);
  try {
    await client.changeTunnel(cur.index, whileDown, op);
  } catch (e) {
    throw await setUpAgain(client, cur, e, op);
  }
  if (!phases.includes('up')) return;
  try {
    await client.changeTunnel(cur.index, { up: true }, op);
  } catch (e) {
    throw withNote(e, `the change was applied, but ${cur.name} stays down`);
  }
}

/** Set `cur` up again after its change failed; resolves with the error to report. */
async function setUpAgain(client: EoipClient, cur: Tunnel, failure: unknown, op: Op): Promise<unknown> {
  // No signal: an abort of the run must not leave the tunnel down.
  const putBack: Op = op.timeout !== undefined ? { timeout: op.timeout } : {};
  try {
    await client.changeTunnel(cur.index, { up: true }, putBack);
    return failure;
  } catch (e) {
    return withNote(
      failure,
      `${cur.name} was set down for the change and could not be set up again (${errorText(e)})`,
    );
  }
}

function describeTunnel(want: Canonical): DeclaredField[] {
  const out: DeclaredField[] = [
    { field: 'kind', value: want.kind },
    { field: 'tunnelId', value: want.tunnelId },
    { field: 'local', value: want.local },
    { field: 'remote', value: want.remote },
    { field: 'link', value: want.link },
    { field: 'ttl', value: want.ttl },
    { field: 'tos', value: want.tos },
    { field: 'keepalive', value: want.keepalive },
  ];
  if (want.mtu !== undefined) out.push({ field: 'mtu', value: want.mtu });
  if (want.address !== undefined) out.push({ field: 'address', value: want.address });
  if (want.master !== undefined) out.push({ field: 'master', value: want.master });
  if (want.up !== undefined) out.push({ field: 'up', value: want.up });
  return out;
}

function identity(t: { kind: TunnelKind; tunnelId: number; local: string; remote: string; link: number }) {
  return `${t.kind}|${t.tunnelId}|${t.local}|${t.remote}|${t.link}`;
}

/**
 * The driver refuses two tunnels of a kind with the same (local, remote,
 * tunnel id, link): find such clashes in the end state before sending
 * anything, rather than failing half-way.
 */
function checkIdentities(
  canon: Map<string, Canonical>,
  current: ReadonlyMap<string, Tunnel>,
  prune: boolean,
): void {
  const taken = new Map<string, string>();
  if (!prune) {
    for (const [name, t] of current)
      if (!canon.has(name)) taken.set(identity(t), `the existing tunnel ${name}`);
  }
  for (const t of canon.values()) {
    const id = identity(t);
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

function patchOf(diffs: FieldDiff[]): TunnelPatch {
  const p: TunnelPatch = {};
  for (const { field, to } of diffs) {
    switch (field) {
      case 'tunnelId':
        p.tunnelId = to as number;
        break;
      case 'local':
        p.local = to as string;
        break;
      case 'remote':
        p.remote = to as string;
        break;
      case 'link':
        p.link = to === 0 ? null : (to as number);
        break;
      case 'ttl':
        p.ttl = to as number;
        break;
      case 'tos':
        p.tos = to as number;
        break;
      case 'keepalive':
        p.keepalive = to as Keepalive;
        break;
      case 'mtu':
        p.mtu = to as number;
        break;
      case 'address':
        p.address = to as string;
        break;
      case 'master':
        p.master = to === 0 ? null : (to as number);
        break;
      case 'up':
        p.up = to as boolean;
        break;
    }
  }
  return p;
}

function countSteps(steps: readonly { action: StepAction }[]): Record<StepAction, number> {
  const counts: Record<StepAction, number> = { create: 0, change: 0, replace: 0, delete: 0, unchanged: 0 };
  for (const s of steps) counts[s.action]++;
  return counts;
}

// --- apply -------------------------------------------------------------------

/**
 * {@link applyTunnels} over a client you already hold (its namespace is used).
 *
 * @param client - the client to read and change tunnels through; it stays open
 * @param desired - every tunnel wanted, each with a unique `name` (see {@link DesiredTunnel})
 * @param opts - `prune` (delete tunnels not listed, default false), `dryRun` (plan only,
 *   default false), `timeout` in ms per request (default: the client's, else 10 000; 0 = none), `signal`
 * @throws {@link InvalidArgumentError} before anything is sent: an invalid spec or option,
 *   a missing name, a duplicate name, a `link`/`master` that does not exist,
 *   or two tunnels that would share (local, remote, tunnelId, link)
 *   (the field is named like `tunnels[3].tunnelId`)
 * @throws {@link NotATunnelError} before anything is sent, when a desired name is
 *   held by an interface of another kind
 * @throws {@link DumpInterruptedError} before anything is sent, when the tunnel list kept changing while it was read
 * @throws {@link KernelError} before anything is sent, when the kernel refuses to list the tunnels
 * @throws {@link TimeoutError} before anything is sent, when reading the state took longer than the timeout
 * @throws {@link AbortedError} before anything is sent, when `opts.signal` aborts while the state is read
 * @throws {@link SocketClosedError} before anything is sent, when the client is closed while the state is read
 * @throws {@link ApplyError} when a step was refused, timed out or aborted: it carries the plan with each
 *   step's status, and the step's error (e.g. a {@link KernelError}) as its `cause`
 *
 * @example
 * ```ts
 * const client = await EoipClient.open();
 * try {
 *   const r = await applyTunnelsWith(client, [{ name: 'hq', tunnelId: 100, remote: '198.51.100.7' }]);
 *   console.log(formatPlan(r));
 * } finally {
 *   client.close();
 * }
 * ```
 */
export async function applyTunnelsWith(
  client: EoipClient,
  desired: readonly DesiredTunnel[],
  opts: ApplyRunOptions = {},
): Promise<ApplyResult> {
  opts = checkOptions(opts, APPLY_RUN_OPTIONS);
  const items = checkDesiredList(desired, false);
  const op = opOptions(opts);
  const canon = await canonicalize(client, items, op);
  const tunnels = await client.listTunnels({ ...op, stats: false });
  const current = new Map<string, Tunnel>(tunnels.map((t) => [t.name, t]));
  // A desired name held by another kind of interface: refuse before changing anything.
  for (const { spec } of items) {
    if (current.has(spec.name)) continue;
    const link = await client.getLink(spec.name, op);
    if (!link) continue;
    if (link.tunnel) current.set(spec.name, link.tunnel);
    else throw new NotATunnelError(spec.name, link.linkInfo?.kind);
  }
  checkIdentities(canon, current, opts.prune === true);
  const wanted = new Map<string, DesiredTunnel>(items.map(({ spec }) => [spec.name, spec]));
  const steps = planSteps(
    wanted,
    current,
    {
      diff: (_d, cur, name) => diffTunnel(canon.get(name)!, cur),
      describe: (_d, name) => describeTunnel(canon.get(name)!),
    },
    { prune: opts.prune === true },
  );
  const counts = countSteps(steps);
  const changed = steps.some((s) => s.action !== 'unchanged');
  if (opts.dryRun) return { steps, dryRun: true, changed, counts };
  const run = await executeSteps(
    steps,
    {
      create: (d) => client.createTunnel(d, op),
      change: (_d, cur, diffs) => runChange(client, cur, diffs, op),
      delete: (cur) => client.deleteTunnel(cur.index, op),
      // Pruned tunnels go together, behind one kernel wait.
      deleteMany: (items) =>
        client.deleteTunnels(
          items.map((i) => i.current.index),
          op,
        ),
    },
    opts.signal ? { signal: opts.signal } : {},
  );
  const result: ApplyResult = { steps: run.steps, dryRun: false, changed, counts };
  if (run.failed) throw new ApplyError(result, run.failed, run.error);
  return result;
}

/**
 * Bring the namespace's tunnels to `desired`, matched by name: create the
 * missing, change the different (a change of address family deletes and
 * re-creates), leave the equal alone, and with `prune` delete the tunnels
 * not listed. Deletes run first, then changes and replaces, then creates;
 * the first refusal stops the run. Running it twice gives an all-`unchanged`
 * plan.
 *
 * Tunnel parameters are declared in full (omitted = the create default:
 * local any, link none, ttl 0, tos 0, keepalive off); `mtu`, `address`,
 * `master` and `up` are enforced only when given. Values are compared
 * canonically: IPv6 compression, `link`/`master` names resolved to ifindexes,
 * keepalive `10` = `{ interval: 10, retries: 10 }`.
 *
 * @param desired - every tunnel wanted, each with a unique `name` (see {@link DesiredTunnel})
 * @param opts - `prune` (delete tunnels not listed, default false), `dryRun` (plan only, default false),
 *   `netns` (default the process's own), `timeout` in ms per request (default 10 000, 0 = none), `signal`
 * @throws {@link InvalidArgumentError} before anything is sent: a bad option, or a tunnel list
 *   {@link applyTunnelsWith} refuses
 * @throws {@link NotATunnelError} before anything is sent, when a desired name is held by an interface of another kind
 * @throws {@link SocketError} when no socket can be opened, or the namespace cannot be opened
 * @throws {@link DumpInterruptedError}, {@link KernelError}, {@link TimeoutError}, {@link AbortedError}
 *   before anything is sent, when the state cannot be read (see {@link applyTunnelsWith})
 * @throws {@link ApplyError} when a step was refused (with the plan and which steps were applied)
 *
 * @example
 * ```ts
 * import { applyTunnels, formatPlan } from 'eoip-netlink';
 * const plan = await applyTunnels(
 *   [
 *     { name: 'eoip-hq', tunnelId: 100, local: '192.0.2.1', remote: '198.51.100.7', keepalive: 10 },
 *     { name: 'eoip-lab', tunnelId: 7, remote: '2001:db8::7', mtu: 1400, up: true },
 *   ],
 *   { prune: true, dryRun: true },
 * );
 * console.log(formatPlan(plan));
 * ```
 */
export async function applyTunnels(
  desired: readonly DesiredTunnel[],
  opts: ApplyOptions = {},
): Promise<ApplyResult> {
  opts = checkOptions(opts, APPLY_OPTIONS);
  // The list too, before the namespace is opened (applyTunnelsWith checks it again).
  checkDesiredList(desired, false);
  const { netns, ...run } = opts;
  const client = await EoipClient.open({
    ...(netns !== undefined ? { netns } : {}),
    ...(opts.timeout !== undefined ? { timeout: opts.timeout } : {}),
  });
  try {
    return await applyTunnelsWith(client, desired, run);
  } finally {
    client.close();
  }
}

// --- the apply file ------------------------------------------------------------

/** Formats {@link parseApplyFile} reads. */
export type ApplyFileFormat = 'json' | 'yaml';

/** Options of {@link parseApplyFile}. */
export interface ParseApplyFileOptions {
  /** The file the text came from: errors start with `FILE:LINE:COLUMN: `. */
  file?: string;
}

/** The file name of {@link ParseApplyFileOptions}, checked (own properties only). */
function checkParseOptions(opts: unknown): string | undefined {
  if (opts === undefined) return undefined;
  if (opts === null || typeof opts !== 'object' || Array.isArray(opts)) {
    throw new InvalidArgumentError('options', opts, 'an object { file? }');
  }
  for (const k of Object.keys(opts)) {
    if (k !== 'file') throw new InvalidArgumentError(k, ownValue(opts, k), 'a known option: file');
  }
  const file = ownValue(opts, 'file');
  if (file !== undefined && (typeof file !== 'string' || file === '')) {
    throw new InvalidArgumentError('file', file, 'a file name (a non-empty string)');
  }
  return file;
}

/** An own property of a plain object: never one inherited (`constructor`, `__proto__`). */
function ownValue(o: object, key: string): unknown {
  return Object.hasOwn(o, key) ? (o as Record<string, unknown>)[key] : undefined;
}

/** The list of tunnels of an apply document, checked for shape (not yet per tunnel). */
function tunnelListOf(doc: ApplyDocument, fileFail: FileFail): { list: unknown[]; root: 'list' | 'object' } {
  const v = doc.value;
  if (Array.isArray(v)) return { list: v, root: 'list' };
  if (v === null || typeof v !== 'object') {
    throw fileFail(
      [],
      'file',
      v,
      '{ "tunnels": [ ... ] } or a list of tunnels',
      `the document is ${kindOfValue(v)}, not { "tunnels": [ ... ] } or a list of tunnels`,
    );
  }
  for (const k of Object.keys(v)) {
    if (k === '$schema') {
      const schema = ownValue(v, k);
      if (typeof schema !== 'string') {
        throw fileFail(
          [k],
          '$schema',
          schema,
          'a string (a URI)',
          `invalid $schema: ${kindOfValue(schema)} (allowed: a string, a URI)`,
        );
      }
    } else if (k !== 'tunnels') {
      const field = printableField(k);
      throw fileFail(
        [k],
        k,
        ownValue(v, k),
        "only 'tunnels' (and '$schema')",
        `unknown key ${field} (allowed: only 'tunnels' and '$schema')`,
      );
    }
  }
  if (!Object.hasOwn(v, 'tunnels')) {
    throw fileFail(
      [],
      'tunnels',
      undefined,
      'a list of tunnels (required)',
      'missing tunnels (a list of tunnels is required)',
    );
  }
  const list = ownValue(v, 'tunnels');
  if (!Array.isArray(list)) {
    throw fileFail(
      ['tunnels'],
      'tunnels',
      list,
      'a list of tunnels',
      `invalid tunnels: ${kindOfValue(list)} (allowed: a list of tunnels)`,
    );
  }
  return { list, root: 'object' };
}

type FileFail = (
  path: ValuePath,
  field: string,
  value: unknown,
  allowed: string,
  problem: string,
) => ApplyFileError;

/**
 * Read an apply file: `{ "tunnels": [ ... ] }` (optionally with a `$schema`
 * key) or a bare list, in JSON or YAML, and check every tunnel as
 * `schema/tunnels.schema.json` describes it (the same rules, plus unique
 * names, which a schema cannot express). The YAML parser is loaded only for
 * YAML input.
 *
 * Bounded for any input: text over {@link APPLY_FILE_MAX_BYTES} bytes,
 * lists/objects nested deeper than {@link APPLY_FILE_MAX_DEPTH}, or more than
 * {@link APPLY_FILE_MAX_TUNNELS} tunnels are refused before the heavy work.
 * YAML is read with the 1.2 core schema: an unknown tag, a duplicate key or
 * a second document is an error. Errors never quote more than 64 characters
 * of the text.
 *
 * @param text - the file's content (a leading byte order mark is ignored)
 * @param format - how to read it: `json` or `yaml`
 * @param opts - `file`: the name to put in errors (default none)
 * @throws {@link ApplyFileError} (an InvalidArgumentError) naming the field at fault
 *   (`tunnels[3].tunnelId`), or `file` when the text is not JSON / YAML at all,
 *   with the line and column where it is
 * @throws InvalidArgumentError for a `format` other than 'json'/'yaml', text
 *   that is not a string, or options that are not `{ file?: string }`
 *
 * @example
 * ```ts
 * const desired = await parseApplyFile(readFileSync('tunnels.yaml', 'utf8'), 'yaml', { file: 'tunnels.yaml' });
 * await applyTunnels(desired, { prune: true });
 * ```
 */
export async function parseApplyFile(
  text: string,
  format: ApplyFileFormat,
  opts: ParseApplyFileOptions = {},
): Promise<DesiredTunnel[]> {
  const file = checkParseOptions(opts);
  if (format !== 'json' && format !== 'yaml')
    throw new InvalidArgumentError('format', format, "'json' or 'yaml'");
  if (typeof text !== 'string') throw new InvalidArgumentError('text', text, 'a string');
  // UTF-8 needs at least one byte per UTF-16 unit: the cheap test first.
  if (text.length > APPLY_FILE_MAX_BYTES || Buffer.byteLength(text, 'utf8') > APPLY_FILE_MAX_BYTES) {
    throw new ApplyFileError({
      file,
      position: undefined,
      field: 'file',
      value: undefined,
      allowed: `at most ${APPLY_FILE_MAX_BYTES} bytes`,
      problem: `too large (more than ${APPLY_FILE_MAX_BYTES.toLocaleString('en-US')} bytes, 16 MiB)`,
    });
  }
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const doc = format === 'json' ? readJsonDocument(body, file) : await readYamlDocument(body, file);
  const fileFail: FileFail = (path, field, value, allowed, problem) =>
    new ApplyFileError({ file, position: doc.locate(path), field, value, allowed, problem });
  const { list, root } = tunnelListOf(doc, fileFail);
  if (list.length > APPLY_FILE_MAX_TUNNELS) {
    throw fileFail(
      root === 'list' ? [] : ['tunnels'],
      'tunnels',
      `${list.length} tunnels`,
      `at most ${APPLY_FILE_MAX_TUNNELS} tunnels`,
      `too many tunnels (${list.length.toLocaleString('en-US')}; at most ${APPLY_FILE_MAX_TUNNELS.toLocaleString('en-US')} per file)`,
    );
  }
  try {
    return checkDesiredList(list, true).map(({ spec }) => spec);
  } catch (e) {
    if (!(e instanceof InvalidArgumentError)) throw e;
    // Checks name fields `tunnels[3].ttl`; in a bare list that is `[3].ttl`.
    const path = fieldPath(e.field);
    const inDoc = root === 'list' && path[0] === 'tunnels' ? path.slice(1) : path;
    const field = printableField(e.field);
    throw fileFail(
      inDoc,
      e.field,
      e.value,
      e.allowed,
      `invalid ${field}: ${quoteValue(e.value)} (allowed: ${e.allowed})`,
    );
  }
}

/**
 * Read and check an apply file by its path, as {@link parseApplyFile} does:
 * YAML when the name ends in `.yaml`/`.yml`, JSON otherwise. The file is
 * opened without blocking and must be a regular file of at most
 * {@link APPLY_FILE_MAX_BYTES} bytes (a FIFO, a device or `/dev/zero` is
 * refused before anything is read).
 *
 * @param path - the file's path; `.yaml` or `.yml` (any case) is read as YAML, anything else as JSON
 * @throws {@link ApplyFileError} when the file cannot be read or is refused, with
 *   the file, line and column in the message
 * @throws {@link InvalidArgumentError} when `path` is not a non-empty string
 *
 * @example
 * ```ts
 * const desired = await readApplyFile('/etc/eoip/tunnels.yaml');
 * await applyTunnels(desired, { prune: true });
 * ```
 */
export async function readApplyFile(path: string): Promise<DesiredTunnel[]> {
  if (typeof path !== 'string' || path === '') throw new InvalidArgumentError('path', path, 'a file path');
  const text = readApplyFileText(path);
  return parseApplyFile(text, /\.ya?ml$/i.test(path) ? 'yaml' : 'json', { file: path });
}

// --- the readable diff -----------------------------------------------------------

function formatValue(field: string, v: unknown): string {
  if (v === undefined) return '-';
  if ((field === 'link' || field === 'master') && v === 0) return 'none';
  if (v !== null && typeof v === 'object' && 'interval' in v && 'retries' in v) {
    const k = v as Keepalive;
    return k.interval === 0 ? 'none' : `${k.interval},${k.retries}`;
  }
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

const SIGN: Record<StepAction, string> = {
  create: '+',
  change: '~',
  replace: '-/+',
  delete: '-',
  unchanged: '=',
};

/**
 * A readable diff of a plan, one line per step, then a count line:
 *
 * ```text
 * - delete e3
 * ~ change e2: ttl 0 -> 64, keepalive none -> 10,10
 * -/+ replace e5: kind eoip -> eoipv6, remote 10.0.0.2 -> fd00::2
 * + create e1: kind eoip, tunnelId 7, local 10.0.0.1, remote 10.0.0.2, link none, ttl 0, tos 0, keepalive none
 * = unchanged e4
 * 1 to create, 1 to change, 1 to replace, 1 to delete, 1 unchanged
 * ```
 *
 * A change that runs in several requests ends with them, e.g. an up
 * tunnel's new MAC: `~ change e2: address … -> … (down, change, up)`.
 *
 * That is a plan (every step `planned`). After a successful run the count
 * line reads `1 created, 1 changed, …`. When a step failed, every step that
 * changes something ends with its status (`[done]`, `[failed: …]`,
 * `[skipped]`) and the count line says how many were applied. Pure: no I/O.
 *
 * @param plan - an {@link ApplyResult} (or an {@link ApplyError}'s `plan`), or a bare list of steps
 */
export function formatPlan(
  plan:
    | { steps: readonly PlanStep<unknown, unknown>[]; dryRun?: boolean }
    | readonly PlanStep<unknown, unknown>[],
): string {
  const steps: readonly PlanStep<unknown, unknown>[] = Array.isArray(plan)
    ? plan
    : (plan as { steps: readonly PlanStep<unknown, unknown>[] }).steps;
  // A result says whether it ran; a bare list of steps is judged by their statuses.
  const ran = Array.isArray(plan)
    ? steps.some((s) => s.status !== 'planned')
    : (plan as { dryRun?: boolean }).dryRun === false || steps.some((s) => s.status !== 'planned');
  const showStatus = steps.some((s) => s.status === 'failed' || s.status === 'skipped');
  const lines: string[] = [];
  for (const s of steps) {
    let line = `${SIGN[s.action]} ${s.action} ${s.name}`;
    if (s.action === 'create') {
      if (s.diffs.length)
        line += `: ${s.diffs.map((d) => `${d.field} ${formatValue(d.field, d.to)}`).join(', ')}`;
    } else if (s.diffs.length) {
      line += `: ${s.diffs.map((d) => `${d.field} ${formatValue(d.field, d.from)} -> ${formatValue(d.field, d.to)}`).join(', ')}`;
    }
    if (s.phases) line += ` (${s.phases.join(', ')})`;
    if (showStatus && s.action !== 'unchanged') line += ` [${statusText(s)}]`;
    lines.push(line);
  }
  const n = countSteps(steps);
  if (showStatus) {
    const mutating = steps.filter((s) => s.action !== 'unchanged');
    const done = mutating.filter((s) => s.status === 'done').length;
    lines.push(`${done} of ${mutating.length} changes applied, ${n.unchanged} unchanged`);
  } else if (ran) {
    lines.push(
      `${n.create} created, ${n.change} changed, ${n.replace} replaced, ${n.delete} deleted, ${n.unchanged} unchanged`,
    );
  } else {
    lines.push(
      `${n.create} to create, ${n.change} to change, ${n.replace} to replace, ${n.delete} to delete, ${n.unchanged} unchanged`,
    );
  }
  return lines.join('\n');
}

function statusText(s: { status: StepStatus; error?: unknown; deleted?: boolean }): string {
  if (s.status !== 'failed') return s.status;
  return `failed${s.deleted ? ' after deleting' : ''}: ${errorText(s.error)}`;
}
