#!/usr/bin/python3
"""Crash test: no acknowledged write is lost across SIGKILL.

    /usr/bin/python3 tests/crash/crash_test.py path/to/cairn-server

Standard library only; speaks raw RESP over sockets. One temp data dir serves
the whole run. The server runs with `--appendonly yes --appendfsync always`.
Each cycle, W writer threads (one TCP connection each) send a mix of SETs of
unique keys (value derived from the key), overwrites of a per-thread counter
key and DELs of keys they saw acknowledged, some pipelined. A write counts
only once its whole reply (+OK / :1) has been read. After a random delay the
server is SIGKILLed, restarted on the same dir, and everything is checked:

  * every acked SET key is present with its exact value, unless acked DEL'd;
  * every acked DEL'd key is absent;
  * a write that was sent but never answered may or may not be there, but if
    it is, it is exactly what was sent (and from then on it must stay);
  * ctr:{t} holds a value thread t sent, >= the last acked (or seen) one.

State carries over between cycles, so recovered data is checked again after
later kills. The client side ignores SIGPIPE (Python does) and treats EOF,
ECONNRESET, EPIPE and partial replies after the kill as "unanswered".

Environment:
  CYCLES          kill cycles (default 20; `make soak` uses 200)
  WRITERS         writer threads (default 4)
  SEED            random seed (default: random, printed)
  CRASH_TIMEOUT   overall limit in seconds (default max(600, 3 * CYCLES))
  CRASH_MAX_LIVE  live unique keys kept before writers favour DEL (default 30000)
  CRASH_SERVER_ARGS extra server arguments, split on whitespace (for checks
                  that the test can fail, e.g. "--appendonly no")
  TMPDIR          where the temp dir goes (should be a real disk)

Note: SIGKILL leaves the page cache intact, so this test proves "acked only
once written to the kernel, and recovery reads it back"; it cannot see a
missing fsync. That is the job of the seam tests that drop unsynced bytes.
"""

import ctypes
import hashlib
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

CYCLES = int(os.environ.get("CYCLES", "20"))
WRITERS = int(os.environ.get("WRITERS", "4"))
SEED = int(os.environ.get("SEED", str(random.randrange(1 << 32))))
TIMEOUT_S = float(os.environ.get("CRASH_TIMEOUT", str(max(600, 3 * CYCLES))))
MAX_LIVE = int(os.environ.get("CRASH_MAX_LIVE", "30000"))
EXTRA_ARGS = os.environ.get("CRASH_SERVER_ARGS", "").split()

START_TIMEOUT_S = 20.0      # PING must answer within this after a (re)start
WRITER_SOCKET_TIMEOUT_S = 10.0
VERIFY_SOCKET_TIMEOUT_S = 30.0
JOIN_TIMEOUT_S = 15.0       # writers must notice the kill within this
KILL_DELAY_MS = (50, 400)
VERIFY_CHUNK = 1000         # GETs per pipelined round trip
OLD_ABSENT_SAMPLE = 2000    # older must-be-absent keys re-checked per cycle
MAX_SHOWN = 20
LOG_TAIL = 50


class Disconnected(Exception):
    """The connection ended (EOF, reset, timeout) before a reply was complete."""


# ---------------------------------------------------------------------------
# RESP


def encode(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        if isinstance(a, str):
            a = a.encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


class ServerError(str):
    """An -ERR reply."""


class Conn:
    """A blocking RESP connection with a read buffer."""

    def __init__(self, port, timeout):
        try:
            self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
            self.sock.settimeout(timeout)
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError as e:
            raise Disconnected("connect: %s" % e) from e
        self.buf = bytearray()
        self.pos = 0

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def send(self, data):
        try:
            self.sock.sendall(data)
        except OSError as e:  # EPIPE, ECONNRESET, timeout
            raise Disconnected("send: %s" % e) from e

    def _fill(self):
        if self.pos:
            del self.buf[:self.pos]
            self.pos = 0
        try:
            chunk = self.sock.recv(65536)
        except OSError as e:  # ECONNRESET, timeout
            raise Disconnected("recv: %s" % e) from e
        if not chunk:
            raise Disconnected("recv: EOF")
        self.buf += chunk

    def _line(self):
        while True:
            i = self.buf.find(b"\r\n", self.pos)
            if i >= 0:
                line = bytes(self.buf[self.pos:i])
                self.pos = i + 2
                return line
            self._fill()

    def _exact(self, n):
        while len(self.buf) - self.pos < n + 2:
            self._fill()
        data = bytes(self.buf[self.pos:self.pos + n])
        if self.buf[self.pos + n:self.pos + n + 2] != b"\r\n":
            raise ValueError("bulk string not terminated by CRLF")
        self.pos += n + 2
        return data

    def reply(self):
        """One complete reply; raises Disconnected if it cannot be read whole."""
        line = self._line()
        kind, rest = line[:1], line[1:]
        if kind == b"+":
            return rest.decode()
        if kind == b"-":
            return ServerError(rest.decode(errors="replace"))
        if kind == b":":
            return int(rest)
        if kind == b"$":
            n = int(rest)
            return None if n < 0 else self._exact(n)
        if kind == b"*":
            n = int(rest)
            return None if n < 0 else [self.reply() for _ in range(n)]
        raise ValueError("unexpected RESP line %r" % line[:80])


# ---------------------------------------------------------------------------
# What was written


def value_for(key):
    """The value of unique key `key`: its sha1 hex repeated to a size from 1
    to 2000 bytes, also derived from the key (mostly small, some large)."""
    h = hashlib.sha1(key.encode()).hexdigest()
    r = int(h[:8], 16)
    bucket, r = r % 10, r // 10
    if bucket < 6:
        size = 1 + r % 64
    elif bucket < 9:
        size = 65 + r % 448
    else:
        size = 513 + r % 1488
    return (h * (size // 40 + 1))[:size].encode()


class Model:
    """Everything one writer index knows; lives across cycles. Only the
    writer thread touches it while a cycle runs, only the main thread between."""

    def __init__(self, t):
        self.t = t
        self.live = []            # acked, not deleted: must be present, exact
        self.live_ix = {}
        self.absent = set()       # acked DEL (or seen absent): must stay absent
        self.absent_new = []      # added this cycle: all checked
        self.maybe = set()        # sent, not answered: present-exact or absent
        self.ctr_floor = 0        # last acked or seen value of ctr:{t}
        self.ctr_sent = 0         # values 1..ctr_sent have been sent
        self.next_i = 0           # unique key counter (per writer, whole run)

    def add_live(self, k):
        self.live_ix[k] = len(self.live)
        self.live.append(k)

    def remove_live(self, k):
        i = self.live_ix.pop(k)
        last = self.live.pop()
        if i < len(self.live):
            self.live[i] = last
            self.live_ix[last] = i


class Writer(threading.Thread):
    def __init__(self, model, cycle, port, rng, killed, problems):
        super().__init__(name="writer-%d" % model.t, daemon=True)
        self.m, self.cycle, self.port, self.rng = model, cycle, port, rng
        self.killed, self.problems = killed, problems
        self.acked = {"set": 0, "ctr": 0, "del": 0}
        self.ctr_acked = 0
        self.stop = threading.Event()

    def problem(self, text):
        self.problems.append("writer %d: %s" % (self.m.t, text))

    def run(self):
        conn = None
        try:
            conn = Conn(self.port, WRITER_SOCKET_TIMEOUT_S)
            while not self.stop.is_set():
                self.batch(conn)
        except Disconnected as e:
            if not self.killed.is_set():
                self.problem("connection lost before the kill (%s)" % e)
        except Exception as e:  # a bug here must fail the test, not hang it
            self.problem("%s: %s" % (type(e).__name__, e))
        finally:
            if conn:
                conn.close()

    def batch(self, conn):
        m, rng = self.m, self.rng
        n = 1 if rng.random() < 0.4 else rng.randint(2, 16)
        p_del = 0.5 if len(m.live) > MAX_LIVE // WRITERS else 0.12
        cmds = []   # (kind, key, value-or-None)
        for _ in range(n):
            r = rng.random()
            if r < p_del and m.live:
                k = m.live[rng.randrange(len(m.live))]
                m.remove_live(k)
                m.maybe.add(k)
                cmds.append(("del", k, None))
            elif r < p_del + 0.2:
                m.ctr_sent += 1
                cmds.append(("ctr", "ctr:%d" % m.t, m.ctr_sent))
            else:
                k = "w%d:%d:%d" % (m.t, self.cycle, m.next_i)
                m.next_i += 1
                m.maybe.add(k)
                cmds.append(("set", k, None))
        out = []
        for kind, k, v in cmds:
            if kind == "set":
                out.append(encode("SET", k, value_for(k)))
            elif kind == "ctr":
                out.append(encode("SET", k, str(v)))
            else:
                out.append(encode("DEL", k))
        conn.send(b"".join(out))
        for kind, k, v in cmds:
            rep = conn.reply()   # Disconnected: this and the rest stay unacked
            if isinstance(rep, ServerError):
                self.problem("%s %s: error reply %r" % (kind.upper(), k, rep))
                self.stop.set()
                continue
            if kind == "del":
                if rep != 1:
                    self.problem("DEL %s (acked SET) replied %r, want 1" % (k, rep))
                m.maybe.discard(k)
                m.absent.add(k)
                m.absent_new.append(k)
                self.acked["del"] += 1
            elif rep != "OK":
                self.problem("SET %s replied %r, want OK" % (k, rep))
                self.stop.set()
            elif kind == "ctr":
                m.ctr_floor = max(m.ctr_floor, v)
                self.acked["ctr"] += 1
            else:
                m.maybe.discard(k)
                m.add_live(k)
                self.acked["set"] += 1


# ---------------------------------------------------------------------------
# The server


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pdeathsig():
    """Children die with us even if we are SIGKILLed (e.g. by a ctest timeout)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        prctl = libc.prctl

        def set_it():
            prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        return set_it
    except (OSError, AttributeError):
        return None


PDEATHSIG = _pdeathsig()


class Server:
    def __init__(self, binary, root, data_dir):
        self.binary, self.root, self.data_dir = binary, root, data_dir
        self.proc = None
        self.port = None
        self.starts = 0
        self.log_path = None
        self.lock = threading.Lock()

    def args(self, port):
        a = [self.binary, "--port", str(port), "--bind", "127.0.0.1",
             "--dir", self.data_dir, "--appendonly", "yes", "--appendfsync", "always"]
        if os.path.basename(self.binary) == "redis-server":
            a += ["--save", ""]
        return a + EXTRA_ARGS

    def start(self):
        """Start on a fresh port and wait for PONG. Returns None or an error."""
        for _attempt in range(3):
            self.starts += 1
            self.port = free_port()
            self.log_path = os.path.join(self.root, "server-%d.log" % self.starts)
            with open(self.log_path, "wb") as log, self.lock:
                self.proc = subprocess.Popen(
                    self.args(self.port), stdin=subprocess.DEVNULL, stdout=log,
                    stderr=subprocess.STDOUT, cwd=self.root, preexec_fn=PDEATHSIG)
            err = self.wait_ready()
            if err is None:
                return None
            self.kill()
            if "in use" not in self.log_tail(5):   # port race: try another one
                return err
        return err

    def wait_ready(self):
        deadline = time.monotonic() + START_TIMEOUT_S
        last = "no answer"
        while time.monotonic() < deadline:
            rc = self.proc.poll()
            if rc is not None:
                return "server exited with status %d while starting" % rc
            try:
                c = Conn(self.port, 1.0)
                try:
                    c.send(encode("PING"))
                    rep = c.reply()
                finally:
                    c.close()
                if rep == "PONG":
                    return None
                last = repr(rep)   # e.g. -LOADING
            except (Disconnected, ValueError) as e:
                last = str(e)
            time.sleep(0.02)
        return "no PONG within %.0f s (last: %s)" % (START_TIMEOUT_S, last)

    def kill(self):
        with self.lock:
            p = self.proc
            if p is None:
                return
            if p.poll() is None:
                try:
                    os.kill(p.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                pass
            self.proc = None

    def log_tail(self, n, path=None):
        try:
            with open(path or self.log_path, "rb") as f:
                lines = f.read().decode(errors="replace").splitlines()
            return "\n".join(lines[-n:])
        except OSError as e:
            return "(no log: %s)" % e


# ---------------------------------------------------------------------------
# Verification


def verify(port, models, rng):
    """Check every tracked key and counter; fold the findings into the models.
    Returns (keys checked, problems)."""
    problems = []
    checks = []   # (key, kind, model)
    for m in models:
        checks += [(k, "live", m) for k in m.live]
        checks += [(k, "maybe", m) for k in m.maybe]
        new = set(m.absent_new)
        checks += [(k, "absent", m) for k in new]
        old = [k for k in m.absent if k not in new]
        if len(old) > OLD_ABSENT_SAMPLE:
            old = rng.sample(old, OLD_ABSENT_SAMPLE)
        checks += [(k, "absent", m) for k in old]
        checks.append(("ctr:%d" % m.t, "ctr", m))

    conn = Conn(port, VERIFY_SOCKET_TIMEOUT_S)
    try:
        for start in range(0, len(checks), VERIFY_CHUNK):
            part = checks[start:start + VERIFY_CHUNK]
            conn.send(b"".join(encode("GET", k) for k, _, _ in part))
            for k, kind, m in part:
                got = conn.reply()
                if isinstance(got, ServerError):
                    problems.append("GET %s: error reply %r" % (k, got))
                    continue
                if kind == "ctr":
                    check_ctr(m, got, problems)
                    continue
                want = value_for(k)
                if kind == "live":
                    if got != want:
                        problems.append("%s: acked SET, found %s" % (k, describe(got, want)))
                        m.remove_live(k)   # reported once, not again next cycle
                elif kind == "absent":
                    if got is not None:
                        problems.append("%s: acked DEL, found %s" % (k, describe(got, want)))
                        m.absent.discard(k)
                else:  # maybe: unanswered SET or DEL
                    if got is None:
                        m.absent.add(k)
                    elif got == want:
                        m.add_live(k)
                    else:
                        problems.append("%s: unanswered write, found %s" % (k, describe(got, want)))
    finally:
        conn.close()
    for m in models:
        m.maybe.clear()
        m.absent_new.clear()
    return len(checks), problems


def check_ctr(m, got, problems):
    k = "ctr:%d" % m.t
    if got is None:
        if m.ctr_floor:
            problems.append("%s: absent, last acked/seen value %d" % (k, m.ctr_floor))
        m.ctr_floor = 0
        return
    try:
        v = int(got)
    except ValueError:
        v = None
    if v is None or not 1 <= v <= m.ctr_sent or str(v).encode() != got:
        problems.append("%s: found %r, never sent (sent 1..%d)" % (k, got[:40], m.ctr_sent))
        return
    if v < m.ctr_floor:
        problems.append("%s: found %d, last acked/seen value %d" % (k, v, m.ctr_floor))
    m.ctr_floor = v


def describe(got, want):
    if got is None:
        return "nothing"
    if got == want:
        return "the value"
    return "%d bytes %r (want %d bytes %r)" % (len(got), got[:24], len(want), want[:24])


# ---------------------------------------------------------------------------
# The run


class Failure:
    def __init__(self, cycle, problems, logs):
        self.cycle, self.problems, self.logs = cycle, problems, logs


def run_cycle(cycle, server, models, rng):
    """One kill cycle. Returns (problems, acked writes, summary line, fatal)."""
    t0 = time.monotonic()
    killed = threading.Event()
    problems = []
    writers = [Writer(m, cycle, server.port, random.Random(rng.random()), killed, problems)
               for m in models]
    for w in writers:
        w.start()
    time.sleep(rng.uniform(*KILL_DELAY_MS) / 1000.0)
    rc = server.proc.poll()
    if rc is not None:
        problems.append("server exited by itself (status %d) before the kill" % rc)
    killed.set()
    os.kill(server.proc.pid, signal.SIGKILL)
    server.kill()   # reaps it
    join_deadline = time.monotonic() + JOIN_TIMEOUT_S
    for w in writers:
        w.stop.set()
        w.join(max(0.0, join_deadline - time.monotonic()))
        if w.is_alive():
            problems.append("writer %d still running %.0f s after the kill"
                            % (w.m.t, JOIN_TIMEOUT_S))
    if any(w.is_alive() for w in writers):
        return problems, 0, "cycle %d: writers hung" % cycle, True
    acked = {k: sum(w.acked[k] for w in writers) for k in ("set", "ctr", "del")}
    total = sum(acked.values())

    err = server.start()
    if err:
        problems.append("restart after kill: %s" % err)
        return problems, total, "cycle %d: restart failed" % cycle, True
    try:
        checked, found = verify(server.port, models, rng)
    except (Disconnected, ValueError) as e:
        problems.append("verification connection: %s" % e)
        return problems, total, "cycle %d: verification failed" % cycle, True
    problems += found
    line = ("cycle %d/%d: acked %d writes (%d set, %d ctr, %d del), verified %d keys, "
            "%.2f s%s" % (cycle, CYCLES, total, acked["set"], acked["ctr"], acked["del"],
                          checked, time.monotonic() - t0,
                          "" if not problems else ", %d PROBLEMS" % len(problems)))
    return problems, total, line, False


def main():
    if len(sys.argv) != 2:
        print("usage: crash_test.py path/to/server-binary", file=sys.stderr)
        return 2
    binary = os.path.abspath(sys.argv[1])
    if not os.access(binary, os.X_OK):
        print("not an executable: %s" % binary, file=sys.stderr)
        return 2

    root = tempfile.mkdtemp(prefix="cairn-crash.")
    data_dir = os.path.join(root, "data")
    os.mkdir(data_dir)
    server = Server(binary, root, data_dir)
    timed_out = threading.Event()
    finished = threading.Event()

    def cleanup():
        server.kill()
        shutil.rmtree(root, ignore_errors=True)

    def watchdog():
        if finished.wait(TIMEOUT_S):
            return
        timed_out.set()
        print("crash test: overall timeout of %.0f s reached" % TIMEOUT_S, flush=True)
        server.kill()   # unblocks whatever is waiting on it
        if finished.wait(60):
            return
        print("crash test: still running 60 s later, giving up", flush=True)
        cleanup()
        os._exit(3)

    def on_signal(signum, _frame):
        raise SystemExit("crash test: got signal %d" % signum)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    threading.Thread(target=watchdog, name="watchdog", daemon=True).start()

    rng = random.Random(SEED)
    print("crash test: %s, %d cycles, %d writers, seed %d, dir %s"
          % (binary, CYCLES, WRITERS, SEED, root), flush=True)
    t_start = time.monotonic()
    passed, failures, total_acked = 0, [], 0
    try:
        err = server.start()
        if err:
            failures.append(Failure(0, ["first start: %s" % err],
                                    [(server.log_path, server.log_tail(LOG_TAIL))]))
            return report(passed, failures, time.monotonic() - t_start)
        models = [Model(t) for t in range(WRITERS)]
        for cycle in range(1, CYCLES + 1):
            if timed_out.is_set():
                failures.append(Failure(cycle, ["overall timeout of %.0f s" % TIMEOUT_S], []))
                break
            killed_log = server.log_path
            problems, acked, line, fatal = run_cycle(cycle, server, models, rng)
            if timed_out.is_set() and not problems:
                problems.append("overall timeout of %.0f s" % TIMEOUT_S)
                fatal = True
            print(line, flush=True)
            total_acked += acked
            if problems:
                logs = [(killed_log, server.log_tail(LOG_TAIL, killed_log))]
                if server.log_path != killed_log:
                    logs.append((server.log_path, server.log_tail(LOG_TAIL)))
                failures.append(Failure(cycle, problems, logs))
            else:
                passed += 1
            if fatal:
                break
        if not failures and total_acked == 0:
            failures.append(Failure(CYCLES, ["no write was acknowledged in the whole run"],
                                    [(server.log_path, server.log_tail(LOG_TAIL))]))
    finally:
        finished.set()
        cleanup()

    return report(passed, failures, time.monotonic() - t_start)


def report(passed, failures, elapsed):
    for f in failures[1:]:
        print("cycle %d: %d problems, first: %s" % (f.cycle, len(f.problems), f.problems[0]))
    if failures:
        f = failures[0]
        print("---- cycle %d: first %d of %d problems ----"
              % (f.cycle, min(MAX_SHOWN, len(f.problems)), len(f.problems)))
        for p in f.problems[:MAX_SHOWN]:
            print("  " + p)
        for path, tail in f.logs:
            print("---- last %d lines of %s ----" % (LOG_TAIL, os.path.basename(path)))
            print(tail)
    print("%d passed, %d failed (%.1f s)" % (passed, len(failures), elapsed), flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
