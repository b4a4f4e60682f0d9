/**
 * Changes in another network namespace. The kernel resolves RTM_NEWLINK
 * changes only in the requesting socket's namespace (IFLA_TARGET_NETNSID is
 * honoured for create, get, dump and delete, but on a change it would *move*
 * the device), so a change is run by a short-lived child process that nsenter
 * places in the namespace. The calling process never leaves its own.
 */
import type { Tunnel } from '../codec/types.js';
import { childScriptArgs } from '../transport/child-script.js';
import { DEFAULT_TIMEOUT } from '../transport/socket.js';
import * as errors from './errors.js';
import type { TunnelPatch } from './types.js';

/** How long a namespace helper may run past its request's timeout before it is killed. */
const CHILD_GRACE_MS = 5_000;

/** What the child is asked to do. */
export interface NetnsChildRequest {
  /** `change` applies it; `plan` only builds the request (dry run). */
  op: 'change' | 'plan';
  target: string | number;
  patch: TunnelPatch;
  timeout?: number;
}

/** An error as it crosses the process boundary. */
export interface EncodedError {
  name: string;
  message: string;
  code?: string;
  [field: string]: unknown;
}

/** Flatten an error into JSON-safe fields. */
export function encodeError(e: unknown): EncodedError {
  if (!(e instanceof Error)) return { name: 'Error', message: String(e) };
  const out: EncodedError = { name: e.name, message: e.message };
  for (const [k, v] of Object.entries(e)) {
    if (k !== 'cause' && (v === null || ['string', 'number', 'boolean', 'object'].includes(typeof v)))
      out[k] = v;
  }
  return out;
}

/** Rebuild the library's error class from its encoded form (same name, same fields). */
export function decodeError(enc: EncodedError): Error {
  const Ctor = (errors as Record<string, unknown>)[enc.name];
  let e: Error;
  if (typeof Ctor === 'function' && (Ctor as { prototype: unknown }).prototype instanceof Error) {
    e = Object.create((Ctor as { prototype: object }).prototype) as Error;
  } else {
    e = new errors.EoipError(enc.message, enc.code ?? 'ERROR');
  }
  Object.defineProperty(e, 'message', { value: enc.message, enumerable: false, writable: true });
  Object.defineProperty(e, 'stack', {
    value: `${enc.name}: ${enc.message}`,
    enumerable: false,
    writable: true,
  });
  for (const [k, v] of Object.entries(enc))
    if (k !== 'message') (e as unknown as Record<string, unknown>)[k] = v;
  return e;
}

/** What the child answers: the changed tunnel, or the planned request's bytes in hex. */
export type NetnsChildAnswer =
  | { ok: true; tunnel?: Tunnel; planHex?: string; interface?: string }
  | { ok: false; error: EncodedError };

/**
 * Run `changeTunnel(target, patch)` (or its plan) inside the namespace file
 * `path`. Rejects with the same error class the change would have raised.
 */
export async function changeInNetns(
  path: string,
  req: NetnsChildRequest,
  signal?: AbortSignal,
): Promise<NetnsChildAnswer & { ok: true }> {
  // Serialised first: a request that cannot cross the process boundary
  // (a BigInt, a cycle) is refused before any process exists.
  let input: string;
  try {
    input = JSON.stringify(req);
  } catch {
    throw new errors.InvalidArgumentError('patch', req.patch, 'plain JSON values (no BigInt, no cycles)');
  }
  signal?.throwIfAborted();
  // Loaded on use: only changes in another namespace need a child process.
  const { spawn } = await import('node:child_process');
  return new Promise((resolve, reject) => {
    const child = spawn(
      'nsenter',
      [`--net=${path}`, '--', process.execPath, ...childScriptArgs(import.meta.url, 'netns-child')],
      {
        stdio: ['pipe', 'pipe', 'pipe'],
        ...(signal ? { signal } : {}),
      },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      err += d;
    });
    child.on('error', (e) => {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
        reject(
          new errors.EoipError(
            'change: changing a link in another namespace needs nsenter(1) (util-linux)',
            'NETNS_UNSUPPORTED',
          ),
        );
      } else if (e.name === 'AbortError') reject(new errors.AbortedError('change', e));
      else reject(new errors.SocketError(`change: cannot run nsenter: ${e.message}`, undefined, e));
    });
    child.on('close', (code) => {
      try {
        const ans = JSON.parse(out) as NetnsChildAnswer;
        if (ans.ok) resolve(ans);
        else reject(decodeError(ans.error));
      } catch {
        reject(
          new errors.SocketError(
            `change: the namespace helper failed (exit ${code}): ${err.trim().split('\n')[0] ?? ''}`,
          ),
        );
      }
    });
    // The child never outlives the request: killed at the request's deadline
    // (plus a margin for its own clean-up) if it has not answered by then.
    const deadline = setTimeout(
      () => child.kill('SIGKILL'),
      (req.timeout ?? DEFAULT_TIMEOUT) + CHILD_GRACE_MS,
    );
    deadline.unref();
    child.on('exit', () => clearTimeout(deadline));
    child.stdin.on('error', () => {}); // an early exit is reported by 'close'
    child.stdin.end(input);
  });
}
