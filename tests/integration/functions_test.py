#!/usr/bin/python3
"""FUNCTION libraries through every way Cairn keeps data, and both ways with
redis-server 7.0.15.

    /usr/bin/python3 tests/integration/functions_test.py path/to/cairn-server [unittest args]

Standard library only. A library loaded with FUNCTION LOAD must still answer
FCALL after: SIGKILL and restart (the log), BGREWRITEAOF with an RDB or a RESP
base then SIGKILL, DEBUG RELOAD, and a restart on dump.rdb alone. Then the
formats against the oracle: redis-server 7.0.15 starts on Cairn's dump.rdb
and its log and runs the function; Cairn starts on redis-server's; FUNCTION
DUMP of one restores into the other.
"""

import os
import shutil
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from cairn_testlib import ServerTestCase, take_server_arg  # noqa: E402

LIB = ("#!lua name=counter\n"
       "redis.register_function('bump', function(keys, args) "
       "return redis.call('incrby', keys[1], args[1]) end)\n"
       "redis.register_function{function_name='peek', flags={'no-writes'}, "
       "callback=function(keys) return redis.call('get', keys[1]) end}")


class FunctionsTest(ServerTestCase):
    def check(self, s, value, what):
        c = s.conn()
        self.assertEqual(c.cmd("FCALL_RO", "peek", "1", "n"), value, what)
        self.assertEqual(c.cmd("FCALL", "bump", "1", "n", "1"), int(value) + 1, what)
        self.assertEqual(c.cmd("FUNCTION", "LIST", "WITHCODE")[0][-1], LIB.encode(), what)

    def wait_rewrite(self, c):
        for _ in range(200):
            if b"aof_rewrite_in_progress:0" in c.cmd("INFO", "persistence"):
                return
            time.sleep(0.05)
        self.fail("rewrite did not finish")

    def test_through_log_rewrites_reload_and_snapshot(self):
        d = self.newdir("cairn")
        s = self.cairn(d, "--appendonly", "yes", "--enable-debug-command", "yes")
        c = s.conn()
        self.assertEqual(c.cmd("FUNCTION", "LOAD", LIB), b"counter")
        self.assertEqual(c.cmd("FCALL", "bump", "1", "n", "5"), 5)
        s.kill()
        s = self.cairn(d, "--appendonly", "yes", "--enable-debug-command", "yes")
        self.check(s, b"5", "after SIGKILL (log replay)")
        for preamble in ("yes", "no"):
            c = s.conn()
            c.ok("CONFIG", "SET", "aof-use-rdb-preamble", preamble)
            c.ok("BGREWRITEAOF")
            self.wait_rewrite(c)
            s.kill()
            s = self.cairn(d, "--appendonly", "yes", "--enable-debug-command", "yes")
        self.check(s, b"6", "after rewrites with an RDB and a RESP base")
        c = s.conn()
        self.assertEqual(c.cmd("DEBUG", "RELOAD"), "OK")
        self.check(s, b"7", "after DEBUG RELOAD")
        self.assertEqual(c.cmd("SAVE"), "OK")
        s.kill()
        shutil.rmtree(os.path.join(d, "appendonlydir"))
        s = self.cairn(d, "--appendonly", "no")
        self.check(s, b"8", "on dump.rdb alone")

    def test_both_ways_with_redis(self):
        d = self.newdir("cairn")
        s = self.cairn(d, "--appendonly", "yes", "--save", "")
        c = s.conn()
        c.cmd("FUNCTION", "LOAD", LIB)
        c.cmd("FCALL", "bump", "1", "n", "1")
        self.assertEqual(c.cmd("SAVE"), "OK")
        payload = c.cmd("FUNCTION", "DUMP")
        s.kill()
        r = self.redis(d, "--appendonly", "yes", "--save", "")
        self.check(r, b"1", "redis-server on Cairn's log")
        r.kill()
        shutil.rmtree(os.path.join(d, "appendonlydir"))
        r = self.redis(d, "--appendonly", "no", "--save", "")
        self.check(r, b"1", "redis-server on Cairn's dump.rdb")
        rc = r.conn()
        theirs = rc.cmd("FUNCTION", "DUMP")
        rc.ok("FUNCTION", "FLUSH")
        self.assertEqual(rc.cmd("FUNCTION", "RESTORE", payload), "OK")
        self.check(r, b"2", "redis-server restoring Cairn's FUNCTION DUMP")
        self.assertEqual(rc.cmd("SAVE"), "OK")
        r.kill()
        s = self.cairn(d, "--appendonly", "no", "--save", "")
        self.check(s, b"3", "Cairn on redis-server's dump.rdb")
        c = s.conn()
        c.ok("FUNCTION", "FLUSH")
        self.assertEqual(c.cmd("FUNCTION", "RESTORE", theirs), "OK")
        self.check(s, b"4", "Cairn restoring redis-server's FUNCTION DUMP")


if __name__ == "__main__":
    ServerTestCase.cairn_binary = take_server_arg(__file__)
    unittest.main()
