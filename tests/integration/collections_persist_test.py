#!/usr/bin/python3
"""Lists, sets, sorted sets and hashes survive every way Cairn persists them
(issue 10, "Durability and RDB").

    /usr/bin/python3 tests/integration/collections_persist_test.py path/to/cairn-server

A dataset holding every type in every encoding (small and big, integers,
binary members, scores from -inf to inf, expiries, several dbs) is written
to Cairn, and its logical contents (and OBJECT ENCODING, and TTLs) are
read back after:
  * SIGKILL and restart from the log (appendfsync always);
  * BGREWRITEAOF with and without the RDB preamble, then SIGKILL;
  * SAVE, then a restart from dump.rdb alone;
  * redis-server 7.0.15 started on Cairn's data directory (log and RDB);
  * Cairn started on redis-server's data directory.
"""

import os
import shutil
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from cairn_testlib import ServerTestCase, take_server_arg  # noqa: E402

DBS = (0, 3)


def dataset():
    """(db, command) pairs building the dataset; deterministic."""
    cmds = []
    for db in DBS:
        p = "d%d:" % db
        cmds += [
            ("RPUSH", p + "list:small", "a", "b", "12", "-7", "", "x" * 70),
            ("RPUSH", p + "list:big") + tuple("e%05d" % i for i in range(3000)),
            ("LPUSH", p + "list:ints") + tuple(str(i * 1000003) for i in range(200)),
            ("SADD", p + "set:int", "1", "2", "-5", "9223372036854775807", "-9223372036854775808"),
            ("SADD", p + "set:str", "a", "b", "\x00bin\xff", "longer member"),
            ("SADD", p + "set:big") + tuple(str(i) for i in range(600)),
            ("ZADD", p + "zset:small", "1", "a", "2.5", "b", "-inf", "c", "inf", "d",
             "1e17", "e", "-0", "f", "0.1", "g"),
            ("ZADD", p + "zset:big") + tuple(x for i in range(300) for x in (str(i / 7), "m%d" % i)),
            ("ZADD", p + "zset:long", "3", "y" * 100),
            ("HSET", p + "hash:small", "f1", "v1", "f2", "2", "", "empty-field"),
            ("HSET", p + "hash:big") + tuple(x for i in range(600) for x in ("f%d" % i, "v%d" % i)),
            ("HSET", p + "hash:long", "f", "z" * 100),
            ("GEOADD", p + "geo", "13.361389", "38.115556", "Palermo", "15.087269", "37.502669",
             "Catania"),
            ("SET", p + "string", "plain"),
            ("RPUSH", p + "expiring", "soon"),
            ("PEXPIRE", p + "expiring", "3600000"),
            ("HSET", p + "expiring:hash", "f", "v"),
            ("EXPIRE", p + "expiring:hash", "7200"),
        ]
    return cmds


def snapshot_of(c):
    """Everything a client can see of the dataset, per db, as comparable data."""
    out = {}
    for db in DBS:
        c.cmd("SELECT", str(db))
        keys = sorted(c.cmd("KEYS", "*"))
        for k in keys:
            t = c.cmd("TYPE", k)
            enc = c.cmd("OBJECT", "ENCODING", k)
            if t == "list":
                v = c.cmd("LRANGE", k, "0", "-1")
            elif t == "set":
                v = sorted(c.cmd("SMEMBERS", k))
            elif t == "zset":
                v = c.cmd("ZRANGE", k, "0", "-1", "WITHSCORES")
            elif t == "hash":
                flat = c.cmd("HGETALL", k)
                v = sorted(zip(flat[0::2], flat[1::2]))
            else:
                v = c.cmd("GET", k)
            ttl = c.cmd("PTTL", k)
            # Expiries are absolute: compare them to the minute.
            out[(db, k)] = (t, enc, v, -1 if ttl < 0 else ttl // 60000)
    c.cmd("SELECT", "0")
    return out


class CollectionsPersistTest(ServerTestCase):
    tmp_prefix = "cairn-collections-"
    start_timeout_s = 20.0
    socket_timeout_s = 20.0

    def fill(self, s):
        c = s.conn()
        for db in DBS:
            c.cmd("SELECT", str(db))
            for d, *cmd in [(db,) + x for x in dataset() if x[1].startswith("d%d:" % db)]:
                r = c.cmd(*cmd)
                self.assertNotIsInstance(r, Exception, (cmd[:3], r))
        c.cmd("SELECT", "0")
        return c

    def expect_same(self, want, s, what):
        got = snapshot_of(s.conn())
        self.assertEqual(sorted(got), sorted(want), what + ": key sets differ")
        for k in want:
            self.assertEqual(got[k], want[k], "%s: %r differs" % (what, k))

    def test_log_rewrite_and_snapshot(self):
        d = self.newdir("cairn")
        s = self.cairn(d, "--appendonly", "yes", "--appendfsync", "always", "--save", "")
        c = self.fill(s)
        want = snapshot_of(c)
        # The encodings worth covering are all there.
        encs = {v[1] for v in want.values()}
        self.assertTrue({b"quicklist", b"intset", b"hashtable", b"listpack", b"skiplist"} <= encs,
                        encs)

        s.kill()
        s = self.cairn(d, "--appendonly", "yes", "--save", "")
        self.expect_same(want, s, "restart from the log")

        for preamble in ("no", "yes"):
            c = s.conn()
            c.cmd("CONFIG", "SET", "aof-use-rdb-preamble", preamble)
            self.assertIn("rewriting", c.cmd("BGREWRITEAOF"))
            deadline = time.monotonic() + 20
            while c.info("persistence").get("aof_rewrite_in_progress") != "0" or \
                    c.info("persistence").get("aof_rewrite_scheduled") != "0":
                self.assertLess(time.monotonic(), deadline, "rewrite did not finish")
                time.sleep(0.05)
            s.kill()
            s = self.cairn(d, "--appendonly", "yes", "--save", "")
            self.expect_same(want, s, "restart after a rewrite (preamble %s)" % preamble)

        self.assertEqual(s.conn().cmd("SAVE"), "OK")
        s.kill()
        shutil.rmtree(os.path.join(d, "appendonlydir"))
        s = self.cairn(d, "--appendonly", "no", "--save", "")
        self.expect_same(want, s, "restart from dump.rdb")
        s.kill()

    def test_redis_loads_cairn_and_cairn_loads_redis(self):
        d = self.newdir("cairn")
        s = self.cairn(d, "--appendonly", "yes", "--save", "")
        want = snapshot_of(self.fill(s))
        self.assertEqual(s.conn().cmd("SAVE"), "OK")
        s.kill()

        # redis-server on Cairn's log (RESP incr over an RDB base) ...
        r = self.redis(d, "--appendonly", "yes", "--save", "")
        self.expect_same(want, r, "redis-server on Cairn's log")
        r.kill()
        # ... and on Cairn's dump.rdb alone.
        shutil.rmtree(os.path.join(d, "appendonlydir"))
        r = self.redis(d, "--appendonly", "no", "--save", "")
        self.expect_same(want, r, "redis-server on Cairn's dump.rdb")
        r.kill()

        # Cairn on redis-server's directory: its log, then its dump.rdb.
        rd = self.newdir("redis")
        r = self.redis(rd, "--appendonly", "yes", "--save", "")
        theirs = snapshot_of(self.fill(r))
        self.assertEqual(theirs, want, "redis-server built another dataset from the commands")
        self.assertEqual(r.conn().cmd("SAVE"), "OK")
        r.kill()
        s = self.cairn(rd, "--appendonly", "yes", "--save", "")
        self.expect_same(want, s, "Cairn on redis-server's log")
        s.kill()
        shutil.rmtree(os.path.join(rd, "appendonlydir"))
        s = self.cairn(rd, "--appendonly", "no", "--save", "")
        self.expect_same(want, s, "Cairn on redis-server's dump.rdb")


if __name__ == "__main__":
    CollectionsPersistTest.cairn_binary = take_server_arg(sys.argv)
    unittest.main(verbosity=2)
