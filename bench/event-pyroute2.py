"""
pyroute2's side of the event-latency benchmark (bench/kernel.mjs): an
IPRoute bound to the link notifications, read with get() in a loop. Each
RTM_NEWLINK of link IFNAME is timed (CLOCK_MONOTONIC, ns) when get() has
returned it, decoded.

  python3 bench/event-pyroute2.py IFNAME

The MTU tells the runner's changes apart (see bench/event-reader.mjs): below
PROBE_END a probe, answered at once with a line `probe MTU`; STOP ends the
run, which prints the arrival times; from MEASURE_START on, a measured change.
"""
import json
import sys
import time

from pyroute2 import IPRoute
from pyroute2.netlink.rtnl import RTMGRP_LINK

PROBE_END = 1299
STOP = 1299
MEASURE_START = 1300

ifname = sys.argv[1]
arrivals = {}
ipr = IPRoute()
ipr.bind(groups=RTMGRP_LINK)
done = False
while not done:
    msgs = ipr.get()
    t = time.monotonic_ns()
    for m in msgs:
        if m.get("event") != "RTM_NEWLINK" or m.get_attr("IFLA_IFNAME") != ifname:
            continue
        mtu = m.get_attr("IFLA_MTU")
        if mtu is None:
            continue
        if mtu < PROBE_END:
            sys.stdout.write(f"probe {mtu}\n")
            sys.stdout.flush()
        elif mtu == STOP:
            done = True
        elif mtu >= MEASURE_START and mtu not in arrivals:
            arrivals[mtu] = str(t)
ipr.close()
sys.stdout.write("@@RESULT@@" + json.dumps({"arrivals": arrivals}) + "\n")
sys.stdout.flush()
