"""
The Python side of the kernel benchmarks (bench/kernel.mjs), one request per
line on stdin, one JSON answer per line on stdout. Started inside the
benchmark's private network namespace.

  {"op": "mtus", "index": I, "mtus": [...], "gapUs": G, "jitterUs": J}
      Set the MTU of link I to each value in turn, one RTM_NEWLINK over a raw
      rtnetlink socket each, G to G+J microseconds apart. Answers the
      CLOCK_MONOTONIC time in ns just before each request was sent and just
      after its ack was read: {"sent": [...], "acked": [...]} (as strings).
      The kernel sends the link notification inside the sendmsg, before the
      ack, so "sent" is the last time before any listener can have it.

  {"op": "run", "argv": [...]}
      Run a command (output to /dev/null) and answer its wall time (spawn to
      exit) and its own user and system CPU time from wait4(), in ms:
      {"wallMs": W, "userMs": U, "systemMs": S, "status": X}.

Only the standard library: this runs with whatever python3 is installed.
"""
import json
import os
import random
import socket
import struct
import sys
import time

NLMSG_ERROR = 2
RTM_NEWLINK = 16
NLM_F_REQUEST = 1
NLM_F_ACK = 4
IFLA_MTU = 4

sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE)
sock.bind((0, 0))
seq = 0


def set_mtu(index, mtu):
    """One RTM_NEWLINK setting the MTU; returns (sent, acked) in ns."""
    global seq
    seq += 1
    attr = struct.pack("=HHI", 8, IFLA_MTU, mtu)
    ifinfo = struct.pack("=BxHiII", socket.AF_UNSPEC, 0, index, 0, 0)
    body = ifinfo + attr
    msg = struct.pack("=IHHII", 16 + len(body), RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK, seq, 0) + body
    sent = time.monotonic_ns()
    sock.send(msg)
    data = sock.recv(65536)
    acked = time.monotonic_ns()
    _, kind, _, got_seq, _ = struct.unpack_from("=IHHII", data)
    error = struct.unpack_from("=i", data, 16)[0] if kind == NLMSG_ERROR else None
    if kind != NLMSG_ERROR or got_seq != seq or error != 0:
        raise RuntimeError(f"setting mtu {mtu} on link {index}: answer type {kind}, seq {got_seq}, error {error}")
    return sent, acked


def mtus(req):
    rng = random.Random(req.get("seed", 1))
    gap = req.get("gapUs", 5000) / 1e6
    jitter = req.get("jitterUs", 0) / 1e6
    sent, acked = [], []
    for mtu in req["mtus"]:
        s, a = set_mtu(req["index"], mtu)
        sent.append(str(s))
        acked.append(str(a))
        time.sleep(gap + rng.random() * jitter)
    return {"sent": sent, "acked": acked}


def run(req):
    argv = req["argv"]
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        t0 = time.monotonic_ns()
        pid = os.posix_spawnp(
            argv[0],
            argv,
            os.environ,
            file_actions=[(os.POSIX_SPAWN_DUP2, devnull, 1), (os.POSIX_SPAWN_DUP2, devnull, 2)],
        )
        _, status, usage = os.wait4(pid, 0)
        t1 = time.monotonic_ns()
    finally:
        os.close(devnull)
    return {
        "wallMs": (t1 - t0) / 1e6,
        "userMs": usage.ru_utime * 1000,
        "systemMs": usage.ru_stime * 1000,
        "status": os.waitstatus_to_exitcode(status),
    }


OPS = {"mtus": mtus, "run": run}

for line in sys.stdin:
    if not line.strip():
        continue
    try:
        req = json.loads(line)
        answer = OPS[req["op"]](req)
    except Exception as e:  # the runner reports it
        answer = {"error": f"{type(e).__name__}: {e}"}
    sys.stdout.write(json.dumps(answer) + "\n")
    sys.stdout.flush()
