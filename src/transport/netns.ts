/**
 * Acting in another network namespace without entering it: the kernel gives
 * the namespace an id relative to our socket's (RTM_NEWNSID / RTM_GETNSID
 * with an fd of the namespace file), and requests name that id
 * (IFLA_TARGET_NETNSID).
 */
import { closeSync, constants as fsConstants, fstatSync, openSync } from 'node:fs';
import { forEachAttribute } from '../codec/attributes.js';
import { NETNSA_NSID, NLMSG_HDRLEN } from '../codec/constants.js';
import { buildGetNsidRequest, buildNewNsidRequest } from '../codec/requests.js';
import { asKernelError } from './dump.js';
import { SocketError } from './errors.js';
import type { NetlinkTransport, RequestOptions } from './socket.js';

/** A namespace as users name it: a name under /run/netns, a path, or a pid. */
export type NetnsRef = string | number;

/** The namespace file behind a {@link NetnsRef}. */
export function netnsPath(ref: NetnsRef): string {
  if (typeof ref === 'number') return `/proc/${ref}/ns/net`;
  return ref.includes('/') ? ref : `/run/netns/${ref}`;
}

/** An open handle on another namespace: its fd (kept open) and its id as seen from our socket. */
export interface NetnsHandle {
  /** The namespace file. */
  path: string;
  /** An open fd of it (for IFLA_NET_NS_FD). */
  fd: number;
  /** Its id relative to the socket's namespace (for IFLA_TARGET_NETNSID). */
  nsid: number;
  /** Close the fd. */
  close(): void;
}

async function getNsid(sock: NetlinkTransport, fd: number, opts: RequestOptions): Promise<number> {
  const bytes = await sock.reply((seq) => buildGetNsidRequest(seq, fd), { ...opts, operation: 'netns' });
  let nsid = -1;
  // struct rtgenmsg (4 bytes padded) then NETNSA_* attributes.
  forEachAttribute(bytes, NLMSG_HDRLEN + 4, bytes.byteLength, (type, vs, ve) => {
    if (type === NETNSA_NSID && ve - vs >= 4)
      nsid = new DataView(bytes.buffer, bytes.byteOffset + vs, 4).getInt32(0, true);
  });
  return nsid;
}

/**
 * Open a namespace file without blocking (a FIFO given as the path would
 * hang a plain open) and make sure it is one: namespace files are empty
 * regular files (nsfs), so a FIFO, device, socket or directory is refused
 * before anything reads it.
 */
function openNamespaceFile(path: string): number {
  let fd: number;
  try {
    fd = openSync(path, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new SocketError(`cannot open network namespace ${path}: ${err.code ?? err.message}`, undefined, e);
  }
  try {
    if (fstatSync(fd).isFile()) return fd;
  } catch {}
  closeSync(fd);
  throw new SocketError(`cannot open network namespace ${path}: not a namespace file`);
}

/**
 * Open the namespace `ref` and get (or assign) its id. Throws SocketError
 * when the namespace file cannot be opened.
 */
export async function openNetns(
  sock: NetlinkTransport,
  ref: NetnsRef,
  opts: RequestOptions = {},
): Promise<NetnsHandle> {
  const path = netnsPath(ref);
  const fd = openNamespaceFile(path);
  try {
    let nsid = await getNsid(sock, fd, opts);
    if (nsid < 0) {
      try {
        await sock.ack((seq) => buildNewNsidRequest(seq, fd), { ...opts, operation: 'netns' });
      } catch (e) {
        // EEXIST: someone assigned an id meanwhile; read it below.
        if ((e as { errno?: number }).errno !== 17) throw e;
      }
      nsid = await getNsid(sock, fd, opts);
    }
    if (nsid < 0) throw new SocketError(`the kernel assigned no id to network namespace ${path}`);
    let open = true;
    return {
      path,
      fd,
      nsid,
      close() {
        if (open) closeSync(fd);
        open = false;
      },
    };
  } catch (e) {
    closeSync(fd);
    throw asKernelError(e, 'netns', path);
  }
}
