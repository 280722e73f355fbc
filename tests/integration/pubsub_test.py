#!/usr/bin/python3
"""Pub/Sub with several real clients, beside redis-server 7.0.15.

    /usr/bin/python3 tests/integration/pubsub_test.py path/to/cairn-server [unittest args]

Standard library only. Each test runs the same scenario with the same
assertions on redis-server 7.0.15 and on cairn-server (a subTest each, a
fresh server each). What is checked:
  * a RESP2 subscriber gets message / pmessage / smessage from another
    client's PUBLISH / SPUBLISH, whose reply counts the deliveries; several
    patterns matching one channel each deliver (compared as a multiset: Redis
    walks its patterns in hash order);
  * a RESP3 client gets pushes between its ordinary replies;
  * a subscriber that disconnects is forgotten (NUMSUB, PUBLISH's count);
  * PUBSUB CHANNELS / NUMSUB / NUMPAT / SHARDCHANNELS / SHARDNUMSUB seen by
    another client;
  * python3-redis PubSub objects, several subscribers by channel and pattern;
  * client-output-buffer-limit pubsub: a subscriber that stops reading is
    disconnected once its pending output passes the hard limit, and the
    server carries on.
"""

import os
import socket
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from cairn_testlib import Conn, ServerTestCase, take_server_arg  # noqa: E402


class Conn3(Conn):
    """Conn that also reads RESP3: a push comes back as ("push", [...])."""

    def reply(self):
        line = self._line()
        kind, rest = line[:1], line[1:]
        if kind == b">":
            return ("push", [self.reply() for _ in range(int(rest))])
        if kind == b"_":
            return None
        if kind == b"%":
            return {self.reply(): self.reply() for _ in range(int(rest))}
        self._pending = line
        return super().reply()

    def _line(self):
        pending = getattr(self, "_pending", None)
        if pending is not None:
            self._pending = None
            return pending
        return super()._line()


class PubSubTest(ServerTestCase):
    def conn3(self, s):
        c = Conn3(s.port)
        self.conns.append(c)
        return c

    def test_messages_and_patterns(self):
        def run(s):
            sub, pub = self.conn3(s), self.conn3(s)
            self.assertEqual(sub.cmd("SUBSCRIBE", "news"), [b"subscribe", b"news", 1])
            self.assertEqual(pub.cmd("PUBLISH", "news", "hello"), 1)
            self.assertEqual(sub.reply(), [b"message", b"news", b"hello"])
            self.assertEqual(pub.cmd("PUBLISH", "other", "x"), 0)
            sub.send(b"*4\r\n$10\r\nPSUBSCRIBE\r\n$2\r\nn*\r\n$4\r\nn?ws\r\n$4\r\nh[a]\r\n")
            self.assertEqual([sub.reply() for _ in range(3)],
                             [[b"psubscribe", b"n*", 2], [b"psubscribe", b"n?ws", 3],
                              [b"psubscribe", b"h[a]", 4]])
            # the channel's subscribers first, then each matching pattern
            self.assertEqual(pub.cmd("PUBLISH", "news", "two"), 3)
            self.assertEqual(sub.reply(), [b"message", b"news", b"two"])
            self.assertEqual(sorted(sub.reply() for _ in range(2)),
                             [[b"pmessage", b"n*", b"news", b"two"],
                              [b"pmessage", b"n?ws", b"news", b"two"]])
            self.assertEqual(pub.cmd("PUBLISH", "ha", "3"), 1)
            self.assertEqual(sub.reply(), [b"pmessage", b"h[a]", b"ha", b"3"])
            self.assertEqual(pub.cmd("PUBSUB", "NUMPAT"), 3)
            self.assertEqual(pub.cmd("PUBSUB", "NUMSUB", "news", "ha"), [b"news", 1, b"ha", 0])
            self.assertEqual(pub.cmd("PUBSUB", "CHANNELS"), [b"news"])
            self.assertEqual(pub.cmd("PUBSUB", "CHANNELS", "x*"), [])
            # a second subscriber of the same channel, in subscription order
            sub2 = self.conn3(s)
            sub2.cmd("SUBSCRIBE", "news")
            self.assertEqual(pub.cmd("PUBLISH", "news", "4"), 4)
            self.assertEqual(sub2.reply(), [b"message", b"news", b"4"])
            self.assertEqual(sub.reply(), [b"message", b"news", b"4"])
            self.assertEqual(len([sub.reply() for _ in range(2)]), 2)
            # unsubscribing stops delivery
            self.assertEqual(sub.cmd("UNSUBSCRIBE", "news"), [b"unsubscribe", b"news", 3])
            self.assertEqual(sub.cmd("PUNSUBSCRIBE", "n*"), [b"punsubscribe", b"n*", 2])
            self.assertEqual(pub.cmd("PUBLISH", "news", "5"), 2)
            self.assertEqual(sub.reply(), [b"pmessage", b"n?ws", b"news", b"5"])
            self.assertEqual(sub2.reply(), [b"message", b"news", b"5"])

        self.both(run)

    def test_sharded(self):
        def run(s):
            sub, pub = self.conn3(s), self.conn3(s)
            self.assertEqual(sub.cmd("SSUBSCRIBE", "orders"), [b"ssubscribe", b"orders", 1])
            self.assertEqual(pub.cmd("PUBLISH", "orders", "not sharded"), 0)
            self.assertEqual(pub.cmd("SPUBLISH", "orders", "o1"), 1)
            self.assertEqual(sub.reply(), [b"smessage", b"orders", b"o1"])
            self.assertEqual(pub.cmd("PUBSUB", "SHARDCHANNELS"), [b"orders"])
            self.assertEqual(pub.cmd("PUBSUB", "SHARDNUMSUB", "orders"), [b"orders", 1])
            self.assertEqual(pub.cmd("PUBSUB", "CHANNELS"), [])
            self.assertEqual(sub.cmd("SUNSUBSCRIBE"), [b"sunsubscribe", b"orders", 0])
            self.assertEqual(pub.cmd("SPUBLISH", "orders", "o2"), 0)
            self.assertEqual(sub.cmd("GET", "x"), None)  # out of subscribe mode

        self.both(run)

    def test_resp3_pushes_between_replies(self):
        def run(s):
            c, pub = self.conn3(s), self.conn3(s)
            c.cmd("HELLO", "3")
            self.assertEqual(c.cmd("SUBSCRIBE", "ch"), ("push", [b"subscribe", b"ch", 1]))
            c.cmd("SET", "k", "v")
            self.assertEqual(pub.cmd("PUBLISH", "ch", "m1"), 1)
            self.assertEqual(c.cmd("GET", "k"), ("push", [b"message", b"ch", b"m1"]))
            self.assertEqual(c.reply(), b"v")
            self.assertEqual(c.cmd("PUBLISH", "ch", "self"), ("push", [b"message", b"ch", b"self"]))
            self.assertEqual(c.reply(), 1)

        self.both(run)

    def test_disconnected_subscriber_is_forgotten(self):
        def run(s):
            pub = self.conn3(s)
            sub = self.conn3(s)
            sub.cmd("SUBSCRIBE", "a", "b")
            sub.reply()
            sub.cmd("PSUBSCRIBE", "p*")
            self.assertEqual(pub.cmd("PUBSUB", "NUMSUB", "a"), [b"a", 1])
            sub.close()
            for _ in range(100):
                if pub.cmd("PUBSUB", "NUMSUB", "a") == [b"a", 0]:
                    break
                time.sleep(0.02)
            self.assertEqual(pub.cmd("PUBSUB", "NUMSUB", "a", "b"), [b"a", 0, b"b", 0])
            self.assertEqual(pub.cmd("PUBSUB", "NUMPAT"), 0)
            self.assertEqual(pub.cmd("PUBLISH", "a", "x"), 0)

        self.both(run)

    def test_python3_redis_clients(self):
        try:
            import redis as redispy  # python3-redis, as applications use it
        except ImportError:
            self.fail("python3-redis is not installed (scripts/install-deps.sh installs it)")

        def run(s):
            pub = redispy.Redis(port=s.port)
            subs = [redispy.Redis(port=s.port).pubsub(ignore_subscribe_messages=True)
                    for _ in range(3)]
            subs[0].subscribe("orders")
            subs[1].psubscribe("ord*")
            subs[2].subscribe("orders", "refunds")
            for p in subs:  # the confirmations
                while p.get_message(timeout=1.0) is not None:
                    pass
            self.assertEqual(pub.publish("orders", "o-1"), 3)
            self.assertEqual(pub.publish("refunds", "r-1"), 1)
            self.assertEqual(pub.pubsub_numsub("orders", "refunds"),
                             [(b"orders", 2), (b"refunds", 1)])
            self.assertEqual(pub.pubsub_numpat(), 1)

            def drain(p, n):
                got = []
                deadline = time.time() + 5
                while len(got) < n and time.time() < deadline:
                    m = p.get_message(timeout=0.5)
                    if m is not None:
                        got.append((m["type"], m["channel"], m["data"]))
                return got

            self.assertEqual(drain(subs[0], 1), [("message", b"orders", b"o-1")])
            self.assertEqual(drain(subs[1], 1), [("pmessage", b"orders", b"o-1")])
            self.assertEqual(drain(subs[2], 2), [("message", b"orders", b"o-1"),
                                                  ("message", b"refunds", b"r-1")])
            for p in subs:
                p.close()
            pub.close()

        self.both(run)

    def test_slow_subscriber_is_disconnected(self):
        def run(s):
            pub = self.conn3(s)
            pub.ok("CONFIG", "SET", "client-output-buffer-limit", "pubsub 262144 131072 60")
            raw = socket.create_connection(("127.0.0.1", s.port))
            raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            raw.sendall(b"*2\r\n$9\r\nSUBSCRIBE\r\n$4\r\nslow\r\n")
            time.sleep(0.1)
            self.assertEqual(pub.cmd("PUBSUB", "NUMSUB", "slow"), [b"slow", 1])
            payload = "x" * 10000
            delivered = []
            for _ in range(3000):  # 30 MB, past socket buffers and the 256 KiB limit
                delivered.append(pub.cmd("PUBLISH", "slow", payload))
                if delivered[-1] == 0:
                    break
            self.assertEqual(delivered[-1], 0, "the slow subscriber was never cut off")
            self.assertEqual(pub.cmd("PUBSUB", "NUMSUB", "slow"), [b"slow", 0])
            # the server closed it: only the publisher is left
            clients = pub.cmd("CLIENT", "LIST").decode().strip().split("\n")
            self.assertEqual(len(clients), 1, clients)
            raw.close()
            self.assertEqual(pub.cmd("PING"), "PONG")

        self.both(run)


if __name__ == "__main__":
    ServerTestCase.cairn_binary = take_server_arg(__file__)
    unittest.main()
