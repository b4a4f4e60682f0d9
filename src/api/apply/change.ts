/**
 * Running one planned change of an existing tunnel: in one request, or set
 * down, changed and set up again when the kernel needs the interface down.
 */
import type { Tunnel } from '../../codec/types.js';
import type { EoipClient } from '../client.js';
import { withNote } from '../errors.js';
import type { FieldDiff } from '../reconcile.js';
import type { OperationOptions as Op } from '../types.js';
import { errorText } from './plan-text.js';
import { changePhases, patchTunnelParams } from './tunnel-diff.js';

/**
 * Run a planned change: in one request, or down, change, up (see
 * {@link changePhases}). When the change itself fails, the tunnel is set up
 * again before the failure is reported.
 */
export async function runChange(client: EoipClient, cur: Tunnel, diffs: FieldDiff[], op: Op): Promise<void> {
  const patch = patchTunnelParams(diffs);
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
