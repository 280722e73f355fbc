#!/usr/bin/python3
"""The offline tools, `cairn check|export|report|restore` (doc/tools.md):

    /usr/bin/python3 tests/integration/tools_test.py path/to/cairn-server [unittest args]

The `cairn` binary is taken from beside cairn-server. Standard library only;
speaks raw RESP over sockets. Every test starts its own servers on free
ports with fresh temp dirs and cleans them up, also on failure (when the
server logs and the last `cairn` runs are printed). redis-server,
redis-cli (7.0.15) are the oracle; the tests are skipped without them.

What is checked:
  * round trip from Redis: redis-server builds every type in several
    encodings (small and big lists, intset and hashtable sets, listpack and
    skiplist zsets, listpack and hashtable hashes, a stream with consumer
    groups and pending entries, binary and non-UTF-8 keys and values, TTLs,
    db 0 and db 3) and SAVEs; `check` accepts dump.rdb; `export` as json,
    keys and csv gives exactly what was written (types, values, expiries);
    `report` (text, json, csv) counts it right; `restore --dir` builds a
    directory that cairn-server, redis-server --appendonly yes and
    redis-server on its dump.rdb all load with the same content, expiries
    and (where the encoding is deterministic) the same DUMP bytes;
  * round trip from Cairn: the same dataset written through cairn-server's
    log (a BGREWRITEAOF midway: a base and an incr); `check` accepts the
    directory; `restore --dir` of it loads in redis-server and cairn-server;
    `export`/`report` refuse a log with commands after its base, but
    `export --format resp` of it replayed by `redis-cli --pipe` gives the
    dataset, as does `restore --to`;
  * `export --format resp` replayed by `redis-cli --pipe` rebuilds the
    dataset in redis-server and cairn-server (replacing what was there), at
    most 64 items a command; the filters --db, --key, --type select exactly
    the keys they name;
  * `restore --to HOST:PORT` into an empty redis-server and cairn-server;
    into a port nothing listens on: a clear error within ~15 s;
  * point in time: `restore --until` a time (@ms, ISO with and without
    fraction, `T` or a space) and a sequence number (read from `check`'s
    "covers seq A..B") gives exactly the state acknowledged by then; a time
    before the log is refused; a cut inside a batch never splits a
    MULTI/EXEC and keeps the records before it; --until before what the
    log covers (a day before, a seq the base already holds) is refused
    by --to with the server left empty and by --dir with no directory
    made, and the seq just before the incr gives the base alone; a time
    that is no date (February 31st, hour 25, "yesterday") exits 2 naming
    --until; a cut starts a new replication history: no annotation of
    the new incr files carries a history field, yet they verify and load,
    while a restore without --until keeps the incr files' bytes;
  * log files given out of order (a rewrite's history segment and the
    incr after it, as loose files) are refused as "missing or out of
    order", with or without --until, and accepted in the right order;
  * damaged inputs (truncated RDBs, a flipped byte, wrong magic, version
    99, a text file): every command exits non-zero with one line naming
    the file, no crash, no output file or directory left; a Cairn log with
    damage to synced data is refused naming file and offset (also by
    --repair and restore), a torn tail is reported, cut by `check --repair`
    and by `restore`; more damage: an annotation's length changed (a
    digit, a letter, past the end of the log), a batch removed (from the
    middle, before the last one) are damage to synced data (no "torn",
    --repair leaves the file as it was, restore refuses), a zero-filled
    tail (after the content or after the filler) is a torn tail;
  * progress: with stderr not a terminal no bar is drawn, `--quiet` prints
    nothing, and a terminal's bar does not change stdout.
"""

import base64
import collections
import csv
import datetime
import io
import json
import os
import pty
import random
import re
import shutil
import subprocess
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from cairn_testlib import (  # noqa: E402
    LOG_ANNOTATION, REDIS_SERVER, ServerError, ServerTestCase, aofdir, content_end, free_port,
    incr_paths, log_batches, manifest, read_dataset, take_server_arg)

REDIS_CLI = shutil.which("redis-cli")

TOOL_TIMEOUT_S = 60.0
TYPES = ("string", "list", "set", "zset", "hash", "stream")
# OBJECT ENCODINGs whose DUMP bytes do not depend on a hash table's order.
DETERMINISTIC = (b"int", b"embstr", b"raw", b"listpack", b"quicklist", b"intset", b"skiplist")
CRASH_MARKS = (b"Traceback", b"terminate called", b"AddressSanitizer", b"Segmentation fault",
               b"core dumped", b"Assertion", b"panic")
COVERS = re.compile(rb"covers seq (\d+)\.\.(\d+)")


# ---------------------------------------------------------------------------
# The dataset


def rnd_value():
    """str:rnd's value: incompressible, so stored as it is in an RDB file."""
    return b"\xff\xfe" + random.Random(20261130).randbytes(298)


def dataset_commands():
    """Commands building every type in several encodings over db 0 and db 3
    (the same on redis-server and cairn-server)."""
    rnd = random.Random(7)
    year3000 = "32503680000123"
    cmds = [
        # strings: int, embstr, raw (LZF-compressible and random), binary
        ("SET", "str:short", "hello"),
        ("SET", "str:int", "12345"),
        ("SET", "str:neg", "-9223372036854775808"),
        ("SET", "str:empty", ""),
        ("SET", "str:long", "The quick brown fox jumps over the lazy dog. " * 20),
        ("SET", "str:rnd", rnd_value()),
        ("SET", "str:utf8", "h\u00e9llo w\u00f6rld \u2603"),
        ("SET", "str:csv", 'a,b "quoted"\r\nnext line'),
        ("SET", b"bin:\xff\xfe\x00key", b"\x00\xff\r\nvalue\x80"),
        # lists (quicklist in 7.0): small, several nodes, binary
        ("RPUSH", "list:small", "a", "b", "c", "1", "-2", ""),
        ("RPUSH", "list:big") + tuple("item-%04d" % i for i in range(1000)),
        ("RPUSH", "list:bin") + tuple(rnd.randbytes(rnd.randrange(0, 200)) for _ in range(12)),
        # sets: intset, hashtable (strings, and integers past 512)
        ("SADD", "set:ints", "1", "2", "3", "-40", "70000"),
        ("SADD", "set:strs", "apple", "banana", "cherry"),
        ("SADD", "set:bigints") + tuple(str(i * 7) for i in range(600)),
        ("SADD", "set:big") + tuple("m%d" % i for i in range(300)),
        ("SADD", "set:bin", b"\xc3\x28", b"ok", b"\x00"),
        # zsets: listpack (with infinities), skiplist, a binary member
        ("ZADD", "zset:small", "1", "a", "2.5", "b", "-3", "c", "inf", "d", "-inf", "e",
         "0.1", "f"),
        ("ZADD", "zset:big") + tuple(x for i in range(200) for x in ("%r" % (i / 7), "m%d" % i)),
        ("ZADD", "zset:bin", "1", b"\xff\x00m", "2", "ok"),
        # hashes: listpack, hashtable by count and by a long value, binary
        ("HSET", "hash:small", "f1", "v1", "f2", "v2", "n", "10"),
        ("HSET", "hash:big") + tuple(x for i in range(600) for x in ("f%d" % i, "v%d" % i)),
        ("HSET", "hash:long", "f", "v" * 65, "g", "1"),
        ("HSET", "hash:bin", b"\xc3\x28", b"\xa0\xa1", "plain", "x"),
        ("HSET", "user:1", "name", "ann", "age", "31"),
        ("HSET", "user:2", "name", "bob"),
        ("SET", "user:count", "2"),
    ]
    # a stream: a deleted entry, two groups, pending entries of two
    # consumers (one delivered twice), an idle consumer
    cmds += [("XADD", "stream", "%d-1" % i, "n", str(i), "s", "x" * i) for i in range(1, 11)]
    cmds += [
        ("XDEL", "stream", "4-1"),
        ("XGROUP", "CREATE", "stream", "grp", "0"),
        ("XREADGROUP", "GROUP", "grp", "alice", "COUNT", "3", "STREAMS", "stream", ">"),
        ("XREADGROUP", "GROUP", "grp", "bob", "COUNT", "2", "STREAMS", "stream", ">"),
        ("XACK", "stream", "grp", "1-1"),
        ("XREADGROUP", "GROUP", "grp", "bob", "STREAMS", "stream", "0"),
        ("XGROUP", "CREATE", "stream", "late", "$"),
        ("XGROUP", "CREATECONSUMER", "stream", "late", "idle"),
        # TTLs: relative (become absolute), absolute
        ("SET", "ttl:str", "y" * 50, "PX", "100000000"),
        ("RPUSH", "ttl:list", "p", "q"),
        ("PEXPIREAT", "ttl:list", year3000),
        ("HSET", "ttl:hash", "a", "1"),
        ("EXPIRE", "ttl:hash", "86400"),
        ("SADD", "ttl:set", "1", "2"),
        ("PEXPIRE", "ttl:set", "5000000"),
        # db 3
        ("SELECT", "3"),
        ("SET", "db3:str", "in db three"),
        ("RPUSH", "db3:list", "x", "y"),
        ("HSET", "user:9", "name", "zed"),
        ("ZADD", "db3:zset", "1", "a"),
        ("SET", "db3:ttl", "v", "EX", "5000"),
        ("SELECT", "0"),
    ]
    return cmds


def write_commands(test, c, cmds):
    for cmd in cmds:
        r = c.cmd(*cmd)
        test.assertNotIsInstance(r, ServerError, cmd[:3])


# ---------------------------------------------------------------------------
# Reading a server's whole dataset


def read_dumps(c, keys):
    """{(db, key): (OBJECT ENCODING, DUMP)}."""
    out = {}
    for db, k in keys:
        c.ok("SELECT", db)
        out[(db, k)] = (c.ok("OBJECT", "ENCODING", k), c.ok("DUMP", k))
    c.ok("SELECT", 0)
    return out


def short(x, n=60):
    r = repr(x)
    return r if len(r) <= n else r[:n] + "...(%d chars)" % len(r)


def diff_datasets(got, want):
    out = []
    for k in sorted(set(got) | set(want)):
        a, b = got.get(k, "<missing>"), want.get(k, "<missing>")
        if a == b:
            continue
        if isinstance(a, tuple) and isinstance(b, tuple):
            parts = [name for name, x, y in zip(("type", "content", "expiry"), a, b) if x != y]
            out.append("%s: %s differ: got %s, want %s"
                       % (short(k), "/".join(parts), short(a, 200), short(b, 200)))
        else:
            out.append("%s: got %s, want %s" % (short(k), short(a), short(b)))
    return out


# ---------------------------------------------------------------------------
# The export formats, read back


def json_view(model):
    """The dataset as `export --format json` can show it: a stream as its
    entries, last ID and groups (name, last ID, pending count, consumers)."""
    out = {}
    for k, (t, v, exp) in model.items():
        if t == "stream":
            v = {"entries": v["entries"], "last_id": v["meta"]["last-generated-id"],
                 "groups": sorted((g["name"], g["last_id"], len(g["pending"]),
                                   tuple(sorted(n for n, _ in g["consumers"])))
                                  for g in v["groups"])}
        out[k] = (t, v, exp)
    return out


def model_from_json(entries):
    """export --format json's array as json_view() shows a dataset."""
    out = {}
    for e in entries:
        b64 = e.get("base64") is True

        def s(x):
            return base64.b64decode(x) if b64 else x.encode("utf-8")
        t = e["type"]
        if t not in TYPES and b64:
            # (doc/tools.md) "type" stays plain text in a base64 entry (only the
            # key and the value's strings are base64); tolerated either way.
            t = s(t).decode()
        v = e["value"]
        if t == "string":
            content = s(v)
        elif t == "list":
            content = [s(x) for x in v]
        elif t == "set":
            content = sorted(s(x) for x in v)
        elif t == "zset":
            # (doc/tools.md) scores stay numbers (or "inf"/"-inf") in a base64 entry.
            content = sorted(((s(m), float(x)) for m, x in v.items()),
                             key=lambda p: (p[1], p[0]))
        elif t == "hash":
            content = sorted((s(f), s(x)) for f, x in v.items())
        elif t == "stream":
            groups = []
            for g in v["groups"]:
                # (doc/tools.md) "consumers" lists names, or objects with a "name".
                names = tuple(sorted(s(x["name"] if isinstance(x, dict) else x)
                                     for x in g["consumers"]))
                groups.append((s(g["name"]), s(g["last_id"]), g["pending"], names))
            content = {"entries": [(s(x["id"]), tuple(s(f) for f in x["fields"]))
                                   for x in v["entries"]],
                       "last_id": s(v["last_id"]), "groups": sorted(groups)}
        else:
            raise AssertionError("unexpected type in %s" % short(e, 200))
        exp = e["expire_at_ms"]
        key = (e["db"], s(e["key"]))
        if key in out:
            raise AssertionError("key %r exported twice" % (key,))
        out[key] = (t, content, -1 if exp is None else exp)
    return out


def csv_view(model):
    """The dataset as `export --format csv` can show it (a stream: entries)."""
    out = {}
    for k, (t, v, exp) in model.items():
        if t == "stream":
            v = [(i, list(f)) for i, f in v["entries"]]
        out[k] = (t, v, exp)
    return out


CSV_HEADER = ["db", "key", "type", "expire_at_ms", "field", "value"]


def parse_csv(data):
    """Rows of a CSV of arbitrary bytes, each cell bytes again."""
    text = data.decode("utf-8", "surrogateescape")
    return [[cell.encode("utf-8", "surrogateescape") for cell in row]
            for row in csv.reader(io.StringIO(text, newline=""), strict=True)]


def model_from_csv(rows):
    acc = collections.OrderedDict()
    for row in rows:
        if len(row) != 6:
            raise AssertionError("CSV row of %d cells: %s" % (len(row), short(row, 200)))
        db, key, t, exp, field, value = row
        t = t.decode()
        # (doc/tools.md) expire_at_ms is empty without an expiry (JSON's null).
        exp = -1 if exp == b"" else int(exp)
        k = (int(db), key)
        ent = acc.setdefault(k, [t, [], exp])
        if ent[0] != t or ent[2] != exp:
            raise AssertionError("%r: rows disagree on type/expiry" % (k,))
        ent[1].append((field, value))
    out = {}
    for k, (t, items, exp) in acc.items():
        if t == "string":
            if len(items) != 1 or items[0][0] != b"":
                raise AssertionError("%r: a string should be one row, empty field" % (k,))
            v = items[0][1]
        elif t == "list":
            idx = [int(f) for f, _ in items]
            if sorted(idx) != list(range(len(items))):
                raise AssertionError("%r: list indexes %r" % (k, idx[:20]))
            v = [x for _, x in sorted(zip(idx, (x for _, x in items)))]
        elif t == "set":
            if any(f != b"" for f, _ in items):
                raise AssertionError("%r: a set's field should be empty" % (k,))
            v = sorted(x for _, x in items)
        elif t == "zset":
            v = sorted(((m, float(x)) for m, x in items), key=lambda p: (p[1], p[0]))
        elif t == "hash":
            v = sorted(items)
        elif t == "stream":
            v = [(i, [f.encode() for f in json.loads(x.decode())]) for i, x in items]
        else:
            raise AssertionError("%r: unexpected type %r" % (k, t))
        out[k] = (t, v, exp)
    return out


def parse_commands(data):
    """A RESP stream of commands (arrays of bulk strings) as lists of bytes."""
    cmds, pos, n = [], 0, len(data)
    while pos < n:
        if data[pos:pos + 1] != b"*":
            raise ValueError("offset %d: not a RESP array: %r" % (pos, data[pos:pos + 40]))
        eol = data.index(b"\r\n", pos)
        argc = int(data[pos + 1:eol])
        pos = eol + 2
        args = []
        for _ in range(argc):
            if data[pos:pos + 1] != b"$":
                raise ValueError("offset %d: not a bulk string: %r" % (pos, data[pos:pos + 40]))
            eol = data.index(b"\r\n", pos)
            ln = int(data[pos + 1:eol])
            pos = eol + 2
            if data[pos + ln:pos + ln + 2] != b"\r\n":
                raise ValueError("offset %d: bulk string not closed by CRLF" % pos)
            args.append(data[pos:pos + ln])
            pos += ln + 2
        cmds.append(args)
    return cmds


def find_type_counts(obj):
    """In `report --format json`'s object, the first dict (depth first) that
    maps every type name to a count (or to an object with "keys"/"count")."""
    if isinstance(obj, dict):
        if all(t in obj for t in TYPES):
            out = {}
            for t in TYPES:
                v = obj[t]
                if isinstance(v, dict):
                    v = next((v[n] for n in ("keys", "count") if n in v), None)
                out[t] = v
            if all(isinstance(x, int) for x in out.values()):
                return out
        children = obj.values()
    elif isinstance(obj, list):
        children = obj
    else:
        return None
    for v in children:
        r = find_type_counts(v)
        if r is not None:
            return r
    return None


# ---------------------------------------------------------------------------
# Files


Record = collections.namedtuple("Record", "seq path batch args")


def log_records(d):
    """Every record of d's incr files with its sequence number: a batch's
    records count from its first-seq, the SELECTs the writer adds aside
    (doc/aof.md)."""
    out = []
    for path in incr_paths(d):
        with open(path, "rb") as f:
            data = f.read()
        for i, b in enumerate(log_batches(data, path)):
            seq = b.first_seq
            for args in parse_commands(data[b.body:b.body + b.length]):
                if args[0].upper() == b"SELECT":
                    continue
                out.append(Record(seq, path, i, args))
                seq += 1
    return out


def annotations(d):
    """[(incr file, batch index, LogBatch)] of every batch of d's incr files
    (the indexes are log_records()'s)."""
    out = []
    for path in incr_paths(d):
        with open(path, "rb") as f:
            data = f.read()
        out += [(path, i, b) for i, b in enumerate(log_batches(data, path))]
    return out


def history_field(fields):
    """A batch annotation's history field (`p<offset>.<db>.<replid>` on a
    primary, `r...` on a replica), or None: a field after `synced` that
    starts with p or r (doc/aof.md)."""
    found = [f for f in fields[1:] if f[:1] in (b"p", b"r")]
    return found[-1] if found else None


def sealed_field(fields):
    """A batch annotation's seal time (the `t<unix-ms>` field), or None."""
    found = [int(f[1:]) for f in fields[1:] if f[:1] == b"t" and f[1:].isdigit()]
    return found[-1] if found else None


def iso(ms, sep="T", frac=True, z=True):
    dt = datetime.datetime(1970, 1, 1) + datetime.timedelta(milliseconds=ms)
    s = dt.strftime("%Y-%m-%d" + sep + "%H:%M:%S")
    if frac:
        s += ".%03d" % (ms % 1000)
    return s + ("Z" if z else "")


def leftovers(path):
    """Temporary names beside path (`path.tmp`, `path.tmp-<pid>`...)."""
    parent, base = os.path.split(path.rstrip("/"))
    return [x for x in os.listdir(parent) if x.startswith(base + ".tmp")]


def rdb_offset_of(data, needle):
    i = data.find(needle)
    if i < 0:
        raise AssertionError("%r not found in the RDB file" % needle[:20])
    return i


# ---------------------------------------------------------------------------
# Tests


class ToolsTest(ServerTestCase):
    tmp_prefix = "cairn-tools-"
    start_timeout_s = 20.0
    socket_timeout_s = 20.0
    cairn_defaults = (("--save", ""),)
    redis_defaults = (("--save", ""), ("--appendonly", "no"))
    tool_binary = None

    def setUp(self):
        if not REDIS_SERVER or not REDIS_CLI:
            self.skipTest("redis-server / redis-cli not installed")
        if not os.access(self.tool_binary, os.X_OK):
            self.fail("no cairn binary at %s" % self.tool_binary)
        super().setUp()
        self.tool_runs = []
        self._nfresh = 0

    def on_failure(self):
        super().on_failure()
        for argv, rc, out, err in self.tool_runs[-6:]:
            sys.stderr.write("\n---- %s -> exit %s ----\nstdout: %s\nstderr: %s\n"
                             % (" ".join(argv), rc, short(out, 1500), short(err, 1500)))

    # -- running the tool --------------------------------------------------

    def tool(self, *args, rc=None, timeout=TOOL_TIMEOUT_S):
        """Runs `cairn args...` (stdin empty, stdout and stderr pipes);
        checks it did not crash and, with rc, its exit code."""
        argv = [self.tool_binary] + [a if isinstance(a, (str, bytes)) else str(a) for a in args]
        p = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout)
        self.tool_runs.append(([os.path.basename(argv[0])] + [str(a) for a in argv[1:]],
                               p.returncode, p.stdout, p.stderr))
        self.assertNoCrash(p)
        if rc is not None:
            self.assertEqual(p.returncode, rc, self.describe(p))
        return p

    def describe(self, p):
        return "cairn %s -> exit %s\nstdout: %s\nstderr: %s" % (
            " ".join(str(a) for a in p.args[1:]), p.returncode, short(p.stdout, 1500),
            short(p.stderr, 1500))

    def assertNoCrash(self, p):
        self.assertGreaterEqual(p.returncode, 0, "killed by a signal: " + self.describe(p))
        self.assertNotIn(p.returncode, (134, 136, 139), "crashed: " + self.describe(p))
        for mark in CRASH_MARKS:  # (stdout may hold the data itself)
            self.assertNotIn(mark, p.stderr, "crashed: " + self.describe(p))

    def fresh_path(self, name):
        """A path in the temp dir that does not exist yet."""
        self._nfresh += 1
        return os.path.join(self.tmp, "%s-%d" % (name, self._nfresh))

    def copy_dir(self, src, name):
        dst = self.fresh_path(name)
        shutil.copytree(src, dst)
        return dst

    def pipe_into(self, port, data):
        """redis-cli --pipe of data into the server on port: no error."""
        p = subprocess.run([REDIS_CLI, "-h", "127.0.0.1", "-p", str(port), "--pipe"],
                           input=data, capture_output=True, timeout=60)
        out = (p.stdout + p.stderr).decode(errors="replace")
        self.assertEqual(p.returncode, 0, "redis-cli --pipe:\n" + out)
        self.assertIn("errors: 0", out, out)

    def assertSameData(self, got, want, what):
        bad = diff_datasets(got, want)
        self.assertEqual(bad, [], "%s: %d differences (got vs want), first ones:\n  %s"
                         % (what, len(bad), "\n  ".join(bad[:15])))

    def compare_dumps(self, c, orig, what, strict_encoding):
        """DUMP of every key whose encoding is deterministic equals the
        original's; with strict_encoding, every OBJECT ENCODING too."""
        got = read_dumps(c, orig)
        bad, same = [], 0
        for k, (enc, dump) in sorted(orig.items()):
            genc, gdump = got[k]
            if genc != enc:
                if strict_encoding:
                    bad.append("%s: encoding %r, want %r" % (short(k), genc, enc))
                continue
            if enc in DETERMINISTIC:
                if gdump == dump:
                    same += 1
                else:
                    bad.append("%s (%s): DUMP differs: %s, want %s"
                               % (short(k), enc.decode(), short(gdump), short(dump)))
        self.assertEqual(bad, [], "%s:\n  %s" % (what, "\n  ".join(bad)))
        if strict_encoding:
            self.assertGreater(same, 10, what + ": too few DUMPs compared")

    # -- building inputs ---------------------------------------------------

    def redis_dataset(self, cmds=None, read=True):
        """redis-server builds the dataset and SAVEs; returns (dump.rdb's
        path, the dataset, {(db, key): (encoding, DUMP)}) (without read:
        the number of keys, None)."""
        d = self.newdir("redis-src")
        r = self.redis(d)
        c = r.conn()
        write_commands(self, c, dataset_commands() if cmds is None else cmds)
        if read:
            want = read_dataset(c)
            dumps = read_dumps(c, want)
        else:
            want, dumps = c.ok("DBSIZE"), None
        self.assertEqual(c.cmd("SAVE"), "OK")
        r.kill()
        return os.path.join(d, "dump.rdb"), want, dumps

    def wait_rewrite_done(self, c, rewrites, timeout=20.0):
        deadline = time.monotonic() + timeout
        while True:
            i = c.info()
            if (i.get("aof_rewrite_in_progress") == "0"
                    and i.get("aof_rewrite_scheduled", "0") == "0"
                    and int(i.get("aof_rewrites", "0")) >= rewrites):
                return
            self.assertLess(time.monotonic(), deadline, "rewrite not done: %r" % i)
            time.sleep(0.05)

    def check_restored_dir(self, new, snapshot_alone):
        """NEWDIR as doc/tools.md says restore --dir builds it."""
        self.assertTrue(os.path.isdir(new), new)
        self.assertEqual(leftovers(new), [], "the temporary dir was left behind")
        man = manifest(new)
        bases = [m for m in man if m[2] == "b"]
        self.assertEqual(len(bases), 1, man)
        self.assertTrue(any(m[2] == "i" for m in man), "no incr file named: %r" % man)
        for name, _, kind in man:
            if kind in "bi":
                self.assertTrue(os.path.exists(os.path.join(aofdir(new), name)), name)
        if snapshot_alone:
            self.assertTrue(bases[0][0].endswith(".base.rdb"), bases)
            with open(os.path.join(new, "dump.rdb"), "rb") as f:
                self.assertEqual(f.read(9), b"REDIS0010", "dump.rdb not in RDB version 10")
        if bases[0][0].endswith(".rdb"):
            with open(os.path.join(aofdir(new), bases[0][0]), "rb") as f:
                self.assertEqual(f.read(9), b"REDIS0010", "base not in RDB version 10")

    def load_everywhere(self, new, want, what, dumps=None, snapshot_alone=False):
        """cairn-server and redis-server --appendonly yes on copies of new
        (and redis-server on its dump.rdb): the same dataset; the same DUMP
        bytes where deterministic."""
        modes = ["cairn", "redis-aof"] + (["redis-rdb"] if snapshot_alone else [])
        for mode in modes:
            with self.subTest(what=what, server=mode):
                if mode == "redis-rdb":
                    d = self.newdir("redis-rdb")
                    shutil.copyfile(os.path.join(new, "dump.rdb"), os.path.join(d, "dump.rdb"))
                    srv = self.redis(d, "--appendonly", "no")
                elif mode == "redis-aof":
                    srv = self.redis(self.copy_dir(new, "redis-aof"), "--appendonly", "yes")
                else:
                    srv = self.cairn(self.copy_dir(new, "cairn"))
                c = srv.conn()
                self.assertSameData(read_dataset(c), want, "%s loaded by %s" % (what, mode))
                if dumps is not None:
                    self.compare_dumps(c, dumps, "%s loaded by %s" % (what, mode),
                                       strict_encoding=mode != "cairn")
                srv.kill()

    # -- 1 -------------------------------------------------------------------

    def test_round_trip_from_redis_rdb(self):
        path, want, dumps = self.redis_dataset()
        self.assertEqual(set(t for t, _, _ in want.values()), set(TYPES))
        self.assertTrue(any(db == 3 for db, _ in want))

        with self.subTest("check"):
            p = self.tool("check", path, rc=0)
            self.assertIn(b"dump.rdb", p.stdout + p.stderr)

        with self.subTest("export json"):
            p = self.tool("export", path, "--format", "json", "--quiet", rc=0)
            entries = json.loads(p.stdout)
            self.assertIsInstance(entries, list)
            self.assertEqual(len(entries), len(want))
            # one object per line
            objs = [ln.strip().lstrip("[").rstrip("]").rstrip(",").strip()
                    for ln in p.stdout.decode().splitlines()]
            objs = [o for o in objs if o.startswith("{")]
            self.assertEqual([json.loads(o) for o in objs], entries,
                             "not one object per line")
            self.assertSameData(model_from_json(entries), json_view(want), "export json")
            by_key = {(e["db"], e["key"]): e for e in entries}
            self.assertIs(by_key[(0, "str:short")]["expire_at_ms"], None)
            self.assertTrue(by_key[(0, "str:utf8")].get("base64") is not True)
            self.assertEqual(by_key[(0, "zset:small")]["value"]["d"], "inf")
            self.assertEqual(by_key[(0, "zset:small")]["value"]["e"], "-inf")
            self.assertTrue(any(e.get("base64") is True for e in entries))
            # -o: the same array in a file, nothing on stdout
            out = os.path.join(self.newdir("out"), "all.json")
            p = self.tool("export", path, "--format", "json", "-o", out, "--quiet", rc=0)
            self.assertEqual(p.stdout, b"")
            with open(out, "rb") as f:
                self.assertEqual(json.loads(f.read()), entries)
            self.assertEqual(os.listdir(os.path.dirname(out)), ["all.json"])

        with self.subTest("export keys"):
            p = self.tool("export", path, "--format", "keys", "--quiet", rc=0)
            # (doc/tools.md) every key, the last one too, ends with "\n".
            self.assertTrue(p.stdout.endswith(b"\n"), short(p.stdout[-40:]))
            got = collections.Counter(p.stdout[:-1].split(b"\n"))
            self.assertEqual(got, collections.Counter(k for _, k in want))

        with self.subTest("export csv"):
            p = self.tool("export", path, "--format", "csv", "--quiet", rc=0)
            rows = parse_csv(p.stdout)
            self.assertEqual(rows[0], [h.encode() for h in CSV_HEADER])
            self.assertSameData(model_from_csv(rows[1:]), csv_view(want), "export csv")

        with self.subTest("report"):
            p = self.tool("report", path, "--quiet", rc=0)
            text = p.stdout.decode(errors="replace")
            # (doc/tools.md) the text report names every type it counts.
            for t in TYPES:
                self.assertIn(t, text)
            self.tool("report", path, "--format", "text", "--top", "3", "--quiet", rc=0)
            p = self.tool("report", path, "--format", "json", "--quiet", rc=0)
            rep = json.loads(p.stdout)
            self.assertIsInstance(rep, dict)
            counts = find_type_counts(rep)
            # (doc/tools.md) the json report holds the per-type key counts as an
            # object keyed by type name (a count, or an object with "keys").
            self.assertIsNotNone(counts, "no per-type counts in %s" % short(rep, 600))
            self.assertEqual(counts, dict(collections.Counter(t for t, _, _ in want.values())))
            p = self.tool("report", path, "--format", "csv", "--quiet", rc=0)
            self.check_report_csv(parse_csv(p.stdout), want, dumps)
            out = os.path.join(self.newdir("report"), "r.json")
            p = self.tool("report", path, "--format", "json", "-o", out, "--quiet", rc=0)
            with open(out, "rb") as f:
                self.assertEqual(find_type_counts(json.loads(f.read())), counts)

        with self.subTest("restore --dir"):
            new = self.fresh_path("restored")
            self.tool("restore", path, "--dir", new, "--quiet", rc=0)
            self.check_restored_dir(new, snapshot_alone=True)
            self.tool("check", new, rc=0)
            self.load_everywhere(new, want, "restore of dump.rdb", dumps, snapshot_alone=True)
            # a data directory whose log is its base alone exports like the RDB
            d = self.copy_dir(new, "base-only")
            os.remove(os.path.join(d, "dump.rdb"))
            p = self.tool("export", d, "--format", "json", "--quiet", rc=0)
            self.assertSameData(model_from_json(json.loads(p.stdout)), json_view(want),
                                "export of a restored directory")

        with self.subTest("restore --dir into an existing dir"):
            empty = self.newdir("empty")
            self.tool("restore", path, "--dir", empty, "--quiet", rc=0)
            self.check_restored_dir(empty, snapshot_alone=True)
            full = self.newdir("full")
            with open(os.path.join(full, "keep.txt"), "w") as f:
                f.write("mine\n")
            p = self.tool("restore", path, "--dir", full, "--quiet")
            self.assertNotEqual(p.returncode, 0, self.describe(p))
            self.assertEqual(os.listdir(full), ["keep.txt"])
            self.assertEqual(leftovers(full), [])

    def check_report_csv(self, rows, want, dumps):
        header = ["db", "key", "type", "encoding", "elements", "serialized_bytes",
                  "memory_bytes", "expire_at_ms"]
        # (doc/tools.md) report's csv starts with a header row naming its columns,
        # as export's does.
        self.assertEqual(rows[0], [h.encode() for h in header])
        got = {}
        for row in rows[1:]:
            self.assertEqual(len(row), len(header), row)
            rec = dict(zip(header, row))
            k = (int(rec["db"]), rec["key"])
            self.assertNotIn(k, got, "key reported twice")
            got[k] = rec
        self.assertEqual(sorted(got), sorted(want))
        bad = []
        for k, (t, v, exp) in sorted(want.items()):
            rec = got[k]
            enc, dump = dumps[k]
            if rec["type"].decode() != t:
                bad.append("%s: type %r, want %s" % (short(k), rec["type"], t))
            if t != "string":
                n = len(v["entries"]) if t == "stream" else len(v)
                # (doc/tools.md) elements is the collection's length (XLEN for a stream).
                if int(rec["elements"]) != n:
                    bad.append("%s: elements %r, want %d" % (short(k), rec["elements"], n))
                # (doc/tools.md) the encoding is named as OBJECT ENCODING names it.
                if rec["encoding"] != enc:
                    bad.append("%s: encoding %r, want %r" % (short(k), rec["encoding"], enc))
                if t != "stream" and int(rec["serialized_bytes"]) not in (len(dump) - 10,
                                                                          len(dump) - 11):
                    # (doc/tools.md) the DUMP payload less its 2-byte version and
                    # 8-byte CRC (with or without the type byte).
                    bad.append("%s: serialized_bytes %r, DUMP is %d bytes"
                               % (short(k), rec["serialized_bytes"], len(dump)))
            if int(rec["memory_bytes"]) <= 0:
                bad.append("%s: memory_bytes %r" % (short(k), rec["memory_bytes"]))
            # (doc/tools.md) expire_at_ms empty without an expiry.
            want_exp = b"" if exp == -1 else str(exp).encode()
            if rec["expire_at_ms"] != want_exp:
                bad.append("%s: expire_at_ms %r, want %r" % (short(k), rec["expire_at_ms"],
                                                            want_exp))
        self.assertEqual(bad, [], "report csv:\n  " + "\n  ".join(bad))

    # -- 2 -------------------------------------------------------------------

    def test_round_trip_from_cairn_log(self):
        d = self.newdir("cairn-src")
        s = self.cairn(d, "--appendonly", "yes", "--appendfsync", "always")
        c = s.conn()
        cmds = dataset_commands()
        half = len(cmds) // 2
        write_commands(self, c, cmds[:half])
        c.ok("BGREWRITEAOF")
        self.wait_rewrite_done(c, 1)
        write_commands(self, c, cmds[half:])
        want = read_dataset(c)
        c.close()
        s.shutdown()
        man = manifest(d)
        self.assertEqual(len([m for m in man if m[2] == "b"]), 1, man)
        self.assertTrue(any(r.args for r in log_records(d)), "nothing after the base")

        with self.subTest("check"):
            p = self.tool("check", d, rc=0)
            self.assertRegex(p.stdout, COVERS)

        with self.subTest("restore --dir"):
            new = self.fresh_path("restored")
            self.tool("restore", d, "--dir", new, "--quiet", rc=0)
            self.check_restored_dir(new, snapshot_alone=False)
            self.tool("check", new, rc=0)
            self.load_everywhere(new, want, "restore of cairn's directory")

        with self.subTest("export and report refuse a log with commands after its base"):
            for args in (("export", d, "--format", "json"), ("export", d, "--format", "keys"),
                         ("export", d, "--format", "csv"), ("report", d)):
                p = self.tool(*args, "--quiet")
                self.assertNotEqual(p.returncode, 0, self.describe(p))
                # (doc/tools.md) refused before anything is written (not mid-stream).
                self.assertEqual(p.stdout.strip(b"[\n "), b"", "no partial output expected")
                msg = (p.stdout + p.stderr).decode(errors="replace")
                self.assertRegex(msg, r"(?i)restore|bgrewriteaof",
                                 "the message should give the way out")

        with self.subTest("export --format resp of the log"):
            p = self.tool("export", d, "--format", "resp", "--quiet", rc=0)
            r = self.redis(self.newdir("replay"))
            self.pipe_into(r.port, p.stdout)
            self.assertSameData(read_dataset(r.conn()), want, "export resp of cairn's log")
            r.kill()

        with self.subTest("restore --to of the log"):
            r = self.redis(self.newdir("to"))
            self.tool("restore", d, "--to", "127.0.0.1:%d" % r.port, "--quiet", rc=0)
            self.assertSameData(read_dataset(r.conn()), want, "restore --to of cairn's log")
            r.kill()

    # -- 3 -------------------------------------------------------------------

    def test_resp_export_replays_and_filters(self):
        path, want, _ = self.redis_dataset()
        p = self.tool("export", path, "--format", "resp", "--quiet", rc=0)
        resp = p.stdout
        cmds = parse_commands(resp)
        big = [c[:2] for c in cmds
               if (c[0].upper() in (b"RPUSH", b"SADD") and len(c) - 2 > 64)
               or (c[0].upper() in (b"ZADD", b"HSET", b"HMSET") and (len(c) - 2) // 2 > 64)]
        self.assertEqual(big, [], "commands of more than 64 items")

        for name in ("redis", "cairn"):
            with self.subTest("replay into a fresh server", server=name):
                d = self.newdir(name)
                srv = self.redis(d) if name == "redis" else self.cairn(d)
                self.pipe_into(srv.port, resp)
                self.assertSameData(read_dataset(srv.conn()), want, "resp replayed into " + name)
                srv.kill()

        with self.subTest("replay replaces what was there"):
            r = self.redis(self.newdir("dirty"))
            c = r.conn()
            write_commands(self, c, [
                ("RPUSH", "list:small", "junk"), ("SADD", "set:strs", "junk"),
                ("ZADD", "zset:small", "9", "junk"), ("HSET", "hash:small", "junk", "1"),
                # (doc/tools.md) a stream is a collection too (a DEL before its XADDs).
                ("XADD", "stream", "999-1", "junk", "1"),
                ("SET", "str:short", "old", "EX", "1000"), ("SET", "extra0", "stays"),
                ("SELECT", "3"), ("RPUSH", "db3:list", "junk"), ("SET", "extra3", "stays"),
                ("SELECT", "0")])
            self.pipe_into(r.port, resp)
            got = read_dataset(c)
            self.assertEqual(got.pop((0, b"extra0"), None), ("string", b"stays", -1))
            self.assertEqual(got.pop((3, b"extra3"), None), ("string", b"stays", -1))
            self.assertSameData(got, want, "resp replayed over older keys")
            r.kill()

        types = {k: t for k, (t, _, _) in want.items()}
        cases = [
            (("--db", "3"), lambda db, k, t: db == 3),
            (("--key", "user:*"), lambda db, k, t: k.startswith(b"user:")),
            (("--key", "*:big"), lambda db, k, t: k.endswith(b":big")),
            (("--type", "hash"), lambda db, k, t: t == "hash"),
            (("--type", "hash", "--type", "zset"), lambda db, k, t: t in ("hash", "zset")),
            (("--type", "stream"), lambda db, k, t: t == "stream"),
            (("--db", "0", "--db", "3"), lambda db, k, t: True),
            # (doc/tools.md) different filters combine (a key must pass each).
            (("--db", "3", "--type", "hash"), lambda db, k, t: db == 3 and t == "hash"),
            (("--db", "5"), lambda db, k, t: False),
        ]
        for args, pred in cases:
            with self.subTest(filter=" ".join(args)):
                expect = {k for k, t in types.items() if pred(k[0], k[1], t)}
                p = self.tool("export", path, "--format", "json", *args, "--quiet", rc=0)
                got = {(e["db"], base64.b64decode(e["key"]) if e.get("base64") is True
                        else e["key"].encode()) for e in json.loads(p.stdout)}
                self.assertEqual(got, expect)
                p = self.tool("export", path, "--format", "keys", *args, "--quiet", rc=0)
                lines = p.stdout.split(b"\n")
                self.assertEqual(lines[-1], b"")
                self.assertEqual(collections.Counter(lines[:-1]),
                                 collections.Counter(k for _, k in expect))

        with self.subTest("a filtered resp export replays into its db"):
            p = self.tool("export", path, "--format", "resp", "--db", "3", "--quiet", rc=0)
            r = self.redis(self.newdir("db3"))
            self.pipe_into(r.port, p.stdout)
            self.assertSameData(read_dataset(r.conn()),
                                {k: v for k, v in want.items() if k[0] == 3}, "--db 3 replay")
            r.kill()

    # -- 4 -------------------------------------------------------------------

    def test_restore_to_live_servers(self):
        path, want, _ = self.redis_dataset()
        for name in ("redis", "cairn"):
            with self.subTest(server=name):
                d = self.newdir(name)
                srv = self.redis(d) if name == "redis" else self.cairn(d)
                self.tool("restore", path, "--to", "127.0.0.1:%d" % srv.port, "--quiet", rc=0)
                self.assertSameData(read_dataset(srv.conn()), want, "restore --to " + name)
                srv.kill()
        with self.subTest("nothing listening"):
            port = free_port()
            t0 = time.monotonic()
            p = self.tool("restore", path, "--to", "127.0.0.1:%d" % port, "--quiet", timeout=40)
            took = time.monotonic() - t0
            self.assertNotEqual(p.returncode, 0, self.describe(p))
            self.assertLess(took, 16.0, "gave up after %.1fs (connecting is retried 10 s)" % took)
            # (doc/tools.md) the message names the address it could not reach.
            self.assertIn(str(port).encode(), p.stderr, self.describe(p))

    # -- 5 -------------------------------------------------------------------

    def test_restore_until_time_and_seq(self):
        d = self.newdir("pit")
        t_start = int(time.time() * 1000)
        s = self.cairn(d, "--appendonly", "yes", "--appendfsync", "always")
        c = s.conn()
        # part A
        for i in range(50):
            extra = ("PX", "100000000") if i % 10 == 0 else ()
            c.ok("SET", "a:%d" % i, "A%d" % i, *extra)
        c.ok("RPUSH", "list", "a1", "a2")
        c.ok("LPUSH", "list", "a0")
        c.ok("MULTI")
        c.cmd("SET", "tx:1", "x")
        c.cmd("INCRBY", "counter", "5")
        c.cmd("RPUSH", "list", "tx")
        self.assertIsInstance(c.ok("EXEC"), list)
        c.ok("SELECT", 2)
        c.ok("HSET", "h", "f", "a")
        c.ok("SELECT", 0)
        state_a = read_dataset(c)
        # the log so far (read while the server runs: check only reads)
        p = self.tool("check", d, rc=0)
        m = COVERS.search(p.stdout)
        self.assertIsNotNone(m, "no 'covers seq A..B' in check's output")
        seq_a = int(m.group(2))
        # t: a whole second between part A and part B, so that every form
        # of TIME (with or without a fraction) names the same instant
        sec = int(time.time()) + 1
        time.sleep(max(0.05, sec + 0.05 - time.time()))
        t = sec * 1000
        # part B
        for i in range(50, 80):
            c.ok("SET", "a:%d" % i, "B%d" % i)
        for i in range(10):
            c.ok("SET", "a:%d" % i, "B-over-%d" % i)
        c.ok("DEL", "a:10", "a:11", "a:12", "a:13", "a:14")
        c.ok("RPUSH", "list", "b1")
        c.ok("EXPIRE", "a:20", "1000")
        c.ok("MULTI")
        c.cmd("INCRBY", "counter", "7")
        c.cmd("SET", "tx:2", "y")
        self.assertIsInstance(c.ok("EXEC"), list)
        c.ok("SELECT", 2)
        c.ok("HSET", "h", "f", "b")
        c.ok("SELECT", 0)
        state_b = read_dataset(c)
        self.assertNotEqual(state_a, state_b)
        s.kill()

        p = self.tool("check", d, rc=0)
        m = COVERS.search(p.stdout)
        self.assertIsNotNone(m, "no 'covers seq A..B' in check's output")
        seq_end = int(m.group(2))
        self.assertGreater(seq_end, seq_a)
        recs = log_records(d)
        self.assertEqual(recs[-1].seq, seq_end, "check's last seq is not the log's")
        self.assertTrue(all(r.seq <= seq_a for r in recs if r.args[1:2] == [b"a:49"]))

        forms = [("seq", str(seq_a)), ("@ms", "@%d" % t), ("iso", iso(t)),
                 ("iso-no-fraction", iso(t, frac=False)),
                 ("space-no-z", iso(t, sep=" ", z=False)),
                 ("space-no-fraction-no-z", iso(t, sep=" ", frac=False, z=False))]
        for name, until in forms:
            with self.subTest(until=name):
                new = self.fresh_path("until")
                self.tool("restore", d, "--until", until, "--dir", new, "--quiet", rc=0)
                self.tool("check", new, rc=0)
                srv = self.cairn(new)
                self.assertSameData(read_dataset(srv.conn()), state_a, "--until " + until)
                srv.kill()

        with self.subTest("no --until: all of it"):
            new = self.fresh_path("all")
            self.tool("restore", d, "--dir", new, "--quiet", rc=0)
            srv = self.cairn(new)
            self.assertSameData(read_dataset(srv.conn()), state_b, "the whole log")
            srv.kill()

        with self.subTest("before the log"):
            new = self.fresh_path("before")
            p = self.tool("restore", d, "--until", "@%d" % (t_start - 86400000), "--dir", new,
                          "--quiet")
            self.assertNotEqual(p.returncode, 0, self.describe(p))
            self.assertNotEqual(p.stderr.strip(), b"", "the refusal should say why")
            self.assertFalse(os.path.exists(new))
            self.assertEqual(leftovers(new), [])

    def test_restore_until_inside_a_batch(self):
        d = self.newdir("cut")
        s = self.cairn(d, "--appendonly", "yes", "--appendfsync", "always")
        c = s.conn()
        for i in range(20):
            c.ok("SET", "pre:%d" % i, "v%d" % i)
        state0 = read_dataset(c)
        c.ok("MULTI")
        c.cmd("SET", "tx:a", "1")
        c.cmd("SET", "tx:b", "2")
        c.cmd("RPUSH", "tx:l", "x", "y")
        self.assertIsInstance(c.ok("EXEC"), list)
        state1 = read_dataset(c)
        # one send: the server is free to put many of them in one batch
        self.assertEqual(set(c.pipeline([("SET", "pipe:%d" % i, "p%d" % i)
                                         for i in range(400)])), {"OK"})
        s.kill()
        recs = log_records(d)

        with self.subTest("inside a MULTI/EXEC"):
            tx = [r for r in recs if r.args[1:2] == [b"tx:a"]]
            self.assertEqual(len(tx), 1)
            in_batch = [r for r in recs if (r.path, r.batch) == (tx[0].path, tx[0].batch)]
            # (doc/tools.md) a transaction is logged as MULTI ... EXEC records in
            # one batch, as in a Redis AOF.
            if in_batch[0].args[0].upper() != b"MULTI":
                self.skipTest("the transaction's batch does not start with MULTI: %r"
                              % [r.args[:2] for r in in_batch])
            cut = tx[0].seq  # MULTI and SET tx:a kept, the rest not
            new = self.fresh_path("cut-tx")
            self.tool("restore", d, "--until", str(cut), "--dir", new, "--quiet", rc=0)
            self.tool("check", new, rc=0)
            srv = self.cairn(new)
            self.assertSameData(read_dataset(srv.conn()), state0, "--until inside MULTI/EXEC")
            srv.kill()

        with self.subTest("inside a batch of SETs"):
            groups = collections.defaultdict(list)
            for r in recs:
                groups[(r.path, r.batch)].append(r)
            multi = [g for g in groups.values()
                     if len(g) >= 4 and all(r.args[0].upper() == b"SET"
                                            and r.args[1].startswith(b"pipe:") for r in g)]
            if not multi:
                self.skipTest("the server wrote no batch of several pipelined SETs")
            g = max(multi, key=len)
            cut = g[len(g) // 2].seq
            want = dict(state1)
            for r in recs:
                if r.args[0].upper() == b"SET" and r.args[1].startswith(b"pipe:") \
                        and r.seq <= cut:
                    want[(0, r.args[1])] = ("string", r.args[2], -1)
            new = self.fresh_path("cut-batch")
            self.tool("restore", d, "--until", str(cut), "--dir", new, "--quiet", rc=0)
            # the kept part written as a batch of its own: a valid log
            self.tool("check", new, rc=0)
            srv = self.cairn(new)
            self.assertSameData(read_dataset(srv.conn()), want, "--until %d inside a batch" % cut)
            srv.kill()

    def cairn_log_with_rewrite(self, name, before, after):
        """cairn-server (appendonly yes) writes `before` SETs, rewrites the
        log (BGREWRITEAOF: a new base, and the incr after it starts at a
        later seq), then `after` SETs, one acknowledged write at a time;
        returns (dir, dataset at the rewrite, dataset at the end, the time
        the writes began in Unix ms)."""
        d = self.newdir(name)
        t_start = int(time.time() * 1000)
        s = self.cairn(d, "--appendonly", "yes", "--appendfsync", "always")
        c = s.conn()
        for i in range(before):
            c.ok("SET", "old:%d" % i, "o%d" % i)
        at_rewrite = read_dataset(c)
        c.ok("BGREWRITEAOF")
        self.wait_rewrite_done(c, 1)
        for i in range(after):
            c.ok("SET", "new:%d" % i, "n%d" % i)
        at_end = read_dataset(c)
        c.close()
        s.shutdown()
        return d, at_rewrite, at_end, t_start

    def test_restore_until_before_the_log_sends_and_builds_nothing(self):
        d, at_rewrite, at_end, t_start = self.cairn_log_with_rewrite("before", 5, 5)
        recs = log_records(d)
        self.assertEqual([r.args[1] for r in recs], [b"new:%d" % i for i in range(5)],
                         "the incr after the rewrite should hold the writes after it")
        first = recs[0].seq
        p = self.tool("check", d, rc=0)
        m = COVERS.search(p.stdout)
        self.assertIsNotNone(m, "no 'covers seq A..B' in check's output")
        self.assertEqual(int(m.group(1)), first, "check's first seq is not the incr's")
        # the base holds seqs 1..first-1: seq 1 (and first-2) are before the log
        self.assertGreater(first, 2, "the incr after the rewrite starts at seq %d" % first)
        befores = [("a day before", "@%d" % (t_start - 86400000)), ("seq 1", "1"),
                   ("seq first-2", str(first - 2))]
        for name, until in befores:
            for target in ("redis", "cairn"):
                with self.subTest(until=name, to=target):
                    td = self.newdir("to-" + target)
                    srv = self.redis(td) if target == "redis" else self.cairn(td)
                    p = self.tool("restore", d, "--until", until, "--to",
                                  "127.0.0.1:%d" % srv.port, "--quiet")
                    self.assertNotEqual(p.returncode, 0, self.describe(p))
                    self.assertNotEqual(p.stderr.strip(), b"", "the refusal should say why")
                    self.assertEqual(read_dataset(srv.conn()), {},
                                     "a refused restore --to wrote into the server")
                    srv.kill()
            with self.subTest(until=name, to="--dir"):
                new = self.fresh_path("before")
                p = self.tool("restore", d, "--until", until, "--dir", new, "--quiet")
                self.assertNotEqual(p.returncode, 0, self.describe(p))
                self.assertNotEqual(p.stderr.strip(), b"", "the refusal should say why")
                self.assertFalse(os.path.exists(new), "a refused restore made " + new)
                self.assertEqual(leftovers(new), [])

        with self.subTest("--until the seq just before the incr: the base alone"):
            new = self.fresh_path("base-alone")
            self.tool("restore", d, "--until", str(first - 1), "--dir", new, "--quiet", rc=0)
            self.tool("check", new, rc=0)
            srv = self.cairn(new)
            self.assertSameData(read_dataset(srv.conn()), at_rewrite,
                                "--until %d (the base's last seq)" % (first - 1))
            srv.kill()

    def test_restore_until_starts_a_new_history(self):
        d = self.newdir("hist")
        s = self.cairn(d, "--appendonly", "yes", "--appendfsync", "always")
        # --until TIME is refused within a second of the base's ctime (the
        # second it was written, before the server answered): write after it
        time.sleep(max(0.0, int(time.time()) + 1.05 - time.time()))
        c = s.conn()
        for i in range(10):  # one acknowledged write at a time: one batch each
            c.ok("SET", "k:%d" % i, "v%d" % i)
        # one send: the server is free to put many of them in one batch
        self.assertEqual(set(c.pipeline([("SET", "pipe:%d" % i, "p%d" % i)
                                         for i in range(300)])), {"OK"})
        want_all = read_dataset(c)
        c.close()
        s.shutdown()
        recs = log_records(d)
        anns = annotations(d)
        sealed = {(path, i): sealed_field(b.fields) for path, i, b in anns}

        def state_where(keep):
            return {(0, r.args[1]): ("string", r.args[2], -1) for r in recs if keep(r)}

        with self.subTest("no --until: the incr files' bytes are kept, history included"):
            new = self.fresh_path("plain")
            self.tool("restore", d, "--dir", new, "--quiet", rc=0)
            src, got = incr_paths(d), incr_paths(new)
            self.assertEqual(len(got), len(src), "incr files: %r, source %r" % (got, src))
            for a, b in zip(src, got):
                with open(a, "rb") as f:
                    da = f.read()
                with open(b, "rb") as f:
                    db = f.read()
                # (the source's preallocated filler is not content)
                self.assertEqual(db[:content_end(db)], da[:content_end(da)],
                                 "%s: the bytes differ from %s's" % (b, a))
            srv = self.cairn(new)
            self.assertSameData(read_dataset(srv.conn()), want_all, "restore without --until")
            srv.kill()

        with_history = [b for _, _, b in anns if history_field(b.fields)]
        k5 = [r for r in recs if r.args[1:2] == [b"k:5"]]
        self.assertEqual(len(k5), 1)
        groups = collections.defaultdict(list)
        for r in recs:
            groups[(r.path, r.batch)].append(r)
        multi = [g for g in groups.values()
                 if len(g) >= 4 and all(r.args[1].startswith(b"pipe:") for r in g)]
        cuts = [("seq at a batch's end", str(k5[0].seq), lambda r: r.seq <= k5[0].seq)]
        if multi:
            g = max(multi, key=len)
            mid = g[len(g) // 2].seq
            cuts.append(("seq inside a batch", str(mid), lambda r: r.seq <= mid))
        t5 = sealed[(k5[0].path, k5[0].batch)]
        if t5 is not None:
            cuts.append(("time", "@%d" % t5,
                         lambda r: sealed[(r.path, r.batch)] is not None
                         and sealed[(r.path, r.batch)] <= t5))
        for name, until, keep in cuts:
            with self.subTest("--until drops the history", until=name):
                if not with_history:
                    self.skipTest("cairn-server wrote no history field in its annotations "
                                  "(without replicas): nothing for --until to drop")
                new = self.fresh_path("cut")
                self.tool("restore", d, "--until", until, "--dir", new, "--quiet", rc=0)
                got = annotations(new)
                self.assertTrue(got, "no batch in the restored incr files")
                carrying = [(os.path.basename(p), b.first_seq, history_field(b.fields))
                            for p, _, b in got if history_field(b.fields)]
                self.assertEqual(carrying, [], "annotations still carrying a replication "
                                               "history after --until " + until)
                # the checksums were computed again: the log verifies
                self.tool("check", new, rc=0)
                srv = self.cairn(new)
                self.assertSameData(read_dataset(srv.conn()), state_where(keep),
                                    "--until " + until)
                srv.kill()

    def test_restore_log_files_out_of_order(self):
        d, _, _, _ = self.cairn_log_with_rewrite("order", 5, 5)
        man = manifest(d)
        # The incr segments in replay order: a rewrite keeps the one it
        # replaced as a history file (type h), oldest first.
        segs = [os.path.join(aofdir(d), n) for n, _, t in man
                if t == "h" and n.endswith(".incr.aof")] + incr_paths(d)
        if len(segs) < 2:
            self.skipTest("the manifest names fewer than two incr segments: %r" % man)
        first, second = segs[-2], segs[-1]
        for seg in (first, second):
            with open(seg, "rb") as f:
                self.assertTrue([b for b in log_batches(f.read(), seg) if b.first_seq > 0],
                                "%s holds no batch with a seq" % seg)
        p = self.tool("check", d, rc=0)
        last_seq = int(COVERS.search(p.stdout).group(2))

        for extra in ((), ("--until", str(last_seq))):
            with self.subTest("wrong order refused", args=" ".join(extra)):
                new = self.fresh_path("wrong-order")
                p = self.tool("restore", second, first, "--dir", new, *extra, "--quiet")
                self.assertNotEqual(p.returncode, 0, self.describe(p))
                self.assertIn(b"missing or out of order", p.stdout + p.stderr,
                              self.describe(p))
                self.assertFalse(os.path.exists(new), "a refused restore made " + new)
                self.assertEqual(leftovers(new), [])

        with self.subTest("right order"):
            new = self.fresh_path("right-order")
            self.tool("restore", first, second, "--dir", new, "--quiet", rc=0)

    def test_restore_until_after_a_crash_and_with_redis_logs(self):
        """After a torn tail is cut at start-up, the writer closes the log with
        an empty batch: it carries a seal time too, so --until TIME still
        works across it. A Redis log has no seqs: --until SEQ is refused.
        A preamble AOF given after another source is refused."""
        d = self.newdir("crash-pit")
        s = self.cairn(d, "--appendonly", "yes", "--appendfsync", "always")
        c = s.conn()
        for i in range(5):
            c.ok("SET", "a:%d" % i, "A")
        c.close()
        s.kill()
        # A torn tail: half of a last batch, as a crash leaves it.
        incr = incr_paths(d)[-1]
        with open(incr, "rb") as f:
            data = f.read()
        end = content_end(data)
        torn = b"#cairn 6 100 0000000000000000 5\r\n*3\r\n$3\r\nSET\r\n$3\r\nzz"
        with open(incr, "wb") as f:
            f.write(data[:end] + torn)
        s = self.cairn(d, "--appendonly", "yes", "--appendfsync", "always")
        c = s.conn()
        self.assertEqual(c.cmd("GET", "zz"), None)
        for i in range(5, 10):
            c.ok("SET", "a:%d" % i, "A")
        state_a = read_dataset(c)
        with open(incr, "rb") as f:
            self.assertRegex(f.read(), rb"#cairn \d+ 0 [0-9a-f]{16} \d+ t\d+\r\n",
                             "no empty batch with a seal time after the cut")
        time.sleep(0.05)
        t = int(time.time() * 1000)
        time.sleep(0.05)
        c.ok("SET", "b", "B")
        c.close()
        s.kill()
        new = self.fresh_path("crash-pit")
        self.tool("restore", d, "--until", "@%d" % t, "--dir", new, "--quiet", rc=0)
        s = self.cairn(new, "--appendonly", "yes")
        c = s.conn()
        self.assertSameData(read_dataset(c), state_a, "--until across a restart's empty batch")
        c.close()
        s.stop(10)

        # Redis's own AOF: no seqs.
        rd = self.newdir("redis-aof")
        r = self.redis(rd, "--appendonly", "yes", "--aof-use-rdb-preamble", "no")
        rc = r.conn()
        rc.ok("SET", "k", "v")
        rc.close()
        r.stop(10)
        new = self.fresh_path("redis-seq")
        p = self.tool("restore", rd, "--until", "1", "--dir", new, "--quiet")
        self.assertEqual(p.returncode, 2, self.describe(p))
        self.assertIn(b"no sequence numbers", p.stderr, self.describe(p))
        self.assertFalse(os.path.exists(new))

        # A preamble AOF is a snapshot: only first.
        pre = os.path.join(self.tmp, "preamble.aof")
        shutil.copyfile(os.path.join(aofdir(d), manifest(d)[0][0]), pre)
        new = self.fresh_path("preamble-second")
        p = self.tool("restore", incr, pre, "--dir", new, "--quiet")
        self.assertEqual(p.returncode, 2, self.describe(p))
        self.assertIn(b"can only come first", p.stderr, self.describe(p))
        self.assertFalse(os.path.exists(new))

    def test_restore_until_invalid_time(self):
        d = self.newdir("bad-until")
        s = self.cairn(d, "--appendonly", "yes", "--appendfsync", "always")
        c = s.conn()
        c.ok("SET", "k", "v")
        c.close()
        s.shutdown()
        target = self.redis(self.newdir("to"))
        # February 31st, hour 25, a word, February 29th of a year that is not leap
        for until in ("2026-02-31T10:00:00Z", "2026-11-30T25:00:00Z", "yesterday",
                      "2026-02-29T10:00:00Z"):
            with self.subTest(until=until, to="--dir"):
                new = self.fresh_path("bad")
                p = self.tool("restore", d, "--until", until, "--dir", new, "--quiet", rc=2)
                self.assertIn(b"--until", p.stderr, "the message should name --until")
                self.assertFalse(os.path.exists(new))
                self.assertEqual(leftovers(new), [])
            with self.subTest(until=until, to="server"):
                p = self.tool("restore", d, "--until", until, "--to",
                              "127.0.0.1:%d" % target.port, "--quiet", rc=2)
                self.assertIn(b"--until", p.stderr, "the message should name --until")
                self.assertEqual(read_dataset(target.conn()), {})

    # -- 6 -------------------------------------------------------------------

    def corrupt_variants(self, path):
        with open(path, "rb") as f:
            data = f.read()
        rnd_at = rdb_offset_of(data, rnd_value()[:40])
        flipped = bytearray(data)
        flipped[rnd_at + 150] ^= 0x5a
        # name -> (bytes, exit codes allowed, whether the message must give an offset)
        # (doc/tools.md) a file named *.rdb is read as an RDB whatever it holds, so
        # an empty one is a truncated RDB (refused), not an empty AOF.
        # (doc/tools.md) damage is located as "offset <N>", as in doc/tools.md's
        # example ("bad listpack at offset 812").
        return {
            "empty.rdb": (b"", (1, 2), False),
            "trunc-5.rdb": (data[:5], (1,), True),
            "trunc-half.rdb": (data[:len(data) // 2], (1,), True),
            "trunc-all-but-1.rdb": (data[:-1], (1,), True),
            "flipped.rdb": (bytes(flipped), (1,), True),
            "wrong-magic.rdb": (b"RXDIS" + data[5:], (1, 2), False),
            "version-99.rdb": (b"REDIS0099" + data[9:], (1, 2), False),
            "notes.txt": (b"This is not a database.\nJust some notes.\n", (1, 2), False),
        }

    def test_corrupt_rdb_refused(self):
        path, _, _ = self.redis_dataset()
        src = self.newdir("corrupt")
        for name, (data, codes, offset) in self.corrupt_variants(path).items():
            p_in = os.path.join(src, name)
            with open(p_in, "wb") as f:
                f.write(data)
            base = name.encode()
            with self.subTest(file=name, command="check"):
                p = self.tool("check", p_in)
                self.assertIn(p.returncode, codes, self.describe(p))
                self.assertIn(base, p.stdout + p.stderr, "the file should be named")
            outdir = self.newdir("out")
            runs = [("export", ("export", p_in, "--format", "json", "-o",
                                os.path.join(outdir, "x.json"), "--quiet")),
                    ("export-stdout", ("export", p_in, "--format", "json", "--quiet")),
                    ("report", ("report", p_in, "--quiet"))]
            new = self.fresh_path("restored")
            runs.append(("restore", ("restore", p_in, "--dir", new, "--quiet")))
            for what, args in runs:
                with self.subTest(file=name, command=what):
                    p = self.tool(*args)
                    self.assertIn(p.returncode, codes, self.describe(p))
                    lines = [ln for ln in p.stderr.splitlines() if ln.strip()]
                    self.assertEqual(len(lines), 1, "one line on stderr: " + self.describe(p))
                    self.assertIn(base, lines[0], "the file should be named")
                    if offset:
                        self.assertRegex(lines[0], rb"offset \d+")
                    if what == "export-stdout" and p.stdout:
                        with self.assertRaises(ValueError, msg="a damaged export parses"):
                            json.loads(p.stdout)
            with self.subTest(file=name, command="no output left"):
                # (doc/tools.md) the temporary file or dir is removed on failure.
                self.assertEqual(os.listdir(outdir), [])
                self.assertFalse(os.path.exists(new))
                self.assertEqual(leftovers(new), [])
            with open(p_in, "rb") as f:
                self.assertEqual(f.read(), data, "the input was modified")
        # a missing file: usage / I/O error
        p = self.tool("check", os.path.join(src, "missing.rdb"), rc=2)
        self.assertIn(b"missing.rdb", p.stdout + p.stderr)
        p = self.tool("export", os.path.join(src, "missing.rdb"), "--quiet", rc=2)
        self.assertIn(b"missing.rdb", p.stderr)

    def batch_per_write_log(self):
        """A log of 12 SETs acknowledged one at a time: (dir, dataset, incr
        file, its bytes, its non-empty batches)."""
        d = self.newdir("log")
        s = self.cairn(d, "--appendonly", "yes", "--appendfsync", "always")
        c = s.conn()
        for i in range(12):  # one acknowledged write at a time: one batch each
            self.assertEqual(c.cmd("SET", "k%d" % i, ("value-%d-" % i) * 20), "OK")
        want = read_dataset(c)
        c.close()
        s.shutdown()
        path = incr_paths(d)[-1]
        with open(path, "rb") as f:
            data = f.read()
        bs = [b for b in log_batches(data, path) if b.length > 0]
        self.assertGreaterEqual(len(bs), 10, "expected a batch per write")
        return d, want, path, data, bs

    def test_damaged_log_check_repair_restore(self):
        d, want, path, data, bs = self.batch_per_write_log()

        with self.subTest("torn tail"):
            dt = self.copy_dir(d, "torn")
            tpath = incr_paths(dt)[-1]
            last = bs[-1]
            torn_recs = parse_commands(data[last.body:last.body + last.length])
            torn_keys = [a[1] for a in torn_recs if a[0].upper() == b"SET"]
            self.assertEqual(torn_keys, [b"k11"])
            with open(tpath, "r+b") as f:
                f.truncate(last.body + last.length // 2)
            with open(tpath, "rb") as f:
                torn = f.read()
            p = self.tool("check", dt, rc=1)
            out = p.stdout + p.stderr
            self.assertRegex(out, rb"(?i)torn")
            self.assertIn(os.path.basename(tpath).encode(), out)
            # restore cuts the torn tail (and says so), leaving the source as it was
            new = self.fresh_path("restored-torn")
            p = self.tool("restore", dt, "--dir", new, rc=0)
            # (doc/tools.md) restore mentions the cut as "torn" (or "cut").
            self.assertRegex(p.stdout + p.stderr, rb"(?i)torn|cut")
            # (doc/tools.md) restore cuts the tail in what it builds, never in its source.
            with open(tpath, "rb") as f:
                self.assertEqual(f.read(), torn, "restore modified its source")
            srv = self.cairn(new)
            self.assertSameData(read_dataset(srv.conn()),
                                {k: v for k, v in want.items() if k != (0, b"k11")},
                                "restore of a torn log")
            srv.kill()
            # check --repair cuts it; check then passes
            self.tool("check", dt, "--repair", rc=0)
            self.tool("check", dt, rc=0)
            with open(tpath, "rb") as f:
                self.assertEqual(content_end(f.read()), last.start)

        with self.subTest("damage to synced data"):
            dm = self.copy_dir(d, "mid")
            mpath = incr_paths(dm)[-1]
            b = bs[3]
            flip = b.body + b.length // 2
            with open(mpath, "r+b") as f:
                f.seek(flip)
                ch = f.read(1)
                f.seek(flip)
                f.write(b"0" if ch != b"0" else b"1")
            with open(mpath, "rb") as f:
                damaged = f.read()
            p = self.tool("check", dm, rc=1)
            out = (p.stdout + p.stderr).decode(errors="replace")
            self.assertIn(os.path.basename(mpath), out, "the file should be named")
            offsets = [int(x) for x in re.findall(r"offset (\d+)", out)]
            self.assertTrue(any(b.start <= o <= flip for o in offsets),
                            "an offset in [%d, %d] should be named; got %r"
                            % (b.start, flip, offsets))
            self.tool("check", dm, "--repair", rc=1)
            with open(mpath, "rb") as f:
                self.assertEqual(f.read(), damaged, "--repair must not cut synced data")
            new = self.fresh_path("restored-mid")
            p = self.tool("restore", dm, "--dir", new, "--quiet")
            self.assertEqual(p.returncode, 1, self.describe(p))
            self.assertIn(os.path.basename(mpath).encode(), p.stderr)
            self.assertFalse(os.path.exists(new))
            self.assertEqual(leftovers(new), [])

    def test_damaged_log_more_cases(self):
        d, want, path, data, bs = self.batch_per_write_log()
        fname = os.path.basename(path).encode()
        end = content_end(data)
        batches_end = bs[-1].body + bs[-1].length

        def length_at(b):
            m = LOG_ANNOTATION.match(data, b.start)
            return m.start(2), m.end(2)

        def set_bytes(at, new):
            return data[:at] + new + data[at + len(new):]

        def cut_batch(b):
            return data[:b.start] + data[b.body + b.length:]

        # an early annotation: a digit of its length changed (it no longer verifies)
        e = bs[2]
        l0, l1 = length_at(e)
        digit = data[l1 - 1] - ord("0")
        len_digit = set_bytes(l1 - 1, str((digit + 1) % 10).encode())
        # the same digit made a letter (it no longer parses)
        len_letter = set_bytes(l0, b"x")
        # a later one's length made to run past the end of the log (verified
        # batches after it still prove it was synced)
        p = bs[-2]
        p0, p1 = length_at(p)
        self.assertNotEqual(data[p0:p0 + 1], b"9", "test setup: the length starts with 9")
        past_end = set_bytes(p0, b"9")
        self.assertGreater(int(past_end[p0:p1]), end - p.body,
                           "test setup: the changed length should run past the content")
        # name -> (bytes, torn?, where the damage starts and where a message
        # may place it at the latest)
        variants = {
            "early annotation: length digit changed": (len_digit, False, e.start, e.body),
            "early annotation: length not a number": (len_letter, False, e.start, e.body),
            "annotation: length past the end of the log": (past_end, False, p.start, p.body),
            "batch removed from the middle": (cut_batch(bs[5]), False, bs[5].start,
                                              bs[5].start + bs[6].body - bs[6].start),
            "batch removed before the last one": (cut_batch(bs[-2]), False, bs[-2].start,
                                                  bs[-2].start + bs[-1].body - bs[-1].start),
            "zero-filled tail after the content": (data[:end] + b"\0" * 4096, True, None, None),
            "zero-filled tail after the filler": (data + b"\0" * 4096, True, None, None),
        }
        for name, (bad, torn, lo, hi) in variants.items():
            # each step on a copy of its own, so that each says what it does
            def damaged_copy():
                dv = self.copy_dir(d, "damaged")
                vpath = incr_paths(dv)[-1]
                with open(vpath, "wb") as f:
                    f.write(bad)
                return dv, vpath

            with self.subTest(damage=name, command="check"):
                dv, _ = damaged_copy()
                p = self.tool("check", dv, rc=1)
                out = p.stdout + p.stderr
                self.assertIn(fname, out, "the file should be named")
                if torn:
                    self.assertRegex(out, rb"(?i)torn")
                else:
                    # damage to synced data: the verified batches after it
                    # prove it reached the disk, so it is no crash's tail
                    self.assertNotRegex(out, rb"(?i)torn", "damage to synced data said torn")
                    offsets = [int(x) for x in re.findall(rb"offset (\d+)", out)]
                    self.assertTrue(any(lo <= o <= hi for o in offsets),
                                    "an offset in [%d, %d] should be named; got %r"
                                    % (lo, hi, offsets))

            with self.subTest(damage=name, command="restore --dir"):
                dv, vpath = damaged_copy()
                new = self.fresh_path("restored")
                p = self.tool("restore", dv, "--dir", new)
                if torn:
                    self.assertEqual(p.returncode, 0, self.describe(p))
                    # (doc/tools.md) restore mentions the cut as "torn" (or "cut").
                    self.assertRegex(p.stdout + p.stderr, rb"(?i)torn|cut")
                    srv = self.cairn(new)
                    self.assertSameData(read_dataset(srv.conn()), want,
                                        "restore of a log with a " + name)
                    srv.kill()
                else:
                    self.assertEqual(p.returncode, 1, self.describe(p))
                    self.assertIn(fname, p.stderr, "the file should be named")
                    self.assertFalse(os.path.exists(new), "a refused restore made " + new)
                    self.assertEqual(leftovers(new), [])
                with open(vpath, "rb") as f:
                    self.assertEqual(f.read(), bad, "restore modified its source")

            with self.subTest(damage=name, command="check --repair"):
                dv, vpath = damaged_copy()
                if torn:
                    self.tool("check", dv, "--repair", rc=0)
                    self.tool("check", dv, rc=0)
                    with open(vpath, "rb") as f:
                        self.assertEqual(content_end(f.read()), batches_end,
                                         "--repair should cut back to the last whole batch")
                else:
                    p = self.tool("check", dv, "--repair")
                    with open(vpath, "rb") as f:
                        self.assertEqual(f.read(), bad, "--repair must not cut synced data")
                    self.assertEqual(p.returncode, 1, self.describe(p))

    # -- 7 -------------------------------------------------------------------

    def test_progress_quiet_and_not_a_tty(self):
        cmds = [("MSET",) + tuple(x for i in range(j, j + 500)
                                  for x in ("key:%06d" % i, "value-%d" % i * 3))
                for j in range(0, 30000, 500)]
        cmds.append(("RPUSH", "list") + tuple("e%d" % i for i in range(5000)))
        path, nkeys, _ = self.redis_dataset(cmds, read=False)
        self.assertEqual(nkeys, 30001)
        out = os.path.join(self.newdir("out"), "x.json")
        p = self.tool("export", path, "--format", "json", "-o", out, rc=0)
        self.assertNotIn(b"\r", p.stderr, "a bar drawn on a pipe")
        self.assertNotIn(b"\x1b[", p.stderr, "a bar drawn on a pipe")
        with open(out, "rb") as f:
            self.assertEqual(len(json.loads(f.read())), 30001)
        p = self.tool("export", path, "--format", "json", "--quiet", rc=0)
        self.assertEqual(p.stderr, b"")
        plain = p.stdout
        p = self.tool("report", path, "--quiet", rc=0)
        self.assertEqual(p.stderr, b"")
        p = self.tool("check", path, "--quiet", rc=0)
        self.assertEqual(p.stderr, b"")
        # stderr a terminal: the bar goes there, stdout is the same
        for quiet in (False, True):
            with self.subTest(tty=True, quiet=quiet):
                rc, stdout, tty = self.run_with_tty_stderr(
                    ["export", path, "--format", "json"] + (["--quiet"] if quiet else []))
                self.assertEqual(rc, 0, tty[-500:])
                self.assertEqual(stdout, plain, "the bar changed stdout")
                if quiet:
                    self.assertEqual(tty, b"")

    def run_with_tty_stderr(self, args):
        master, slave = pty.openpty()
        proc = subprocess.Popen([self.tool_binary] + args, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=slave)
        os.close(slave)
        tty = bytearray()

        def drain():
            while True:
                try:
                    chunk = os.read(master, 65536)
                except OSError:  # EIO once the child has closed it
                    return
                if not chunk:
                    return
                tty.extend(chunk)
        t = threading.Thread(target=drain, daemon=True)
        t.start()
        try:
            stdout, _ = proc.communicate(timeout=TOOL_TIMEOUT_S)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            t.join(5)
            os.close(master)
        self.tool_runs.append((["cairn"] + args, proc.returncode, stdout, bytes(tty)))
        self.assertGreaterEqual(proc.returncode, 0, "killed by a signal")
        return proc.returncode, stdout, bytes(tty)


if __name__ == "__main__":
    ToolsTest.cairn_binary = take_server_arg("tools_test.py")
    ToolsTest.tool_binary = os.path.join(os.path.dirname(ToolsTest.cairn_binary), "cairn")
    unittest.main(verbosity=2)
