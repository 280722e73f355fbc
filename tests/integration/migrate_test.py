#!/usr/bin/python3
"""MIGRATE beside redis-server 7.0.15: the same replies for the same moves and
mistakes (a password-protected target, a database it lacks, a key it has,
no target at all, bad arguments), keys of every type arriving whole with
their TTLs, the moved keys gone from the source for good (a SIGKILL and
restart later), and a target that never answers costing only the timeout.

    /usr/bin/python3 tests/integration/migrate_test.py path/to/cairn-server [unittest args]
"""

import os
import socket
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from cairn_testlib import ServerTestCase, read_dataset, take_server_arg  # noqa: E402


class MigrateTest(ServerTestCase):
    def test_replies_and_effects_match_redis(self):
        steps = [
            ("MIGRATE", "127.0.0.1", "{port}", "k", "0", "1000"),             # no AUTH
            ("MIGRATE", "127.0.0.1", "{port}", "k", "0", "1000", "AUTH", "wrong"),
            ("MIGRATE", "127.0.0.1", "{port}", "k", "0", "1000", "AUTH2", "default", "wrong"),
            ("MIGRATE", "127.0.0.1", "{port}", "k", "99", "1000", "AUTH", "pw"),
            ("MIGRATE", "127.0.0.1", "{port}", "k", "0", "1000", "COPY", "AUTH", "pw"),
            ("MIGRATE", "127.0.0.1", "{port}", "k", "0", "1000", "COPY", "REPLACE", "AUTH", "pw"),
            ("MIGRATE", "127.0.0.1", "{closed}", "k", "0", "500"),
            ("MIGRATE", "nosuchhost.invalid", "6379", "k", "0", "500"),
            ("MIGRATE", "127.0.0.1", "-1", "k", "0", "500"),
            ("MIGRATE", "127.0.0.1", "{port}", "nokey", "0", "1000"),
            ("MIGRATE", "127.0.0.1", "{port}", "k", "0", "1000", "KEYS", "k2"),
            ("MIGRATE", "127.0.0.1", "{port}", "", "0", "1000", "AUTH", "pw",
             "KEYS", "k", "k2", "nokey"),
            ("EXISTS", "k", "k2"),
            ("MIGRATE", "127.0.0.1", "{port}", "k", "x", "1000"),
            ("MIGRATE", "127.0.0.1", "{port}", "k", "0", "x"),
            ("MIGRATE", "127.0.0.1", "{port}", "k", "0", "1000", "FOO"),
            ("MIGRATE", "127.0.0.1", "{port}", "k", "0", "1000", "AUTH"),
            ("MIGRATE", "127.0.0.1", "{port}", "k", "0", "1000", "AUTH2", "u"),
            ("MIGRATE", "127.0.0.1", "{port}", "k"),
            ("MIGRATE", "127.0.0.1", "{port}", "k", "3", "0", "REPLACE", "AUTH2", "default", "pw"),
            ("EXISTS", "k", "k2"),
        ]
        results = {}
        closed = socket.socket()
        closed.bind(("127.0.0.1", 0))
        closed_port = closed.getsockname()[1]
        closed.close()  # a port nothing listens on

        def run(source):
            target = self.redis(self.newdir("target"))
            t = target.conn()
            t.ok("CONFIG", "SET", "requirepass", "pw")
            c = source.conn()
            c.ok("SET", "k", "v")
            c.ok("SET", "k2", "v2", "PX", "100000")
            replies = []
            for step in steps:
                argv = [a.format(port=target.port, closed=closed_port) for a in step]
                replies.append(c.cmd(*argv))
            pttl = t.ok("PTTL", "k2")
            self.assertTrue(90000 < pttl <= 100000, pttl)
            t.ok("SELECT", "3")
            results[source] = (replies, t.ok("GET", "k"))

        self.both(run)
        (redis_replies, redis_moved), (cairn_replies, cairn_moved) = results.values()
        self.assertEqual(cairn_replies, redis_replies)
        self.assertEqual((cairn_moved, redis_moved), (b"v", b"v"))
        # Checks of the oracle's answers, so the comparison compares something.
        self.assertEqual(cairn_replies[5], "OK")
        self.assertEqual(cairn_replies[9], "NOKEY")
        self.assertEqual(cairn_replies[12], 1)  # k2 moved though k was refused
        self.assertTrue(cairn_replies[6].startswith("IOERR"))
        self.assertEqual(cairn_replies[-1], 0)

    def test_every_type_arrives_whole_and_leaves_the_source_for_good(self):
        src_dir, dst_dir = self.newdir("src"), self.newdir("dst")
        src = self.cairn(src_dir, "--appendonly", "yes")
        dst = self.cairn(dst_dir, "--appendonly", "yes")
        c, d = src.conn(), dst.conn()
        c.ok("SET", "s", "x" * 5000)
        c.ok("RPUSH", "l", *[str(i) for i in range(300)])
        c.ok("HSET", "h", *[x for i in range(200) for x in ("f%d" % i, "v%d" % i)])
        c.ok("SADD", "set", *[str(i) for i in range(600)])
        c.ok("ZADD", "z", *[x for i in range(200) for x in (str(i / 3), "m%d" % i)])
        c.ok("XADD", "x", "1-1", "a", "b")
        c.ok("XADD", "x", "2-1", "c", "d")
        c.ok("PEXPIRE", "l", "500000")
        c.ok("SET", "stay", "here")
        before = read_dataset(c, [0])
        keys = ["s", "l", "h", "set", "z", "x"]
        self.assertEqual(c.ok("MIGRATE", "127.0.0.1", str(dst.port), "", "2", "5000",
                              "KEYS", *keys), "OK")
        self.assertEqual(c.ok("KEYS", "*"), [b"stay"])
        moved = read_dataset(d, [2])
        # The TTL travels as time left, as in Redis: the deadline may move by a millisecond.
        self.assertEqual({k: v[:2] for k, v in moved.items()},
                         {(2, k): v[:2] for (_, k), v in before.items() if k != b"stay"})
        self.assertAlmostEqual(moved[(2, b"l")][2], before[(0, b"l")][2], delta=50)
        self.assertEqual(moved[(2, b"s")][2], -1)
        # Both sides logged it: the source's DEL, the target's RESTOREs.
        src = self.relaunch(src)
        dst = self.relaunch(dst)
        self.assertEqual(src.conn().ok("KEYS", "*"), [b"stay"])
        self.assertEqual(read_dataset(dst.conn(), [2]), moved)

    def test_a_target_that_never_answers_costs_the_timeout_and_keeps_the_key(self):
        silent = socket.socket()
        silent.bind(("127.0.0.1", 0))
        silent.listen(4)  # accepts (in the kernel), never reads nor replies
        try:
            src = self.cairn(self.newdir("src"))
            c = src.conn()
            c.ok("SET", "k", "v")
            started = time.monotonic()
            reply = c.cmd("MIGRATE", "127.0.0.1", str(silent.getsockname()[1]), "k", "0", "300")
            took = time.monotonic() - started
            self.assertEqual(reply, "IOERR error or timeout reading to target instance")
            self.assertGreaterEqual(took, 0.29)
            self.assertLess(took, 5)
            self.assertEqual(c.ok("GET", "k"), b"v")
            self.assertEqual(c.ok("PING"), "PONG")
        finally:
            silent.close()


if __name__ == "__main__":
    ServerTestCase.cairn_binary = take_server_arg(__file__)
    unittest.main()
