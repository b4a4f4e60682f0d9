/**
 * A planned request read back: the decoded form of the bytes a dry run
 * would have sent. The codec does the decoding; callers above the api (the
 * cli) reach it through here.
 */
import { type DescribedMessage, describeMessage } from '../codec/describe.js';
import type { PlannedRequest } from './client.js';

export type { DescribedMessage } from '../codec/describe.js';

/** The planned request's message decoded: header, ifinfomsg and every attribute with its name and value. */
export function describePlannedRequest(plan: PlannedRequest): DescribedMessage {
  return describeMessage(plan.bytes);
}
