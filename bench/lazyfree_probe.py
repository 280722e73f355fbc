#!/usr/bin/python3
"""Latency of other clients while a server frees a big value: bench/lazyfree.sh's probe.

    lazyfree_probe.py run PORT OP [--interval-us N] [--idle-ms N] [--window-ms N] [--poll-ms N]
    lazyfree_probe.py probe PORT INTERVAL_US OUT      (started by `run`)

`run` talks to a server on 127.0.0.1:PORT that already holds the big keys:
  1. SET probe x; reads INFO (used_memory, lazyfree_pending_objects,
     lazyfreed_objects, and which INFO section reports each);
  2. starts `probe` in a child process: one connection sending GET probe on a
     fixed schedule, one every INTERVAL_US, each waiting for its reply;
  3. after IDLE_MS sends OP on its own connection (T0) and reads the reply
     (T1); T2, when the value is freed, is T1 for the synchronous ops; for
     the asynchronous ones it is when INFO memory first shows
     lazyfree_pending_objects 0, polled every POLL_MS from T1 if POLL_MS > 0,
     else (the default) only after the window, every 10 ms: INFO is work for
     the server too, so by default nothing but the probe talks to it;
  4. stops the probe WINDOW_MS after T0, or 100 ms after T2 if that is later;
  5. prints "name value" lines: the probe's p50/p99/max latency in the idle
     time before T0 (after a 100 ms warm-up) and in the window from T0, the
     reply time T1-T0, the free time T2-T0 and how it was found (sync,
     polled, by-window-end: freed before the window closed, after-window),
     used_memory before and after, the growth of lazyfreed_objects and the
     INFO sections reporting the two counters.

The probe's latency is counted from when each request was due, not from when
it was sent, when it went out late because the previous reply came late: a
server that stalls 100 ms then shows about 100 ms / INTERVAL_US slow
requests, not one (no "coordinated omission"). A request that goes out late
only because the probe itself ran late counts from when it was sent, and the
schedule starts again from there. Idle: requests sent after the warm-up and
answered before T0; window: requests answered at or after T0 and sent before
the window's end (so one caught in flight at T0 counts in the window).

OP is one of: unlink-zset, del-zset (the key big:zset), unlink-hash,
del-hash (big:hash), flushall-async, flushall-sync.
"""
import array
import math
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time

OPS = {
    "unlink-zset": ([b"UNLINK", b"big:zset"], True),
    "del-zset": ([b"DEL", b"big:zset"], False),
    "unlink-hash": ([b"UNLINK", b"big:hash"], True),
    "del-hash": ([b"DEL", b"big:hash"], False),
    "flushall-async": ([b"FLUSHALL", b"ASYNC"], True),
    "flushall-sync": ([b"FLUSHALL"], False),
}


class Conn:
    """A minimal RESP2 client: enough for simple, error, integer and bulk replies."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=60)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""

    def send(self, args):
        self.sock.sendall(b"*%d\r\n" % len(args) +
                          b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in args))

    def _line(self):
        while True:
            i = self.buf.find(b"\r\n")
            if i >= 0:
                line, self.buf = self.buf[:i], self.buf[i + 2:]
                return line
            self._more()

    def _more(self):
        data = self.sock.recv(65536)
        if not data:
            raise ConnectionError("server closed the connection")
        self.buf += data

    def reply(self):
        line = self._line()
        kind, rest = line[:1], line[1:]
        if kind == b"$":
            n = int(rest)
            if n < 0:
                return None
            while len(self.buf) < n + 2:
                self._more()
            data, self.buf = self.buf[:n], self.buf[n + 2:]
            return data
        if kind == b":":
            return int(rest)
        if kind == b"+":
            return rest
        if kind == b"-":
            raise RuntimeError("server error: " + rest.decode(errors="replace"))
        raise RuntimeError("unexpected reply: %r" % line)

    def call(self, *args):
        self.send([a if isinstance(a, bytes) else str(a).encode() for a in args])
        return self.reply()


def info(conn, section=None):
    """INFO as {field: (value, section)}."""
    text = conn.call(*([b"INFO", section] if section else [b"INFO"])).decode()
    fields, current = {}, ""
    for line in text.splitlines():
        if line.startswith("#"):
            current = line[1:].strip().lower()
        elif ":" in line:
            k, v = line.split(":", 1)
            fields[k] = (v, current)
    return fields


def field(fields, name, default=-1):
    v = fields.get(name)
    return int(v[0]) if v else default


def probe(port, interval_us, out):
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    conn = Conn(port)
    request = b"*2\r\n$3\r\nGET\r\n$5\r\nprobe\r\n"
    interval = interval_us * 1000
    samples = array.array("q")  # (due, sent, answered) ns, in threes
    clock = time.monotonic_ns
    print("ready", flush=True)
    due = clock()
    answered = 0
    while not stop:
        now = clock()
        if now < due:
            time.sleep((due - now) / 1e9)
            start = clock()  # a late wake-up is the probe's delay, not the server's
        elif answered > due:
            start = due      # it waited for the previous reply: the server's delay
        else:
            start = due = now  # the probe itself ran late: start the schedule again
        conn.sock.sendall(request)
        conn.reply()
        answered = clock()
        samples.extend((due, start, answered))
        due += interval
    with open(out, "wb") as f:
        samples.tofile(f)


def percentiles(values):
    if not values:
        return (float("nan"),) * 3
    v = sorted(values)
    pick = lambda q: v[min(len(v) - 1, max(0, math.ceil(q * len(v)) - 1))]
    return pick(0.50), pick(0.99), v[-1]


def wait_freed(ctl, since, poll_ms):
    """Polls INFO memory until lazyfree_pending_objects is 0.

    Returns when, and whether the first look already saw 0."""
    deadline = since + 120 * 10**9
    first = True
    while True:
        p = field(info(ctl, b"memory"), "lazyfree_pending_objects", 0)
        t = time.monotonic_ns()
        if p == 0 or t > deadline:
            return t, first
        first = False
        time.sleep(poll_ms / 1000)


def run(port, op, interval_us, idle_ms, window_ms, poll_ms):
    args, asynchronous = OPS[op]
    ctl = Conn(port)
    ctl.call(b"SET", b"probe", b"x")
    before = info(ctl)
    fd, samples_path = tempfile.mkstemp(prefix="lazyfree-probe.")
    os.close(fd)
    child = subprocess.Popen([sys.executable, os.path.abspath(__file__), "probe", str(port),
                              str(interval_us), samples_path], stdout=subprocess.PIPE)
    try:
        if child.stdout.readline().strip() != b"ready":
            raise RuntimeError("the probe did not start")
        ready = time.monotonic_ns()
        time.sleep(idle_ms / 1000)
        t0 = time.monotonic_ns()
        ctl.send(args)
        reply = ctl.reply()
        t1 = time.monotonic_ns()
        t2 = t1
        how = "sync"  # how t2 was found
        if asynchronous and poll_ms > 0:
            how = "polled"
            t2, _ = wait_freed(ctl, t1, poll_ms)
        end = t0 + max(window_ms * 10**6, t2 - t0 + 100 * 10**6)
        time.sleep(max(0, end - time.monotonic_ns()) / 1e9)
        child.send_signal(signal.SIGTERM)
        if child.wait(timeout=60) != 0:
            raise RuntimeError("the probe failed")
        samples = array.array("q")
        with open(samples_path, "rb") as f:
            samples.frombytes(f.read())
        if asynchronous and poll_ms == 0:
            # Not polled during the window (INFO is itself work for the
            # server): look once it is over.
            t2, first = wait_freed(ctl, end, 10)
            how = "by-window-end" if first else "after-window"
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        os.unlink(samples_path)
    after = info(ctl)
    idle, window = [], []
    for i in range(0, len(samples), 3):
        start, answered = samples[i + 1], samples[i + 2]
        if ready + 100 * 10**6 <= start and answered < t0:
            idle.append(answered - start)
        elif answered >= t0 and start < end:
            window.append(answered - start)
    out = {}
    for name, vals in (("idle", idle), ("win", window)):
        p50, p99, mx = percentiles(vals)
        out[name + "_samples"] = len(vals)
        out[name + "_p50_ms"] = "%.3f" % (p50 / 1e6)
        out[name + "_p99_ms"] = "%.3f" % (p99 / 1e6)
        out[name + "_max_ms"] = "%.3f" % (mx / 1e6)
    out["reply"] = (reply.decode() if isinstance(reply, bytes) else reply)
    out["reply_ms"] = "%.3f" % ((t1 - t0) / 1e6)
    out["freed_ms"] = "%.3f" % ((t2 - t0) / 1e6)
    out["window_ms"] = "%.0f" % ((end - t0) / 1e6)
    out["freed_how"] = how
    out["used_before_mib"] = "%.2f" % (field(before, "used_memory") / 1048576)
    out["used_after_mib"] = "%.2f" % (field(after, "used_memory") / 1048576)
    lb, la = field(before, "lazyfreed_objects"), field(after, "lazyfreed_objects")
    out["lazyfreed"] = la - lb if lb >= 0 and la >= 0 else "-"
    for name in ("lazyfreed_objects", "lazyfree_pending_objects"):
        out[name + "_section"] = after[name][1] if name in after else "-"
    for k, v in out.items():
        print(k, v)


def main(argv):
    if len(argv) == 5 and argv[1] == "probe":
        probe(int(argv[2]), int(argv[3]), argv[4])
        return
    if len(argv) >= 4 and argv[1] == "run" and argv[3] in OPS:
        opts = {"--interval-us": 500, "--idle-ms": 1000, "--window-ms": 1000, "--poll-ms": 0}
        rest = argv[4:]
        if len(rest) % 2:
            sys.exit(__doc__)
        for k, v in zip(rest[::2], rest[1::2]):
            if k not in opts:
                sys.exit(__doc__)
            opts[k] = int(v)
        run(int(argv[2]), argv[3], opts["--interval-us"], opts["--idle-ms"], opts["--window-ms"],
            opts["--poll-ms"])
        return
    sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
