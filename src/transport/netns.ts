/**
 * Acting in another network namespace: a socket opened inside it (the
 * calling thread enters the namespace for socket() only and comes back, see
 * native/netlink.c). A socket stays in the namespace it was made in, so every
 * request over it (changes included, which the kernel resolves only in the
 * requesting socket's namespace) and every event it reads is that
 * namespace's. No helper process, no nsenter.
 */
import { closeSync, constants as fsConstants, fstatSync, openSync } from 'node:fs';
import { Errno } from '../codec/errno.js';
import { PermissionError, SocketError } from './errors.js';
import { InvalidArgumentError } from './invalid-argument.js';

/** A namespace as users name it: a name under /run/netns, a path, or a pid. */
export type NetnsRef = string | number;

/**
 * Where {@link NetlinkSocket.open} opens its socket: a namespace file (such
 * as /run/netns/NAME or /proc/PID/ns/net), or an open file descriptor of one.
 */
export type NetnsTarget =
  | {
      /** The namespace file: /run/netns/NAME, /proc/PID/ns/net, … (1..4095 characters, no NUL). */
      path: string;
    }
  | {
      /** An open file descriptor of a namespace file (reopened: the caller may close it at once). */
      fd: number;
    };

/** The namespace file behind a {@link NetnsRef}. */
export function netnsPath(ref: NetnsRef): string {
  if (typeof ref === 'number') return `/proc/${ref}/ns/net`;
  return ref.includes('/') ? ref : `/run/netns/${ref}`;
}

/** What the kernel asks of a process that enters a namespace. */
export const SETNS_HINT =
  "entering a network namespace (setns) needs CAP_SYS_ADMIN in the namespace's owning user namespace: run as root, or from inside that user namespace";

const ALLOWED = 'an object with own `path` (a namespace file, no NUL bytes) or own `fd` (0..2147483647)';

/**
 * Check a {@link NetnsTarget}: exactly one own `path` or `fd` field, of the
 * right type (inherited fields and getters are not followed). Throws
 * {@link InvalidArgumentError} naming `netns`.
 */
export function checkNetnsTarget(target: unknown): NetnsTarget {
  if (target === null || typeof target !== 'object' || Array.isArray(target))
    throw new InvalidArgumentError('netns', target, ALLOWED);
  const path = ownValue(target, 'path');
  const fd = ownValue(target, 'fd');
  if ((path === undefined) === (fd === undefined)) throw new InvalidArgumentError('netns', target, ALLOWED);
  if (path !== undefined) {
    if (typeof path !== 'string' || path === '' || path.includes('\0') || path.length > 4095)
      throw new InvalidArgumentError(
        'netns.path',
        path,
        'a namespace file path (1..4095 characters, no NUL)',
      );
    return { path };
  }
  if (typeof fd !== 'number' || !Number.isInteger(fd) || fd < 0 || fd > 0x7fffffff)
    throw new InvalidArgumentError('netns.fd', fd, 'an open file descriptor 0..2147483647');
  return { fd };
}

/** An own data field's value, never a getter's or a prototype's. */
function ownValue(o: object, key: string): unknown {
  const d = Object.getOwnPropertyDescriptor(o, key);
  return d && 'value' in d ? d.value : undefined;
}

/** A namespace file held open while a socket may still need it (its side socket is opened later). */
export interface NamespaceFile {
  /** The file as named (for messages). */
  readonly path: string;
  /** The open descriptor. */
  readonly fd: number;
  /** Close it; idempotent. */
  close(): void;
}

/**
 * Open the namespace `target` names, for {@link NetlinkSocket}. A given fd
 * is reopened through /proc/self/fd, so the caller may close theirs at once.
 * Opened without blocking (a FIFO named as the path would hang a plain open)
 * and refused unless it is a namespace file (nsfs files are empty regular
 * files; setns refuses any other).
 */
export function openNamespaceFile(target: NetnsTarget): NamespaceFile {
  const path = 'path' in target ? target.path : `/proc/self/fd/${target.fd}`;
  let fd: number;
  try {
    fd = openSync(path, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
  } catch (e) {
    throw openFailure(path, e as NodeJS.ErrnoException);
  }
  let regular = false;
  try {
    regular = fstatSync(fd).isFile();
  } catch {}
  if (!regular) {
    closeSync(fd);
    throw new SocketError(`cannot open network namespace ${path}: not a namespace file`);
  }
  let open = true;
  return {
    path,
    fd,
    close() {
      if (open) closeSync(fd);
      open = false;
    },
  };
}

function openFailure(path: string, err: NodeJS.ErrnoException): Error {
  if (err.code === 'EACCES' || err.code === 'EPERM')
    return namespaceDenied(path, err.errno ? -err.errno : Errno.EACCES);
  return new SocketError(`cannot open network namespace ${path}: ${err.code ?? err.message}`, undefined, err);
}

/**
 * The error for a namespace this process may not enter (EPERM from setns,
 * or EACCES opening its file).
 */
export function namespaceDenied(path: string, errno: number): PermissionError {
  return new PermissionError({ errno, operation: 'netns', hint: SETNS_HINT }, `may not enter ${path}`);
}

/** The error for a socket() inside a namespace that failed with `errno`. */
export function namespaceOpenError(path: string, errno: number, cause: unknown): Error {
  if (errno === Errno.EPERM || errno === Errno.EACCES) return namespaceDenied(path, errno);
  if (errno === Errno.EINVAL)
    return new SocketError(`cannot open network namespace ${path}: not a network namespace`, errno, cause);
  return new SocketError(
    `cannot open a netlink socket in ${path}: ${(cause as Error).message}`,
    errno,
    cause,
  );
}
