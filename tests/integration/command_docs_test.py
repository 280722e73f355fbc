#!/usr/bin/python3
"""COMMAND beside redis-server 7.0.15, for every command Cairn has: COMMAND
INFO (arity, flags, key positions, ACL categories, tips, key specs) and
COMMAND DOCS (summary, history, arguments...) must be Redis's, since cluster
clients find keys with the one and redis-cli's hints come from the other.
Also MODULE with enable-module-command yes, where Cairn, which loads no
Redis modules, must fail as Redis fails for a module it cannot load.

    /usr/bin/python3 tests/integration/command_docs_test.py path/to/cairn-server [unittest args]
"""

import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from cairn_testlib import ServerTestCase, take_server_arg  # noqa: E402


def normalized_info(reply):
    """COMMAND INFO's entries with their subcommands sorted: Redis lists them
    in the order of a hash table its random seed shuffles."""
    def entry(e):
        if not isinstance(e, list):
            return e  # nil, for an unknown name
        return e[:9] + [sorted((entry(s) for s in e[9]), key=repr)]
    return [entry(e) for e in reply]


def normalized_docs(reply):
    """COMMAND DOCS as {name: {field: value}}, subcommands likewise (Redis's
    order of them is its hash table's)."""
    out = {}
    for name, fields in zip(reply[0::2], reply[1::2]):
        doc = dict(zip(fields[0::2], fields[1::2]))
        if b"subcommands" in doc:
            doc[b"subcommands"] = normalized_docs(doc[b"subcommands"])
        out[name] = doc
    return out


class CommandDescriptionTest(ServerTestCase):
    def test_every_command_is_described_as_redis_describes_it(self):
        redis = self.redis(self.newdir("redis")).conn()
        cairn = self.cairn(self.newdir("cairn")).conn()
        names = sorted(cairn.ok("COMMAND", "LIST"))
        redis_names = set(redis.ok("COMMAND", "LIST"))
        self.assertGreater(len(names), 300)
        self.assertEqual([n for n in names if n not in redis_names], [],
                         "commands redis-server does not have")
        self.assertEqual(sorted(n for n in redis_names if n not in names), [],
                         "redis-server's commands Cairn lacks")
        info_differs, docs_differs = [], []
        for name in names:
            if (normalized_info(cairn.ok("COMMAND", "INFO", name)) !=
                    normalized_info(redis.ok("COMMAND", "INFO", name))):
                info_differs.append(name.decode())
            if (normalized_docs(cairn.ok("COMMAND", "DOCS", name)) !=
                    normalized_docs(redis.ok("COMMAND", "DOCS", name))):
                docs_differs.append(name.decode())
        self.assertEqual(info_differs, [], "COMMAND INFO differs from redis-server's")
        self.assertEqual(docs_differs, [], "COMMAND DOCS differs from redis-server's")
        # Subcommands too, each asked for by its full name.
        subs = [s[0] for n in names for s in cairn.ok("COMMAND", "INFO", n)[0][9]]
        self.assertGreater(len(subs), 50)
        for sub in subs:
            self.assertEqual(cairn.ok("COMMAND", "INFO", sub), redis.ok("COMMAND", "INFO", sub),
                             sub)

    def test_module_load_fails_as_for_a_module_redis_cannot_load(self):
        # Loading allowed: Redis tries and fails; Cairn fails the same way.
        replies = {}

        def run(s):
            c = s.conn()
            replies[s] = [
                c.cmd("MODULE", "LOAD", os.path.join(self.tmp, "nosuch.so")),
                c.cmd("MODULE", "LOAD", os.path.join(self.tmp, "nosuch.so"), "arg"),
                c.cmd("MODULE", "LOADEX", os.path.join(self.tmp, "nosuch.so"),
                      "CONFIG", "name", "value", "ARGS", "a"),
                c.cmd("MODULE", "UNLOAD", "nosuch"),
                c.cmd("MODULE", "LIST"),
                c.cmd("PING"),
            ]

        self.both(run, "--enable-module-command", "yes")
        redis_replies, cairn_replies = replies.values()
        self.assertEqual(cairn_replies, redis_replies)
        self.assertEqual(cairn_replies[0],
                         "ERR Error loading the extension. Please check the server logs.")
        self.assertEqual(cairn_replies[4], [])


if __name__ == "__main__":
    ServerTestCase.cairn_binary = take_server_arg(__file__)
    unittest.main()
