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

import hashlib
import os
import random
import shutil
import signal
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import cairn_testlib as testlib  # noqa: E402
from cairn_testlib import Conn, Disconnected, ServerError, encode  # noqa: E402

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


class Server:
    """The server under test, restarted on the same data dir after each kill
    (on a fresh port, with a fresh log file)."""

    def __init__(self, binary, root, data_dir):
        self.binary, self.root, self.data_dir = binary, root, data_dir
        self.current = None   # testlib.Server of the running server
        self.port = None
        self.starts = 0
        self.log_path = None
        self.lock = threading.Lock()

    @property
    def proc(self):
        return self.current.proc if self.current else None

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
            self.port = testlib.free_port()
            self.log_path = os.path.join(self.root, "server-%d.log" % self.starts)
            with self.lock:
                self.current = s = testlib.Server(self.args(self.port), self.log_path,
                                                  cwd=self.root, start_timeout_s=START_TIMEOUT_S)
            try:
                s.wait_ready()
                return None
            except testlib.NotReady as e:
                err = e.reason
            self.kill()
            if "in use" not in s.log_tail(5):   # port race: try another one
                return err
        return err

    def kill(self):
        with self.lock:
            if self.current is not None:
                self.current.kill(timeout=30)
                self.current = None

    def log_excerpt(self, path=None):
        """The last LOG_TAIL lines of this start's log (or of path), to print."""
        return testlib.log_excerpt(path or self.log_path, LOG_TAIL,
                                   os.path.basename(self.binary))

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
                                    [server.log_excerpt()]))
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
                logs = [server.log_excerpt(killed_log)]
                if server.log_path != killed_log:
                    logs.append(server.log_excerpt())
                failures.append(Failure(cycle, problems, logs))
            else:
                passed += 1
            if fatal:
                break
        if not failures and total_acked == 0:
            failures.append(Failure(CYCLES, ["no write was acknowledged in the whole run"],
                                    [server.log_excerpt()]))
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
        for excerpt in f.logs:
            print(excerpt, end="")
    print("%d passed, %d failed (%.1f s)" % (passed, len(failures), elapsed), flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
