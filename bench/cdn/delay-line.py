#!/usr/bin/env python3
"""
A userspace delay line: what `tc qdisc ... netem delay` does, for kernels built without sch_netem
(this machine's is one). Used by bench/cdn/netns.ts only when netem is missing.

Each link is a pair of TUN devices (already created with `ip tuntap add`, one in each network
namespace, addresses set). This process opens both, and every IP packet read from one side is
written to the other `delay_ms` later (a constant one-way delay, so order is kept). Bandwidth is
not limited here: netns.ts puts a kernel `tbf` qdisc on each TUN device for that.

  delay-line.py NS_A:DEV_A:NS_B:DEV_B:DELAY_MS [more links...]

Prints "ready" on stdout once every device is open; runs until killed.
"""
import ctypes
import fcntl
import heapq
import os
import selectors
import struct
import sys
import time

CLONE_NEWNET = 0x40000000
TUNSETIFF = 0x400454CA
IFF_TUN = 0x0001
IFF_NO_PI = 0x1000
# A packet waits at most this long behind others (netem's default limit is 1000 packets).
QUEUE_LIMIT = 4000

libc = ctypes.CDLL("libc.so.6", use_errno=True)


def enter_netns(name):
    fd = os.open(f"/run/netns/{name}", os.O_RDONLY)
    try:
        if libc.setns(fd, CLONE_NEWNET) != 0:
            err = ctypes.get_errno()
            raise OSError(err, f"setns({name}): {os.strerror(err)}")
    finally:
        os.close(fd)


def open_tun(netns, dev):
    """Attaches to an existing TUN device; the fd works wherever this process goes next."""
    enter_netns(netns)
    fd = os.open("/dev/net/tun", os.O_RDWR | os.O_NONBLOCK)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", dev.encode(), IFF_TUN | IFF_NO_PI))
    return fd


def main(argv):
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    home = os.open("/proc/self/ns/net", os.O_RDONLY)
    peer = {}  # fd -> (fd to write to, one-way delay in seconds)
    for spec in argv:
        ns_a, dev_a, ns_b, dev_b, delay_ms = spec.split(":")
        a = open_tun(ns_a, dev_a)
        b = open_tun(ns_b, dev_b)
        delay = float(delay_ms) / 1000.0
        peer[a] = (b, delay)
        peer[b] = (a, delay)
    libc.setns(home, CLONE_NEWNET)
    sel = selectors.DefaultSelector()
    for fd in peer:
        sel.register(fd, selectors.EVENT_READ)
    queue = []  # (due, seq, fd to write, packet)
    seq = 0
    print("ready", flush=True)
    while True:
        now = time.monotonic()
        while queue and queue[0][0] <= now:
            _, _, out, packet = heapq.heappop(queue)
            try:
                os.write(out, packet)
            except (BlockingIOError, OSError):
                pass  # the receiving side's queue is full: dropped, as a real link would
        timeout = max(0.0, queue[0][0] - now) if queue else None
        for key, _ in sel.select(timeout):
            out, delay = peer[key.fd]
            # Drain what is readable now; each packet is stamped with its own arrival time.
            for _ in range(256):
                try:
                    packet = os.read(key.fd, 65536)
                except BlockingIOError:
                    break
                if len(queue) >= QUEUE_LIMIT:
                    continue
                seq += 1
                heapq.heappush(queue, (time.monotonic() + delay, seq, out, packet))


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except KeyboardInterrupt:
        sys.exit(0)
