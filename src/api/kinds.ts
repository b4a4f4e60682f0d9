/**
 * Whether the kernel knows the tunnel link kinds, read without creating
 * anything: a kind-filtered link dump is answered with NLM_F_DUMP_FILTERED on
 * every message when the kind is registered, and unfiltered (every link,
 * `lo` first) when it is not. The answer is cut short at its first message.
 */
import { NLM_F_DUMP_FILTERED, RTM_NEWLINK } from '../codec/constants.js';
import { buildDumpLinksRequest } from '../codec/requests.js';
import type { TunnelKind } from '../codec/types.js';
import { kernelFiltersLinkKinds } from '../transport/dump.js';
import type { EoipClient } from './client.js';

/** What {@link tunnelKindRegistered} found. */
export type KindRegistration = 'registered' | 'missing' | 'unknown';

/**
 * Whether `kind` is registered in the running kernel (its module loaded).
 * `unknown` on kernels older than 5.0 (they do not filter link dumps by
 * kind) or when the dump fails. Needs no privilege; sends one small dump.
 *
 * @example
 * ```ts
 * if ((await tunnelKindRegistered(client, 'eoip')) === 'missing') console.error('modprobe eoip');
 * ```
 */
export async function tunnelKindRegistered(client: EoipClient, kind: TunnelKind): Promise<KindRegistration> {
  if (!kernelFiltersLinkKinds()) return 'unknown';
  let unfiltered = false;
  try {
    await client.transport.dump(
      (seq) => buildDumpLinksRequest(seq, { kind }),
      (h) => {
        if (h.type !== RTM_NEWLINK) return undefined;
        unfiltered = (h.flags & NLM_F_DUMP_FILTERED) === 0;
        // One message tells: stop the dump there.
        return false;
      },
      { operation: 'list', stoppable: true, timeout: 5000 },
    );
  } catch {
    return 'unknown';
  }
  return unfiltered ? 'missing' : 'registered';
}
