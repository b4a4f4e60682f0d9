/**
 * Every value of a command is checked before a client is opened: a bad
 * value is refused (exit 1) before any lookup, so `eoip set name nosuch ttl
 * 999` says the ttl is invalid, not that `nosuch` does not exist. The
 * library checks again, against the tunnel's kind, once it is known.
 */
import { InvalidArgumentError } from '../api/errors.js';
import type { TunnelKind, TunnelPatch } from '../api/types.js';
import { checkAddress, checkInterfaceName, checkTunnelPatch, checkTunnelSpec } from '../api/validate.js';
import type { KernelCommand } from './run.js';

const KINDS: readonly TunnelKind[] = ['eoip', 'eoipv6'];

/**
 * A patch valid for at least one kind passes (the tunnel's own kind is only
 * known after a lookup); otherwise the error of the kind its addresses
 * point to, or of eoip.
 */
function precheckPatch(patch: TunnelPatch): void {
  let first: unknown;
  for (const kind of KINDS) {
    try {
      checkTunnelPatch(patch, kind);
      return;
    } catch (e) {
      first ??= e;
    }
  }
  // An address valid for neither kind: say what any kind allows.
  if (first instanceof InvalidArgumentError && (first.field === 'remote' || first.field === 'local')) {
    checkAddress(first.field, first.value);
  }
  throw first;
}

/**
 * Check what a kernel command will send or look up, without any I/O.
 *
 * @throws InvalidArgumentError for the first bad value
 */
export function precheckCommand(cmd: KernelCommand): void {
  switch (cmd.command) {
    case 'add':
      checkTunnelSpec(cmd.spec);
      break;
    case 'set':
      precheckPatch(cmd.patch);
      checkInterfaceName('name', cmd.target);
      break;
    case 'delete':
      for (const target of cmd.targets) checkInterfaceName('name', target);
      break;
    case 'list':
      if (cmd.name !== undefined) checkInterfaceName('name', cmd.name);
      break;
  }
}
