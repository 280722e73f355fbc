#!/usr/bin/python3
"""Blocking commands with several real clients, beside redis-server 7.0.15.

    /usr/bin/python3 tests/integration/blocking_test.py path/to/cairn-server [unittest args]

Standard library only; speaks raw RESP (RESP3 after HELLO 3) over sockets.
Every comparison test runs the same scenario, with the same assertions, on
redis-server 7.0.15 first (the oracle: the expected replies are the ones it
gives) and then on cairn-server, each in a subTest of its own, each on a fresh
server with a fresh temp dir. A client counts as blocked once INFO clients
says so (polled, never a blind sleep), so the order in which clients block is
the order the test chose.

What is checked:
  * BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP, BZPOPMIN, BZPOPMAX, BZMPOP:
    a client blocks on an empty key, another adds; the exact reply (RESP2
    and RESP3) and what is left;
  * FIFO: waiters on one key are served in the order they blocked, by a
    push of several elements; a push of one serves only the first;
  * several keys: whichever key gets data serves; a push to another key
    leaves the client blocked; a transaction filling two of them serves
    from the one filled first;
  * a key created with the wrong type does not wake the waiters (7.0), a
    later push after DEL does; BLMOVE into a wrong-type destination;
  * BLMOVE chains (x -> y served to a BLPOP on y, and longer);
  * timeouts: fractional (also below a millisecond), 0, negative and
    non-numeric; the null array (*-1, or _ in RESP3);
  * a blocked client that disconnects is forgotten;
  * CLIENT UNBLOCK id [TIMEOUT|ERROR];
  * INFO clients blocked_clients and flag b in CLIENT LIST;
  * pipelined commands after a blocking one are answered after it, in order;
  * Cairn only: the pops served to blocked clients are logged (as pops, not
    as blocking commands) and a SIGKILL restart finds exactly the lists and
    sorted sets that were there (appendfsync always).
"""

import os
import select
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from cairn_testlib import (  # noqa: E402
    Conn, Disconnected, ServerError, ServerTestCase, encode, take_server_arg)

BLOCK_WAIT_S = 5.0       # how long a client may take to show up as blocked
QUIET_S = 0.05           # a client that must not get a reply: nothing within this
TIMEOUT_EARLY_S = 0.005  # a timeout reply may come this much before its time
TIMEOUT_LATE_S = 1.5     # ... and at most this much after it

WRONGTYPE = ServerError("WRONGTYPE Operation against a key holding the wrong kind of value")
NOT_FLOAT = ServerError("ERR timeout is not a float or out of range")
NEGATIVE = ServerError("ERR timeout is negative")
UNBLOCKED = ServerError("UNBLOCKED client unblocked via CLIENT UNBLOCK")


# ---------------------------------------------------------------------------
# RESP with the null kinds and RESP3 types told apart


class _Null:
    def __init__(self, text):
        self.text = text

    def __repr__(self):
        return self.text


NULL_ARRAY = _Null("*-1")   # RESP2 null array
NULL3 = _Null("_")          # RESP3 null


class Double(str):
    """A RESP3 double (the text after ',')."""

    def __repr__(self):
        return "," + str(self)


class Map(list):
    """A RESP3 map, as a list of (key, value) pairs."""


class TConn(Conn):
    """Conn whose reply() keeps *-1 (NULL_ARRAY) apart from $-1 (None) and
    parses the RESP3 types."""

    def reply(self):
        line = self._line()
        kind, rest = line[:1], line[1:]
        value = self._scalar(kind, rest)
        if value is not NotImplemented:
            return value
        if kind in (b"*", b"~", b">"):
            n = int(rest)
            return NULL_ARRAY if n < 0 else [self.reply() for _ in range(n)]
        if kind == b"_":
            return NULL3
        if kind == b",":
            return Double(rest.decode())
        if kind == b"#":
            return rest == b"t"
        if kind == b"(":
            return int(rest)
        if kind in (b"=", b"!"):
            data = self._exact(int(rest))
            return data if kind == b"=" else ServerError(data.decode(errors="replace"))
        if kind == b"%":
            return Map((self.reply(), self.reply()) for _ in range(int(rest)))
        raise ValueError("unexpected RESP line %r" % line[:80])

    def pending(self, wait=QUIET_S):
        """True when a reply (or EOF) is readable within `wait` seconds."""
        if self.pos < len(self.buf):
            return True
        r, _, _ = select.select([self.sock], [], [], wait)
        return bool(r)


# ---------------------------------------------------------------------------
# One server under test


class Side:
    """A server under test with an admin connection; connections it opens are
    closed by the test's tearDown."""

    def __init__(self, test, name, server):
        self.test = test
        self.name = name
        self.server = server
        self.admin = self.conn()

    def conn(self, resp3=False):
        c = TConn(self.server.port, self.test.socket_timeout_s)
        self.test.conns.append(c)
        if resp3:
            r = c.cmd("HELLO", "3")
            self.test.assertIsInstance(r, Map, "%s: HELLO 3 replied %r" % (self.name, r))
        return c

    def blocked(self):
        return int(self.admin.info("clients")["blocked_clients"])

    def wait_blocked(self, n):
        deadline = time.monotonic() + BLOCK_WAIT_S
        while True:
            got = self.blocked()
            if got == n:
                return
            if time.monotonic() > deadline:
                self.test.fail("%s: blocked_clients is %d after %gs, want %d"
                               % (self.name, got, BLOCK_WAIT_S, n))
            time.sleep(0.002)

    def block(self, *cmd, conn=None, resp3=False):
        """Sends cmd on conn (a new connection when None) and waits until the
        server counts one more blocked client. Returns the connection."""
        before = self.blocked()
        c = conn if conn is not None else self.conn(resp3)
        c.send(encode(*cmd))
        self.wait_blocked(before + 1)
        return c

    def do(self, *cmd):
        return self.admin.cmd(*cmd)

    def assert_waiting(self, *conns):
        """The clients got no reply (after a round trip that follows
        whatever could have served them)."""
        self.test.assertEqual(self.admin.cmd("PING"), "PONG")
        for i, c in enumerate(conns):
            if c.pending():
                self.test.fail("%s: waiting client %d (of %d) got a reply: %r"
                               % (self.name, i, len(conns), c.reply()))

    def lrange(self, key):
        return self.do("LRANGE", key, 0, -1)

    def zrange(self, key):
        return self.do("ZRANGE", key, 0, -1, "WITHSCORES")


class BlockingTest(ServerTestCase):
    tmp_prefix = "cairn-blocking-"
    socket_timeout_s = 5.0
    redis_defaults = (("--save", ""), ("--appendonly", "no"))
    cairn_defaults = (("--save", ""),)   # the log stays on: appendonly yes, fsync always

    def on_both(self, body):
        """body(side) on redis-server, then on cairn-server, each in a subTest."""
        for name in ("redis", "cairn"):
            with self.subTest(server=name):
                d = self.newdir(name)
                srv = self.redis(d) if name == "redis" else self.cairn(d)
                body(Side(self, name, srv))

    # -- every command: block, serve, exact reply ---------------------------

    def test_each_command_served_with_exact_reply(self):
        def body(s):
            cases = [
                # (blocking command, what serves it, reply, (key, what is left))
                (("BLPOP", "l", 0), ("RPUSH", "l", "a", "b"), [b"l", b"a"], ("l", [b"b"])),
                (("BRPOP", "l", 0), ("RPUSH", "l", "a", "b"), [b"l", b"b"], ("l", [b"a"])),
                (("BLPOP", "l", 0), ("LPUSH", "l", "a", "b"), [b"l", b"b"], ("l", [b"a"])),
                (("BLMOVE", "src", "dst", "RIGHT", "LEFT", 0), ("RPUSH", "src", "a", "b"),
                 b"b", ("dst", [b"b", b"z"])),
                (("BLMOVE", "src", "dst", "LEFT", "RIGHT", 0), ("RPUSH", "src", "a", "b"),
                 b"a", ("dst", [b"z", b"a"])),
                (("BRPOPLPUSH", "src", "dst", 0), ("RPUSH", "src", "a", "b"),
                 b"b", ("dst", [b"b", b"z"])),
                (("BLMPOP", 0, 2, "l1", "l2", "RIGHT", "COUNT", 2),
                 ("RPUSH", "l2", "a", "b", "c"), [b"l2", [b"c", b"b"]], ("l2", [b"a"])),
                (("BLMPOP", 0, 1, "l", "LEFT"), ("RPUSH", "l", "a", "b"),
                 [b"l", [b"a"]], ("l", [b"b"])),
                (("BZPOPMIN", "z", 0), ("ZADD", "z", 2, "b", "1.5", "a"),
                 [b"z", b"a", b"1.5"], ("z", [b"b", b"2"])),
                (("BZPOPMAX", "z", 0), ("ZADD", "z", 2, "b", "1.5", "a"),
                 [b"z", b"b", b"2"], ("z", [b"a", b"1.5"])),
                (("BZMPOP", 0, 2, "z1", "z2", "MAX", "COUNT", 2),
                 ("ZADD", "z2", 1, "a", 2, "b", 3, "c"),
                 [b"z2", [[b"c", b"3"], [b"b", b"2"]]], ("z2", [b"a", b"1"])),
                (("BZMPOP", 0, 1, "z", "MIN"), ("ZADD", "z", 1, "a", 2, "b"),
                 [b"z", [[b"a", b"1"]]], ("z", [b"b", b"2"])),
            ]
            for cmd, serve, want, (key, left) in cases:
                self.assertEqual(s.do("FLUSHALL"), "OK")
                self.assertEqual(s.do("RPUSH", "dst", "z"), 1)
                c = s.block(*cmd)
                s.assert_waiting(c)
                self.assertIsInstance(s.do(*serve), int)
                self.assertEqual(c.reply(), want, "%s: %r served by %r" % (s.name, cmd, serve))
                got = s.zrange(key) if key.startswith("z") else s.lrange(key)
                self.assertEqual(got, left, "%s: after %r" % (s.name, cmd))
                self.assertEqual(s.blocked(), 0)
        self.on_both(body)

    def test_each_command_served_in_resp3(self):
        def body(s):
            cases = [
                (("BLPOP", "l", 0), ("RPUSH", "l", "a"), [b"l", b"a"]),
                (("BLMOVE", "l", "d", "LEFT", "LEFT", 0), ("RPUSH", "l", "a"), b"a"),
                (("BLMPOP", 0, 1, "l", "LEFT", "COUNT", 3), ("RPUSH", "l", "a", "b"),
                 [b"l", [b"a", b"b"]]),
                (("BZPOPMIN", "z", 0), ("ZADD", "z", "1.5", "a"),
                 [b"z", b"a", Double("1.5")]),
                (("BZPOPMAX", "z", 0), ("ZADD", "z", 3, "a", 7, "b"),
                 [b"z", b"b", Double("7")]),
                (("BZMPOP", 0, 1, "z", "MIN", "COUNT", 2), ("ZADD", "z", 1, "a", "2.5", "b"),
                 [b"z", [[b"a", Double("1")], [b"b", Double("2.5")]]]),
            ]
            for cmd, serve, want in cases:
                self.assertEqual(s.do("FLUSHALL"), "OK")
                c = s.block(*cmd, resp3=True)
                self.assertIsInstance(s.do(*serve), int)
                self.assertEqual(c.reply(), want, "%s: %r served by %r" % (s.name, cmd, serve))
        self.on_both(body)

    # -- FIFO ---------------------------------------------------------------

    def test_fifo_one_push_of_several_elements(self):
        def body(s):
            cases = [
                # (the three blocking commands, the push, their replies, what is left)
                ([("BLPOP", "k", 0)] * 3, ("RPUSH", "k", "a", "b", "c", "d"),
                 [[b"k", b"a"], [b"k", b"b"], [b"k", b"c"]], [b"d"]),
                ([("BLPOP", "k", 0)] * 3, ("LPUSH", "k", "a", "b", "c"),
                 [[b"k", b"c"], [b"k", b"b"], [b"k", b"a"]], []),
                ([("BRPOP", "k", 0)] * 3, ("RPUSH", "k", "a", "b", "c", "d"),
                 [[b"k", b"d"], [b"k", b"c"], [b"k", b"b"]], [b"a"]),
                ([("BLPOP", "k", 0), ("BRPOP", "k", 0), ("BLPOP", "k", 0)],
                 ("RPUSH", "k", "a", "b", "c", "d"),
                 [[b"k", b"a"], [b"k", b"d"], [b"k", b"b"]], [b"c"]),
                ([("BLMPOP", 0, 1, "k", "LEFT", "COUNT", 2),
                  ("BLMPOP", 0, 1, "k", "RIGHT", "COUNT", 5), ("BLPOP", "k", 0)],
                 ("RPUSH", "k", "a", "b", "c", "d", "e"),
                 [[b"k", [b"a", b"b"]], [b"k", [b"e", b"d", b"c"]], None], None),
                ([("BLMOVE", "k", "d1", "LEFT", "LEFT", 0),
                  ("BRPOPLPUSH", "k", "d2", 0), ("BLPOP", "k", 0)],
                 ("RPUSH", "k", "a", "b", "c"), [b"a", b"c", [b"k", b"b"]], []),
            ]
            for cmds, push, want, left in cases:
                self.assertEqual(s.do("FLUSHALL"), "OK")
                conns = [s.block(*cmd) for cmd in cmds]
                self.assertEqual(s.do(*push), len(push) - 2)
                got = [c.reply() if w is not None else None for c, w in zip(conns, want)]
                self.assertEqual(got, want, "%s: %r served by %r" % (s.name, cmds, push))
                if left is None:  # the last client waits on: the list is gone
                    self.assertEqual(s.do("EXISTS", "k"), 0)
                    s.assert_waiting(conns[2])
                    self.assertEqual(s.blocked(), 1)
                    self.assertEqual(s.do("RPUSH", "k", "x"), 1)
                    self.assertEqual(conns[2].reply(), [b"k", b"x"])
                else:
                    self.assertEqual(s.lrange("k"), left)
                self.assertEqual(s.blocked(), 0)
            # BLMOVE's destinations after the last case.
            self.assertEqual(s.lrange("d1"), [b"a"])
            self.assertEqual(s.lrange("d2"), [b"c"])
        self.on_both(body)

    def test_fifo_sorted_set(self):
        def body(s):
            conns = [s.block("BZPOPMIN", "z", 0), s.block("BZPOPMAX", "z", 0),
                     s.block("BZPOPMIN", "z", 0)]
            self.assertEqual(s.do("ZADD", "z", 3, "c", 1, "a", 2, "b", 4, "d"), 4)
            self.assertEqual([c.reply() for c in conns],
                             [[b"z", b"a", b"1"], [b"z", b"d", b"4"], [b"z", b"b", b"2"]])
            self.assertEqual(s.zrange("z"), [b"c", b"3"])
        self.on_both(body)

    def test_push_of_one_element_serves_only_the_first(self):
        def body(s):
            c1, c2, c3 = s.block("BLPOP", "k", 0), s.block("BLPOP", "k", 0), \
                s.block("BLPOP", "k", 0)
            self.assertEqual(s.do("RPUSH", "k", "x"), 1)
            self.assertEqual(c1.reply(), [b"k", b"x"])
            s.assert_waiting(c2, c3)
            self.assertEqual(s.blocked(), 2)
            self.assertEqual(s.do("EXISTS", "k"), 0)
            self.assertEqual(s.do("LPUSH", "k", "y"), 1)
            self.assertEqual(c2.reply(), [b"k", b"y"])
            s.assert_waiting(c3)
            self.assertEqual(s.blocked(), 1)
            # A client that blocks now queues behind c3.
            c4 = s.block("BRPOP", "k", 0)
            self.assertEqual(s.do("RPUSH", "k", "z"), 1)
            self.assertEqual(c3.reply(), [b"k", b"z"])
            s.assert_waiting(c4)
            self.assertEqual(s.do("RPUSH", "k", "w"), 1)
            self.assertEqual(c4.reply(), [b"k", b"w"])
            self.assertEqual(s.blocked(), 0)
        self.on_both(body)

    # -- several keys -------------------------------------------------------

    def test_several_keys(self):
        def body(s):
            many = s.block("BLPOP", "k1", "k2", "k3", 0)
            one = s.block("BLPOP", "k1", 0)
            self.assertEqual(s.do("RPUSH", "k2", "v"), 1)
            self.assertEqual(many.reply(), [b"k2", b"v"])
            s.assert_waiting(one)
            self.assertEqual(s.blocked(), 1)
            # Nobody waits on k3 any more: the element stays.
            self.assertEqual(s.do("RPUSH", "k3", "w"), 1)
            s.assert_waiting(one)
            self.assertEqual(s.lrange("k3"), [b"w"])
            self.assertEqual(s.do("RPUSH", "k1", "x"), 1)
            self.assertEqual(one.reply(), [b"k1", b"x"])
            self.assertEqual(s.do("EXISTS", "k1", "k2"), 0)
            # With data already there: the first non-empty key, in argument order.
            self.assertEqual(s.do("RPUSH", "k2", "b"), 1)
            self.assertEqual(s.admin.cmd("BLPOP", "k1", "k3", "k2", 0), [b"k3", b"w"])
            self.assertEqual(s.admin.cmd("BRPOP", "k1", "k2", "k3", 0), [b"k2", b"b"])
            # The key order a client gave decides nothing between clients:
            # the first to block on the key that gets data wins.
            a = s.block("BLPOP", "k1", "k2", 0)
            b = s.block("BLPOP", "k2", "k1", 0)
            self.assertEqual(s.do("RPUSH", "k2", "p", "q"), 2)
            self.assertEqual(a.reply(), [b"k2", b"p"])
            self.assertEqual(b.reply(), [b"k2", b"q"])
            # The same key twice: served once.
            twice = s.block("BLPOP", "k1", "k1", 0)
            self.assertEqual(s.do("RPUSH", "k1", "a", "b"), 2)
            self.assertEqual(twice.reply(), [b"k1", b"a"])
            self.assertEqual(s.lrange("k1"), [b"b"])
            self.assertEqual(s.do("DEL", "k1"), 1)
            # BZPOPMIN over several sorted sets; a list push does not serve it.
            z = s.block("BZPOPMIN", "z1", "z2", 0)
            self.assertEqual(s.do("RPUSH", "k1", "v"), 1)
            s.assert_waiting(z)
            self.assertEqual(s.do("ZADD", "z2", 5, "m"), 1)
            self.assertEqual(z.reply(), [b"z2", b"m", b"5"])
            self.assertEqual(s.blocked(), 0)
        self.on_both(body)

    def test_woken_client_is_served_from_the_key_that_woke_it(self):
        # Redis 7.0 serves a woken client from the key that became ready
        # (keys in the order a transaction filled them), not from the first
        # of its keys holding data, and does not look at the others.
        def body(s):
            out = []
            for block, fill in (
                    (("BLPOP", "k1", "k2", 0), [("LPUSH", "k2", "a"), ("LPUSH", "k1", "b")]),
                    (("BLMPOP", 0, 2, "k1", "k2", "LEFT", "COUNT", 5),
                     [("RPUSH", "k2", "a", "b"), ("RPUSH", "k1", "c")]),
                    (("BZPOPMIN", "z1", "z2", 0), [("ZADD", "z2", 1, "a"), ("ZADD", "z1", 1, "b")]),
                    (("BZMPOP", 0, 2, "z1", "z2", "MAX", "COUNT", 2),
                     [("ZADD", "z2", 1, "a", 2, "b"), ("ZADD", "z1", 1, "c")]),
                    # Another of its keys of the wrong type is not an error.
                    (("BLPOP", "k1", "k2", 0), [("SET", "k1", "x"), ("LPUSH", "k2", "a")])):
                c = s.block(*block)
                s.do("MULTI")
                for cmd in fill:
                    s.do(*cmd)
                s.do("EXEC")
                out.append(c.reply())
                out.append(sorted((k, s.do("TYPE", k)) for k in ("k1", "k2", "z1", "z2")))
                s.do("FLUSHALL")
            self.assertEqual(s.blocked(), 0)
            return out
        self.on_both(body)

    # -- keys stored by other commands --------------------------------------

    def test_keys_stored_by_other_commands_wake_waiters(self):
        def body(s):
            other = s.conn()   # db 1
            self.assertEqual(other.cmd("SELECT", 1), "OK")
            self.assertEqual(s.do("RPUSH", "tmp", "r1", "r2"), 2)
            payload = s.do("DUMP", "tmp")
            wakes = [
                # (waiter, setup on db 0, setup on db 1, the command, its reply, waiter's reply)
                (("BLPOP", "k", 0), [("RPUSH", "src", "a", "b")], [],
                 ("RENAME", "src", "k"), "OK", [b"k", b"a"]),
                (("BLPOP", "k", 0), [("RPUSH", "src", "a", "b")], [],
                 ("RENAMENX", "src", "k"), 1, [b"k", b"a"]),
                (("BRPOP", "k", 0), [("RPUSH", "src", "a", "b")], [],
                 ("COPY", "src", "k"), 1, [b"k", b"b"]),
                (("BLPOP", "k", 0), [("RPUSH", "src", "a", "b")], [],
                 ("LMOVE", "src", "k", "RIGHT", "LEFT"), b"b", [b"k", b"b"]),
                (("BLPOP", "k", 0), [("RPUSH", "src", "c", "a", "b")], [],
                 ("SORT", "src", "ALPHA", "STORE", "k"), 3, [b"k", b"a"]),
                (("BLPOP", "k", 0), [], [], ("RESTORE", "k", 0, payload), "OK", [b"k", b"r1"]),
                (("BLPOP", "k", 0), [], [("RPUSH", "k", "m")], ("MOVE", "k", 0, "@1"), 1,
                 [b"k", b"m"]),
                (("BLPOP", "k", 0), [], [("RPUSH", "k", "s")], ("SWAPDB", 0, 1), "OK",
                 [b"k", b"s"]),
                (("BZPOPMIN", "z", 0), [("ZADD", "s", 1, "a"), ("ZADD", "t", 2, "b")], [],
                 ("ZUNIONSTORE", "z", 2, "s", "t"), 2, [b"z", b"a", b"1"]),
                (("BZPOPMAX", "z", 0), [("ZADD", "s", 1, "a", 2, "b")], [],
                 ("ZRANGESTORE", "z", "s", 0, -1), 2, [b"z", b"b", b"2"]),
                (("BZPOPMIN", "z", 0), [], [], ("ZINCRBY", "z", 5, "m"), b"5", [b"z", b"m", b"5"]),
                (("BZPOPMIN", "z", 0), [], [], ("GEOADD", "z", 1, 1, "m"), 1,
                 [b"z", b"m", b"3377822707026402"]),
            ]
            for wait, setup0, setup1, cmd, reply, want in wakes:
                self.assertEqual(s.do("FLUSHALL"), "OK")
                for x in setup0:
                    self.assertIsInstance(s.do(*x), int)
                for x in setup1:
                    self.assertIsInstance(other.cmd(*x), int)
                c = s.block(*wait)
                on = other if cmd[-1] == "@1" else s.admin
                got = on.cmd(*(cmd[:-1] if cmd[-1] == "@1" else cmd))
                self.assertEqual(got, reply, "%s: %r" % (s.name, cmd))
                self.assertEqual(c.reply(), want, "%s: %r woken by %r" % (s.name, wait, cmd))
                self.assertEqual(s.blocked(), 0)
            # Nothing stored: nobody wakes.
            c = s.block("BLPOP", "k", 0)
            z = s.block("BZPOPMIN", "z", 0)
            for conn, cmd, reply in ((other, ("RPUSH", "k", "a"), 1),   # another db
                                     (other, ("ZADD", "z", 1, "a"), 1),
                                     (s.admin, ("LPUSHX", "k", "a"), 0),
                                     (s.admin, ("LINSERT", "k", "BEFORE", "a", "b"), 0),
                                     (s.admin, ("ZADD", "z", "XX", 1, "a"), 0),
                                     (s.admin, ("FLUSHALL",), "OK")):
                self.assertEqual(conn.cmd(*cmd), reply, "%s: %r" % (s.name, cmd))
                s.assert_waiting(c, z)
            self.assertEqual(s.blocked(), 2)
        self.on_both(body)

    # -- wrong type ---------------------------------------------------------

    def test_key_created_with_wrong_type_keeps_waiters_blocked(self):
        def body(s):
            c1, c2 = s.block("BLPOP", "k", 0), s.block("BLPOP", "k", 0)
            self.assertEqual(s.do("SET", "k", "str"), "OK")
            s.assert_waiting(c1, c2)
            self.assertEqual(s.blocked(), 2)
            self.assertEqual(s.do("GET", "k"), b"str")
            # A new BLPOP on the string is refused at once.
            self.assertEqual(s.conn().cmd("BLPOP", "k", 0), WRONGTYPE)
            self.assertEqual(s.do("DEL", "k"), 1)
            self.assertEqual(s.do("LPUSH", "k", "a"), 1)
            self.assertEqual(c1.reply(), [b"k", b"a"])
            s.assert_waiting(c2)
            self.assertEqual(s.do("RPUSH", "k", "b"), 1)
            self.assertEqual(c2.reply(), [b"k", b"b"])
            # A sorted set on a key BLPOP waits on, a list on a key BZPOPMIN
            # waits on, a hash and a set: nobody wakes.
            lw = s.block("BLPOP", "k", 0)
            zw = s.block("BZPOPMIN", "z", 0)
            self.assertEqual(s.do("ZADD", "k", 1, "m"), 1)
            self.assertEqual(s.do("RPUSH", "z", "e"), 1)
            self.assertEqual(s.do("HSET", "h", "f", "v"), 1)
            s.assert_waiting(lw, zw)
            self.assertEqual(s.blocked(), 2)
            self.assertEqual(s.zrange("k"), [b"m", b"1"])
            self.assertEqual(s.lrange("z"), [b"e"])
            self.assertEqual(s.do("DEL", "k", "z"), 2)
            self.assertEqual(s.do("ZADD", "z", 2, "n"), 1)
            self.assertEqual(zw.reply(), [b"z", b"n", b"2"])
            self.assertEqual(s.do("RPUSH", "k", "v"), 1)
            self.assertEqual(lw.reply(), [b"k", b"v"])
            self.assertEqual(s.blocked(), 0)
            # Waiters of both kinds on one key: a list serves the list
            # waiter behind the sorted-set one, which waits on.
            zw = s.block("BZPOPMIN", "m", 0)
            lw = s.block("BLPOP", "m", 0)
            self.assertEqual(s.do("RPUSH", "m", "e"), 1)
            self.assertEqual(lw.reply(), [b"m", b"e"])
            s.assert_waiting(zw)
            self.assertEqual(s.do("ZADD", "m", 4, "s"), 1)
            self.assertEqual(zw.reply(), [b"m", b"s", b"4"])
            self.assertEqual(s.blocked(), 0)
        self.on_both(body)

    def test_blmove_into_wrong_type_destination(self):
        def body(s):
            self.assertEqual(s.do("SET", "dst", "str"), "OK")
            c = s.block("BLMOVE", "src", "dst", "LEFT", "RIGHT", 0)
            self.assertEqual(s.do("RPUSH", "src", "a", "b"), 2)
            self.assertEqual(c.reply(), WRONGTYPE)
            self.assertEqual(s.lrange("src"), [b"a", b"b"])
            self.assertEqual(s.do("GET", "dst"), b"str")
            self.assertEqual(s.blocked(), 0)
            # The next waiter on src, behind one whose move fails, still gets served.
            c1 = s.block("BRPOPLPUSH", "src2", "dst", 0)
            c2 = s.block("BLPOP", "src2", 0)
            self.assertEqual(s.do("RPUSH", "src2", "x"), 1)
            self.assertEqual(c1.reply(), WRONGTYPE)
            self.assertEqual(c2.reply(), [b"src2", b"x"])
            self.assertEqual(s.do("EXISTS", "src2"), 0)
        self.on_both(body)

    # -- BLMOVE chains ------------------------------------------------------

    def test_blmove_chain(self):
        def body(s):
            a = s.block("BLMOVE", "x", "y", "LEFT", "RIGHT", 0)
            b = s.block("BLPOP", "y", 0)
            self.assertEqual(s.do("RPUSH", "x", "v"), 1)
            self.assertEqual(a.reply(), b"v")
            self.assertEqual(b.reply(), [b"y", b"v"])
            self.assertEqual(s.do("EXISTS", "x", "y"), 0)
            self.assertEqual(s.blocked(), 0)
            # Three links: x -> y -> z -> BLPOP z; blocked in reverse order.
            c = s.block("BLPOP", "z", 0)
            b = s.block("BRPOPLPUSH", "y", "z", 0)
            a = s.block("BLMOVE", "x", "y", "RIGHT", "LEFT", 0)
            self.assertEqual(s.do("RPUSH", "x", "p", "q"), 2)
            self.assertEqual(a.reply(), b"q")
            self.assertEqual(b.reply(), b"q")
            self.assertEqual(c.reply(), [b"z", b"q"])
            self.assertEqual(s.lrange("x"), [b"p"])
            self.assertEqual(s.do("EXISTS", "y", "z"), 0)
            # A rotation onto the same list.
            r = s.block("BLMOVE", "w", "w", "LEFT", "RIGHT", 0)
            self.assertEqual(s.do("RPUSH", "w", "1", "2"), 2)
            self.assertEqual(r.reply(), b"1")
            self.assertEqual(s.lrange("w"), [b"2", b"1"])
            self.assertEqual(s.blocked(), 0)
        self.on_both(body)

    # -- timeouts -----------------------------------------------------------

    def test_fractional_timeouts_return_null(self):
        def body(s):
            for resp3 in (False, True):
                self.assertEqual(s.do("FLUSHALL"), "OK")
                cases = [(("BLPOP", "k", "0.1"), 0.1), (("BRPOP", "k", "0.25"), 0.25),
                         (("BLMOVE", "k", "d", "LEFT", "RIGHT", "0.1"), 0.1),
                         (("BRPOPLPUSH", "k", "d", "0.25"), 0.25),
                         (("BLMPOP", "0.1", 1, "k", "LEFT"), 0.1),
                         (("BZPOPMIN", "z", "0.25"), 0.25), (("BZPOPMAX", "z", "0.1"), 0.1),
                         (("BZMPOP", "0.25", 1, "z", "MAX", "COUNT", 3), 0.25)]
                null = NULL3 if resp3 else NULL_ARRAY
                conns = []
                for cmd, secs in cases:
                    c = s.conn(resp3)
                    sent = time.monotonic()
                    c.send(encode(*cmd))
                    conns.append((cmd, secs, c, sent))
                for cmd, secs, c, sent in sorted(conns, key=lambda p: p[1]):
                    r = c.reply()
                    elapsed = time.monotonic() - sent
                    what = "%s: %r (resp3 %s) after %.3fs" % (s.name, cmd, resp3, elapsed)
                    self.assertEqual(r, null, what)
                    self.assertGreaterEqual(elapsed, secs - TIMEOUT_EARLY_S, what + ": early")
                    self.assertLess(elapsed, secs + TIMEOUT_LATE_S, what + ": late")
                    # The connection goes on.
                    self.assertEqual(c.cmd("PING"), "PONG")
                self.assertEqual(s.blocked(), 0)
                self.assertEqual(s.do("EXISTS", "k", "d", "z"), 0)
        self.on_both(body)

    def test_sub_millisecond_timeouts_time_out(self):
        # redis-server 7.0.15 times out a positive timeout below 1 ms (at its
        # next timeout check, within 1/hz), it does not block forever.
        def body(s):
            cases = [("BLPOP", "k", "0.001"), ("BLPOP", "k", "1e-3"),
                     ("BLPOP", "k", "0.0005"), ("BZPOPMIN", "z", "0.0001"),
                     ("BLMPOP", "0.0009", 1, "k", "RIGHT")]
            conns = [s.conn() for _ in cases]
            for cmd, c in zip(cases, conns):
                c.send(encode(*cmd))
            deadline = time.monotonic() + TIMEOUT_LATE_S + 0.5
            got = []
            for cmd, c in zip(cases, conns):
                c.settimeout(max(0.01, deadline - time.monotonic()))
                try:
                    got.append((cmd, c.reply()))
                except Disconnected:
                    got.append((cmd, "no reply within %gs" % (TIMEOUT_LATE_S + 0.5)))
            self.assertEqual(got, [(cmd, NULL_ARRAY) for cmd in cases], s.name)
            self.assertEqual(s.blocked(), 0)
        self.on_both(body)

    def test_timeout_zero_waits_until_served(self):
        def body(s):
            # "-0.0001" is 0 ms too: no timeout (as Redis, which rounds it to 0).
            conns = [s.block("BLPOP", "k", "0"), s.block("BZPOPMIN", "z", "0.0"),
                     s.block("BLMOVE", "x", "y", "LEFT", "LEFT", "-0.0001")]
            time.sleep(0.35)   # longer than any fractional timeout above
            s.assert_waiting(*conns)
            self.assertEqual(s.blocked(), 3)
            self.assertEqual(s.do("RPUSH", "k", "a"), 1)
            self.assertEqual(s.do("ZADD", "z", 1, "m"), 1)
            self.assertEqual(s.do("RPUSH", "x", "b"), 1)
            self.assertEqual([c.reply() for c in conns],
                             [[b"k", b"a"], [b"z", b"m", b"1"], b"b"])
            self.assertEqual(s.blocked(), 0)
        self.on_both(body)

    def test_bad_timeouts(self):
        def body(s):
            cases = [
                (("BLPOP", "k", "-1"), NEGATIVE),
                (("BLPOP", "k", "-0.5"), NEGATIVE),
                (("BLPOP", "k", "abc"), NOT_FLOAT),
                (("BLPOP", "k", ""), NOT_FLOAT),
                (("BLPOP", "k", "1x"), NOT_FLOAT),
                (("BLPOP", "k", "nan"), NOT_FLOAT),
                (("BLPOP", "k", "inf"), NEGATIVE),
                (("BLPOP", "k", "1e20"), NEGATIVE),
                (("BRPOP", "k", "-1"), NEGATIVE),
                (("BRPOP", "k", "x"), NOT_FLOAT),
                (("BLMOVE", "a", "b", "LEFT", "RIGHT", "-1"), NEGATIVE),
                (("BLMOVE", "a", "b", "LEFT", "RIGHT", "x"), NOT_FLOAT),
                (("BRPOPLPUSH", "a", "b", "-2"), NEGATIVE),
                (("BRPOPLPUSH", "a", "b", "x"), NOT_FLOAT),
                (("BLMPOP", "-1", 1, "k", "LEFT"), NEGATIVE),
                (("BLMPOP", "x", 1, "k", "LEFT"), NOT_FLOAT),
                (("BZPOPMIN", "z", "-1"), NEGATIVE),
                (("BZPOPMIN", "z", "x"), NOT_FLOAT),
                (("BZPOPMAX", "z", "-0.01"), NEGATIVE),
                (("BZPOPMAX", "z", "x"), NOT_FLOAT),
                (("BZMPOP", "-1", 1, "z", "MIN"), NEGATIVE),
                (("BZMPOP", "x", 1, "z", "MIN"), NOT_FLOAT),
            ]
            for cmd, want in cases:
                self.assertEqual(s.do(*cmd), want, "%s: %r" % (s.name, cmd))
            # The timeout is checked even when there is data to pop.
            self.assertEqual(s.do("RPUSH", "k", "a"), 1)
            self.assertEqual(s.do("BLPOP", "k", "-1"), NEGATIVE)
            self.assertEqual(s.lrange("k"), [b"a"])
            self.assertEqual(s.blocked(), 0)
        self.on_both(body)

    # -- disconnect ---------------------------------------------------------

    def test_disconnected_waiter_is_forgotten(self):
        def body(s):
            c1, c2 = s.block("BLPOP", "k", 0), s.block("BLPOP", "k", 0)
            c1.close()
            s.wait_blocked(1)
            self.assertEqual(s.do("RPUSH", "k", "a"), 1)
            self.assertEqual(c2.reply(), [b"k", b"a"])
            self.assertEqual(s.do("EXISTS", "k"), 0)
            # Alone: the element stays in the list.
            for cmd, key in ((("BLPOP", "k", 0), "k"),
                             (("BLMOVE", "k2", "d", "LEFT", "RIGHT", 0), "k2"),
                             (("BLMPOP", 0, 1, "k3", "LEFT", "COUNT", 9), "k3")):
                c = s.block(*cmd)
                c.close()
                s.wait_blocked(0)
                self.assertEqual(s.do("RPUSH", key, "x", "y"), 2)
                self.assertEqual(s.lrange(key), [b"x", b"y"], "%s: %r" % (s.name, cmd))
            self.assertEqual(s.do("EXISTS", "d"), 0)
            z = s.block("BZPOPMIN", "z", 0)
            z.close()
            s.wait_blocked(0)
            self.assertEqual(s.do("ZADD", "z", 1, "m"), 1)
            self.assertEqual(s.zrange("z"), [b"m", b"1"])
        self.on_both(body)

    # -- CLIENT UNBLOCK -----------------------------------------------------

    def test_client_unblock(self):
        def body(s):
            c = s.conn()
            cid = c.cmd("CLIENT", "ID")
            self.assertIsInstance(cid, int)
            # Not blocked: 0.
            self.assertEqual(s.do("CLIENT", "UNBLOCK", cid), 0)
            self.assertEqual(s.do("CLIENT", "UNBLOCK", cid, "ERROR"), 0)
            self.assertEqual(s.do("CLIENT", "UNBLOCK", s.admin.cmd("CLIENT", "ID")), 0)
            self.assertEqual(s.do("CLIENT", "UNBLOCK", 999999), 0)
            # Default and TIMEOUT: the timeout reply.
            for extra in ((), ("TIMEOUT",), ("timeout",)):
                s.block("BLPOP", "k", 0, conn=c)
                self.assertEqual(s.do("CLIENT", "UNBLOCK", cid, *extra), 1)
                self.assertEqual(c.reply(), NULL_ARRAY, "%s: %r" % (s.name, extra))
                self.assertEqual(s.blocked(), 0)
                self.assertEqual(s.do("CLIENT", "UNBLOCK", cid, *extra), 0)
                self.assertEqual(c.cmd("PING"), "PONG")
            # ERROR: the -UNBLOCKED error.
            for cmd in (("BZPOPMIN", "z", 0), ("BLMOVE", "k", "d", "LEFT", "RIGHT", 0),
                        ("BLMPOP", 0, 1, "k", "LEFT")):
                s.block(*cmd, conn=c)
                self.assertEqual(s.do("CLIENT", "UNBLOCK", cid, "error"), 1)
                self.assertEqual(c.reply(), UNBLOCKED, "%s: %r" % (s.name, cmd))
                self.assertEqual(s.blocked(), 0)
            # The key it waited on is not consumed any more.
            self.assertEqual(s.do("RPUSH", "k", "a"), 1)
            self.assertEqual(s.lrange("k"), [b"a"])
            self.assertEqual(s.do("DEL", "k"), 1)
            # A second waiter behind the unblocked one gets the push.
            s.block("BLPOP", "k", 0, conn=c)
            other = s.block("BLPOP", "k", 0)
            self.assertEqual(s.do("CLIENT", "UNBLOCK", cid), 1)
            self.assertEqual(c.reply(), NULL_ARRAY)
            self.assertEqual(s.do("RPUSH", "k", "b"), 1)
            self.assertEqual(other.reply(), [b"k", b"b"])
            # RESP3: the null is _.
            c3 = s.conn(resp3=True)
            cid3 = c3.cmd("CLIENT", "ID")
            s.block("BRPOP", "k", 0, conn=c3)
            self.assertEqual(s.do("CLIENT", "UNBLOCK", cid3, "TIMEOUT"), 1)
            self.assertEqual(c3.reply(), NULL3)
            # Argument errors.
            self.assertEqual(s.do("CLIENT", "UNBLOCK", cid, "FOO"),
                             ServerError("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR"))
            self.assertEqual(s.do("CLIENT", "UNBLOCK", "x"),
                             ServerError("ERR value is not an integer or out of range"))
            self.assertEqual(s.do("CLIENT", "UNBLOCK"), ServerError(
                "ERR wrong number of arguments for 'client|unblock' command"))
        self.on_both(body)

    # -- INFO and CLIENT LIST -----------------------------------------------

    def test_info_and_client_list(self):
        def client_line(s, cid):
            for line in s.do("CLIENT", "LIST").decode().splitlines():
                fields = dict(f.split("=", 1) for f in line.split(" ") if "=" in f)
                if fields.get("id") == str(cid):
                    return fields
            self.fail("%s: no client id=%s in CLIENT LIST" % (s.name, cid))

        def body(s):
            self.assertEqual(s.blocked(), 0)
            c1, c2 = s.conn(), s.conn()
            id1, id2 = c1.cmd("CLIENT", "ID"), c2.cmd("CLIENT", "ID")
            self.assertEqual(client_line(s, id1)["flags"], "N")
            s.block("BLPOP", "k", 0, conn=c1)
            self.assertEqual(s.blocked(), 1)
            l1 = client_line(s, id1)
            self.assertEqual((l1["flags"], l1["cmd"]), ("b", "blpop"))
            self.assertEqual(client_line(s, id2)["flags"], "N")
            self.assertEqual(s.admin.info("clients")["clients_in_timeout_table"], "0")
            s.block("BZPOPMAX", "z", "5", conn=c2)
            self.assertEqual(s.blocked(), 2)
            # Only the client with a timeout is in the timeout table.
            self.assertEqual(s.admin.info("clients")["clients_in_timeout_table"], "1")
            l2 = client_line(s, id2)
            self.assertEqual((l2["flags"], l2["cmd"]), ("b", "bzpopmax"))
            me = client_line(s, s.admin.cmd("CLIENT", "ID"))
            self.assertEqual((me["flags"], me["cmd"]), ("N", "client|list"))
            self.assertEqual(s.do("RPUSH", "k", "a"), 1)
            self.assertEqual(c1.reply(), [b"k", b"a"])
            self.assertEqual(s.blocked(), 1)
            self.assertEqual(client_line(s, id1)["flags"], "N")
            self.assertEqual(client_line(s, id2)["flags"], "b")
            self.assertEqual(s.do("CLIENT", "UNBLOCK", id2), 1)
            self.assertEqual(c2.reply(), NULL_ARRAY)
            self.assertEqual(s.blocked(), 0)
            self.assertEqual(s.admin.info("clients")["clients_in_timeout_table"], "0")
            self.assertEqual(client_line(s, id2)["flags"], "N")
            # A timed-out and a disconnected client are no longer counted.
            self.assertEqual(s.conn().cmd("BLPOP", "k", "0.05"), NULL_ARRAY)
            self.assertEqual(s.blocked(), 0)
            s.block("BLPOP", "k", 0).close()
            s.wait_blocked(0)
        self.on_both(body)

    # -- pipelining ---------------------------------------------------------

    def test_pipelined_commands_wait_for_the_blocking_one(self):
        def body(s):
            c = s.conn()
            c.send(encode("BLPOP", "k", 0) + encode("PING") + encode("LLEN", "k"))
            s.wait_blocked(1)
            s.assert_waiting(c)
            self.assertEqual(s.do("RPUSH", "k", "a", "b"), 2)
            self.assertEqual(c.reply(), [b"k", b"a"])
            self.assertEqual(c.reply(), "PONG")
            self.assertEqual(c.reply(), 1)
            # A timeout, then a push and a BLPOP that finds it, in one write.
            c.send(encode("BLPOP", "e", "0.1") + encode("RPUSH", "e", "x") +
                   encode("BLPOP", "e", 0) + encode("PING", "done"))
            self.assertEqual(c.reply(), NULL_ARRAY)
            self.assertEqual(c.reply(), 1)
            self.assertEqual(c.reply(), [b"e", b"x"])
            self.assertEqual(c.reply(), b"done")
            # Two blocking commands in one write: the second blocks after the first.
            c.send(encode("BRPOP", "p", 0) + encode("BZPOPMIN", "q", 0) + encode("PING"))
            s.wait_blocked(1)
            self.assertEqual(s.do("ZADD", "q", 1, "m"), 1)   # nobody waits on q yet
            self.assertEqual(s.do("RPUSH", "p", "v"), 1)
            self.assertEqual(c.reply(), [b"p", b"v"])
            self.assertEqual(c.reply(), [b"q", b"m", b"1"])
            self.assertEqual(c.reply(), "PONG")
            self.assertEqual(s.blocked(), 0)
            self.assertEqual(s.do("EXISTS", "k", "e", "p", "q"), 1)
        self.on_both(body)

    # -- Cairn only: the log ------------------------------------------------

    def dataset(self, c):
        """Every key with its type and contents."""
        out = {}
        for key in sorted(c.cmd("KEYS", "*")):
            t = c.cmd("TYPE", key)
            if t == "list":
                out[key] = ("list", c.cmd("LRANGE", key, 0, -1))
            elif t == "zset":
                out[key] = ("zset", c.cmd("ZRANGE", key, 0, -1, "WITHSCORES"))
            else:
                out[key] = (t, c.cmd("DUMP", key))
        return out

    def test_served_pops_survive_sigkill_restart(self):
        d = self.newdir("cairn")
        srv = self.cairn(d, "--appendfsync", "always")
        s = Side(self, "cairn", srv)
        self.assertEqual(s.do("CONFIG", "GET", "appendonly"), [b"appendonly", b"yes"])
        c = {}
        c[1] = s.block("BLPOP", "l1", 0)
        c[2] = s.block("BRPOP", "l1", 0)
        c[3] = s.block("BLMOVE", "l2", "l3", "LEFT", "RIGHT", 0)
        c[4] = s.block("BRPOPLPUSH", "l3", "l4", 0)
        c[5] = s.block("BZPOPMIN", "z1", 0)
        c[6] = s.block("BZPOPMAX", "z1", 0)
        c[7] = s.block("BLMPOP", 0, 1, "l5", "LEFT", "COUNT", 2)
        c[8] = s.block("BZMPOP", 0, 1, "z2", "MIN", "COUNT", 2)
        c[9] = s.block("BLPOP", "l6", 0)
        self.assertEqual(s.conn().cmd("BLPOP", "gone", "0.05"), NULL_ARRAY)
        c[11] = s.conn()
        id11 = c[11].cmd("CLIENT", "ID")
        s.block("BLMOVE", "l7", "l8", "RIGHT", "RIGHT", 0, conn=c[11])
        self.assertEqual(s.do("CLIENT", "UNBLOCK", id11), 1)
        self.assertEqual(c[11].reply(), NULL_ARRAY)
        self.assertEqual(s.do("RPUSH", "l1", "a", "b", "c", "d"), 4)
        self.assertEqual(s.do("RPUSH", "l2", "x", "y"), 2)
        self.assertEqual(s.do("ZADD", "z1", 1, "a", 2, "b", 3, "c"), 3)
        self.assertEqual(s.do("RPUSH", "l5", "1", "2", "3"), 3)
        self.assertEqual(s.do("ZADD", "z2", 1, "m", "2.5", "n"), 2)
        self.assertEqual(s.do("LPUSH", "l6", "only"), 1)
        self.assertEqual(s.do("RPUSH", "l7", "kept"), 1)
        # appendfsync always: every served client still gets its reply.
        self.assertEqual({i: c[i].reply() for i in range(1, 10)}, {
            1: [b"l1", b"a"], 2: [b"l1", b"d"], 3: b"x", 4: b"x",
            5: [b"z1", b"a", b"1"], 6: [b"z1", b"c", b"3"], 7: [b"l5", [b"1", b"2"]],
            8: [b"z2", [[b"m", b"1"], [b"n", b"2.5"]]], 9: [b"l6", b"only"]})
        self.assertEqual(s.blocked(), 0)
        want = {b"l1": ("list", [b"b", b"c"]), b"l2": ("list", [b"y"]),
                b"l4": ("list", [b"x"]), b"l5": ("list", [b"3"]),
                b"l7": ("list", [b"kept"]), b"z1": ("zset", [b"b", b"2"])}
        self.assertEqual(self.dataset(s.admin), want)

        # Second generation: restart, serve more, kill again.
        for generation in (1, 2):
            self.assertTrue(srv.kill(10), "cairn did not die")
            srv = self.cairn(d, "--appendfsync", "always")
            s = Side(self, "cairn", srv)
            self.assertEqual(self.dataset(s.admin), want, "after restart %d" % generation)
            if generation == 1:
                # Blocking commands that find data pop at once...
                self.assertEqual(s.do("BLPOP", "l1", "l2", 0), [b"l1", b"b"])
                self.assertEqual(s.do("BZPOPMIN", "z1", 0), [b"z1", b"b", b"2"])
                # ... and a chain: l9 -> n1 -> BLPOP n1.
                w1 = s.block("BLPOP", "n1", 0)
                w2 = s.block("BLMOVE", "l9", "n1", "LEFT", "LEFT", 0)
                w3 = s.block("BZPOPMAX", "z3", 0)
                self.assertEqual(s.do("RPUSH", "l9", "v1", "v2"), 2)
                self.assertEqual(s.do("ZADD", "z3", 1, "p", 2, "q"), 2)
                self.assertEqual(w2.reply(), b"v1")
                self.assertEqual(w1.reply(), [b"n1", b"v1"])
                self.assertEqual(w3.reply(), [b"z3", b"q", b"2"])
                want = {b"l1": ("list", [b"c"]), b"l2": ("list", [b"y"]),
                        b"l4": ("list", [b"x"]), b"l5": ("list", [b"3"]),
                        b"l7": ("list", [b"kept"]), b"l9": ("list", [b"v2"]),
                        b"z3": ("zset", [b"p", b"1"])}
                self.assertEqual(self.dataset(s.admin), want)

        # The log holds pops, never a blocking command (a replay must not block).
        logged = b""
        aof_dir = os.path.join(d, "appendonlydir")
        for name in sorted(os.listdir(aof_dir)):
            with open(os.path.join(aof_dir, name), "rb") as f:
                logged += f.read().upper()
        for name in (b"BLPOP", b"BRPOP", b"BLMOVE", b"BRPOPLPUSH", b"BLMPOP", b"BZPOPMIN",
                     b"BZPOPMAX", b"BZMPOP"):
            self.assertNotIn(b"\r\n" + name + b"\r\n", logged, name)
        for name in (b"LPOP", b"RPOP", b"LMOVE", b"ZPOPMIN", b"ZPOPMAX"):
            self.assertIn(b"\r\n" + name + b"\r\n", logged, name)


if __name__ == "__main__":
    BlockingTest.cairn_binary = take_server_arg("blocking_test.py")
    unittest.main()
