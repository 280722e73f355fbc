#!/usr/bin/python3
"""Streams (issue 14) beyond what the compat scripts compare line by line:

    /usr/bin/python3 tests/integration/stream_test.py path/to/cairn-server [unittest args]

  * XREAD BLOCK beside a redis-server 7.0.15, reply for reply: woken by
    XADD (to a missing or an existing stream, `$` meaning the ID it had when
    the client blocked), several readers served by one XADD, COUNT with a
    MULTI of XADDs, several streams, timeouts, RESP3 maps, inside MULTI;
    a woken reader served from the stream that woke it alone, and at most
    1000 entries without COUNT;
  * durability: streams of every shape (auto IDs, approximate and exact
    trims, deletions, XSETID, an empty stream) are the same after a SIGKILL
    (the log), after a rewrite into a RESP base and into an RDB base, and
    in Cairn's RDB loaded by redis-server, and redis-server's RDB loaded by
    Cairn;
  * IDs never go backwards: XADD * after a top ID ahead of the clock (what
    a clock stepped back leaves), across SIGKILLs and an RDB base.
"""

import os
import shutil
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cairn_testlib import ServerTestCase, take_server_arg  # noqa: E402
from blocking_test import NULL_ARRAY, Side  # noqa: E402


def unmask(v):
    """XINFO STREAM FULL with the consumers' seen-time (set anew by a
    replay, in Redis too) left out; lists made tuples."""
    if isinstance(v, list):
        out = []
        skip = False
        for i, x in enumerate(v):
            if skip:
                skip = False
                continue
            if x == b"seen-time" and i % 2 == 0:
                skip = True
                continue
            out.append(unmask(x))
        return tuple(out)
    return v


def stream_state(c, key):
    """What a user sees of a stream: its entries, XINFO STREAM FULL's
    fields (the rax's shape and seen times left out), its groups' lag."""
    info = c.ok("XINFO", "STREAM", key, "FULL")
    fields = dict(zip(info[::2], info[1::2]))
    for k in (b"radix-tree-keys", b"radix-tree-nodes"):
        fields.pop(k, None)
    groups = c.ok("XINFO", "GROUPS", key)
    return (c.ok("XRANGE", key, "-", "+"), sorted((k, unmask(v)) for k, v in fields.items()),
            unmask(groups))


def fill_streams(c):
    """Streams of every shape; returns their names."""
    cmds = [("XADD", "auto", "*", "f", str(i), "g", "x" * (i % 7)) for i in range(300)]
    cmds += [("XADD", "capped", "MAXLEN", "~", "50", "*", "n", str(i)) for i in range(400)]
    cmds += [("XADD", "exact", "MAXLEN", "=", "30", "%d-1" % (i + 1), "n", str(i)) for i in range(90)]
    cmds += [("XADD", "holes", "%d-%d" % (i // 3 + 1, i % 3), "v", "y" * i) for i in range(120)]
    cmds += [("XDEL", "holes", "2-1", "5-0", "5-1", "5-2", "40-2")]
    cmds += [("XTRIM", "holes", "MINID", "3-1")]
    cmds += [("XADD", "moved", "10-1", "a", "1"), ("XADD", "moved", "20-1", "a", "2"),
             ("XDEL", "moved", "20-1"), ("XSETID", "moved", "15-0", "ENTRIESADDED", "9",
                                          "MAXDELETEDID", "12-0"),
             ("XADD", "moved", "16-*", "a", "3")]
    cmds += [("XADD", "empty", "7-7", "a", "1"), ("XDEL", "empty", "7-7")]
    cmds += [("XADD", "minid", "MINID", "~", "%d" % max(0, i - 150), "%d-0" % (i + 1), "k", "v")
             for i in range(250)]
    # Consumer groups: deliveries, acks, claims, history reads, NOACK.
    cmds += [("XADD", "g", "%d-1" % (i + 1), "n", str(i)) for i in range(60)]
    cmds += [("XGROUP", "CREATE", "g", "workers", "0"),
             ("XREADGROUP", "GROUP", "workers", "alice", "COUNT", "10", "STREAMS", "g", ">"),
             ("XREADGROUP", "GROUP", "workers", "bob", "COUNT", "5", "STREAMS", "g", ">"),
             ("XACK", "g", "workers", "1-1", "3-1", "12-1"),
             ("XCLAIM", "g", "workers", "carol", "0", "2-1", "11-1", "RETRYCOUNT", "7"),
             ("XREADGROUP", "GROUP", "workers", "alice", "STREAMS", "g", "0"),
             ("XDEL", "g", "5-1"),
             ("XAUTOCLAIM", "g", "workers", "dave", "0", "0", "COUNT", "3"),
             ("XREADGROUP", "GROUP", "workers", "erin", "NOACK", "COUNT", "4", "STREAMS", "g", ">"),
             ("XGROUP", "CREATE", "g", "late", "$", "ENTRIESREAD", "60"),
             ("XGROUP", "CREATECONSUMER", "g", "late", "idle-one"),
             ("XGROUP", "CREATE", "fresh", "empty-group", "$", "MKSTREAM")]
    for cmd in cmds:
        r = c.cmd(*cmd)
        assert not isinstance(r, Exception), (cmd, r)
    return ["auto", "capped", "exact", "holes", "moved", "empty", "minid", "g", "fresh"]


class StreamBlockingTest(ServerTestCase):
    tmp_prefix = "cairn-stream-"
    socket_timeout_s = 5.0
    redis_defaults = (("--save", ""), ("--appendonly", "no"))
    cairn_defaults = (("--save", ""),)

    def on_both(self, body):
        got = {}
        for name in ("redis", "cairn"):
            with self.subTest(server=name):
                d = self.newdir(name)
                srv = self.redis(d) if name == "redis" else self.cairn(d)
                got[name] = body(Side(self, name, srv))
        self.assertEqual(got["cairn"], got["redis"])

    def test_xread_block_served_like_redis(self):
        def body(s):
            out = []
            # A missing stream, `$`: the first XADD serves it.
            c = s.block("XREAD", "BLOCK", 0, "STREAMS", "s", "$")
            s.assert_waiting(c)
            out.append(s.do("XADD", "s", "1-1", "a", "1"))
            out.append(c.reply())
            # An existing one: only what comes after the ID `$` stood for.
            c = s.block("XREAD", "BLOCK", 0, "STREAMS", "s", "$")
            s.do("XADD", "other", "1-1", "x", "y")  # another key wakes nobody
            s.assert_waiting(c)
            out.append(s.do("XADD", "s", "2-1", "b", "2"))
            out.append(c.reply())
            # Two readers, one XADD: both get it (XREAD takes nothing away).
            c1 = s.block("XREAD", "BLOCK", 0, "STREAMS", "s", "$")
            c2 = s.block("XREAD", "BLOCK", 0, "STREAMS", "s", "2-1")
            s.do("XADD", "s", "3-1", "c", "3")
            out += [c1.reply(), c2.reply()]
            # COUNT, with a transaction adding two entries at once.
            c = s.block("XREAD", "COUNT", 1, "BLOCK", 0, "STREAMS", "s", "$")
            s.do("MULTI")
            s.do("XADD", "s", "4-1", "d", "4")
            s.do("XADD", "s", "4-2", "e", "5")
            out.append(s.do("EXEC"))
            out.append(c.reply())
            # Several streams: the one written answers.
            c = s.block("XREAD", "BLOCK", 0, "STREAMS", "s", "t", "$", "$")
            s.do("XADD", "t", "1-1", "t", "1")
            out.append(c.reply())
            # RESP3: a map of stream to entries.
            c = s.block("XREAD", "BLOCK", 0, "STREAMS", "s", "$", resp3=True)
            s.do("XADD", "s", "5-1", "f", "6")
            r = c.reply()
            out.append((type(r).__name__, list(r)))
            # Served at once when there is something after the ID.
            out.append(s.do("XREAD", "BLOCK", 0, "STREAMS", "s", "4-2"))
            # A timeout: the null array, after the time asked.
            t0 = time.monotonic()
            out.append(s.do("XREAD", "BLOCK", 150, "STREAMS", "s", "$") is NULL_ARRAY)
            out.append(time.monotonic() - t0 >= 0.12)
            # Inside MULTI it cannot wait: answered as a timeout.
            s.do("MULTI")
            s.do("XREAD", "BLOCK", 0, "STREAMS", "s", "$")
            out.append([x is NULL_ARRAY for x in s.do("EXEC")])
            # A deleted stream made again by XADD wakes the reader too.
            c = s.block("XREAD", "BLOCK", 0, "STREAMS", "s", "$")
            s.do("DEL", "s")
            s.assert_waiting(c)
            s.do("XADD", "s", "9-1", "g", "7")
            out.append(c.reply())
            self.assertEqual(s.blocked(), 0)
            return out
        self.on_both(body)

    def test_xreadgroup_block_served_like_redis(self):
        def body(s):
            out = []
            s.do("XGROUP", "CREATE", "q", "g", "$", "MKSTREAM")
            # Two consumers wait; each new entry goes to one, oldest first.
            c1 = s.block("XREADGROUP", "GROUP", "g", "c1", "BLOCK", 0, "STREAMS", "q", ">")
            c2 = s.block("XREADGROUP", "GROUP", "g", "c2", "BLOCK", 0, "STREAMS", "q", ">")
            out.append(s.do("XADD", "q", "1-1", "job", "a"))
            out.append(c1.reply())
            s.assert_waiting(c2)
            out.append(s.do("XADD", "q", "2-1", "job", "b"))
            out.append(c2.reply())
            out.append(s.do("XPENDING", "q", "g"))
            # COUNT and NOACK while blocked; then a timeout.
            c = s.block("XREADGROUP", "GROUP", "g", "c3", "COUNT", 1, "NOACK", "BLOCK", 0,
                        "STREAMS", "q", ">")
            s.do("MULTI")
            s.do("XADD", "q", "3-1", "job", "c")
            s.do("XADD", "q", "3-2", "job", "d")
            s.do("EXEC")
            out.append(c.reply())
            out.append(s.do("XREADGROUP", "GROUP", "g", "c3", "STREAMS", "q", ">"))
            t0 = time.monotonic()
            out.append(s.do("XREADGROUP", "GROUP", "g", "c1", "BLOCK", 100, "STREAMS", "q", ">")
                       is NULL_ARRAY)
            out.append(time.monotonic() - t0 >= 0.08)
            # History is served at once, blocked or not.
            out.append(s.do("XREADGROUP", "GROUP", "g", "c1", "BLOCK", 0, "STREAMS", "q", "0"))
            out.append(s.do("XPENDING", "q", "g"))
            # The group destroyed, the key overwritten: the waiters are told.
            c = s.block("XREADGROUP", "GROUP", "g", "c1", "BLOCK", 0, "STREAMS", "q", ">")
            s.do("XGROUP", "DESTROY", "q", "g")
            out.append(str(c.reply()))
            s.do("XGROUP", "CREATE", "q", "g", "$")
            c = s.block("XREADGROUP", "GROUP", "g", "c1", "BLOCK", 0, "STREAMS", "q", ">")
            s.do("SET", "q", "now a string")
            out.append(str(c.reply()))
            s.do("DEL", "q")
            s.do("XGROUP", "CREATE", "q", "g", "$", "MKSTREAM")
            c = s.block("XREADGROUP", "GROUP", "g", "c1", "BLOCK", 0, "STREAMS", "q", ">")
            c0 = s.block("XREAD", "BLOCK", 0, "STREAMS", "q", "$")
            s.do("DEL", "q")
            out.append(str(c.reply()))
            s.assert_waiting(c0)  # (XREAD waits on)
            s.do("XADD", "q", "1-1", "h", "1")
            out.append(c0.reply())
            for flush in ("FLUSHDB", "FLUSHALL"):
                s.do("XGROUP", "CREATE", "q", "g", "$", "MKSTREAM")
                c = s.block("XREADGROUP", "GROUP", "g", "c1", "BLOCK", 0, "STREAMS", "q", ">")
                s.do(flush)
                out.append(str(c.reply()))
            # A stream that expires (the active cycle, no command after):
            # its XREADGROUP waiter is told at once.
            s.do("XGROUP", "CREATE", "q", "g", "$", "MKSTREAM")
            s.do("PEXPIRE", "q", 300)
            c = s.block("XREADGROUP", "GROUP", "g", "c1", "BLOCK", 0, "STREAMS", "q", ">")
            deadline = time.monotonic() + 5
            while not c.pending():
                self.assertLess(time.monotonic(), deadline, s.name)
                time.sleep(0.01)
            out.append(str(c.reply()))
            # XREAD on two keys, one overwritten: the other still serves it.
            c = s.block("XREAD", "BLOCK", 0, "STREAMS", "s1", "s2", "$", "$")
            s.do("SET", "s2", "x")
            s.assert_waiting(c)
            s.do("XADD", "s1", "1-1", "a", "1")
            out.append(c.reply())
            self.assertEqual(s.blocked(), 0)
            return out
        self.on_both(body)

    def test_woken_reader_is_served_from_the_stream_that_woke_it(self):
        def body(s):
            out = []
            # A transaction adding to both streams: the first one added to
            # answers alone, as Redis 7.0 serves a parked reader.
            c = s.block("XREAD", "BLOCK", 0, "STREAMS", "s1", "s2", "$", "$")
            s.do("MULTI")
            s.do("XADD", "s2", "1-1", "a", "1")
            s.do("XADD", "s1", "1-1", "b", "2")
            s.do("EXEC")
            out.append(c.reply())
            s.do("XGROUP", "CREATE", "s1", "g", "$")
            s.do("XGROUP", "CREATE", "s2", "g", "$")
            c = s.block("XREADGROUP", "GROUP", "g", "c", "BLOCK", 0, "STREAMS", "s1", "s2",
                        ">", ">")
            s.do("MULTI")
            s.do("XADD", "s2", "2-1", "a", "1")
            s.do("XADD", "s1", "2-1", "b", "2")
            s.do("EXEC")
            out.append(c.reply())
            out.append([s.do("XPENDING", k, "g") for k in ("s1", "s2")])
            # Without COUNT, a woken reader gets at most 1000 entries.
            c = s.block("XREAD", "BLOCK", 0, "STREAMS", "big", "$")
            s.do("MULTI")
            for i in range(1200):
                s.do("XADD", "big", "*", "n", str(i))
            s.do("EXEC")
            out.append(len(c.reply()[0][1]))
            # An entry added and deleted again ends the wait, with nothing.
            c = s.block("XREAD", "BLOCK", 0, "STREAMS", "s1", "$")
            s.do("XGROUP", "CREATE", "s1", "h", "$")
            c2 = s.block("XREADGROUP", "GROUP", "h", "c", "BLOCK", 0, "STREAMS", "s1", ">")
            s.do("MULTI")
            s.do("XADD", "s1", "3-1", "c", "3")
            s.do("XDEL", "s1", "3-1")
            s.do("EXEC")
            out += [c.reply(), c2.reply(), s.do("XINFO", "CONSUMERS", "s1", "h")[0][:2]]
            self.assertEqual(s.blocked(), 0)
            return out
        self.on_both(body)


class StreamDurabilityTest(ServerTestCase):
    tmp_prefix = "cairn-stream-"

    def snapshot(self, c, keys):
        return {k: stream_state(c, k) for k in keys}

    def rewrite(self, c, preamble):
        """BGREWRITEAOF into a RESP (no) or RDB (yes) base, waited for."""
        c.ok("CONFIG", "SET", "aof-use-rdb-preamble", preamble)
        c.ok("BGREWRITEAOF")
        deadline = time.monotonic() + 20
        while c.info("persistence")["aof_rewrite_in_progress"] != "0":
            self.assertLess(time.monotonic(), deadline)
            time.sleep(0.05)

    def test_streams_survive_kill_rewrites_and_cross_loading(self):
        d = self.newdir("cairn")
        srv = self.cairn(d, "--appendfsync", "everysec")
        c = srv.conn()
        keys = fill_streams(c)
        want = self.snapshot(c, keys)
        self.assertEqual(c.ok("TYPE", "empty"), "stream")
        # The log: a SIGKILL loses nothing of it (everysec: wait for a sync).
        time.sleep(1.5)
        srv = self.relaunch(srv)
        c = srv.conn()
        self.assertEqual(self.snapshot(c, keys), want)
        # A rewrite into a RESP base (XADD, XSETID), then into an RDB base.
        for preamble in ("no", "yes"):
            self.rewrite(c, preamble)
            srv = self.relaunch(srv)
            c = srv.conn()
            self.assertEqual(self.snapshot(c, keys), want, "after a rewrite, preamble " + preamble)
        # Cairn's RDB in redis-server.
        self.assertEqual(c.ok("SAVE"), "OK")
        rdir = self.newdir("redis")
        shutil.copy(os.path.join(d, "dump.rdb"), os.path.join(rdir, "dump.rdb"))
        r = self.redis(rdir, "--appendonly", "no").conn()
        self.assertEqual(self.snapshot(r, keys), want)
        # And redis-server's in Cairn (its own writes this time).
        r.ok("FLUSHALL")
        keys = fill_streams(r)
        want = self.snapshot(r, keys)
        self.assertEqual(r.ok("SAVE"), "OK")
        cdir = self.newdir("cairn2")
        shutil.copy(os.path.join(rdir, "dump.rdb"), os.path.join(cdir, "dump.rdb"))
        c2 = self.cairn(cdir, "--appendonly", "no").conn()
        self.assertEqual(self.snapshot(c2, keys), want)


    def test_ids_never_go_backwards_across_restarts_and_clock_steps(self):
        # A top ID ahead of the clock is what a clock stepped back leaves:
        # XADD * must go on from it (ms-seq+1), not from the clock, and a
        # restart (log replay, then an RDB base) must remember it, even
        # for a stream whose entries all went (XDEL, XTRIM MAXLEN 0).
        d = self.newdir("cairn")
        srv = self.cairn(d, "--appendfsync", "always")
        c = srv.conn()
        future = 99999999999999
        c.ok("XADD", "ahead", "%d-5" % future, "a", "1")
        c.ok("XADD", "gone", "%d-1" % future, "a", "1")
        c.ok("XDEL", "gone", "%d-1" % future)
        c.ok("XADD", "trimmed", "%d-3" % future, "a", "1")
        c.ok("XTRIM", "trimmed", "MAXLEN", "0")
        want = {"ahead": 6, "gone": 2, "trimmed": 4}

        def check_next():
            for key in sorted(want):
                self.assertEqual(c.ok("XADD", key, "*", "n", str(want[key])),
                                 b"%d-%d" % (future, want[key]), key)
                want[key] += 1

        check_next()
        srv = self.relaunch(srv)
        c = srv.conn()
        check_next()
        self.rewrite(c, "yes")
        srv = self.relaunch(srv)
        c = srv.conn()
        check_next()
        # The clock stepping forward again: IDs follow it once it passes.
        c.ok("XADD", "now", "1-1", "a", "1")
        before = int(time.time() * 1000)
        ms = int(c.ok("XADD", "now", "*", "a", "2").split(b"-")[0])
        self.assertGreaterEqual(ms, before - 1000)


if __name__ == "__main__":
    binary = take_server_arg("stream_test.py")
    StreamBlockingTest.cairn_binary = StreamDurabilityTest.cairn_binary = binary
    unittest.main()
