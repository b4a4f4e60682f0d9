/**
 * The desired list checked before anything is sent: every tunnel a valid
 * spec with a name, names unique, and for an apply file the schema's
 * stricter name rule.
 */
import { InvalidArgumentError } from '../errors.js';
import { type CheckedSpec, checkTunnelSpec } from '../validate.js';
import type { DesiredTunnel } from './types.js';

/** A desired tunnel checked, with its position in the list. */
export interface CheckedDesired {
  index: number;
  spec: DesiredTunnel;
  checked: CheckedSpec;
}

/** Printable ASCII without '/' and ':', not '.' or '..': the schema's name rule. */
const FILE_NAME_PATTERN = /^(?!\.\.?$)[!-.0-9;-~]{1,15}$/;

/** `e` with its field named under `prefix` (`tunnels[3].ttl`); any other error as it is. */
export function prefixed(prefix: string, e: unknown): unknown {
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
export function checkDesiredList(list: readonly unknown[], file: boolean): CheckedDesired[] {
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
    if (file) checkFileNames(spec, at);
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

/** The apply file's name rule on the interface names of one tunnel (`at` is its place in the list). */
function checkFileNames(spec: DesiredTunnel, at: string): void {
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
