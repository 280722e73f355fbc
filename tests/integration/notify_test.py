#!/usr/bin/python3
"""Keyspace notifications beside redis-server 7.0.15.

    /usr/bin/python3 tests/integration/notify_test.py path/to/cairn-server [unittest args]

Standard library only. Each server in turn (redis-server 7.0.15 first, the
oracle) gets `notify-keyspace-events KEA` (and `KEAn` for the "new" events),
a subscriber to `__key*__:*`, and the commands of
tests/integration/notify_commands.txt sent by another client, one at a time.
After each command the test publishes a marker and reads the subscriber up to
it, so every command's events are known exactly: which, in what order, with
which key. The replies and the events of both servers must be equal, command
by command. Lines: a command split like a shell line; `#` comments; `!config
VALUE` sets notify-keyspace-events; `!sleep MS`.
"""

import os
import shlex
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from cairn_testlib import Conn, ServerTestCase, take_server_arg  # noqa: E402

SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "notify_commands.txt")


def load_script():
    steps = []
    with open(SCRIPT) as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            steps.append((n, shlex.split(line)))
    return steps


class NotifyTest(ServerTestCase):
    def run_script(self, s):
        cmd, sub = s.conn(), Conn(s.port)
        self.conns.append(sub)
        cmd.ok("CONFIG", "SET", "notify-keyspace-events", "KEA")
        sub.send(b"*2\r\n$10\r\nPSUBSCRIBE\r\n$10\r\n__key*__:*\r\n")
        sub.reply()
        sub.send(b"*2\r\n$9\r\nSUBSCRIBE\r\n$6\r\n__sync\r\n")
        sub.reply()
        out = []
        in_multi = False
        for i, (line, args) in enumerate(load_script()):
            if args[0] == "!config":
                cmd.ok("CONFIG", "SET", "notify-keyspace-events", args[1])
                continue
            if args[0] == "!sleep":
                time.sleep(int(args[1]) / 1000)
                continue
            reply = cmd.cmd(*args)
            name = args[0].upper()
            if name == "MULTI":
                in_multi = True
            elif name in ("EXEC", "DISCARD"):
                in_multi = False
            if in_multi:  # queued: its events come with EXEC's
                out.append((line, " ".join(args), reply, []))
                continue
            cmd.cmd("PUBLISH", "__sync", str(i))
            events = []
            while True:
                m = sub.reply()
                if m[0] == b"message" and m[1] == b"__sync":
                    self.assertEqual(m[2], str(i).encode())
                    break
                events.append((m[2], m[3]))
            out.append((line, " ".join(args), reply, events))
        return out

    def test_events_match_redis(self):
        redis = self.run_script(self.redis(self.newdir("redis")))
        cairn = self.run_script(self.cairn(self.newdir("cairn")))
        self.assertEqual(len(redis), len(cairn))
        bad = []
        for r, c in zip(redis, cairn):
            if r != c:
                bad.append("line %d: %s\n  redis: %r %r\n  cairn: %r %r" % (r[0], r[1], r[2], r[3], c[2], c[3]))
        self.assertEqual(bad, [], "\n" + "\n".join(bad[:30]))
        # The script must really exercise the events.
        self.assertGreater(sum(len(r[3]) for r in redis), 100)


if __name__ == "__main__":
    ServerTestCase.cairn_binary = take_server_arg(__file__)
    unittest.main()
