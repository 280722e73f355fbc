#!/usr/bin/python3
"""Append-only log, as a user sees it (issue 3).

    /usr/bin/python3 tests/integration/aof_test.py path/to/cairn-server [unittest args]

Standard library only; speaks raw RESP over sockets. Every test starts its own
servers on free ports with fresh temp dirs and cleans them up, also on failure
(when the server logs are printed). Interop tests use Debian's redis-server and
redis-check-aof (7.0.15) and are skipped when those are not installed.

What is checked:
  * writes survive SHUTDOWN and SIGKILL restarts (appendfsync always), over
    several dbs, with absolute expirations;
  * redis-check-aof accepts Cairn's directory before and after BGREWRITEAOF;
  * redis-server 7.0.15 loads Cairn's directory, Cairn loads redis-server's
    (RESP base), and refuses an RDB-preamble base with a clear message;
  * a torn tail of the last incr file is cut (and logged), or refused with
    --aof-load-truncated no; mid-file damage refuses the start, naming file
    and offset;
  * BGREWRITEAOF under concurrent writers and automatic rewrite lose nothing;
  * CONFIG SET appendfsync / appendonly at run time;
  * disk full (RLIMIT_FSIZE): -MISCONF for writes, reads work, writes resume.
"""

import hashlib
import os
import re
import resource
import shutil
import subprocess
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from cairn_testlib import (  # noqa: E402
    Conn, Disconnected, ServerError, ServerTestCase, aofdir, content_end, encode, incr_paths,
    log_batches, manifest, take_server_arg)

REDIS_CHECK_AOF = shutil.which("redis-check-aof")

DBS = (0, 1, 7, 15)


class Base(ServerTestCase):
    tmp_prefix = "cairn-aof-"
    start_timeout_s = 15.0
    socket_timeout_s = 10.0
    redis_defaults = (("--appendonly", "yes"), ("--save", ""))

    def cairn_refuses(self, d, *extra):
        """Start cairn on d, expect it to exit non-zero; return its output."""
        s = self.cairn(d, *extra, ready=False)
        rc = s.wait_exit(expected="expected it to refuse to start")
        out = s.log()
        self.assertNotEqual(rc, 0, "cairn should refuse to start, exited 0:\n" + out)
        return out

    def wait_rewrite_done(self, c, rewrites, timeout=15.0):
        deadline = time.monotonic() + timeout
        while True:
            i = c.info()
            if (i.get("aof_rewrite_in_progress") == "0"
                    and i.get("aof_rewrite_scheduled", "0") == "0"
                    and int(i.get("aof_rewrites", "0")) >= rewrites):
                return i
            if time.monotonic() > deadline:
                self.fail("rewrite not done after %ss: %r" % (timeout, i))
            time.sleep(0.05)


# ---------------------------------------------------------------------------
# Data sets


def value_for(key, size=None):
    h = hashlib.sha1(key.encode()).hexdigest()
    if size is None:
        size = 1 + int(h[:6], 16) % 300
    return (h * (size // 40 + 1))[:size].encode()


class Model:
    """What a client wrote and got acknowledged: db -> key -> value, and
    which keys must carry a TTL."""

    def __init__(self):
        self.data = {}
        self.ttl = set()  # (db, key)

    def set(self, db, k, v, ttl=False, keepttl=False):
        self.data.setdefault(db, {})[k] = v
        if keepttl:
            return
        if ttl:
            self.ttl.add((db, k))
        else:
            self.ttl.discard((db, k))

    def delete(self, db, k):
        self.data.setdefault(db, {}).pop(k, None)
        self.ttl.discard((db, k))

    def keys(self):
        for db in sorted(self.data):
            for k in self.data[db]:
                yield db, k


def populate(test, c, model, tag, dbs=DBS, n=30):
    """Varied writes over several dbs; every reply checked; model updated."""
    now_ms = int(time.time() * 1000)
    for db in dbs:
        test.assertEqual(c.cmd("SELECT", db), "OK")
        for i in range(n):
            k = "%s:%d:%d" % (tag, db, i)
            v = value_for(k)
            m = i % 6
            if m == 0:
                args, ttl = ("SET", k, v), False
            elif m == 1:
                args, ttl = ("SET", k, v, "EX", 1000 + i), True
            elif m == 2:
                args, ttl = ("SET", k, v, "PX", 2000000 + i), True
            elif m == 3:
                args, ttl = ("SET", k, v, "EXAT", now_ms // 1000 + 3000), True
            elif m == 4:
                args, ttl = ("SET", k, v, "PXAT", now_ms + 4000000), True
            else:
                args, ttl = ("SET", k, v, "NX"), False
            test.assertEqual(c.cmd(*args), "OK", args[:2])
            model.set(db, k, v, ttl)
        # binary-safe values and a large one
        kb = "%s:%d:bin" % (tag, db)
        vb = b"\x00\r\n*3\r\n$3\r\nSET\r\n\xff" * 5
        test.assertEqual(c.cmd("SET", kb, vb), "OK")
        model.set(db, kb, vb)
        kl = "%s:%d:large" % (tag, db)
        vl = value_for(kl, 200000)
        test.assertEqual(c.cmd("SET", kl, vl, "EX", 5000), "OK")
        model.set(db, kl, vl, ttl=True)
        # overwrites: KEEPTTL keeps the TTL, plain SET drops it, XX GET
        k = "%s:%d:1" % (tag, db)
        test.assertEqual(c.cmd("SET", k, b"kept", "KEEPTTL"), "OK")
        model.set(db, k, b"kept", keepttl=True)
        k = "%s:%d:2" % (tag, db)
        test.assertEqual(c.cmd("SET", k, b"plain"), "OK")
        model.set(db, k, b"plain")
        k = "%s:%d:3" % (tag, db)
        test.assertEqual(c.cmd("SET", k, b"xx", "XX", "GET"), model.data[db][k])
        model.set(db, k, b"xx")
        # no-ops that must stay no-ops
        test.assertIsNone(c.cmd("SET", "%s:%d:0" % (tag, db), b"nope", "NX"))
        test.assertIsNone(c.cmd("SET", "%s:%d:absent" % (tag, db), b"nope", "XX"))
        # deletes
        gone = ["%s:%d:%d" % (tag, db, i) for i in (4, 7, 8)]
        test.assertEqual(c.cmd("DEL", *gone), 3)
        for k in gone:
            model.delete(db, k)
    c.ok("SELECT", 0)


def snapshot(c, model):
    """(db, key) -> (value, pttl) as the server answers now."""
    out = {}
    by_db = {}
    for db, k in model.keys():
        by_db.setdefault(db, []).append(k)
    for db, keys in by_db.items():
        c.ok("SELECT", db)
        cmds = []
        for k in keys:
            cmds.append(("GET", k))
            cmds.append(("PTTL", k))
        r = c.pipeline(cmds)
        for i, k in enumerate(keys):
            out[(db, k)] = (r[2 * i], r[2 * i + 1])
    c.ok("SELECT", 0)
    return out


def check(test, c, model, before=None, all_dbs=range(16), absent=()):
    """The server holds exactly the model: values, TTL presence, per-db sizes,
    and (if `before` is given) PTTLs not larger than before the restart."""
    problems = []
    now = snapshot(c, model)
    for (db, k), (v, pttl) in now.items():
        want = model.data[db][k]
        if v != want:
            problems.append("db %d %s: value %r, want %r"
                            % (db, k, v[:60] if v is not None else None, want[:60]))
            continue
        if (db, k) in model.ttl:
            if not (isinstance(pttl, int) and pttl > 0):
                problems.append("db %d %s: PTTL %r, want > 0" % (db, k, pttl))
            elif before is not None and pttl > before[(db, k)][1]:
                problems.append("db %d %s: PTTL %d after restart > %d before (TTL not absolute)"
                                % (db, k, pttl, before[(db, k)][1]))
        elif pttl != -1:
            problems.append("db %d %s: PTTL %r, want -1" % (db, k, pttl))
    for db, k in absent:
        c.ok("SELECT", db)
        v = c.cmd("GET", k)
        if v is not None:
            problems.append("db %d %s: present (%r), want absent" % (db, k, v[:40]))
    for db in all_dbs:
        c.ok("SELECT", db)
        n = c.cmd("DBSIZE")
        want = len(model.data.get(db, {}))
        if n != want:
            problems.append("db %d: DBSIZE %r, want %d" % (db, n, want))
    c.ok("SELECT", 0)
    if problems:
        test.fail("%d problems:\n  %s" % (len(problems), "\n  ".join(problems[:30])))


# ---------------------------------------------------------------------------
# Files


def last_incr(d):
    return incr_paths(d)[-1]


# Only the fields the writer puts after the checksum (durable seq, seal
# time, history), with their syntax.
ANNOT = re.compile(
    rb"#cairn (\d+) (\d+) ([0-9a-fA-F]+)((?: \d+(?: t\d+)?(?: [pr]\d+\.\d+\.[0-9a-f]+)?)?)\r\n")


def batches(path):
    with open(path, "rb") as f:
        return log_batches(f.read(), path, ANNOT)


class Writer(threading.Thread):
    """Keeps SETting unique keys (pipelined), recording what was acknowledged."""

    def __init__(self, port, prefix, pipeline=8):
        super().__init__(daemon=True)
        self.port, self.prefix, self.pipe = port, prefix, pipeline
        self.acked = []
        self.errors = []
        self.stop = threading.Event()
        self.i = 0

    def run(self):
        try:
            c = Conn(self.port)
        except OSError as e:
            self.errors.append("connect: %s" % e)
            return
        try:
            while not self.stop.is_set():
                keys = ["%s:%d" % (self.prefix, self.i + j) for j in range(self.pipe)]
                self.i += self.pipe
                c.send(b"".join(encode("SET", k, value_for(k)) for k in keys))
                for k in keys:
                    r = c.reply()
                    if r == "OK":
                        self.acked.append(k)
                    else:
                        self.errors.append("SET %s: %r" % (k, r))
                        return
        except Disconnected:
            pass  # the server was killed: unanswered writes are unknown
        except Exception as e:
            self.errors.append("%s: %s" % (type(e).__name__, e))
        finally:
            c.close()


def check_keys_present(test, c, keys, what):
    missing = []
    for i in range(0, len(keys), 1000):
        chunk = keys[i:i + 1000]
        for k, v in zip(chunk, c.pipeline([("GET", k) for k in chunk])):
            if v != value_for(k):
                missing.append("%s -> %r" % (k, v if v is None else v[:30]))
    if missing:
        test.fail("%s: %d of %d acknowledged keys lost/wrong, e.g. %s"
                  % (what, len(missing), len(keys), missing[:10]))


# ---------------------------------------------------------------------------
# Tests


class Restart(Base):
    def test_clean_and_sigkill_restart(self):
        d = self.newdir("data")
        s = self.cairn(d)
        c = s.conn()
        model = Model()
        populate(self, c, model, "a")
        # FLUSHDB of one db, FLUSHALL is checked in the restart below
        c.ok("SELECT", 3)
        self.assertEqual(c.cmd("SET", "flushed", b"1"), "OK")
        self.assertEqual(c.cmd("FLUSHDB"), "OK")
        c.ok("SELECT", 0)
        check(self, c, model, absent=[(3, "flushed")])
        before = snapshot(c, model)
        # a key whose expiry passes while the server is down
        c.ok("SELECT", 7)
        self.assertEqual(c.cmd("SET", "short", b"x", "PX", 600), "OK")
        t_short = time.monotonic()
        c.close()
        s.shutdown()

        time.sleep(max(0.0, 0.7 - (time.monotonic() - t_short)))
        s = self.cairn(d)
        c = s.conn()
        check(self, c, model, before, absent=[(7, "short"), (3, "flushed")])

        # more writes, then SIGKILL: every acknowledged write is back
        populate(self, c, model, "b", dbs=(0, 2, 15), n=20)
        c.ok("SELECT", 2)
        self.assertEqual(c.cmd("DEL", "a:2:0", "b:2:0"), 1)
        model.delete(2, "b:2:0")
        c.ok("SELECT", 0)
        before = snapshot(c, model)
        s.kill()
        s = self.cairn(d)
        c = s.conn()
        check(self, c, model, before)

        # FLUSHALL is durable too
        self.assertEqual(c.cmd("FLUSHALL"), "OK")
        self.assertEqual(c.cmd("SET", "after-flushall", b"v"), "OK")
        s.kill()
        s = self.cairn(d)
        c = s.conn()
        empty = Model()
        empty.set(0, "after-flushall", b"v")
        check(self, c, empty)


class CheckAof(Base):
    def run_check(self, d, when):
        if not REDIS_CHECK_AOF:
            self.skipTest("redis-check-aof not installed")
        p = subprocess.run([REDIS_CHECK_AOF, os.path.join(aofdir(d), "appendonly.aof.manifest")],
                           stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=30)
        out = p.stdout.decode(errors="replace")
        self.assertEqual(p.returncode, 0, "redis-check-aof %s:\n%s" % (when, out))
        self.assertIn("All AOF files and manifest are valid", out, when)

    def test_redis_check_aof_accepts_cairn_dir(self):
        d = self.newdir("data")
        s = self.cairn(d)
        c = s.conn()
        model = Model()
        populate(self, c, model, "a", n=20)
        c.close()
        s.shutdown()
        self.run_check(d, "after first run")

        s = self.cairn(d)
        c = s.conn()
        self.assertIn("rewriting", c.ok("BGREWRITEAOF"))
        self.wait_rewrite_done(c, 1)
        populate(self, c, model, "b", n=20)
        c.close()
        s.shutdown()
        self.assertEqual([m[1:] for m in manifest(d) if m[2] == "b"], [(2, "b")])
        self.run_check(d, "after BGREWRITEAOF")

        # also what a SIGKILL leaves behind (appendfsync always: no torn tail)
        s = self.cairn(d)
        c = s.conn()
        populate(self, c, model, "c", dbs=(1,), n=10)
        s.kill()
        self.run_check(d, "after SIGKILL")


class RedisInterop(Base):
    def compare_in_redis(self, d, model, before, what):
        copy = os.path.join(self.tmp, "copy-" + what)
        shutil.copytree(d, copy)
        r = self.redis(copy)
        c = r.conn()
        try:
            check(self, c, model, before)
            # no keys beyond the model (redis has KEYS)
            for db in range(16):
                c.ok("SELECT", db)
                keys = sorted(k.decode() for k in c.ok("KEYS", "*"))
                self.assertEqual(keys, sorted(model.data.get(db, {})), "%s: db %d" % (what, db))
        finally:
            c.close()
            r.kill()

    def test_redis_loads_cairn_dir(self):
        d = self.newdir("data")
        s = self.cairn(d)
        c = s.conn()
        model = Model()
        populate(self, c, model, "a", n=20)
        before = snapshot(c, model)
        c.close()
        s.shutdown()
        self.compare_in_redis(d, model, before, "empty-base")

        s = self.cairn(d)
        c = s.conn()
        c.ok("BGREWRITEAOF")
        self.wait_rewrite_done(c, 1)
        populate(self, c, model, "b", dbs=(0, 5, 15), n=20)
        before = snapshot(c, model)
        c.close()
        s.shutdown()
        self.compare_in_redis(d, model, before, "after-rewrite")

    def test_round_trip_with_redis_appending(self):
        # Redis appends to the last incr file, after Cairn's preallocated
        # filler; Cairn then reads both and preallocates again after them.
        d = self.newdir("data")
        model = Model()
        s = self.cairn(d)
        c = s.conn()
        populate(self, c, model, "a", n=20)
        c.close()
        s.shutdown()
        path = last_incr(d)
        with open(path, "rb") as f:
            data = f.read()
        self.assertGreater(len(data), content_end(data), "Cairn should preallocate")

        r = self.redis(d)
        c = r.conn()
        check(self, c, model)
        populate(self, c, model, "b", dbs=(0, 7), n=20)
        c.close()
        r.shutdown()
        self.assertEqual(last_incr(d), path, "Redis should append to the same file")
        with open(path, "rb") as f:
            after = f.read()
        self.assertEqual(after[:len(data)], data, "Redis appends after the filler")

        # Cairn preallocates after Redis's records and stops without a write
        # of its own: the records are still records, not a torn tail.
        for _ in range(2):
            s = self.cairn(d)
            check(self, s.conn(), model)
            s.shutdown()
            self.assertNotIn("dropped", s.log().split("====")[-1])

        s = self.cairn(d)
        c = s.conn()
        check(self, c, model)
        populate(self, c, model, "c", dbs=(0, 3), n=20)
        before = snapshot(c, model)
        c.close()
        s.kill()
        s = self.cairn(d)
        check(self, s.conn(), model, before)
        s.shutdown()
        self.compare_in_redis(d, model, before, "round-trip")

    def redis_dataset(self, d, *extra):
        """Write a data set with redis-server 7.0.15 (base + incr), return
        (model, snapshot) read from redis before its SHUTDOWN."""
        r = self.redis(d, *extra)
        c = r.conn()
        model = Model()
        populate(self, c, model, "a", n=20)
        c.ok("BGREWRITEAOF")
        self.wait_rewrite_done(c, 1)
        populate(self, c, model, "b", dbs=(0, 3, 15), n=20)
        before = snapshot(c, model)
        for db in range(16):
            c.ok("SELECT", db)
            keys = sorted(k.decode() for k in c.ok("KEYS", "*"))
            self.assertEqual(keys, sorted(model.data.get(db, {})), "redis itself, db %d" % db)
        c.close()
        r.shutdown()
        return model, before

    def test_cairn_loads_redis_dir(self):
        d = self.newdir("data")
        model, before = self.redis_dataset(d, "--aof-use-rdb-preamble", "no")
        m = manifest(d)
        self.assertTrue(any(t == "b" and n.endswith(".base.aof") for n, _, t in m), m)
        self.assertTrue(any(t == "i" and os.path.getsize(os.path.join(aofdir(d), n)) > 0
                            for n, _, t in m), m)
        s = self.cairn(d)
        c = s.conn()
        check(self, c, model, before)
        # and Cairn keeps writing to it: survives a SIGKILL restart
        c.ok("SELECT", 3)
        self.assertEqual(c.cmd("SET", "from-cairn", b"1"), "OK")
        model.set(3, "from-cairn", b"1")
        s.kill()
        s = self.cairn(d)
        check(self, s.conn(), model, before)

    def test_cairn_loads_redis_dir_with_rdb_preamble(self):
        d = self.newdir("data")
        model, before = self.redis_dataset(d)  # default: aof-use-rdb-preamble yes
        bases = [n for n, _, t in manifest(d) if t == "b"]
        self.assertEqual(len(bases), 1)
        self.assertTrue(bases[0].endswith(".base.rdb"), bases)
        s = self.cairn(d)
        c = s.conn()
        check(self, c, model, before)
        # Cairn's own rewrite writes an RDB base too, which Redis loads back.
        self.assertTrue(c.cmd("BGREWRITEAOF").startswith("Background append only file"))
        deadline = time.time() + 10
        while time.time() < deadline:
            info = c.cmd("INFO", "persistence")
            if isinstance(info, bytes):
                info = info.decode()
            if "aof_rewrite_in_progress:0" in info and "aof_rewrites:1" in info:
                break
            time.sleep(0.05)
        s.shutdown()
        bases = [n for n, _, t in manifest(d) if t == "b"]
        self.assertTrue(bases[0].endswith(".base.rdb"), bases)
        s = self.cairn(d)
        check(self, s.conn(), model, before)


class Damage(Base):
    def written_dir(self):
        """A dir with several batches in its incr file; returns (dir, model)."""
        d = self.newdir("data")
        s = self.cairn(d)
        c = s.conn()
        model = Model()
        for i in range(12):  # one acknowledged write at a time: one batch each
            db = i % 3
            c.ok("SELECT", db)
            k = "k%d" % i
            self.assertEqual(c.cmd("SET", k, value_for(k)), "OK")
            model.set(db, k, value_for(k))
        c.close()
        s.shutdown()
        return d, model

    def test_torn_tail_is_cut(self):
        for variant in ("half-batch", "annotation-only"):
            with self.subTest(variant=variant):
                self.torn_tail(variant)

    def test_torn_tail_zero_filled(self):
        # What a crash can leave when the file size reached the disk before
        # the data (or a preallocated segment): the last batch is followed by
        # zeros. That is a bad last batch, i.e. a torn tail.
        self.torn_tail("zeros")

    def torn_tail(self, variant):
        d, model = self.written_dir()
        path = last_incr(d)
        with open(path, "rb") as f:
            data = f.read()
        b = batches(path)
        end = b[-1][1] + b[-1][2]
        self.assertGreaterEqual(len(b), 10, "expected one batch per write")
        self.assertEqual(content_end(data), end)
        self.assertGreater(len(data), end, "the segment should be preallocated")
        if variant == "half-batch":
            last = data[b[-1][0]:end]
            tail = last[:len(last) // 2]
            self.assertGreater(len(tail), b[-1][1] - b[-1][0],
                               "tail should cut the body, not the annotation")
        elif variant == "annotation-only":
            tail = b"#cairn 99 1000 00"
        else:
            tail = b"\0" * 4096
        # A crash leaves the torn batch where it was written: over the filler
        # after the last whole batch.
        damaged = data[:end] + tail + data[end + len(tail):]
        with open(path, "wb") as f:
            f.write(damaged)
        cut = content_end(damaged) - end

        # --aof-load-truncated no: refused, the file left alone
        out = self.cairn_refuses(d, "--aof-load-truncated", "no")
        self.assertIn(os.path.basename(path), out)
        self.assertTrue("aof-load-truncated" in out or "cairn-check" in out,
                        "message should point to aof-load-truncated / cairn-check:\n"
                        + out)
        with open(path, "rb") as f:
            self.assertEqual(f.read(), damaged, "a refused start must not touch the file")

        # default: cut back to the last whole batch, logged
        s = self.cairn(d)
        c = s.conn()
        check(self, c, model)
        with open(path, "rb") as f:
            now = f.read()
        self.assertEqual(now[:end], data[:end])
        # (after the cut, the writer may open with an empty batch: wal/log_writer.cc)
        rest = re.sub(rb"^#cairn \d+ 0 [0-9a-f]{16}(?: \d+(?: t\d+)?)?\r\n", b"", now[end:])
        self.assertLessEqual(set(rest), set(b"#\n"), "torn tail not cut")
        self.assertRegex(s.log(), r"dropped %d bytes" % cut)
        # the log goes on from there
        self.assertEqual(c.cmd("SET", "after", b"1"), "OK")
        model.set(0, "after", b"1")
        c.close()
        s.kill()
        s = self.cairn(d)
        check(self, s.conn(), model)
        s.kill()
        self.assertNotIn("dropped", s.log().split("====")[-1])

    def test_mid_file_damage_refuses_start(self):
        for where in ("body", "annotation", "first-batch"):
            with self.subTest(where=where):
                d, _ = self.written_dir()
                path = last_incr(d)
                b = batches(path)
                if where == "body":
                    start, body, n = b[3][:3]
                    flip = body + n // 2
                elif where == "annotation":
                    start, body, n = b[4][:3]
                    flip = body - 4  # a checksum hex digit
                else:
                    start, body, n = b[0][:3]
                    flip = body + n - 3
                with open(path, "r+b") as f:
                    f.seek(flip)
                    ch = f.read(1)
                    new = b"0" if ch != b"0" else b"1"
                    f.seek(flip)
                    f.write(new)
                with open(path, "rb") as f:
                    damaged = f.read()
                out = self.cairn_refuses(d)
                self.assertIn(os.path.basename(path), out, "message should name the file")
                offsets = [int(x) for x in re.findall(r"offset (\d+)", out)]
                self.assertTrue(any(start <= o <= flip for o in offsets),
                                "message should name an offset in [%d, %d]; got %r:\n%s"
                                % (start, flip, offsets, out))
                with open(path, "rb") as f:
                    self.assertEqual(f.read(), damaged, "a refused start must not touch the file")
                # --aof-load-truncated yes (default) does not excuse mid-file damage,
                # neither does --aof-load-truncated explicitly yes
                self.cairn_refuses(d, "--aof-load-truncated", "yes")


class Rewrite(Base):
    def test_bgrewriteaof_under_writers(self):
        d = self.newdir("data")
        s = self.cairn(d)
        c = s.conn()
        # some volume so the rewrite is not instant
        keys = ["pre:%d" % i for i in range(20000)]
        for i in range(0, len(keys), 500):
            r = c.pipeline([("SET", k, value_for(k)) for k in keys[i:i + 500]])
            self.assertEqual(set(r), {"OK"})
        writers = [Writer(s.port, "w%d" % t) for t in range(3)]
        self.threads.extend(writers)
        for w in writers:
            w.start()
        time.sleep(0.2)
        self.assertIn("rewriting", c.ok("BGREWRITEAOF"))
        self.wait_rewrite_done(c, 1)
        n_at_switch = sum(len(w.acked) for w in writers)
        time.sleep(0.3)  # writes keep flowing into the new incr file
        s.kill()
        for w in writers:
            w.join(10)
            self.assertFalse(w.is_alive())
            self.assertEqual(w.errors, [])
        acked = [k for w in writers for k in w.acked]
        self.assertGreater(len(acked), n_at_switch, "no writes after the rewrite")

        m = manifest(d)
        self.assertEqual([seq for _, seq, t in m if t == "b"], [2], m)
        listed = {n for n, _, _ in m}
        on_disk = set(os.listdir(aofdir(d))) - {"appendonly.aof.manifest"}
        self.assertEqual(on_disk, listed, "files left besides those in the manifest")
        self.assertNotIn("appendonly.aof.1.base.aof", on_disk)
        # The segment the rewrite replaced stays as history for replicas
        # (repl-log-retention, 1gb by default); no replay reads it.
        self.assertIn(("appendonly.aof.1.incr.aof", 1, "h"), m)

        s = self.cairn(d)
        c = s.conn()
        check_keys_present(self, c, keys, "before the rewrite")
        check_keys_present(self, c, acked, "during/after the rewrite")

    def test_automatic_rewrite(self):
        d = self.newdir("data")
        s = self.cairn(d, "--auto-aof-rewrite-percentage", "100",
                       "--auto-aof-rewrite-min-size", "1mb")
        c = s.conn()
        keys = ["auto:%d" % i for i in range(3000)]
        for i in range(0, len(keys), 100):
            r = c.pipeline([("SET", k, value_for(k, 1000)) for k in keys[i:i + 100]])
            self.assertEqual(set(r), {"OK"})
        deadline = time.monotonic() + 8
        while int(c.info().get("aof_rewrites", "0")) < 1:
            self.assertLess(time.monotonic(), deadline,
                            "no automatic rewrite after ~3 MB: %r" % c.info())
            time.sleep(0.1)
        self.wait_rewrite_done(c, 1)
        c.ok("SET", "last", b"x")
        s.kill()
        s = self.cairn(d)
        c = s.conn()
        bad = [k for k, v in zip(keys, c.pipeline([("GET", k) for k in keys]))
               if v != value_for(k, 1000)]
        self.assertEqual(bad[:10], [])
        self.assertEqual(c.cmd("GET", "last"), b"x")
        self.assertEqual(c.cmd("DBSIZE"), len(keys) + 1)


class ConfigSet(Base):
    def test_runtime_config(self):
        d = self.newdir("data")
        s = self.cairn(d)
        c = s.conn()
        model = Model()
        n = 0
        for policy in ("everysec", "no", "always"):
            self.assertEqual(c.cmd("CONFIG", "SET", "appendfsync", policy), "OK")
            self.assertEqual(c.cmd("CONFIG", "GET", "appendfsync"),
                             [b"appendfsync", policy.encode()])
            for _ in range(50):
                k = "p:%d" % n
                n += 1
                self.assertEqual(c.cmd("SET", k, value_for(k)), "OK")
                model.set(0, k, value_for(k))
        self.assertEqual(c.cmd("CONFIG", "SET", "appendfsync", "sometimes")[:3], "ERR")

        self.assertEqual(c.cmd("CONFIG", "SET", "appendonly", "no"), "OK")
        self.assertEqual(c.cmd("CONFIG", "GET", "appendonly"), [b"appendonly", b"no"])
        deadline = time.monotonic() + 2
        while c.info().get("aof_enabled") != "0":
            self.assertLess(time.monotonic(), deadline, "INFO aof_enabled stays 1")
            time.sleep(0.02)
        c.ok("SELECT", 4)
        for i in range(100):
            k = "off:%d" % i
            args = ("SET", k, value_for(k)) + (("EX", 1000) if i % 2 else ())
            self.assertEqual(c.cmd(*args), "OK")
            model.set(4, k, value_for(k), ttl=bool(i % 2))
        self.assertEqual(c.cmd("DEL", "off:0"), 1)
        model.delete(4, "off:0")
        c.ok("SELECT", 0)
        self.assertEqual(c.cmd("CONFIG", "SET", "appendonly", "yes"), "OK")
        self.assertEqual(c.cmd("CONFIG", "GET", "appendonly"), [b"appendonly", b"yes"])
        deadline = time.monotonic() + 15
        while True:
            i = c.info()
            if i.get("aof_enabled") == "1" and i.get("aof_rewrite_in_progress") == "0" \
                    and i.get("aof_rewrite_scheduled", "0") == "0":
                break
            self.assertLess(time.monotonic(), deadline, "log not back on: %r" % i)
            time.sleep(0.05)
        self.assertEqual(c.cmd("SET", "on-again", b"1"), "OK")
        model.set(0, "on-again", b"1")
        before = snapshot(c, model)
        s.kill()
        listed = {n for n, _, _ in manifest(d)}
        on_disk = set(os.listdir(aofdir(d))) - {"appendonly.aof.manifest"}
        s = self.cairn(d, "--appendonly", "yes")
        check(self, s.conn(), model, before)
        self.assertEqual(on_disk - listed, set(),
                         "old log files left behind after appendonly was switched on")


class DiskFull(Base):
    LIMIT = 262144

    def test_disk_full_misconf_and_resume(self):
        d = self.newdir("data")
        limit = self.LIMIT
        s = self.cairn(d, preexec=lambda: resource.setrlimit(
            resource.RLIMIT_FSIZE, (limit, resource.RLIM_INFINITY)))
        acked, refused, unknown = [], [], []
        pending = []  # connections whose write is in flight (no reply yet)
        c = s.conn(timeout=2)
        misconf = None
        for i in range(2000):  # 2000 KiB: far beyond the limit
            k = "df:%d" % i
            try:
                r = c.cmd("SET", k, value_for(k, 1024))
            except Disconnected as e:
                self.assertEqual(s.proc.poll(), None, "server died: %s" % e)
                unknown.append(k)
                pending.append((c, k))
                c = s.conn(timeout=2)
                continue
            if r == "OK":
                acked.append(k)
                continue
            self.assertIsInstance(r, ServerError)
            self.assertTrue(r.startswith("MISCONF Errors writing to the AOF file:"), r)
            misconf = r
            refused.append(k)
            break
        self.assertIsNotNone(misconf, "no MISCONF after writing 2 MB under a 256 KiB limit")
        self.assertGreater(len(acked), 50)
        # while the disk is full: reads work, writes are refused, INFO says so
        r = c.cmd("SET", "df:refused2", b"x")
        self.assertIsInstance(r, ServerError)
        self.assertTrue(r.startswith("MISCONF"), r)
        refused.append("df:refused2")
        self.assertEqual(c.cmd("GET", acked[0]), value_for(acked[0], 1024))
        self.assertEqual(c.cmd("GET", acked[-1]), value_for(acked[-1], 1024))
        self.assertEqual(c.cmd("EXISTS", acked[-1]), 1)
        for k in refused:
            self.assertIsNone(c.cmd("GET", k), "refused write %s was applied" % k)
        self.assertEqual(c.info().get("aof_last_write_status"), "err")

        # space again: writes resume within a couple of seconds
        resource.prlimit(s.pid, resource.RLIMIT_FSIZE,
                         (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
        deadline = time.monotonic() + 3
        n = 0
        while True:
            k = "resume:%d" % n
            n += 1
            try:
                r = c.cmd("SET", k, value_for(k, 1024))
            except Disconnected:
                unknown.append(k)
                c = s.conn(timeout=2)
                r = None
            if r == "OK":
                acked.append(k)
                break
            if isinstance(r, ServerError):
                self.assertTrue(r.startswith("MISCONF"), r)
            self.assertLess(time.monotonic(), deadline, "writes did not resume: %r" % r)
            time.sleep(0.1)
        self.assertEqual(c.info().get("aof_last_write_status"), "ok")
        # the writes that were in flight get their answer now
        for pc, k in pending:
            pc.settimeout(5)
            try:
                r = pc.reply()
            except Disconnected as e:
                self.fail("in-flight SET %s got no reply after the disk recovered: %s" % (k, e))
            self.assertEqual(r, "OK", "in-flight SET %s" % k)
            acked.append(k)
        for i in range(20):
            k = "more:%d" % i
            self.assertEqual(c.cmd("SET", k, value_for(k, 1024)), "OK")
            acked.append(k)
        s.kill()
        s = self.cairn(d)
        c = s.conn()
        bad = [k for k in acked if c.cmd("GET", k) != value_for(k, 1024)]
        self.assertEqual(bad, [], "acknowledged writes lost")
        for k in refused:
            self.assertIsNone(c.cmd("GET", k), "refused write %s present after restart" % k)


if __name__ == "__main__":
    Base.cairn_binary = take_server_arg("aof_test.py")
    unittest.main(verbosity=2)
