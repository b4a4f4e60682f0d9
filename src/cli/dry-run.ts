/**
 * What `--dry-run` prints: the request that would have been sent, decoded.
 */
import type { PlannedRequest } from '../api/client.js';
import { type DescribedMessage, describePlannedRequest } from '../api/plan.js';

/** The object `--dry-run` prints (documented in docs/cli.md). */
export interface DryRunJson {
  /** Always true: nothing was sent. */
  dryRun: true;
  /** `create`, `change` or `delete`. */
  operation: PlannedRequest['operation'];
  /** The interface concerned; null when the kernel would pick the name. */
  interface: string | null;
  /** The whole netlink message (sequence number 0) as lowercase hex. */
  hex: string;
  /** The message decoded: header, ifinfomsg and every attribute with its name and value. */
  request: DescribedMessage;
}

/** The dry-run object of a planned request. */
export function dryRunJson(plan: PlannedRequest): DryRunJson {
  return {
    dryRun: true,
    operation: plan.operation,
    interface: plan.interface ?? null,
    hex: Buffer.from(plan.bytes.buffer, plan.bytes.byteOffset, plan.bytes.byteLength).toString('hex'),
    request: describePlannedRequest(plan),
  };
}
