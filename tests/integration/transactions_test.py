#!/usr/bin/python3
"""MULTI/EXEC/WATCH with several real clients, beside redis-server 7.0.15,
and transactions through a crash.

    /usr/bin/python3 tests/integration/transactions_test.py path/to/cairn-server [unittest args]

Standard library only. The comparison tests run the same scenario with the
same assertions on redis-server 7.0.15 and on cairn-server, each on a fresh
server (a subTest each). What is checked:
  * WATCH races: another client's write, DEL, EXPIRE, FLUSHALL or SWAPDB of a
    watched key makes EXEC answer nil; a write to another key, or in another
    database, does not; a transaction's own writes do not touch the watchers
    of other clients until EXEC;
  * optimistic locking under contention: four clients each add 1 to one
    counter 50 times with WATCH/GET/MULTI/SET/EXEC retries; the counter ends
    at exactly 200;
  * a client blocked in BLPOP is served by a push inside another client's
    EXEC only after the whole transaction ran;
  * Cairn only: a script is logged as the commands it ran, one group, never
    as EVAL;
  * Cairn only: EXEC is logged as one MULTI ... EXEC group; after SIGKILL an
    acknowledged transaction is all there; a transaction whose batch was torn
    (the log cut in its middle, as a crash mid-write leaves it) is all gone
    while the writes before it stay.
"""

import glob
import os
import sys
import threading
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from cairn_testlib import ServerTestCase, take_server_arg  # noqa: E402


class WatchRaces(ServerTestCase):
    def test_other_clients_changes_fail_exec(self):
        changes = [
            ("SET", "k", "other"), ("DEL", "k"), ("EXPIRE", "k", "100"), ("APPEND", "k", "x"),
            ("RENAME", "k", "k2"), ("FLUSHALL",), ("FLUSHDB",), ("SWAPDB", "0", "1"),
            ("MOVE", "k", "3"), ("UNLINK", "k"), ("GETDEL", "k"), ("INCRBY", "k", "0"),
        ]

        def run(s):
            a, b = s.conn(), s.conn()
            for change in changes:
                a.ok("FLUSHALL")
                a.ok("SET", "k", "1")
                a.ok("WATCH", "k")
                b.cmd(*change)
                a.ok("MULTI")
                self.assertEqual(a.cmd("SET", "k", "mine"), "QUEUED")
                self.assertIsNone(a.cmd("EXEC"), change)
                self.assertNotEqual(b.cmd("GET", "k"), b"mine", change)

        self.both(run)

    def test_unrelated_changes_let_exec_run(self):
        changes = [("SET", "other", "1"), ("SELECT", "2"), ("GET", "k"), ("SADD", "s", "a"),
                   ("EXPIRE", "missing", "10"), ("DEL", "missing"), ("PERSIST", "k")]

        def run(s):
            a, b = s.conn(), s.conn()
            for change in changes:
                a.ok("FLUSHALL")
                a.ok("SET", "k", "1")
                a.ok("WATCH", "k")
                b.cmd(*change)
                if change[0] == "SELECT":
                    b.ok("SET", "k", "in db 2")  # same name, another database
                a.ok("MULTI")
                a.cmd("SET", "k", "mine")
                self.assertEqual(a.cmd("EXEC"), ["OK"], change)
                b.ok("SELECT", "0")
                self.assertEqual(b.cmd("GET", "k"), b"mine")

        self.both(run)

    def test_stream_group_bookkeeping_leaves_watches_as_redis_does(self):
        # Redis 7.0 signals a stream as modified when its entries change (or
        # MKSTREAM makes it), not for consumer groups' bookkeeping nor XSETID.
        cases = [
            (("XREADGROUP", "GROUP", "g", "newc", "STREAMS", "s", ">"), True),
            (("XGROUP", "CREATECONSUMER", "s", "g", "c9"), True),
            (("XGROUP", "DELCONSUMER", "s", "g", "c0"), True),
            (("XGROUP", "CREATE", "s", "g2", "0"), True),
            (("XGROUP", "CREATE", "n", "g2", "0", "MKSTREAM"), False),
            (("XGROUP", "SETID", "s", "g", "0"), True),
            (("XGROUP", "DESTROY", "s", "g"), True),
            (("XACK", "s", "g", "1-1"), True),
            (("XCLAIM", "s", "g", "c1", "0", "1-1"), True),
            (("XAUTOCLAIM", "s", "g", "c1", "0", "0"), True),
            (("XSETID", "s", "5-0"), True),
            (("XDEL", "s", "1-1"), False),
            (("XTRIM", "s", "MAXLEN", "1"), False),
            (("XADD", "s", "*", "f", "v"), False),
        ]

        def run(s):
            a, b = s.conn(), s.conn()
            for change, runs in cases:
                a.ok("FLUSHALL")
                a.ok("XADD", "s", "1-1", "f", "v")
                a.ok("XADD", "s", "2-1", "f", "v")
                a.ok("XGROUP", "CREATE", "s", "g", "0")
                a.ok("XREADGROUP", "GROUP", "g", "c0", "COUNT", "1", "STREAMS", "s", ">")
                a.ok("WATCH", "s", "n")
                b.ok(*change)
                a.ok("MULTI")
                a.cmd("PING")
                self.assertEqual(a.cmd("EXEC"), ["PONG"] if runs else None, change)

        self.both(run)

    def test_queued_writes_touch_others_only_at_exec(self):
        def run(s):
            a, b = s.conn(), s.conn()
            a.ok("SET", "k", "1")
            b.ok("WATCH", "k")
            a.ok("MULTI")
            a.cmd("SET", "k", "2")
            # b's transaction runs before a's EXEC: nothing has changed yet.
            b.ok("MULTI")
            b.cmd("GET", "k")
            self.assertEqual(b.cmd("EXEC"), [b"1"])
            b.ok("WATCH", "k")
            self.assertEqual(a.cmd("EXEC"), ["OK"])
            b.ok("MULTI")
            b.cmd("GET", "k")
            self.assertIsNone(b.cmd("EXEC"))

        self.both(run)

    def test_counter_with_retries(self):
        clients, each = 4, 50

        def run(s):
            s.conn().ok("SET", "counter", "0")
            errors = []

            def worker():
                try:
                    c = s.conn()
                    done = 0
                    while done < each:
                        c.ok("WATCH", "counter")
                        v = int(c.cmd("GET", "counter"))
                        c.ok("MULTI")
                        c.cmd("SET", "counter", str(v + 1))
                        if c.cmd("EXEC") is not None:
                            done += 1
                except Exception as e:  # reported by the main thread
                    errors.append(e)

            threads = [threading.Thread(target=worker) for _ in range(clients)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(60)
            self.assertEqual(errors, [])
            self.assertEqual(s.conn().cmd("GET", "counter"), b"%d" % (clients * each))

        self.both(run)

    def test_blocked_client_served_after_the_whole_transaction(self):
        def run(s):
            a, b = s.conn(), s.conn()
            b.send(b"*3\r\n$5\r\nBLPOP\r\n$1\r\nq\r\n$1\r\n0\r\n")
            watcher = s.conn()
            for _ in range(200):
                if b"blocked_clients:1" in watcher.cmd("INFO", "clients"):
                    break
            a.ok("MULTI")
            a.cmd("RPUSH", "q", "first")
            a.cmd("RPUSH", "q", "second")
            a.cmd("LPOP", "q")
            self.assertEqual(a.cmd("EXEC"), [1, 2, b"first"])
            # The push of "first" alone would have served b; after the whole
            # transaction only "second" is there.
            self.assertEqual(b.reply(), [b"q", b"second"])

        self.both(run)


class Durability(ServerTestCase):
    cairn_defaults = (("--appendonly", "yes"), ("--appendfsync", "always"))

    def incr_file(self, d):
        files = sorted(glob.glob(os.path.join(d, "appendonlydir", "*.incr.aof")))
        self.assertTrue(files)
        return files[-1]

    def test_acknowledged_transaction_survives_sigkill(self):
        d = self.newdir("cairn")
        s = self.cairn(d)
        c = s.conn()
        c.ok("SET", "before", "1")
        c.ok("MULTI")
        for i in range(20):
            c.cmd("SET", "t%d" % i, "v%d" % i)
        c.cmd("INCR", "before")
        self.assertEqual(len(c.cmd("EXEC")), 21)
        s.kill()
        with open(self.incr_file(d), "rb") as f:
            log = f.read()
        self.assertIn(b"*1\r\n$5\r\nMULTI\r\n", log)
        self.assertIn(b"*1\r\n$4\r\nEXEC\r\n", log)
        s = self.cairn(d)
        c = s.conn()
        self.assertEqual(c.cmd("MGET", *["t%d" % i for i in range(20)]),
                         [b"v%d" % i for i in range(20)])
        self.assertEqual(c.cmd("GET", "before"), b"2")

    def test_script_is_logged_by_its_effects(self):
        d = self.newdir("cairn")
        s = self.cairn(d)
        c = s.conn()
        script = ("for i = 1, 10 do redis.call('rpush', KEYS[1], i) end "
                  "redis.call('set', KEYS[2], redis.call('llen', KEYS[1])) return 'done'")
        self.assertEqual(c.cmd("EVAL", script, "2", "list", "count"), b"done")
        sha = c.cmd("SCRIPT", "LOAD", "return redis.call('incr', KEYS[1])")
        self.assertEqual(c.cmd("EVALSHA", sha, "1", "n"), 1)
        s.kill()
        with open(self.incr_file(d), "rb") as f:
            log = f.read()
        self.assertNotIn(b"EVAL", log.upper())  # replay never runs Lua
        self.assertEqual(log.count(b"*1\r\n$5\r\nMULTI\r\n"), 1)  # the 11 writes of EVAL
        s = self.cairn(d)
        c = s.conn()
        self.assertEqual(c.cmd("LRANGE", "list", "0", "-1"), [b"%d" % i for i in range(1, 11)])
        self.assertEqual(c.cmd("GET", "count"), b"10")
        self.assertEqual(c.cmd("GET", "n"), b"1")

    def test_torn_transaction_is_all_gone(self):
        d = self.newdir("cairn")
        s = self.cairn(d)
        c = s.conn()
        c.ok("SET", "before", "1")
        c.ok("MULTI")
        for i in range(50):
            c.cmd("SET", "t%d" % i, "x" * 1000)
        self.assertEqual(len(c.cmd("EXEC")), 50)
        s.kill()
        path = self.incr_file(d)
        with open(path, "rb") as f:
            log = f.read()
        start = log.index(b"*1\r\n$5\r\nMULTI\r\n")
        end = log.index(b"*1\r\n$4\r\nEXEC\r\n", start)
        # A crash in the middle of writing the transaction's batch: its
        # second half never reached the disk.
        with open(path, "r+b") as f:
            f.truncate((start + end) // 2)
        s = self.cairn(d)
        c = s.conn()
        self.assertEqual(c.cmd("GET", "before"), b"1")
        self.assertEqual(c.cmd("EXISTS", *["t%d" % i for i in range(50)]), 0)
        self.assertEqual(c.cmd("DBSIZE"), 1)


if __name__ == "__main__":
    ServerTestCase.cairn_binary = take_server_arg(__file__)
    unittest.main()
