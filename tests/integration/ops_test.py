#!/usr/bin/python3
"""SLOWLOG, LATENCY, INFO latencystats, CLIENT KILL/REPLY/PAUSE, MONITOR,
`timeout` and DEBUG LOADAOF beside redis-server 7.0.15. SLOWLOG: the
same commands logged (secrets redacted, long arguments and long argument
lists cut the same way), the same trimming to slowlog-max-len, the same
latency events, graph and histogram buckets. Times differ run to run, so
entries are compared without their timestamps and durations.

    /usr/bin/python3 tests/integration/ops_test.py path/to/cairn-server [unittest args]
"""

import os
import re
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from cairn_testlib import ServerTestCase, encode, take_server_arg  # noqa: E402


def slowlog(c, count=-1):
    """SLOWLOG GET as (id, argv, client name), newest first; checks the rest's form."""
    out = []
    for e in c.ok("SLOWLOG", "GET", str(count)):
        ident, when, took, argv, addr, name = e
        assert when > 1_600_000_000 and took >= 0, e
        assert re.fullmatch(rb"127\.0\.0\.1:\d+", addr), e
        out.append((ident, argv, name))
    return out


class SlowlogTest(ServerTestCase):
    def test_entries_match_redis(self):
        seen = []

        def run(s):
            c = s.conn()
            c.ok("CONFIG", "SET", "slowlog-log-slower-than", "0")
            c.ok("SLOWLOG", "RESET")
            c.ok("CLIENT", "SETNAME", "tester")
            c.ok("SET", "k", "v")
            c.cmd("AUTH", "secret")            # an error reply: still logged, redacted
            c.cmd("AUTH", "user", "secret")
            c.cmd("HELLO", "2", "AUTH", "default", "secret", "SETNAME", "x")
            c.ok("SET", "big", "x" * 300)       # cut at 128 bytes
            c.ok("RPUSH", "l", *[str(i) for i in range(40)])  # cut at 32 arguments
            c.ok("MULTI")
            c.ok("INCR", "n")
            c.ok("EXEC")                       # EXEC is not logged, what it ran is
            c.cmd("GET")                       # refused before running: not logged
            first = slowlog(c)
            length = c.ok("SLOWLOG", "LEN")
            c.ok("CONFIG", "SET", "slowlog-max-len", "3")
            c.ok("SET", "a", "1")
            trimmed = slowlog(c)
            c.ok("CONFIG", "SET", "slowlog-log-slower-than", "-1")
            c.ok("SET", "b", "2")
            off = c.ok("SLOWLOG", "LEN")
            errors = [c.cmd("SLOWLOG", "GET", "-2"), c.cmd("SLOWLOG", "GET", "x"),
                      c.cmd("SLOWLOG", "GET", "1", "2"), c.cmd("SLOWLOG", "LEN", "x"),
                      c.cmd("SLOWLOG", "NOSUCH"), c.ok("SLOWLOG", "GET", "0")]
            seen.append((first, length, trimmed, off, [str(e) for e in errors]))

        self.both(run)
        self.assertEqual(len(seen), 2)
        self.assertEqual(seen[1], seen[0])
        first = seen[0][0]
        self.assertIn([b"AUTH", b"(redacted)"], [e[1] for e in first])
        self.assertIn([b"HELLO", b"2", b"AUTH", b"(redacted)", b"(redacted)", b"SETNAME", b"x"],
                      [e[1] for e in first])
        self.assertIn(b"x" * 128 + b"... (172 more bytes)", [a for e in first for a in e[1]])
        self.assertIn(b"... (11 more arguments)", [a for e in first for a in e[1]])
        self.assertNotIn([b"EXEC"], [e[1] for e in first])
        self.assertIn([b"INCR", b"n"], [e[1] for e in first])
        self.assertEqual(seen[0][3], 3)


class LatencyTest(ServerTestCase):
    def test_monitor_and_histograms_match_redis(self):
        seen = []

        def run(s):
            c = s.conn()
            empty = (c.ok("LATENCY", "LATEST"), c.ok("LATENCY", "HISTORY", "command"),
                     str(c.cmd("LATENCY", "GRAPH", "command")),
                     c.ok("LATENCY", "DOCTOR"))
            c.ok("CONFIG", "SET", "latency-monitor-threshold", "20")
            c.ok("DEBUG", "SLEEP", "0.05")
            c.ok("SET", "k", "v")  # fast and quick: no event
            latest = c.ok("LATENCY", "LATEST")
            events = [(e[0], e[2] >= 50, e[3] >= 50) for e in latest]
            history = c.ok("LATENCY", "HISTORY", "command")
            graph = c.ok("LATENCY", "GRAPH", "command").decode()
            # The heights depend on the sleep's exact ms, and the label (the
            # sample's age in seconds) on when the second turned; the drawing
            # does not.
            graph = re.sub(r"\d", "N", graph)
            doctor = c.ok("LATENCY", "DOCTOR").decode().splitlines()[0]
            hist = c.ok("LATENCY", "HISTOGRAM", "set", "nosuch", "config|set", "debug")
            hist = {name: dict(zip(v[::2], v[1::2]))[b"calls"]
                    for name, v in zip(hist[::2], hist[1::2])}
            pct = c.info("latencystats")
            reset = (c.ok("LATENCY", "RESET", "nosuch"), c.ok("LATENCY", "RESET"),
                     c.ok("LATENCY", "LATEST"))
            seen.append((empty, events, len(history), graph, doctor, hist,
                         sorted(pct.keys()), [sorted(p.split("=")[0] for p in v.split(","))
                                              for v in pct.values()][:1], reset))

        self.both(run, "--enable-debug-command", "yes")
        self.assertEqual(len(seen), 2)
        self.assertEqual(seen[1], seen[0])
        self.assertEqual(seen[0][1], [(b"command", True, True)])
        self.assertIn("latency_percentiles_usec_set", seen[0][6])

    def test_histogram_buckets_match_redis(self):
        # One DEBUG SLEEP lands in a bucket whose edge both servers print the
        # same way (HdrHistogram's, 2 significant digits).
        seen = []

        def run(s):
            c = s.conn()
            c.ok("DEBUG", "SLEEP", "0.02")
            h = c.ok("LATENCY", "HISTOGRAM", "debug")
            buckets = dict(zip(h[1][3][::2], h[1][3][1::2]))
            seen.append(sorted(buckets.items())[-1])

        self.both(run, "--enable-debug-command", "yes")
        self.assertEqual(seen[1], seen[0])
        self.assertEqual(seen[0], (33816, 1))


class ClientKillReplyTest(ServerTestCase):
    def test_kill_and_reply_modes_match_redis(self):
        seen = []

        def run(s):
            admin, plain, sub, blocked = s.conn(), s.conn(), s.conn(), s.conn()
            plain_id = plain.ok("CLIENT", "ID")
            sub.ok("SUBSCRIBE", "ch")
            blocked.send(b"*3\r\n$5\r\nBLPOP\r\n$1\r\nq\r\n$1\r\n0\r\n")
            admin.ok("CLIENT", "ID")  # BLPOP has surely arrived after this round trip
            out = [admin.ok("CLIENT", "KILL", "ID", str(plain_id)), plain.closed_by_server(),
                   admin.ok("CLIENT", "KILL", "TYPE", "pubsub"), sub.closed_by_server()]
            addr = [line for line in admin.ok("CLIENT", "LIST").decode().splitlines()
                    if "cmd=blpop" in line][0].split(" ")[1].split("=")[1]
            out += [admin.ok("CLIENT", "KILL", addr), blocked.closed_by_server(),
                    admin.ok("LPUSH", "q", "x")]  # no one is waiting any more
            # SKIPME yes (the default) spares the caller; no kills it after the reply.
            out += [admin.ok("CLIENT", "KILL", "ADDR", "1.2.3.4:1"),
                    admin.ok("CLIENT", "KILL", "SKIPME", "yes")]
            me = admin.ok("CLIENT", "ID")
            out += [admin.ok("CLIENT", "KILL", "ID", str(me), "SKIPME", "no"), admin.closed_by_server()]
            # CLIENT REPLY: OFF and SKIP are silent, so is what they cover.
            c = s.conn()
            c.send(b"".join(b"*%d\r\n" % len(cmd) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a)
                                                             for a in cmd)
                            for cmd in [(b"CLIENT", b"REPLY", b"SKIP"), (b"SET", b"a", b"1"),
                                        (b"GET", b"a"), (b"CLIENT", b"REPLY", b"OFF"),
                                        (b"INCR", b"a"), (b"NOSUCH",), (b"CLIENT", b"REPLY", b"ON"),
                                        (b"GET", b"a")]))
            out += [c.reply(), c.reply(), c.reply()]
            s.conn().ok("PING")  # the server goes on
            seen.append(out)

        self.both(run)
        self.assertEqual(len(seen), 2)
        self.assertEqual(seen[1], seen[0])
        self.assertEqual(seen[0], [1, True, 1, True, "OK", True, 1, 0, 0, 1, True,
                                   b"1", "OK", b"2"])


class MonitorTest(ServerTestCase):
    def test_stream_matches_redis(self):
        # What a monitor sees, with the times and the client's port taken
        # out: the same lines in the same order (scripts before what they
        # run, EXEC after, secrets redacted, admin commands left out).
        seen = []

        def run(s):
            mon, c = s.conn(), s.conn()
            out = [mon.cmd("MONITOR")]
            for cmd in [("SET", "k", "a b\"\n\x01"), ("AUTH", "x", "y"), ("CONFIG", "GET", "port"),
                        ("EVAL", "redis.call('set','z','1')", "0"), ("SELECT", "2"),
                        ("GET", "q"), ("HELLO", "2", "AUTH", "default", "pw"),
                        ("MULTI",), ("SET", "a", "1"), ("EXEC",), ("PING", "end")]:
                c.cmd(*cmd)
            while True:
                line = mon.reply()
                m = re.fullmatch(r"(\d+)\.(\d{6}) \[(\d+) ([^\]]*)\] (.*)", line)
                self.assertIsNotNone(m, line)
                who = "lua" if m.group(4) == "lua" else "client"
                self.assertTrue(who == "lua" or re.fullmatch(r"127\.0\.0\.1:\d+", m.group(4)))
                out.append((m.group(3), who, m.group(5)))
                if '"end"' in line:
                    break
            # A monitor is a replica to Redis: no keyspace; RESET ends it.
            out += [str(mon.cmd("GET", "k")), mon.cmd("RESET"), mon.cmd("GET", "k")]
            seen.append(out)

        self.both(run)
        self.assertEqual(seen[1], seen[0])
        self.assertIn(("0", "lua", '"set" "z" "1"'), seen[0])
        self.assertIn(("0", "client", '"AUTH" "(redacted)" "(redacted)"'), seen[0])


class ClientPauseTest(ServerTestCase):
    def test_pause_write_and_all_match_redis(self):
        # Paused commands wait (in order, pipelines included) until the pause
        # ends or CLIENT UNPAUSE; under WRITE reads and read-only
        # transactions go on. Times are compared as "waited" or "did not".
        seen = []

        def run(s):
            admin, c = s.conn(), s.conn()
            admin.ok("SET", "k", "v")
            out = [admin.ok("CLIENT", "PAUSE", "800", "ALL")]
            t = time.monotonic()
            c.send(encode("GET", "k") + encode("PING"))
            out += [c.reply(), c.reply(), time.monotonic() - t > 0.6]
            out.append(admin.ok("CLIENT", "PAUSE", "5000", "WRITE"))
            t = time.monotonic()
            out += [c.cmd("GET", "k"), c.cmd("MULTI"), c.cmd("GET", "k"), c.cmd("EXEC")]
            c.send(encode("SET", "k", "w"))
            time.sleep(0.3)
            out.append(s.conn().ok("CLIENT", "UNPAUSE"))
            out += [c.reply(), c.cmd("GET", "k"), time.monotonic() - t < 2]
            out += [str(admin.cmd("CLIENT", "PAUSE", "x")), str(admin.cmd("CLIENT", "PAUSE", "-1")),
                    str(admin.cmd("CLIENT", "PAUSE", "1", "SOME"))]
            seen.append(out)

        self.both(run)
        self.assertEqual(seen[1], seen[0])
        self.assertEqual(seen[0][1:4], [b"v", "PONG", True])
        self.assertEqual(seen[0][-6:-3], ["OK", b"w", True])


class IdleTimeoutTest(ServerTestCase):
    def test_idle_clients_close_subscribers_stay(self):
        seen = []

        def run(s):
            idle, busy, sub = s.conn(), s.conn(), s.conn()
            idle.ok("PING")
            sub.ok("SUBSCRIBE", "ch")
            deadline = time.monotonic() + 3
            while time.monotonic() < deadline:
                busy.ok("PING")  # keeps talking: never idle
                time.sleep(0.2)
            seen.append((idle.closed_by_server(), busy.closed_by_server(),
                         s.conn().ok("PUBLISH", "ch", "m")))

        self.both(run, "--timeout", "1")
        self.assertEqual(seen[1], seen[0])
        self.assertEqual(seen[0], (True, False, 1))


class DebugLoadAofTest(ServerTestCase):
    def test_reload_matches_redis(self):
        seen = []

        def run(s):
            c, waiter = s.conn(), s.conn()
            c.ok("RPUSH", "q", "a")
            c.ok("LPOP", "q")
            c.ok("SET", "s", "1")
            c.ok("EXPIRE", "s", "100")
            c.ok("HSET", "h", "f", "v")
            c.ok("FUNCTION", "LOAD",
                 "#!lua name=lib\nredis.register_function('f', function() return 7 end)")
            waiter.send(encode("BLPOP", "q", "0"))
            time.sleep(0.1)
            got = [c.cmd("DEBUG", "LOADAOF"), c.cmd("DBSIZE"), c.cmd("FCALL", "f", "0"),
                   c.cmd("HGETALL", "h"), c.cmd("TTL", "s") > 0]
            # The log's RPUSH q a, replayed, must not hand "a" to the waiter
            # (its LPOP follows): the waiter gets what comes after.
            got.append(c.cmd("RPUSH", "q", "b"))
            got.append(waiter.reply())
            # Writes after the reload are logged: a second reload keeps them.
            got += [c.cmd("SET", "after", "1"), c.cmd("DEBUG", "LOADAOF"), c.cmd("GET", "after"),
                    c.cmd("LLEN", "q"), c.cmd("DBSIZE")]
            seen.append(got)

        self.both(run, "--appendonly", "yes", "--enable-debug-command", "yes")
        self.assertEqual(seen[1], seen[0])
        self.assertEqual(seen[0], ["OK", 2, 7, [b"f", b"v"], True, 1, [b"q", b"b"],
                                   "OK", "OK", b"1", 0, 3])

    def test_refused_without_the_log(self):
        # Redis exits here; Cairn refuses and keeps its data.
        s = self.cairn(self.newdir("cairn"), "--appendonly", "no", "--enable-debug-command", "yes")
        c = s.conn()
        c.ok("SET", "k", "v")
        self.assertEqual(c.cmd("DEBUG", "LOADAOF"),
                         "ERR DEBUG LOADAOF needs the append-only log (appendonly yes)")
        self.assertEqual(c.cmd("GET", "k"), b"v")

    def test_refused_inside_exec(self):
        # Writes queued before it are held until EXEC ends: a reload there
        # would drop them from memory and log them after. Cairn refuses.
        s = self.cairn(self.newdir("cairn"), "--enable-debug-command", "yes")
        c = s.conn()
        c.ok("MULTI")
        c.ok("SET", "k", "v")
        c.ok("DEBUG", "LOADAOF")
        self.assertEqual(c.cmd("EXEC"),
                         ["OK", "ERR DEBUG LOADAOF is not allowed inside MULTI/EXEC"])
        self.assertEqual(c.cmd("DEBUG", "LOADAOF"), "OK")
        self.assertEqual(c.cmd("GET", "k"), b"v")


if __name__ == "__main__":
    ServerTestCase.cairn_binary = take_server_arg(__file__)
    unittest.main()
