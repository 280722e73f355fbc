#!/usr/bin/python3
"""CLIENT TRACKING (client-side caching), beside redis-server 7.0.15.

    /usr/bin/python3 tests/integration/tracking_test.py path/to/cairn-server [unittest args]

Standard library only. Each scenario runs with the same assertions on
redis-server 7.0.15 and on cairn-server (a subTest each, a fresh server each).
Invalidations are RESP3 pushes, or pub/sub messages on __redis__:invalidate
for a RESP2 client that another redirects to. "No message" is checked by
sending PING: a message owed would arrive before its PONG.
"""

import os
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from cairn_testlib import Conn, ServerTestCase, encode, take_server_arg  # noqa: E402


def inval(*keys):
    return ("push", [b"invalidate", list(keys)])


FLUSHED = ("push", [b"invalidate", None])


class TrackingTest(ServerTestCase):
    def conn(self, s, resp=3):
        c = Conn(s.port)
        self.conns.append(c)
        if resp == 3:
            c.send(encode("HELLO", "3"))
            c.reply3()
        return c

    @staticmethod
    def cmd3(c, *args):
        c.send(encode(*args))
        return c.reply3()

    def quiet(self, c):
        """Nothing is owed to c: its next reply is PING's."""
        self.assertEqual(self.cmd3(c, "PING"), "PONG")

    def test_default_mode(self):
        def run(s):
            a, b = self.conn(s), self.conn(s, resp=2)
            self.assertEqual(self.cmd3(a, "CLIENT", "TRACKING", "on"), "OK")
            self.assertIsNone(self.cmd3(a, "GET", "foo"))
            self.assertEqual(b.cmd("SET", "foo", "1"), "OK")
            self.assertEqual(a.reply3(), inval(b"foo"))
            # Told once: the key is forgotten until read again.
            self.assertEqual(b.cmd("SET", "foo", "2"), "OK")
            self.quiet(a)
            # Its own write: the message follows the reply.
            self.assertEqual(self.cmd3(a, "GET", "foo"), b"2")
            self.assertEqual(self.cmd3(a, "SET", "foo", "3"), "OK")
            self.assertEqual(a.reply3(), inval(b"foo"))
            # One message per key; reads of missing keys and of the wrong
            # type count; so do EXISTS, STRLEN, TYPE.
            b.cmd("RPUSH", "list", "x")
            self.assertEqual(self.cmd3(a, "MGET", "x", "y"), [None, None])
            self.assertTrue(self.cmd3(a, "GET", "list").startswith("WRONGTYPE"))
            self.assertEqual(self.cmd3(a, "EXISTS", "e"), 0)
            self.assertEqual(self.cmd3(a, "TYPE", "t"), "none")
            self.assertEqual(b.cmd("MSET", "x", "1", "y", "2", "e", "3", "t", "4"), "OK")
            self.assertEqual([a.reply3() for _ in range(4)],
                             [inval(b"x"), inval(b"y"), inval(b"e"), inval(b"t")])
            self.assertEqual(b.cmd("RPUSH", "list", "y"), 2)
            self.assertEqual(a.reply3(), inval(b"list"))
            # The table is by name, whatever the database.
            self.assertEqual(self.cmd3(a, "SELECT", "3"), "OK")
            self.assertIsNone(self.cmd3(a, "GET", "k"))
            self.assertEqual(b.cmd("SET", "k", "v"), "OK")
            self.assertEqual(a.reply3(), inval(b"k"))
            self.assertEqual(self.cmd3(a, "SELECT", "0"), "OK")
            # A write that changes nothing tells nobody.
            self.assertIsNone(self.cmd3(a, "GET", "gone"))
            self.assertEqual(b.cmd("DEL", "gone"), 0)
            self.assertEqual(b.cmd("EXPIRE", "gone", "10"), 0)
            self.quiet(a)
            # Reads inside a transaction or a script count; EXEC's and
            # EVAL's own writes are told after their reply.
            self.assertEqual(self.cmd3(a, "MULTI"), "OK")
            self.assertEqual(self.cmd3(a, "GET", "m"), "QUEUED")
            self.assertEqual(self.cmd3(a, "SET", "m", "1"), "QUEUED")
            self.assertEqual(self.cmd3(a, "EXEC"), [None, "OK"])
            self.assertEqual(a.reply3(), inval(b"m"))
            self.assertIsNone(self.cmd3(a, "EVAL", "return redis.call('get', KEYS[1])", "1", "s"))
            self.assertEqual(self.cmd3(a, "EVAL", "redis.call('set', KEYS[1], 1) return 7", "1",
                                       "s"), 7)
            self.assertEqual(a.reply3(), inval(b"s"))
            self.assertIsNone(self.cmd3(a, "EVAL_RO", "return redis.call('get', KEYS[1])", "1",
                                        "r"))
            self.assertEqual(b.cmd("SET", "r", "1"), "OK")
            self.assertEqual(a.reply3(), inval(b"r"))
            # A key that expires (here found by another client's read).
            self.assertEqual(b.cmd("SET", "ttl", "1", "PX", "100"), "OK")
            self.assertEqual(self.cmd3(a, "GET", "ttl"), b"1")
            time.sleep(0.3)
            b.cmd("GET", "ttl")
            self.assertEqual(a.reply3(), inval(b"ttl"))
            # FLUSHDB / FLUSHALL: a null for "everything".
            self.assertEqual(b.cmd("FLUSHALL"), "OK")
            self.assertEqual(a.reply3(), FLUSHED)
            self.assertEqual(self.cmd3(a, "FLUSHDB"), "OK")
            self.assertEqual(a.reply3(), FLUSHED)
            # Off: nothing more; RESET turns it off too.
            self.assertIsNone(self.cmd3(a, "GET", "z"))
            self.assertEqual(self.cmd3(a, "CLIENT", "TRACKING", "off"), "OK")
            self.assertEqual(b.cmd("SET", "z", "1"), "OK")
            self.quiet(a)
            self.assertEqual(self.cmd3(a, "CLIENT", "TRACKING", "on"), "OK")
            self.assertEqual(self.cmd3(a, "RESET"), "RESET")
            self.assertEqual(a.cmd("CLIENT", "TRACKINGINFO"),
                             [b"flags", [b"off"], b"redirect", -1, b"prefixes", []])

        self.both(run)

    def test_noloop_and_optin_optout(self):
        def run(s):
            a, b = self.conn(s), self.conn(s, resp=2)
            self.assertEqual(self.cmd3(a, "CLIENT", "TRACKING", "on", "NOLOOP"), "OK")
            self.assertIsNone(self.cmd3(a, "GET", "k"))
            self.assertEqual(self.cmd3(a, "SET", "k", "1"), "OK")
            self.quiet(a)
            self.assertEqual(self.cmd3(a, "CLIENT", "TRACKING", "off"), "OK")
            # OPTIN: only the command after CLIENT CACHING yes is tracked.
            self.assertEqual(self.cmd3(a, "CLIENT", "TRACKING", "on", "OPTIN"), "OK")
            self.assertEqual(self.cmd3(a, "GET", "k1"), None)
            b.cmd("SET", "k1", "1")
            self.quiet(a)
            self.assertEqual(self.cmd3(a, "CLIENT", "CACHING", "yes"), "OK")
            self.assertEqual(self.cmd3(a, "CLIENT", "TRACKINGINFO")[b"flags"],
                             sorted([b"on", b"optin", b"caching-yes"]))
            self.assertEqual(self.cmd3(a, "GET", "k1"), b"1")
            b.cmd("SET", "k1", "2")
            self.assertEqual(a.reply3(), inval(b"k1"))
            self.assertEqual(self.cmd3(a, "CLIENT", "CACHING", "yes"), "OK")
            self.quiet(a)  # PING used it up
            self.assertEqual(self.cmd3(a, "GET", "k1"), b"2")
            b.cmd("SET", "k1", "3")
            self.quiet(a)
            # ... and it lasts through a transaction.
            self.assertEqual(self.cmd3(a, "CLIENT", "CACHING", "yes"), "OK")
            self.assertEqual(self.cmd3(a, "MULTI"), "OK")
            self.assertEqual(self.cmd3(a, "GET", "k1"), "QUEUED")
            self.assertEqual(self.cmd3(a, "GET", "k2"), "QUEUED")
            self.assertEqual(self.cmd3(a, "EXEC"), [b"3", None])
            b.cmd("MSET", "k1", "4", "k2", "4")
            self.assertEqual([a.reply3(), a.reply3()], [inval(b"k1"), inval(b"k2")])
            # ... and through a CLIENT PAUSE that parks the command.
            self.assertEqual(self.cmd3(a, "CLIENT", "CACHING", "yes"), "OK")
            self.assertEqual(b.cmd("CLIENT", "PAUSE", "300", "ALL"), "OK")
            a.send(encode("GET", "k3"))
            time.sleep(0.4)
            self.assertIsNone(a.reply3())
            b.cmd("SET", "k3", "1")
            self.assertEqual(a.reply3(), inval(b"k3"))
            self.assertEqual(self.cmd3(a, "CLIENT", "TRACKING", "off"), "OK")
            # OPTOUT: every read but the one after CLIENT CACHING no.
            self.assertEqual(self.cmd3(a, "CLIENT", "TRACKING", "on", "OPTOUT"), "OK")
            self.assertEqual(self.cmd3(a, "GET", "o1"), None)
            b.cmd("SET", "o1", "1")
            self.assertEqual(a.reply3(), inval(b"o1"))
            self.assertEqual(self.cmd3(a, "CLIENT", "CACHING", "no"), "OK")
            self.assertEqual(self.cmd3(a, "GET", "o1"), b"1")
            b.cmd("SET", "o1", "2")
            self.quiet(a)

        self.both(run)

    def test_bcast(self):
        def run(s):
            a, b = self.conn(s), self.conn(s, resp=2)
            self.assertEqual(self.cmd3(a, "CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "a",
                                       "PREFIX", "b"), "OK")
            # Prefixes add up; they must not overlap.
            self.assertEqual(self.cmd3(a, "CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "c"),
                             "OK")
            self.assertEqual(self.cmd3(a, "CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "ab"),
                             "ERR Prefix 'ab' overlaps with an existing prefix 'a'. Prefixes for "
                             "a single client must not overlap.")
            self.assertEqual(self.cmd3(a, "CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "x",
                                       "PREFIX", "xy"),
                             "ERR Prefix 'x' overlaps with another provided prefix 'xy'. "
                             "Prefixes for a single client must not overlap.")
            self.assertEqual(self.cmd3(a, "CLIENT", "TRACKINGINFO"),
                             {b"flags": [b"bcast", b"on"], b"redirect": 0,
                              b"prefixes": [b"a", b"b", b"c"]})
            # One message per prefix, its keys sorted, nothing read needed.
            self.assertEqual(b.cmd("MSET", "a1", "1", "b1", "2", "c1", "3", "d1", "4", "a0", "5"),
                             "OK")
            self.assertEqual([a.reply3() for _ in range(3)],
                             [inval(b"a0", b"a1"), inval(b"b1"), inval(b"c1")])
            self.assertEqual(self.cmd3(a, "SET", "a5", "1"), "OK")
            self.assertEqual(a.reply3(), inval(b"a5"))
            self.assertEqual(b.cmd("SET", "d2", "1"), "OK")
            self.quiet(a)
            info = b.info("stats")
            self.assertEqual(info["tracking_total_prefixes"], "3")
            # Mode switches need OFF first.
            self.assertEqual(self.cmd3(a, "CLIENT", "TRACKING", "on"),
                             "ERR You can't switch BCAST mode on/off before disabling tracking "
                             "for this client, and then re-enabling it with a different mode.")
            self.assertEqual(self.cmd3(a, "CLIENT", "TRACKING", "off"), "OK")
            self.assertEqual(b.info("stats")["tracking_total_prefixes"], "0")
            # No PREFIX: every key; NOLOOP: not its own writes.
            self.assertEqual(self.cmd3(a, "CLIENT", "TRACKING", "on", "BCAST", "NOLOOP"), "OK")
            self.assertEqual(self.cmd3(a, "SET", "mine", "1"), "OK")
            self.quiet(a)
            self.assertEqual(b.cmd("SET", "theirs", "1"), "OK")
            self.assertEqual(a.reply3(), inval(b"theirs"))
            self.assertIn(b"flags=tB ", b.cmd("CLIENT", "LIST"))
            self.assertEqual(b.cmd("FLUSHALL"), "OK")
            self.assertEqual(a.reply3(), FLUSHED)

        self.both(run)

    def test_redirect(self):
        def run(s):
            r, a, b = self.conn(s, resp=2), self.conn(s, resp=2), self.conn(s)
            rid = r.cmd("CLIENT", "ID")
            self.assertEqual(r.cmd("SUBSCRIBE", "__redis__:invalidate"),
                             [b"subscribe", b"__redis__:invalidate", 1])
            self.assertEqual(a.cmd("CLIENT", "TRACKING", "on", "REDIRECT", str(rid)), "OK")
            self.assertEqual(a.cmd("CLIENT", "GETREDIR"), rid)
            self.assertIsNone(a.cmd("GET", "k"))
            self.assertEqual(self.cmd3(b, "SET", "k", "1"), "OK")
            self.assertEqual(r.reply(), [b"message", b"__redis__:invalidate", [b"k"]])
            self.assertEqual(self.cmd3(b, "FLUSHDB"), "OK")
            self.assertEqual(r.reply(), [b"message", b"__redis__:invalidate", None])
            # The client it redirects to goes: RESP3 says so, flag R.
            a.send(encode("HELLO", "3"))
            self.assertEqual(a.reply3()[b"proto"], 3)
            self.assertIsNone(self.cmd3(a, "GET", "k2"))
            r.close()
            time.sleep(0.1)
            self.assertEqual(self.cmd3(b, "SET", "k2", "1"), "OK")
            self.assertEqual(a.reply3(), ("push", [b"tracking-redir-broken", rid]))
            self.assertEqual(self.cmd3(a, "CLIENT", "TRACKINGINFO"),
                             {b"flags": [b"broken_redirect", b"on"], b"redirect": rid,
                              b"prefixes": []})
            line = [l for l in self.cmd3(b, "CLIENT", "LIST").split(b"\n")
                    if b" cmd=client|trackinginfo " in l][0]
            self.assertIn(b" flags=tR ", line)
            self.assertIn(b" redir=%d " % rid, line)
            self.assertEqual(self.cmd3(a, "CLIENT", "TRACKING", "on"), "OK")
            self.assertEqual(self.cmd3(a, "CLIENT", "GETREDIR"), 0)

        self.both(run)

    def test_errors(self):
        def run(s):
            a = self.conn(s)
            cases = [
                (("CLIENT", "TRACKING", "on", "foo"), "ERR syntax error"),
                (("CLIENT", "TRACKING", "maybe"), "ERR syntax error"),
                (("CLIENT", "TRACKING", "on", "REDIRECT", "999999"),
                 "ERR The client ID you want redirect to does not exist"),
                (("CLIENT", "TRACKING", "on", "REDIRECT", "abc"),
                 "ERR value is not an integer or out of range"),
                (("CLIENT", "TRACKING", "on", "PREFIX", "a"),
                 "ERR PREFIX option requires BCAST mode to be enabled"),
                (("CLIENT", "TRACKING", "on", "BCAST", "OPTIN"),
                 "ERR OPTIN and OPTOUT are not compatible with BCAST"),
                (("CLIENT", "TRACKING", "on", "OPTIN", "OPTOUT"),
                 "ERR You can't specify both OPTIN mode and OPTOUT mode"),
                (("CLIENT", "TRACKING"),
                 "ERR wrong number of arguments for 'client|tracking' command"),
                (("CLIENT", "CACHING", "yes"),
                 "ERR CLIENT CACHING can be called only when the client is in tracking mode "
                 "with OPTIN or OPTOUT mode enabled"),
                (("CLIENT", "GETREDIR"), -1),
                (("CLIENT", "TRACKING", "on", "OPTIN"), "OK"),
                (("CLIENT", "TRACKING", "on", "OPTOUT"),
                 "ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this "
                 "client, and then re-enabling it with a different mode."),
                (("CLIENT", "CACHING", "no"),
                 "ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode."),
                (("CLIENT", "CACHING", "maybe"), "ERR syntax error"),
                (("CLIENT", "GETREDIR", "x"),
                 "ERR wrong number of arguments for 'client|getredir' command"),
            ]
            for args, want in cases:
                self.assertEqual(self.cmd3(a, *args), want, args)

        self.both(run)

    def test_table_limit_and_info(self):
        def run(s):
            a, b = self.conn(s), self.conn(s, resp=2)
            self.assertEqual(self.cmd3(a, "CLIENT", "TRACKING", "on"), "OK")
            self.assertEqual(self.cmd3(a, "MGET", "t1", "t2", "t3"), [None, None, None])
            c = self.conn(s)
            self.assertEqual(self.cmd3(c, "CLIENT", "TRACKING", "on"), "OK")
            self.assertIsNone(self.cmd3(c, "GET", "t1"))
            info = b.info("stats")
            self.assertEqual((info["tracking_total_keys"], info["tracking_total_items"]),
                             ("3", "4"))
            self.assertEqual(b.info("clients")["tracking_clients"], "2")
            c.close()
            time.sleep(0.1)
            self.assertEqual(b.info("clients")["tracking_clients"], "1")
            # Over tracking-table-max-keys, keys are forgotten and their
            # readers told, as if they had changed.
            self.assertEqual(b.cmd("CONFIG", "SET", "tracking-table-max-keys", "2"), "OK")
            # (Redis may trim before the MGET, right after CONFIG SET.)
            a.send(encode("MGET", "t4", "t5"))
            got = [a.reply3() for _ in range(4)]
            self.assertIn([None, None], got)
            told = [m for m in got if m != [None, None]]
            keys = set()
            for m in told:
                self.assertEqual(m[0], "push")
                self.assertEqual(m[1][0], b"invalidate")
                self.assertEqual(len(m[1][1]), 1)
                keys.add(m[1][1][0])
            self.assertEqual(len(keys), 3)
            self.assertTrue(keys <= {b"t1", b"t2", b"t3", b"t4", b"t5"})
            self.assertEqual(b.info("stats")["tracking_total_keys"], "2")

        self.both(run)


if __name__ == "__main__":
    TrackingTest.cairn_binary = take_server_arg(__file__)
    unittest.main()
