#!/usr/bin/python3
"""Long-running scripts beside redis-server 7.0.15: busy-reply-threshold,
-BUSY, SCRIPT KILL, UNKILLABLE, SHUTDOWN NOSAVE.

    /usr/bin/python3 tests/integration/script_busy_test.py path/to/cairn-server [unittest args]

Standard library only. Each scenario runs on redis-server 7.0.15 and on
cairn-server (a subTest each, a fresh server each) with the same assertions:
  * while a script runs past busy-reply-threshold, other clients get -BUSY
    for ordinary commands (PING, GET) and may still send allow-busy ones
    (MULTI);
  * FUNCTION KILL stops a long FCALL (whose -BUSY names FUNCTION KILL);
  * SCRIPT KILL stops a script that has not written, whose caller then gets
    "Script killed by user with SCRIPT KILL..."; NOTBUSY when none runs;
  * a script that wrote cannot be killed (UNKILLABLE); SHUTDOWN without
    NOSAVE gets -BUSY; SHUTDOWN NOSAVE stops the server, and (Cairn, with the
    log on) the unfinished script's write is not in the log after restart.
"""

import os
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from cairn_testlib import ServerError, ServerTestCase, encode, take_server_arg  # noqa: E402

SPIN = "local i = 0 while true do i = i + 1 end"
BUSY = ServerError("BUSY Redis is busy running a script. You can only call SCRIPT KILL or "
                   "SHUTDOWN NOSAVE.")


class ScriptBusyTest(ServerTestCase):
    def start(self, name):
        d = self.newdir(name)
        s = self.redis(d) if name == "redis" else self.cairn(d)
        s.conn().ok("CONFIG", "SET", "busy-reply-threshold", "100")
        return s, d

    def wait_busy(self, c):
        for _ in range(100):
            r = c.cmd("PING")
            if r == BUSY:
                return
            time.sleep(0.02)
        self.fail("the script never made the server busy")

    def test_kill_a_script_that_did_not_write(self):
        for name in ("redis", "cairn"):
            with self.subTest(server=name):
                s, _ = self.start(name)
                runner, other = s.conn(), s.conn()
                self.assertEqual(other.cmd("SCRIPT", "KILL"),
                                 ServerError("NOTBUSY No scripts in execution right now."))
                runner.send(encode("EVAL", SPIN, "0"))
                self.wait_busy(other)
                self.assertEqual(other.cmd("GET", "k"), BUSY)
                self.assertEqual(other.cmd("MULTI"), "OK")  # allow-busy
                self.assertEqual(other.cmd("DISCARD"), "OK")
                self.assertEqual(other.cmd("SCRIPT", "KILL"), "OK")
                reply = runner.reply()
                self.assertIsInstance(reply, ServerError)
                self.assertTrue(reply.startswith("ERR Script killed by user with SCRIPT KILL..."),
                                reply)
                self.assertEqual(other.cmd("PING"), "PONG")
                self.assertEqual(runner.cmd("PING"), "PONG")
                s.kill()

    def test_function_kill(self):
        busy = ServerError("BUSY Redis is busy running a script. You can only call FUNCTION "
                           "KILL or SHUTDOWN NOSAVE.")
        for name in ("redis", "cairn"):
            with self.subTest(server=name):
                s, _ = self.start(name)
                runner, other = s.conn(), s.conn()
                other.cmd("FUNCTION", "LOAD", "#!lua name=spin\nredis.register_function{"
                          "function_name='spin', callback=function() " + SPIN + " end, "
                          "flags={'no-writes'}}")
                runner.send(encode("FCALL", "spin", "0"))
                for _ in range(100):
                    if other.cmd("GET", "k") == busy:
                        break
                    time.sleep(0.02)
                else:
                    self.fail("the function never made the server busy")
                self.assertEqual(other.cmd("FUNCTION", "KILL"), "OK")
                self.assertTrue(str(runner.reply()).startswith(
                    "ERR Script killed by user with SCRIPT KILL..."))
                self.assertEqual(other.cmd("PING"), "PONG")
                s.kill()

    def test_a_script_that_wrote_is_unkillable_but_shutdown_nosave_stops_it(self):
        for name in ("redis", "cairn"):
            with self.subTest(server=name):
                s, d = self.start(name)
                runner, other = s.conn(), s.conn()
                other.ok("SET", "before", "1")
                runner.send(encode("EVAL", "redis.call('set', 'w', 1) " + SPIN, "0"))
                self.wait_busy(other)
                kill = other.cmd("SCRIPT", "KILL")
                self.assertTrue(str(kill).startswith("UNKILLABLE"), kill)
                self.assertEqual(other.cmd("SHUTDOWN"), BUSY)
                other.send(encode("SHUTDOWN", "NOSAVE"))
                s.wait_exit(15, "after SHUTDOWN NOSAVE")
                if name == "cairn":
                    s = self.cairn(d)
                    c = s.conn()
                    self.assertEqual(c.cmd("GET", "before"), b"1")
                    self.assertIsNone(c.cmd("GET", "w"))  # never acknowledged, never logged
                    s.kill()


if __name__ == "__main__":
    ServerTestCase.cairn_binary = take_server_arg(__file__)
    unittest.main()
