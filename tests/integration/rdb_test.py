#!/usr/bin/python3
"""RDB snapshots, as a user sees them (issue 4).

    /usr/bin/python3 tests/integration/rdb_test.py path/to/cairn-server [unittest args]

Standard library only; speaks raw RESP over sockets. Every test starts its own
servers on free ports with fresh temp dirs and cleans them up, also on failure
(when the server logs are printed). Interop tests use Debian's redis-server
and redis-check-rdb (7.0.15) and are skipped when those are not installed.

What is checked:
  a. a dataset written through Cairn (several dbs, empty and binary values,
     integers at every encoding boundary, LZF-compressible and random strings,
     1 MB values, TTLs) is SAVEd; redis-check-rdb accepts the file and
     redis-server loads identical content (type, value, absolute expiry);
     also with rdbcompression no and rdbchecksum no;
  b. the reverse: a redis-server dump.rdb (also uncompressed, and without a
     checksum) loads into Cairn with identical content;
  c. DUMP payloads are byte-identical to Redis's and RESTORE both ways; the
     RESTORE options and error replies match Redis's byte for byte;
  d. truncated and byte-flipped files are refused cleanly (non-zero exit, the
     file named, no crash, nothing served); an RDB holding a stream is
     refused naming the type;
  e. BGSAVE under continuous writes is the dataset at the moment BGSAVE
     replied: nothing before missing, nothing after included;
  f. save points, SHUTDOWN [SAVE|NOSAVE] and SIGTERM;
  g. SIGKILL during BGSAVE never leaves a half file under the real name;
  h. stop-writes-on-bgsave-error: -MISCONF as in Redis after a failed BGSAVE;
  i. collections (Cairn has no collection commands yet, so through DUMP,
     RESTORE, SAVE and DEBUG RELOAD): redis-server builds lists, sets, sorted
     sets and hashes in every encoding; its dump.rdb loads into Cairn, and
     Cairn's DUMP of each key, RESTOREd into a fresh redis-server, equals the
     original (content, OBJECT ENCODING, and the DUMP bytes themselves where
     the encoding is deterministic); the reverse: Redis's DUMPs RESTOREd into
     Cairn, saved (and reloaded) there, and Cairn's dump.rdb passes
     redis-check-rdb and loads into redis-server with the same content; and
     a file of every encoding Redis < 7 wrote (ziplist, zipmap, intset,
     quicklist v1, zset with string scores) loads into Cairn as into Redis.
"""

import concurrent.futures
import hashlib
import os
import random
import resource
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from cairn_testlib import (  # noqa: E402
    REDIS_SERVER, Conn, Disconnected, ServerError, ServerTestCase, become_subreaper,
    child_setup, free_port, killpg, take_server_arg)

REDIS_CHECK_RDB = shutil.which("redis-check-rdb")

START_TIMEOUT_S = 20.0
VERBOSE = bool(os.environ.get("RDB_TEST_VERBOSE"))


def note(fmt, *args):
    """Progress detail, printed with RDB_TEST_VERBOSE=1."""
    if VERBOSE:
        sys.stderr.write("  [" + (fmt % args) + "]\n")


# ---------------------------------------------------------------------------
# CRC-64 (Jones, reflected; Redis's crc64) for hand-made DUMP payloads

_CRC_TABLE = []
for _i in range(256):
    _c = _i
    for _ in range(8):
        _c = (_c >> 1) ^ 0x95AC9329AC4BC9B5 if _c & 1 else _c >> 1
    _CRC_TABLE.append(_c)


def crc64(data, crc=0):
    t = _CRC_TABLE
    for b in data:
        crc = t[(crc ^ b) & 0xff] ^ (crc >> 8)
    return crc


def make_payload(body, version=10):
    """A DUMP payload: body, RDB version (2 bytes LE), CRC-64 (8 bytes LE)."""
    b = body + struct.pack("<H", version)
    return b + struct.pack("<Q", crc64(b))


# ---------------------------------------------------------------------------
# Test base


class Base(ServerTestCase):
    tmp_prefix = "cairn-rdb-"
    start_timeout_s = START_TIMEOUT_S
    socket_timeout_s = 20.0
    kill_group = True  # kill() takes the BGSAVE child too, and reports it gone
    cairn_defaults = redis_defaults = (("--appendonly", "no"), ("--save", ""))

    def setUp(self):
        if not REDIS_SERVER or not REDIS_CHECK_RDB:
            self.skipTest("redis-server / redis-check-rdb not installed")
        super().setUp()

    def copy_rdb(self, path, name):
        d = self.newdir(name)
        shutil.copyfile(path, os.path.join(d, "dump.rdb"))
        return d

    def check_rdb(self, path):
        p = subprocess.run([REDIS_CHECK_RDB, path], capture_output=True, timeout=60)
        out = (p.stdout + p.stderr).decode(errors="replace")
        self.assertEqual(p.returncode, 0, "redis-check-rdb refused %s:\n%s" % (path, out))
        self.assertIn("RDB looks OK", out, out)
        return out

    def assertSameData(self, got, want, what):
        bad = diff(got, want)
        self.assertEqual(bad, [], "%s: %d differences (got vs want), first ones:\n  %s"
                         % (what, len(bad), "\n  ".join(bad[:15])))

    def wait_bgsave_done(self, c, timeout=30.0):
        deadline = time.monotonic() + timeout
        while True:
            i = c.info()
            if i.get("rdb_bgsave_in_progress") == "0":
                return i
            self.assertLess(time.monotonic(), deadline, "BGSAVE still running: %r" % i)
            time.sleep(0.02)


# ---------------------------------------------------------------------------
# Data sets

# Every boundary of Redis's integer string encodings, and strings that look
# like integers but must stay strings.
INT_STRINGS = [
    "0", "1", "-1", "127", "128", "-128", "-129", "255", "256", "32767", "32768",
    "-32768", "-32769", "65535", "65536", "2147483647", "2147483648", "-2147483648",
    "-2147483649", "4294967295", "4294967296", "9223372036854775807",
    "-9223372036854775808", "9223372036854775808", "-9223372036854775809",
    "12345678901", "-1234567890", "99999999999", "007", "+1", "1.0", " 1", "1 ",
    "-0", "00", "0x10", "1e3",
]


def variety():
    """(key, value) pairs covering every string shape the codec knows."""
    rnd = random.Random(20261125)
    items = [(b"int:" + s.encode(), s.encode()) for s in INT_STRINGS]
    # integer-looking key names are int-encoded too
    for s in ("0", "-1", "128", "2147483648", "007", "-9223372036854775808"):
        items.append((s.encode(), b"key " + s.encode()))
    items += [
        (b"empty", b""),
        (b"", b"value of the empty key"),
        (b"bin", b"\x00\r\n\x00\xff\r\n*1\r\n$3\r\n\x00"),
        (b"bin\x00key\r\n\xff", b"\x00"),
        (b"crlf", b"\r\n"),
        (b"nul", b"\x00"),
        (b"utf8", "h\u00e9llo w\u00f6rld \u2603".encode()),
    ]
    # length-encoding (6/14/32 bit) and LZF (> 20 bytes) boundaries
    for n in (1, 4, 5, 11, 12, 20, 21, 22, 63, 64, 65, 100, 16383, 16384, 16385, 70000):
        items.append((b"rep:%d" % n, (b"abc" * n)[:n]))
        items.append((b"rnd:%d" % n, rnd.randbytes(n)))
    items.append((b"lzf:text", b"The quick brown fox jumps over the lazy dog. " * 500))
    items.append((b"lzf:mixed", b"".join(rnd.randbytes(8) + b"\x00" * 56 for _ in range(300))))
    items.append((b"big:1mb:pattern", b"0123456789abcdef" * 65536))
    items.append((b"big:1mb:random", rnd.randbytes(1 << 20)))
    return items


def ttl_specs(now_ms):
    """SET expiry options; (args, exact absolute ms or None, relative ms)."""
    return [
        (("EX", "100000"), None, 100000 * 1000),
        (("PX", "2500000000"), None, 2500000000),
        (("EXAT", str(now_ms // 1000 + 86400 * 365)), (now_ms // 1000 + 86400 * 365) * 1000, 0),
        (("PXAT", "32503680000123"), 32503680000123, 0),          # year 3000
        (("PXAT", "9000000000000000"), 9000000000000000, 0),      # huge
        (("PXAT", "9223372036854775807"), 9223372036854775807, 0),  # the largest
    ]


def write_dataset(test, c):
    """Writes a varied dataset over dbs 0, 1, 5, 15 through `c`; returns the
    model {(db, key): (value, lo, hi)}: the PEXPIRETIME expected lies in
    [lo, hi] (-1, -1 for no expiry)."""
    items = variety()
    now = int(time.time() * 1000)
    specs = ttl_specs(now)
    plan = []  # (db, key, value, spec or None)
    for i, (k, v) in enumerate(items):
        plan.append((0, k, v, specs[i % len(specs)] if i % 4 == 1 else None))
    for i, (k, v) in enumerate(items[::3]):
        if len(v) < 100000:
            plan.append((1, k, v, specs[i % len(specs)] if i % 2 == 0 else None))
    for i, (k, v) in enumerate(items[:len(INT_STRINGS)]):
        plan.append((5, k, v, None))
    for i in range(20):
        k = b"db15:%d" % i
        plan.append((15, k, hashlib.sha1(k).hexdigest().encode() * (1 + i), specs[i % len(specs)]))
    model = {}
    for db in (0, 1, 5, 15):
        rows = [p for p in plan if p[0] == db]
        cmds = [("SELECT", db)]
        for _, k, v, spec in rows:
            cmds.append(("SET", k, v) + (spec[0] if spec else ()))
        t0 = int(time.time() * 1000)
        replies = c.pipeline(cmds)
        t1 = int(time.time() * 1000) + 1
        test.assertEqual(replies, ["OK"] * len(cmds), "writing db %d" % db)
        for _, k, v, spec in rows:
            if spec is None:
                model[(db, k)] = (v, -1, -1)
            elif spec[1] is not None:
                model[(db, k)] = (v, spec[1], spec[1])
            else:
                model[(db, k)] = (v, t0 + spec[2], t1 + spec[2])
    return model


def redis_keys(c, dbs=range(16)):
    """Every (db, key) of a redis-server (Cairn has no KEYS/SCAN yet)."""
    out = set()
    for db in dbs:
        c.ok("SELECT", db)
        out.update((db, k) for k in c.ok("KEYS", "*"))
    c.ok("SELECT", 0)
    return out


def snapshot(c, keys, with_type=True):
    """{(db, key): (type, value, pexpiretime)} for those of `keys` the server
    holds; a db holding more keys than that shows as an extra entry
    (db, b'<N keys beyond the expected ones>'). Where TYPE is missing (Cairn
    holds only strings so far) a key GET finds is a string."""
    out = {}
    if with_type and isinstance(c.cmd("TYPE", "probe"), ServerError):
        with_type = False
    bydb = {}
    for db, k in keys:
        bydb.setdefault(db, []).append(k)
    for db in range(16):
        if c.cmd("SELECT", db) != "OK":
            break
        ks = bydb.get(db, [])
        if ks:
            values = c.pipeline([("GET", k) for k in ks])
            kinds = (c.pipeline([("TYPE", k) for k in ks]) if with_type
                     else ["none" if v is None else "string" for v in values])
            pexp = c.pipeline([("PEXPIRETIME", k) for k in ks])
            for k, t, v, e in zip(ks, kinds, values, pexp):
                if t != "none":
                    out[(db, k)] = (t, v, e)
        found = sum(1 for k in ks if (db, k) in out)
        size = c.cmd("DBSIZE")
        if size != found:
            out[(db, b"<%d keys beyond the expected ones>" % (size - found))] = ()
    c.ok("SELECT", 0)
    return out


def _short(x):
    if isinstance(x, bytes) and len(x) > 40:
        return "%r...(%d bytes, sha1 %s)" % (x[:24], len(x), hashlib.sha1(x).hexdigest()[:10])
    if isinstance(x, tuple):
        return "(" + ", ".join(_short(e) for e in x) + ")"
    return repr(x)


def diff(got, want):
    out = []
    for k in sorted(set(got) | set(want)):
        a, b = got.get(k, "<missing>"), want.get(k, "<missing>")
        if a != b:
            out.append("%s: got %s, want %s" % (_short(k), _short(a), _short(b)))
    return out


def check_against_model(test, view, model, what):
    bad = []
    for key in sorted(set(view) | set(model)):
        if key not in model:
            bad.append("%s: unexpected key" % _short(key))
            continue
        if key not in view:
            bad.append("%s: missing" % _short(key))
            continue
        t, v, e = view[key]
        mv, lo, hi = model[key]
        if t != "string" or v != mv or not lo <= e <= hi:
            bad.append("%s: got %s, want value %s expiry in [%d, %d]"
                       % (_short(key), _short(view[key]), _short(mv), lo, hi))
    test.assertEqual(bad, [], "%s: %d differences from what was written:\n  %s"
                     % (what, len(bad), "\n  ".join(bad[:15])))


# ---------------------------------------------------------------------------
# a. Cairn -> Redis


class CairnToRedis(Base):
    def test_cairn_dump_loads_in_redis(self):
        sizes = {}
        for variant in ((), ("--rdbcompression", "no"), ("--rdbchecksum", "no")):
            what = "cairn %s" % (" ".join(variant) or "defaults")
            d = self.newdir("cairn")
            s = self.cairn(d, *variant)
            c = s.conn()
            model = write_dataset(self, c)
            before = c.ok("LASTSAVE")
            self.assertEqual(c.cmd("SAVE"), "OK", what)
            self.assertGreaterEqual(c.ok("LASTSAVE"), before)
            info = c.info()
            self.assertEqual(info.get("rdb_changes_since_last_save"), "0", info)
            self.assertEqual(info.get("rdb_last_bgsave_status"), "ok", info)
            self.assertGreaterEqual(int(info.get("rdb_saves", "0")), 1, info)
            path = os.path.join(d, "dump.rdb")
            self.assertTrue(os.path.exists(path), "SAVE wrote no %s" % path)
            out = self.check_rdb(path)
            with open(path, "rb") as f:
                data = f.read()
            sizes[variant] = len(data)
            self.assertEqual(data[:9], b"REDIS0010", "%s: header" % what)
            if variant == ("--rdbchecksum", "no"):
                self.assertEqual(data[-8:], b"\0" * 8, "%s: checksum trailer" % what)
                self.assertIn("checksum disabled", out)
            else:
                self.assertNotEqual(data[-8:], b"\0" * 8, "%s: checksum trailer" % what)
                self.assertIn("Checksum OK", out)
            mine = snapshot(c, model)
            check_against_model(self, mine, model, what)

            self.assertEqual(info.get("rdb_last_save_time"), str(c.ok("LASTSAVE")), info)
            r = self.redis(self.copy_rdb(path, "redis"))
            rc = r.conn()
            rinfo = rc.info()
            self.assertEqual(sorted(k for k in info if k.startswith("rdb_")),
                             sorted(k for k in rinfo if k.startswith("rdb_")),
                             "INFO persistence rdb_* fields, cairn vs redis")
            self.assertEqual(rinfo.get("rdb_last_load_keys_loaded"), str(len(model)),
                             "%s: redis loaded %r" % (what, rinfo))
            self.assertSameData(snapshot(rc, redis_keys(rc) | set(model)), mine,
                                "%s: redis-server's view of the file" % what)
            r.kill()
            # and Cairn reads back its own file
            s2 = self.cairn(self.copy_rdb(path, "cairn2"))
            self.assertSameData(snapshot(s2.conn(), model), mine, "%s: Cairn reloading its file" % what)
            s2.kill()
            s.kill()
        self.assertGreater(sizes[("--rdbcompression", "no")], sizes[()] + 900000,
                           "rdbcompression no should store the 1 MB pattern uncompressed: %r"
                           % sizes)


# ---------------------------------------------------------------------------
# b. Redis -> Cairn


class RedisToCairn(Base):
    def test_redis_dump_loads_in_cairn(self):
        for variant in ((), ("--rdbcompression", "no"), ("--rdbchecksum", "no")):
            what = "redis %s" % (" ".join(variant) or "defaults")
            r = self.redis(self.newdir("redis"), *variant)
            rc = r.conn()
            model = write_dataset(self, rc)
            # a key that expires between the save and Cairn's start (in
            # database 0: write_dataset leaves the connection elsewhere)
            self.assertEqual(rc.cmd("SELECT", 0), "OK")
            self.assertEqual(rc.cmd("SET", "soon", "gone", "PX", 300), "OK")
            t_soon = time.monotonic()
            self.assertEqual(rc.cmd("SAVE"), "OK")
            path = os.path.join(r.argv[r.argv.index("--dir") + 1], "dump.rdb")
            self.check_rdb(path)
            d = self.copy_rdb(path, "cairn")
            time.sleep(max(0.0, 0.4 - (time.monotonic() - t_soon)))
            keys = redis_keys(rc) | set(model) | {(0, b"soon")}
            theirs = snapshot(rc, keys)
            check_against_model(self, theirs, model, what + " (redis itself)")
            r.kill()
            s = self.cairn(d)
            c = s.conn()
            mine = snapshot(c, keys)
            self.assertFalse((0, b"soon") in mine, "a key expired before the load was loaded")
            self.assertSameData(mine, theirs, "%s: Cairn's view of redis's file" % what)
            info = c.info()
            self.assertEqual(info.get("rdb_last_load_keys_loaded"), str(len(model)), info)
            s.kill()


# ---------------------------------------------------------------------------
# c. DUMP / RESTORE


class DumpRestore(Base):
    def setUp(self):
        super().setUp()
        self.s = self.cairn(self.newdir("cairn"))
        self.r = self.redis(self.newdir("redis"))
        self.c = self.s.conn()
        self.rc = self.r.conn()

    def both(self, *args):
        """Runs a command on both servers; the replies must be identical
        (errors byte for byte). Returns the reply."""
        a = self.c.cmd(*args)
        b = self.rc.cmd(*args)
        self.assertEqual((type(a).__name__, a), (type(b).__name__, b),
                         "cairn vs redis for %s" % _short(tuple(args)))
        return a

    def test_payloads_identical_and_restore_both_ways(self):
        items = variety()
        for k, v in items:
            self.assertEqual(self.c.cmd("SET", k, v), "OK")
            self.assertEqual(self.rc.cmd("SET", k, v), "OK")
        mismatched = []
        for k, v in items:
            pc = self.c.cmd("DUMP", k)
            pr = self.rc.cmd("DUMP", k)
            self.assertIsInstance(pc, bytes, "DUMP %r on cairn: %r" % (k, pc))
            if pc != pr:
                mismatched.append("%s: cairn %s, redis %s" % (_short(k), _short(pc), _short(pr)))
            # cross restore, with and without a TTL
            nk = b"x:" + k
            self.assertEqual(self.rc.cmd("RESTORE", nk, 0, pc), "OK", "redis RESTORE of cairn's DUMP of %r" % k)
            self.assertEqual(self.c.cmd("RESTORE", nk, 0, pr), "OK", "cairn RESTORE of redis's DUMP of %r" % k)
            self.assertEqual(self.rc.cmd("GET", nk), v, "redis GET after restoring cairn's payload")
            self.assertEqual(self.c.cmd("GET", nk), v, "cairn GET after restoring redis's payload")
            self.assertEqual(self.c.cmd("TTL", nk), -1)
            tk = b"t:" + k
            self.assertEqual(self.c.cmd("RESTORE", tk, 50000, pr), "OK")
            self.assertTrue(0 < self.c.cmd("PTTL", tk) <= 50000)
            self.assertEqual(self.c.cmd("DUMP", tk), pc, "DUMP after RESTORE of %r" % k)
        self.assertEqual(mismatched, [], "DUMP payloads differ from redis-server's:\n  "
                         + "\n  ".join(mismatched))

    def test_dump_follows_rdbcompression(self):
        # Redis's DUMP compresses strings only while rdbcompression is yes.
        v = b"abcdefgh" * 100
        for conn in (self.c, self.rc):
            self.assertEqual(conn.cmd("SET", "k", v), "OK")
        self.assertLess(len(self.both("DUMP", "k")), 100)
        self.both("CONFIG", "SET", "rdbcompression", "no")
        self.assertGreater(len(self.both("DUMP", "k")), 800)
        self.both("CONFIG", "SET", "rdbcompression", "yes")

    def test_restore_options_and_errors(self):
        b = self.both
        b("SET", "src", "hello world")
        p = self.rc.cmd("DUMP", "src")
        self.assertEqual(self.c.cmd("DUMP", "src"), p)
        b("DUMP", "missing")
        # a fresh key
        b("RESTORE", "k", 0, p)
        b("GET", "k")
        b("TTL", "k")
        # an existing key: BUSYKEY, then REPLACE
        self.assertEqual(b("RESTORE", "k", 0, p), "BUSYKEY Target key name already exists.")
        b("SET", "k", "other", "EX", 100)
        b("RESTORE", "k", 0, p, "REPLACE")
        b("GET", "k")
        b("TTL", "k")  # REPLACE without a ttl drops the old expiry
        # relative ttl
        b("RESTORE", "rel", 100000, p)
        pt = self.c.cmd("PTTL", "rel")
        self.assertTrue(99000 <= pt <= 100000, pt)
        # ABSTTL: the expiry is exact; in the past nothing is created
        b("RESTORE", "abs", 4102444800123, p, "ABSTTL")
        b("PEXPIRETIME", "abs")
        b("RESTORE", "past", 1, p, "ABSTTL")
        b("EXISTS", "past")
        b("SET", "past2", "x")
        b("RESTORE", "past2", 1000, p, "ABSTTL", "REPLACE")
        b("EXISTS", "past2")
        b("RESTORE", "zero", 0, p, "ABSTTL")
        b("TTL", "zero")
        b("RESTORE", "huge", 9223372036854775807, p, "ABSTTL")
        b("PEXPIRETIME", "huge")
        # ttl errors
        self.assertEqual(b("RESTORE", "n", -1, p), "ERR Invalid TTL value, must be >= 0")
        b("RESTORE", "n", "abc", p)
        b("RESTORE", "n", "1.5", p)
        b("RESTORE", "n", "99999999999999999999", p)
        b("EXISTS", "n")
        # IDLETIME / FREQ accepted and validated
        b("RESTORE", "i1", 0, p, "IDLETIME", 1000)
        b("RESTORE", "i2", 0, p, "FREQ", 0)
        b("RESTORE", "i3", 0, p, "FREQ", 255, "REPLACE", "ABSTTL")
        b("RESTORE", "i4", 0, p, "idletime", 0, "replace")
        b("RESTORE", "e", 0, p, "IDLETIME", -1)
        b("RESTORE", "e", 0, p, "IDLETIME", "abc")
        b("RESTORE", "e", 0, p, "FREQ", 256)
        b("RESTORE", "e", 0, p, "FREQ", -1)
        b("RESTORE", "e", 0, p, "FREQ", "x")
        b("RESTORE", "e", 0, p, "IDLETIME", 1, "FREQ", 1)
        b("RESTORE", "e", 0, p, "FREQ", 1, "IDLETIME", 1)
        b("RESTORE", "e", 0, p, "IDLETIME")
        b("RESTORE", "e", 0, p, "FOO")
        b("EXISTS", "e")
        # checked in Redis's order: options, existing key, ttl, payload
        b("RESTORE", "k", -1, b"junk", "FOO")
        b("RESTORE", "k", -1, b"junk")
        b("RESTORE", "new", -1, b"junk")
        b("RESTORE", "new", 0, b"junk")
        # damaged payloads
        wrong = "ERR DUMP payload version or checksum are wrong"
        for i in range(len(p)):
            flipped = bytearray(p)
            flipped[i] ^= 0x20
            self.assertEqual(b("RESTORE", "f%d" % i, 0, bytes(flipped)), wrong,
                             "payload with byte %d flipped" % i)
        body = p[:-10]
        self.assertEqual(b("RESTORE", "v11", 0, make_payload(body, 11)), wrong)
        self.assertEqual(b("RESTORE", "v10", 0, make_payload(body, 10)), "OK")
        self.assertEqual(b("RESTORE", "v9", 0, make_payload(body, 9)), "OK")
        b("GET", "v9")
        self.assertEqual(b("RESTORE", "short", 0, b"x"), wrong)
        self.assertEqual(b("RESTORE", "short", 0, b""), wrong)
        self.assertEqual(b("RESTORE", "short", 0, make_payload(b"")), "ERR Bad data format")
        # checksum right, content wrong
        self.assertEqual(b("RESTORE", "bad", 0, make_payload(b"\xc8\x05hello")), "ERR Bad data format")
        self.assertEqual(b("RESTORE", "bad", 0, make_payload(b"\x00\xc4\x00")), "ERR Bad data format")
        self.assertEqual(b("RESTORE", "bad", 0, make_payload(b"\x00\xc3\x01\x05\x00h")),
                         "ERR Bad data format")
        b("EXISTS", "bad")
        # arity
        b("RESTORE", "k", 0)
        b("DUMP")
        b("DUMP", "a", "b")
        self.assertEqual(self.c.cmd("DBSIZE"), self.rc.cmd("DBSIZE"))


# ---------------------------------------------------------------------------
# d. Damaged files


def small_dataset(c):
    cmds = [("SET", "a", "1"), ("SET", "s", "hello world"),
            ("SET", "lzf", "x" * 60 + "y" * 60), ("SET", "neg", "-32769"),
            ("SET", "ttl", "v", "PXAT", "32503680000000"),
            ("SELECT", 3), ("SET", "", ""), ("SET", "bin", b"\x00\r\n"), ("SELECT", 0)]
    return c.pipeline(cmds)


def big_dataset(c, rnd):
    cmds = []
    for i in range(600):
        k = "key:%d" % i
        v = hashlib.sha256(k.encode()).hexdigest() * (1 + i % 20)
        cmds.append(("SET", k, v) + (("PX", 10000000 + i) if i % 7 == 0 else ()))
    cmds += [("SET", "lzf", b"0123456789" * 30000), ("SET", "rnd", rnd.randbytes(200000)),
             ("SELECT", 9), ("SET", "int", "2147483647"), ("SELECT", 0)]
    return c.pipeline(cmds)


class Damage(Base):
    def _probe(self, data):
        """Starts Cairn on a dump.rdb holding `data`. Returns (rc, served,
        loaded keys or None, log); a server that came up is killed. A port
        taken by another process between free_port() and bind is retried."""
        for _ in range(5):
            result = self._probe_once(data)
            if "Address already in use" not in result[3]:
                return result
        return result

    def _probe_once(self, data):
        d = tempfile.mkdtemp(prefix="probe-", dir=self.tmp)
        try:
            with open(os.path.join(d, "dump.rdb"), "wb") as f:
                f.write(data)
            port = free_port()
            log_path = os.path.join(d, "log")
            with open(log_path, "wb") as log:
                p = subprocess.Popen([self.cairn_binary, "--port", str(port),
                                      "--bind", "127.0.0.1", "--dir", d,
                                      "--appendonly", "no", "--save", ""],
                                     stdin=subprocess.DEVNULL, stdout=log,
                                     stderr=subprocess.STDOUT, start_new_session=True,
                                     preexec_fn=child_setup())
            served, loaded = False, None
            deadline = time.monotonic() + START_TIMEOUT_S
            try:
                while p.poll() is None and time.monotonic() < deadline:
                    try:
                        c = Conn(port, timeout=5)
                    except OSError:
                        time.sleep(0.005)
                        continue
                    try:
                        if c.cmd("PING") == "PONG":
                            served = True
                            i = c.info()
                            loaded = (int(i.get("rdb_last_load_keys_loaded", "-1"))
                                      + int(i.get("rdb_last_load_keys_expired", "0")))
                            break
                    except (Disconnected, ValueError):
                        pass
                    finally:
                        c.close()
                    time.sleep(0.005)
            finally:
                if p.poll() is None:
                    killpg(p.pid)
                p.wait()
            with open(log_path, "rb") as f:
                text = f.read().decode(errors="replace")
            return p.returncode, served, loaded, text
        finally:
            shutil.rmtree(d, ignore_errors=True)

    def _run_cases(self, cases, checksum, nkeys):
        """cases: [(description, data, is_truncation)]. Returns failures."""
        outcomes = {"refused": 0, "served": 0}

        def one(case):
            desc, data, trunc = case
            rc, served, loaded, log = self._probe(data)
            outcomes["served" if served else "refused"] += 1
            if rc is not None and rc < 0 and not served:
                return "%s: crashed with signal %d\n%s" % (desc, -rc, log[-600:])
            if "CAIRN_CHECK" in log or "Assertion" in log or "terminate called" in log:
                return "%s: internal check failed\n%s" % (desc, log[-600:])
            if served:
                if checksum or trunc:
                    return "%s: started serving (%s keys) instead of refusing" % (desc, loaded)
                if loaded is not None and loaded > nkeys:
                    return "%s: served %d keys, the file had %d" % (desc, loaded, nkeys)
                return None  # a flip inside a value of a checksum-less file
            if rc == 0:
                return "%s: exited 0 without serving\n%s" % (desc, log[-600:])
            if "dump.rdb" not in log:
                return "%s: refused (exit %s) without naming the file:\n%s" % (desc, rc, log[-600:])
            return None
        with concurrent.futures.ThreadPoolExecutor(max_workers=4) as ex:
            fails = [f for f in ex.map(one, cases) if f]
        note("%d damaged files: %r", len(cases), outcomes)
        return fails

    def _make(self, fill, *variant):
        s = self.cairn(self.newdir("src"), *variant)
        c = s.conn()
        replies = fill(c)
        self.assertTrue(all(r == "OK" for r in replies), replies)
        nkeys = 0
        for db in range(16):
            self.assertEqual(c.cmd("SELECT", db), "OK")
            nkeys += c.cmd("DBSIZE")
        c.cmd("SELECT", 0)
        self.assertEqual(c.cmd("SAVE"), "OK")
        path = os.path.join(s.argv[s.argv.index("--dir") + 1], "dump.rdb")
        self.check_rdb(path)
        with open(path, "rb") as f:
            data = f.read()
        s.kill()
        # the intact file loads
        rc, served, loaded, log = self._probe(data)
        self.assertTrue(served and loaded == nkeys,
                        "the intact file did not load (%s, %s, %s):\n%s" % (rc, served, loaded, log))
        return data, nkeys

    MASKS = (0xFF, 0x01, 0x80, 0x10, 0x55, 0x02)

    def _cases(self, data, offsets_trunc, offsets_flip):
        cases = [("truncated to %d of %d bytes" % (n, len(data)), data[:n], True)
                 for n in offsets_trunc]
        for i, off in enumerate(offsets_flip):
            b = bytearray(data)
            m = self.MASKS[i % len(self.MASKS)]
            b[off] ^= m
            cases.append(("byte %d of %d xor 0x%02x" % (off, len(data), m), bytes(b), False))
        return cases

    def test_small_file_every_offset(self):
        for variant in ((), ("--rdbchecksum", "no")):
            data, nkeys = self._make(small_dataset, *variant)
            n = len(data)
            fails = self._run_cases(self._cases(data, range(n), range(n)), not variant, nkeys)
            self.assertEqual(fails, [], "%s: %d of %d damaged files mishandled:\n%s"
                             % (variant or "checksum on", len(fails), 2 * n,
                                "\n".join(fails[:10])))

    def test_big_file_sampled_offsets(self):
        rnd = random.Random(7)
        data, nkeys = self._make(lambda c: big_dataset(c, rnd))
        n = len(data)
        special = [0, 1, 5, 9, 10, 50, 100, n - 1, n - 2, n - 8, n - 9, n - 10, n // 2]
        trunc = sorted(set(special + rnd.sample(range(n), 50)))
        flips = sorted(set(special + rnd.sample(range(n), 50)))
        fails = self._run_cases(self._cases(data, trunc, flips), True, nkeys)
        self.assertEqual(fails, [], "%d of %d damaged files mishandled:\n%s"
                         % (len(fails), len(trunc) + len(flips), "\n".join(fails[:10])))

    def test_unsupported_types_refused_by_name(self):
        """A module value (no Redis modules here): Redis's RDB with one
        value's type byte made module-2, checksum mended."""
        r = self.redis(self.newdir("redis"))
        rc = r.conn()
        rc.pipeline([("SET", "a", "1"), ("SET", "b", "2")])
        self.assertEqual(rc.cmd("SAVE"), "OK")
        path = os.path.join(r.argv[r.argv.index("--dir") + 1], "dump.rdb")
        r.kill()
        with open(path, "rb") as f:
            img = bytearray(f.read())
        at = img.index(b"\x00\x01b\xc0\x02")
        img[at] = 7
        img[-8:] = struct.pack("<Q", crc64(bytes(img[:-8])))
        with open(path, "wb") as f:
            f.write(img)
        s = self.cairn(self.copy_rdb(path, "cairn"), ready=False)
        rc_ = s.wait_exit()
        log = s.log()
        self.assertGreater(rc_, 0, "cairn should refuse an RDB with a module value:\n%s" % log)
        self.assertIn("dump.rdb", log)
        self.assertRegex(log, r"\bmodule-2\b")
        self.assertNotIn("CAIRN_CHECK", log)


# ---------------------------------------------------------------------------
# e. BGSAVE under continuous writes


class BgsaveUnderWrites(Base):
    def test_snapshot_is_the_dataset_at_bgsave(self):
        n = 200000
        rnd = random.Random(11)
        d = self.newdir("cairn")
        s = self.cairn(d)
        c = s.conn()
        model = {}
        ttl = {}
        cmds = []
        for i in range(n):
            k = b"k:%d" % i
            v = b"v:%d:0" % i
            if i % 50 == 0:
                cmds.append(("SET", k, v, "PXAT", 32503680000000 + i))
                ttl[k] = 32503680000000 + i
            else:
                cmds.append(("SET", k, v))
            model[k] = v
        replies = c.pipeline(cmds)
        self.assertEqual(replies.count("OK"), n)
        next_new = [n]
        gen = [0]

        def ops(count):
            out = []
            keys = None
            for _ in range(count):
                x = rnd.random()
                if x < 0.6 or not model:
                    if keys is None:
                        keys = list(model)
                    k = keys[rnd.randrange(len(keys))]
                    gen[0] += 1
                    v = b"over:%d" % gen[0]
                    out.append((("SET", k, v), k, v))
                elif x < 0.85:
                    k = b"new:%d" % next_new[0]
                    next_new[0] += 1
                    v = b"n:%d" % next_new[0]
                    out.append((("SET", k, v), k, v))
                else:
                    if keys is None:
                        keys = list(model)
                    k = keys[rnd.randrange(len(keys))]
                    out.append((("DEL", k), k, None))
            return out

        def apply(batch):
            for _, k, v in batch:
                if v is None:
                    model.pop(k, None)
                else:
                    model[k] = v
                ttl.pop(k, None)  # SET without options and DEL both drop it

        def check(batch, replies):
            for (cmd, _, _), r in zip(batch, replies):
                self.assertNotIsInstance(r, ServerError, "%r" % (cmd[:2],))

        # Writes right before and right after BGSAVE in one pipeline.
        before = ops(500)
        apply(before)
        after = ops(500)
        expect = dict(model)
        expect_ttl = dict(ttl)
        apply(after)
        batch_cmds = ([o[0] for o in before] + [("BGSAVE",), ("BGSAVE",), ("BGSAVE", "SCHEDULE"), ("SAVE",)]
                      + [o[0] for o in after])
        replies = c.pipeline(batch_cmds)
        check(before, replies[:500])
        self.assertEqual(replies[500], "Background saving started")
        for r in replies[501:504]:  # BGSAVE, BGSAVE SCHEDULE, SAVE while it runs
            self.assertEqual(r, ServerError("ERR Background save already in progress"))
        check(after, replies[504:])
        # keep writing until the child is done
        batches = 0
        deadline = time.monotonic() + 40
        while c.info().get("rdb_bgsave_in_progress") == "1":
            self.assertLess(time.monotonic(), deadline, "BGSAVE never finished")
            batch = ops(2000)
            apply(batch)
            check(batch, c.pipeline([o[0] for o in batch]))
            batches += 1
        note("%d write batches during the BGSAVE", batches)
        info = c.info()
        self.assertEqual(info.get("rdb_last_bgsave_status"), "ok", info)
        self.assertEqual(info.get("rdb_saves"), "1", info)
        # the live server holds everything written (sanity check of the model)
        self.assertEqual(c.cmd("DBSIZE"), len(model))
        sample = rnd.sample(sorted(model), 2000)
        self.assertEqual(c.pipeline([("GET", k) for k in sample]), [model[k] for k in sample])
        path = os.path.join(d, "dump.rdb")
        s2 = self.cairn(self.copy_rdb(path, "reload"))
        got = snapshot(s2.conn(), set((0, k) for k in expect) | set((0, k) for k in model),
                       with_type=False)
        want = {(0, k): ("string", v, expect_ttl.get(k, -1)) for k, v in expect.items()}
        self.assertSameData(got, want, "snapshot vs the dataset when BGSAVE replied "
                            "(%d write batches during the save)" % batches)


# ---------------------------------------------------------------------------
# f. Save points, SHUTDOWN, SIGTERM


class SavePoints(Base):
    CANDIDATES = [b"a", b"b", b"c", b"d", b"e", b"f", b"k1"]

    def _load(self, d):
        """Keys in a copy of d/dump.rdb, or None when there is none."""
        path = os.path.join(d, "dump.rdb")
        if not os.path.exists(path):
            return None
        self.check_rdb(path)
        s = self.cairn(self.copy_rdb(path, "check"))
        got = snapshot(s.conn(), {(0, k) for k in self.CANDIDATES})
        s.kill()
        return sorted(k for _, k in got)

    def test_save_point_triggers_bgsave(self):
        d = self.newdir("cairn")
        s = self.cairn(d, "--save", "1 1")
        c = s.conn()
        start_lastsave = c.ok("LASTSAVE")
        self.assertEqual(c.info().get("rdb_saves"), "0")
        self.assertEqual(c.cmd("SET", "k1", "v1"), "OK")
        deadline = time.monotonic() + 4
        while True:
            i = c.info()
            if int(i.get("rdb_saves", "0")) >= 1 and i.get("rdb_bgsave_in_progress") == "0":
                break
            self.assertLess(time.monotonic(), deadline, "no save within 4 s: %r" % i)
            time.sleep(0.05)
        self.assertEqual(i.get("rdb_last_bgsave_status"), "ok", i)
        self.assertEqual(i.get("rdb_changes_since_last_save"), "0", i)
        self.assertGreater(c.ok("LASTSAVE"), start_lastsave)
        self.assertEqual(self._load(d), [b"k1"])

    def test_shutdown_and_sigterm(self):
        # SHUTDOWN with save points saves
        d = self.newdir("shutdown")
        s = self.cairn(d, "--save", "3600 1")
        s.conn().ok("SET", "a", "1")
        s.shutdown()
        self.assertEqual(self._load(d), [b"a"])
        # ... and the data comes back on restart
        s = self.cairn(d, "--save", "3600 1")
        c = s.conn()
        self.assertEqual(c.cmd("GET", "a"), b"1")
        # SHUTDOWN NOSAVE does not
        c.ok("SET", "b", "2")
        s.shutdown("NOSAVE")
        self.assertEqual(self._load(d), [b"a"])
        # SIGTERM with save points saves
        s = self.cairn(d, "--save", "3600 1")
        s.conn().ok("SET", "c", "3")
        s.signal(signal.SIGTERM)
        self.assertEqual(s.wait_exit(), 0)
        self.assertEqual(self._load(d), [b"a", b"c"])
        # without save points: SIGTERM and SHUTDOWN don't save, SHUTDOWN SAVE does
        s = self.cairn(d, "--save", "")
        s.conn().ok("SET", "d", "4")
        s.signal(signal.SIGTERM)
        self.assertEqual(s.wait_exit(), 0)
        self.assertEqual(self._load(d), [b"a", b"c"])
        s = self.cairn(d, "--save", "")
        s.conn().ok("SET", "e", "5")
        s.shutdown()
        self.assertEqual(self._load(d), [b"a", b"c"])
        s = self.cairn(d, "--save", "")
        s.conn().ok("SET", "f", "6")
        s.shutdown("SAVE")
        self.assertEqual(self._load(d), [b"a", b"c", b"f"])
        leftovers = [f for f in os.listdir(d) if f.endswith(".rdb") and f != "dump.rdb"]
        self.assertEqual(leftovers, [], "temp files left behind")


# ---------------------------------------------------------------------------
# g. SIGKILL during BGSAVE


class KillDuringBgsave(Base):
    def test_sigkill_never_leaves_half_file(self):
        n = 300000
        d = self.newdir("cairn")
        path = os.path.join(d, "dump.rdb")
        s = self.cairn(d)
        c = s.conn()
        val = b"x" * 40
        replies = c.pipeline([("SET", b"key:%d" % i, val + b"%d" % i) for i in range(n)])
        self.assertEqual(replies.count("OK"), n)
        # a complete file to start from, and how long a BGSAVE takes
        t0 = time.monotonic()
        self.assertEqual(c.cmd("BGSAVE"), "Background saving started")
        self.wait_bgsave_done(c)
        took = time.monotonic() - t0
        self.assertEqual(c.info().get("rdb_last_bgsave_status"), "ok")
        expected = n
        for rnd_i, frac in enumerate((0.02, 0.1, 0.2, 0.35, 0.5, 0.8)):
            with open(path, "rb") as f:
                prev = hashlib.sha1(f.read()).hexdigest()
            c.ok("SET", "round:%d" % rnd_i, "x")
            self.assertEqual(c.cmd("BGSAVE"), "Background saving started")
            time.sleep(took * frac)
            # the server and its child at once, like a power cut
            self.assertTrue(s.kill(), "round %d: BGSAVE child still running" % rnd_i)
            self.assertTrue(os.path.exists(path), "round %d: dump.rdb vanished" % rnd_i)
            with open(path, "rb") as f:
                now = hashlib.sha1(f.read()).hexdigest()
            self.check_rdb(path)
            s = self.cairn(d)
            c = s.conn()
            has_round = c.cmd("EXISTS", "round:%d" % rnd_i) == 1
            note("kill at %.0f%% of a %.2fs BGSAVE: %s", frac * 100, took,
                 "file replaced" if now != prev else "previous file kept")
            if now == prev:
                self.assertFalse(has_round, "round %d: file unchanged but has the new key" % rnd_i)
            else:
                self.assertTrue(has_round, "round %d: new file without the new key" % rnd_i)
                expected += 1
            # when the old file is kept, the round key is lost: re-add it
            if not has_round:
                c.ok("SET", "round:%d" % rnd_i, "x")
                expected += 1
                self.assertEqual(c.cmd("SAVE"), "OK")
            self.assertEqual(c.cmd("DBSIZE"), expected, "round %d" % rnd_i)
        # SIGKILL during the very first BGSAVE: no file, or a whole one
        d2 = self.newdir("fresh")
        s2 = self.cairn(d2)
        c2 = s2.conn()
        c2.pipeline([("SET", b"key:%d" % i, val) for i in range(n)])
        self.assertEqual(c2.cmd("BGSAVE"), "Background saving started")
        time.sleep(took * 0.3)
        self.assertTrue(s2.kill(), "BGSAVE child still running")
        p2 = os.path.join(d2, "dump.rdb")
        if os.path.exists(p2):
            self.check_rdb(p2)


# ---------------------------------------------------------------------------
# h. stop-writes-on-bgsave-error


def _limit_fsize():
    resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, 64 * 1024))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


class StopWritesOnBgsaveError(Base):
    def test_misconf_after_failed_bgsave(self):
        big = random.Random(3).randbytes(200000)
        sc = self.cairn(self.newdir("cairn"), "--save", "3600 1", preexec=_limit_fsize)
        sr = self.redis(self.newdir("redis"), "--save", "3600 1", preexec=_limit_fsize)
        c, rc = sc.conn(), sr.conn()
        for conn in (c, rc):
            self.assertEqual(conn.cmd("SET", "big", big), "OK")
            self.assertEqual(conn.cmd("BGSAVE"), "Background saving started")
        for conn in (c, rc):
            i = self.wait_bgsave_done(conn)
            self.assertEqual(i.get("rdb_last_bgsave_status"), "err", i)

        def both(*args):
            a, b = c.cmd(*args), rc.cmd(*args)
            self.assertEqual((type(a).__name__, a), (type(b).__name__, b), args)
            return a
        r = both("SET", "x", "1")
        self.assertIsInstance(r, ServerError)
        self.assertTrue(r.startswith("MISCONF "), r)
        both("PING")
        both("GET", "x")
        both("CONFIG", "SET", "stop-writes-on-bgsave-error", "no")
        both("SET", "x", "2")
        both("CONFIG", "SET", "stop-writes-on-bgsave-error", "yes")
        both("DEL", "x")
        leftovers = [f for f in os.listdir(sc.argv[sc.argv.index("--dir") + 1])
                     if f.endswith(".rdb")]
        self.assertEqual(leftovers, [], "a failed BGSAVE left files behind")
        # a small dataset saves again, and writes are accepted again
        self.assertEqual(c.cmd("CONFIG", "SET", "stop-writes-on-bgsave-error", "no"), "OK")
        self.assertEqual(c.cmd("DEL", "big"), 1)
        self.assertEqual(c.cmd("BGSAVE"), "Background saving started")
        i = self.wait_bgsave_done(c)
        self.assertEqual(i.get("rdb_last_bgsave_status"), "ok", i)
        self.assertEqual(c.cmd("CONFIG", "SET", "stop-writes-on-bgsave-error", "yes"), "OK")
        self.assertEqual(c.cmd("SET", "y", "1"), "OK")


# ---------------------------------------------------------------------------
# i. Collections, through DUMP / RESTORE / SAVE / DEBUG RELOAD


def collection_commands(rnd):
    """redis-server commands building a list, set, sorted set and hash in
    every encoding Redis 7.0 has, at and beyond each limit (default config)."""
    def pairs(n, f):
        return tuple(x for i in range(n) for x in f(i))
    ints = ("0", "127", "128", "-1", "-4096", "4095", "4096", "-32769", "8388608",
            "2147483648", "-9223372036854775808", "9223372036854775807",
            "9223372036854775808", "007", "-0", "+1", " 1", "", "x" * 63, "y" * 64)
    return [
        ("HSET", "h:small", "name", "redis", "ver", "7", "port", "6379"),
        ("HSET", "h:ints") + pairs(100, lambda i: ("f%d" % i, str(i * i * -37))),
        ("HSET", "h:64", "f", "v" * 64, b"\x00\xff\r\n", rnd.randbytes(40)),
        ("HSET", "h:512") + pairs(512, lambda i: ("field:%d" % i, "value:%d" % i)),
        ("HSET", "h:65", "f", "v" * 65, "g", "1"),                 # hashtable: a long value
        ("HSET", "h:600") + pairs(600, lambda i: ("f%d" % i, rnd.randbytes(i % 30))),
        ("ZADD", "z:small", "1", "a", "2.5", "b", "-3", "c", "inf", "d", "-inf", "e",
         "0.1", "f", "1e17", "g", "-0.0", "h", "4611686018427387905", "i", "1e-300", "j"),
        ("ZADD", "z:128") + pairs(128, lambda i: ("%r" % (i / 7), "m%d" % i)),
        ("ZADD", "z:200") + pairs(200, lambda i: (str(i % 13), "member:%d" % i)),  # skiplist
        ("ZADD", "z:long", "1", "x" * 65, "2", "y", "-inf", rnd.randbytes(20)),   # skiplist
        ("SADD", "s:i16", "3", "1", "2"),
        ("SADD", "s:i32", "5", "-2", "300", "70000"),
        ("SADD", "s:i64", "1", "-5000000000", "9223372036854775807"),
        ("SADD", "s:i512") + tuple(str(i * 3 - 700) for i in range(512)),
        ("SADD", "s:i600") + tuple(str(i) for i in range(600)),  # hashtable by count
        ("SADD", "s:str", "apple", "banana", "cherry", "007"),
        ("RPUSH", "l:small", "one", "two", "3", "-4", "5000", "hello world"),
        ("RPUSH", "l:big") + tuple("item-%d" % i for i in range(3000)),
        ("RPUSH", "l:ints") + ints,
        ("LPUSH", "l:lpush") + tuple("e%d" % i for i in range(300)),
        ("RPUSH", "l:bin") + tuple(rnd.randbytes(rnd.randrange(0, 3000)) for _ in range(40)),
        ("HSET", "h:ttl", "a", "1"),
        ("PEXPIREAT", "h:ttl", "32503680000000"),
        ("SET", "str", "a plain string"),
        ("SELECT", "3"),
        ("ZADD", "z:db3", "1", "a"),
        ("RPUSH", "l:db3", "x"),
        ("SELECT", "0"),
    ]


def collection_keys():
    """[(db, key)] of what collection_commands() writes."""
    out, db = [], 0
    for cmd in collection_commands(random.Random(0)):
        if cmd[0] == "SELECT":
            db = int(cmd[1])
        elif cmd[0] != "PEXPIREAT":
            k = cmd[1] if isinstance(cmd[1], bytes) else cmd[1].encode()
            if (db, k) not in out:
                out.append((db, k))
    return out


def content(c, key):
    """(type, OBJECT ENCODING, content, PEXPIRETIME) of a key on redis-server."""
    t = c.cmd("TYPE", key)
    if t == "hash":
        flat = c.cmd("HGETALL", key)
        v = sorted(zip(flat[::2], flat[1::2]))
    elif t == "zset":
        v = c.cmd("ZRANGE", key, 0, -1, "WITHSCORES")
    elif t == "set":
        v = sorted(c.cmd("SMEMBERS", key))
    elif t == "list":
        v = c.cmd("LRANGE", key, 0, -1)
    else:
        v = c.cmd("GET", key)
    return (t, c.cmd("OBJECT", "ENCODING", key), v, c.cmd("PEXPIRETIME", key))


DETERMINISTIC = ("listpack", "quicklist", "intset", "skiplist")


class Collections(Base):
    def build(self, *config):
        r = self.redis(self.newdir("redis"), *config)
        rc = r.conn()
        for cmd in collection_commands(random.Random(42)):
            self.assertNotIsInstance(rc.cmd(*cmd), ServerError, cmd[:2])
        return r, rc

    def originals(self, rc):
        """{(db, key): (content, DUMP)} on the redis that built them."""
        out = {}
        for db, k in collection_keys():
            rc.ok("SELECT", db)
            out[(db, k)] = (content(rc, k), rc.cmd("DUMP", k))
        rc.ok("SELECT", 0)
        return out

    def compare_dumps(self, c, orig, what):
        """Cairn's DUMP of every key, RESTOREd into a fresh redis-server
        beside the original's DUMP: same content, encoding and expiry; and
        the same bytes where the encoding is deterministic."""
        r2 = self.redis(self.newdir("check"))
        rc2 = r2.conn()
        bad = []
        same_bytes = 0
        for (db, k), (want, want_dump) in sorted(orig.items()):
            c.ok("SELECT", db)
            got_dump = c.cmd("DUMP", k)
            if not isinstance(got_dump, bytes):
                bad.append("%s: DUMP on cairn gave %r" % (_short(k), got_dump))
                continue
            ttl = max(0, c.cmd("PEXPIRETIME", k))
            r = rc2.cmd("RESTORE", b"got:" + k, ttl, got_dump, "ABSTTL")
            if r != "OK":
                bad.append("%s: redis RESTORE of cairn's DUMP: %r" % (_short(k), r))
                continue
            got = content(rc2, b"got:" + k)
            if got != want:
                bad.append("%s: cairn's value in redis %s, want %s"
                           % (_short(k), _short(got), _short(want)))
            if want[1].decode() in DETERMINISTIC:
                if got_dump == want_dump:
                    same_bytes += 1
                else:
                    bad.append("%s (%s): DUMP bytes differ: cairn %s, redis %s"
                               % (_short(k), want[1].decode(), _short(got_dump),
                                  _short(want_dump)))
        note("%s: %d keys compared, %d byte for byte", what, len(orig), same_bytes)
        c.ok("SELECT", 0)
        r2.kill()
        self.assertEqual(bad, [], "%s: %d differences:\n  %s" % (what, len(bad), "\n  ".join(bad)))

    def test_redis_rdb_of_collections_loads_in_cairn(self):
        for config in ((), ("--list-compress-depth", "2", "--rdbcompression", "no",
                            "--list-max-listpack-size", "5")):
            what = "redis %s" % (" ".join(config) or "defaults")
            r, rc = self.build(*config)
            orig = self.originals(rc)
            self.assertEqual(rc.cmd("SAVE"), "OK")
            path = os.path.join(r.argv[r.argv.index("--dir") + 1], "dump.rdb")
            r.kill()
            s = self.cairn(self.copy_rdb(path, "cairn"), *config)
            c = s.conn()
            self.assertEqual(c.info().get("rdb_last_load_keys_loaded"), str(len(orig)), what)
            self.compare_dumps(c, orig, what)
            s.kill()

    def test_cairn_rdb_of_collections_loads_in_redis(self):
        for config in ((), ("--list-compress-depth", "1", "--rdbcompression", "no")):
            what = "cairn %s" % (" ".join(config) or "defaults")
            r, rc = self.build(*config)
            orig = self.originals(rc)
            r.kill()
            d = self.newdir("cairn")
            s = self.cairn(d, "--enable-debug-command", "yes", *config)
            c = s.conn()
            for (db, k), (want, dump) in orig.items():
                c.ok("SELECT", db)
                self.assertEqual(c.cmd("RESTORE", k, max(0, want[3]), dump, "ABSTTL"), "OK", k)
            c.ok("SELECT", 0)
            # DEBUG RELOAD: saved and loaded back by Cairn itself
            self.assertEqual(c.cmd("DEBUG", "RELOAD"), "OK")
            self.compare_dumps(c, orig, what + " after DEBUG RELOAD")
            self.assertEqual(c.cmd("SAVE"), "OK")
            path = os.path.join(d, "dump.rdb")
            self.check_rdb(path)
            r3 = self.redis(self.copy_rdb(path, "redis-load"), *config)
            rc3 = r3.conn()
            self.assertEqual(rc3.info().get("rdb_last_load_keys_loaded"), str(len(orig)))
            bad = []
            for (db, k), (want, dump) in sorted(orig.items()):
                rc3.ok("SELECT", db)
                got = content(rc3, k)
                if got != want:
                    bad.append("%s: %s, want %s" % (_short(k), _short(got), _short(want)))
                if want[1].decode() in DETERMINISTIC and rc3.cmd("DUMP", k) != dump:
                    bad.append("%s: DUMP after the round trip differs" % _short(k))
            self.assertEqual(bad, [], "%s: redis-server loading cairn's file:\n  %s"
                             % (what, "\n  ".join(bad)))
            r3.kill()
            s.kill()

    # Bodies of every old encoding, each accepted by redis-server 7.0.15
    # (built by hand from the formats; the unit tests decode the same ones).
    LEGACY = [
        ("t1", "010301610162c005"),  # list
        ("t2", "020301330131c002"),  # set of integers
        ("t3", "0304016103312e350162fe0163ff01640133"),  # zset, scores as strings
        ("t4", "0402026631027631026632c007"),  # hash
        ("t5", "0502016200000000000000400161000000000000d03f"),  # zset-2
        ("t9", "09180203666f6f03006261720568656c6c6f0500776f726c64ff"),  # hash zipmap
        ("t10", "0a2f2f00000024000000080000016103f202c0d4fe040568656c6c6f07fd02fe0d03f0"
              "70110105e00000000000010000ff"),  # list ziplist
        ("t11", "0b0e0200000003000000ffff03000500"),  # set intset
        ("t12", "0c181800000012000000040000016103f20201620303322e35ff"),  # zset ziplist
        ("t13", "0d171700000013000000040000016603017603016e03fe64ff"),  # hash ziplist
        ("t14", "0e0211110000000d0000000200000161030162ff11110000000e000000030000f202f3"
              "02f4ff"),  # list quicklist (ziplist nodes)
        ("t16", "1012120000000400816602817602816e026401ff"),  # hash listpack
        ("t17", "1114140000000400816102010181620283322e3504ff"),  # zset listpack
    ]

    def test_old_encodings_load_as_in_redis(self):
        img = bytearray(b"REDIS0010\xfe\x00")
        for name, hx in self.LEGACY:
            body = bytes.fromhex(hx.replace(" ", ""))
            img += body[:1] + bytes([len(name)]) + name.encode() + body[1:]
        img += b"\xff"
        img += struct.pack("<Q", crc64(bytes(img)))
        d = self.newdir("legacy")
        path = os.path.join(d, "dump.rdb")
        with open(path, "wb") as f:
            f.write(img)
        self.check_rdb(path)
        r = self.redis(self.copy_rdb(path, "redis"))
        rc = r.conn()
        s = self.cairn(self.copy_rdb(path, "cairn"))
        c = s.conn()
        self.assertEqual(c.info().get("rdb_last_load_keys_loaded"), str(len(self.LEGACY)))
        orig = {}
        for name, _ in self.LEGACY:
            k = name.encode()
            orig[(0, k)] = (content(rc, k), rc.cmd("DUMP", k))
        self.compare_dumps(c, orig, "old encodings")


if __name__ == "__main__":
    Base.cairn_binary = take_server_arg("rdb_test.py")
    # A BGSAVE child orphaned by a SIGKILLed server is reparented here, so
    # Server.kill() can reap it.
    become_subreaper()
    unittest.main(verbosity=2)
