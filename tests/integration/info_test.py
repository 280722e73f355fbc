#!/usr/bin/python3
"""INFO beside redis-server 7.0.15: the sections a default INFO lists, in
Redis's order (clients read some of them at connect time: Modules, Cluster),
and INFO errorstats counting the same errors the same way.

    /usr/bin/python3 tests/integration/info_test.py path/to/cairn-server [unittest args]
"""

import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from cairn_testlib import ServerTestCase, take_server_arg  # noqa: E402

ERRORS = [("NOSUCHCOMMAND",), ("GET",), ("SET", "s", "x"), ("LPUSH", "s", "a"),
          ("INCR", "s"), ("EXEC",), ("MULTI",), ("SET",), ("EXEC",),
          ("CONFIG", "SET", "nosuch", "1")]


def sections(info):
    return [line[2:] for line in info.decode().split("\r\n") if line.startswith("# ")]


def fields(info, section):
    out, inside = {}, False
    for line in info.decode().split("\r\n"):
        if line.startswith("# "):
            inside = line[2:] == section
        elif inside and ":" in line:
            k, v = line.split(":", 1)
            out[k] = v
    return out


class InfoTest(ServerTestCase):
    def test_sections_and_errorstats_match_redis(self):
        seen = {}

        def run(s):
            c = s.conn()
            for cmd in ERRORS:
                c.cmd(*cmd)
            name = "redis" if len(seen) == 0 else "cairn"
            seen[name] = (sections(c.cmd("INFO")), fields(c.cmd("INFO", "errorstats"), "Errorstats"),
                          fields(c.cmd("INFO", "cluster"), "Cluster"),
                          sections(c.cmd("INFO", "modules")))

        self.both(run)
        self.assertEqual(seen["cairn"][0], seen["redis"][0])
        self.assertEqual(seen["cairn"][1], seen["redis"][1])
        self.assertIn("errorstat_WRONGTYPE", seen["cairn"][1])
        self.assertEqual(seen["cairn"][2], {"cluster_enabled": "0"})
        self.assertEqual(seen["cairn"][3], ["Modules"])


if __name__ == "__main__":
    ServerTestCase.cairn_binary = take_server_arg(__file__)
    unittest.main()
