#!/usr/bin/python3
"""Drives the real cairn-server through redis-py, the client most users have.

Run with Debian's interpreter, which has python3-redis (redis-py 4.3.4):

    /usr/bin/python3 tests/python/client_test.py [path/to/cairn-server] [unittest args]

The server binary comes from argv[1] (when it is not an option), else from the
CAIRN_SERVER environment variable, else <repo>/build/bin/cairn-server. The
test starts it on a free loopback port with a fresh temp dir, waits for PING,
and always stops it. Error texts are compared with Redis 7.0's exactly, so the
same file passes against /usr/bin/redis-server. redis-py 4.3.4 cannot speak
RESP3, so RESP3 is covered elsewhere, not here.
"""

import os
import shutil
import sys
import tempfile
import time
import unittest

import redis

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import cairn_testlib as testlib  # noqa: E402

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SERVER = os.environ.get("CAIRN_SERVER", os.path.join(REPO_ROOT, "build", "bin", "cairn-server"))
START_TIMEOUT_S = 10.0
SOCKET_TIMEOUT_S = 10.0


class CairnClientTest(testlib.LogsOnFailure, unittest.TestCase):
    """One server for the whole class; each test uses its own key names.
    When a test fails, tearDownClass prints the whole server log."""

    server = None
    tmpdir = None
    any_failed = False

    @classmethod
    def setUpClass(cls):
        cls.tmpdir = tempfile.mkdtemp(prefix="cairn-client-test.")
        cls.port = testlib.free_port()
        # Only options cairn accepts too (no --save): this file must run
        # unchanged against both servers.
        cmd = [SERVER, "--port", str(cls.port), "--bind", "127.0.0.1",
               "--dir", cls.tmpdir, "--appendonly", "no"]
        try:
            cls.server = testlib.Server(cmd, os.path.join(cls.tmpdir, "server.log"),
                                        start_timeout_s=START_TIMEOUT_S)
            cls.server.wait_ready()
        except BaseException:
            cls.any_failed = True
            cls._stop_server()
            raise
        cls.r = cls.client()
        cls.s = cls.client(decode_responses=True)

    @classmethod
    def client(cls, **kwargs):
        kwargs.setdefault("socket_timeout", SOCKET_TIMEOUT_S)
        return redis.Redis(host="127.0.0.1", port=cls.port, **kwargs)

    @classmethod
    def _stop_server(cls):
        for c in (getattr(cls, "r", None), getattr(cls, "s", None)):
            if c is not None:
                c.close()
        if cls.server is not None:
            cls.server.stop(timeout=10)
            if cls.any_failed:
                sys.stderr.write("\n" + cls.server.excerpt(tail=None))
        if cls.tmpdir:
            shutil.rmtree(cls.tmpdir, ignore_errors=True)

    @classmethod
    def tearDownClass(cls):
        cls._stop_server()

    def on_failure(self):
        type(self).any_failed = True

    def assertErrorText(self, text, *args):
        """The command fails with a ResponseError whose text (after redis-py
        strips a leading "ERR ") is exactly `text`."""
        with self.assertRaises(redis.ResponseError) as cm:
            self.r.execute_command(*args)
        self.assertEqual(str(cm.exception), text)

    # --- connection -------------------------------------------------------

    def test_ping(self):
        self.assertIs(self.r.ping(), True)
        self.assertIs(self.s.ping(), True)
        # (PING with an argument is not checked: redis-py turns any PING
        # reply into a bool.)

    def test_echo(self):
        self.assertEqual(self.r.echo("hello world"), b"hello world")
        self.assertEqual(self.s.echo("héllo"), "héllo")
        self.assertEqual(self.r.echo(b"\x00\xff\r\n"), b"\x00\xff\r\n")

    def test_client_name_and_id(self):
        with self.client(decode_responses=True) as c:
            self.assertIsNone(c.client_getname())
            self.assertIs(c.client_setname("cairn-test"), True)
            self.assertEqual(c.client_getname(), "cairn-test")
            cid = c.client_id()
            self.assertIsInstance(cid, int)
            self.assertGreater(cid, 0)
            with self.client() as other:
                self.assertNotEqual(other.client_id(), cid)
                self.assertIsNone(other.client_getname())

    def test_select_isolates_databases(self):
        with self.client(db=3) as db3:
            self.r.set("sel:k", "in-db0")
            self.assertIsNone(db3.get("sel:k"))
            db3.set("sel:k", "in-db3")
            db3.set("sel:only3", "x")
            self.assertEqual(self.r.get("sel:k"), b"in-db0")
            self.assertEqual(db3.get("sel:k"), b"in-db3")
            self.assertEqual(self.r.exists("sel:only3"), 0)
            db3.flushdb()
            self.assertEqual(db3.dbsize(), 0)
            self.assertEqual(self.r.get("sel:k"), b"in-db0")

    def test_config_get_databases(self):
        self.assertEqual(self.s.config_get("databases"), {"databases": "16"})

    # --- strings ----------------------------------------------------------

    def test_set_get_bytes_and_str(self):
        self.assertIs(self.r.set("str:a", b"\x00bin\xffary\r\n"), True)
        self.assertEqual(self.r.get("str:a"), b"\x00bin\xffary\r\n")
        self.assertIs(self.s.set("str:b", "ünïcode"), True)
        self.assertEqual(self.s.get("str:b"), "ünïcode")
        self.assertEqual(self.r.get("str:b"), "ünïcode".encode())
        self.assertIsNone(self.r.get("str:missing"))
        self.r.set("str:int", 42)
        self.assertEqual(self.r.get("str:int"), b"42")
        self.r.set("str:empty", "")
        self.assertEqual(self.r.get("str:empty"), b"")
        big = os.urandom(1 << 20)
        self.r.set("str:big", big)
        self.assertEqual(self.r.get("str:big"), big)

    def test_set_ex_px(self):
        self.assertIs(self.r.set("ttl:ex", "v", ex=10), True)
        self.assertTrue(0 < self.r.ttl("ttl:ex") <= 10)
        self.assertIs(self.r.set("ttl:px", "v", px=10000), True)
        self.assertTrue(0 < self.r.pttl("ttl:px") <= 10000)
        self.r.set("ttl:px", "v2")  # a plain SET drops the TTL
        self.assertEqual(self.r.ttl("ttl:px"), -1)
        self.assertEqual(self.r.ttl("ttl:missing"), -2)

    def test_set_ex_expires(self):
        self.r.set("ttl:short", "v", px=100)
        deadline = time.monotonic() + 5
        while self.r.get("ttl:short") is not None and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertIsNone(self.r.get("ttl:short"))
        self.assertEqual(self.r.exists("ttl:short"), 0)

    def test_set_exat_pxat(self):
        now = int(time.time())
        self.assertIs(self.r.set("ttl:exat", "v", exat=now + 100), True)
        self.assertTrue(90 <= self.r.ttl("ttl:exat") <= 100)
        self.assertIs(self.r.set("ttl:pxat", "v", pxat=(now + 100) * 1000), True)
        self.assertTrue(90000 <= self.r.pttl("ttl:pxat") <= 100000)

    def test_set_keepttl(self):
        self.r.set("ttl:keep", "v1", ex=100)
        self.assertIs(self.r.set("ttl:keep", "v2", keepttl=True), True)
        self.assertEqual(self.r.get("ttl:keep"), b"v2")
        self.assertTrue(0 < self.r.ttl("ttl:keep") <= 100)
        self.r.set("ttl:keep", "v3")
        self.assertEqual(self.r.ttl("ttl:keep"), -1)

    def test_set_nx(self):
        self.assertIs(self.r.set("nx:k", "first", nx=True), True)
        self.assertIsNone(self.r.set("nx:k", "second", nx=True))
        self.assertEqual(self.r.get("nx:k"), b"first")

    def test_set_xx(self):
        self.assertIsNone(self.r.set("xx:k", "v", xx=True))
        self.assertEqual(self.r.exists("xx:k"), 0)
        self.r.set("xx:k", "v1")
        self.assertIs(self.r.set("xx:k", "v2", xx=True), True)
        self.assertEqual(self.r.get("xx:k"), b"v2")

    def test_set_get_option(self):
        self.assertIsNone(self.r.set("getopt:k", "v1", get=True))
        self.assertEqual(self.r.get("getopt:k"), b"v1")
        self.assertEqual(self.r.set("getopt:k", "v2", get=True), b"v1")
        self.assertEqual(self.r.get("getopt:k"), b"v2")
        # NX and GET together (allowed since 7.0): old value back, no write.
        self.assertEqual(self.r.set("getopt:k", "v3", nx=True, get=True), b"v2")
        self.assertEqual(self.r.get("getopt:k"), b"v2")
        # XX and GET on a missing key: nil, and nothing is written.
        self.assertIsNone(self.r.set("getopt:new", "v", xx=True, get=True))
        self.assertEqual(self.r.exists("getopt:new"), 0)

    # --- keyspace ---------------------------------------------------------

    def test_delete_and_exists(self):
        for k, v in (("del:a", "1"), ("del:b", "2"), ("del:c", "3")):
            self.r.set(k, v)
        self.assertEqual(self.r.exists("del:a", "del:b", "del:missing"), 2)
        self.assertEqual(self.r.exists("del:a", "del:a", "del:a"), 3)  # repeats count
        self.assertEqual(self.r.delete("del:a", "del:b", "del:missing"), 2)
        self.assertEqual(self.r.exists("del:a", "del:b", "del:c"), 1)
        self.assertEqual(self.r.delete("del:a"), 0)

    def test_dbsize_and_flushdb(self):
        with self.client(db=5) as c:
            c.flushdb()
            self.assertEqual(c.dbsize(), 0)
            for i in range(3):
                c.set("size:%d" % i, i)
            self.assertEqual(c.dbsize(), 3)
            c.set("size:0", "again")  # overwrite: still 3
            self.assertEqual(c.dbsize(), 3)
            self.assertIs(c.flushdb(), True)
            self.assertEqual(c.dbsize(), 0)
            self.assertIsNone(c.get("size:0"))

    # --- pipelining -------------------------------------------------------

    def test_pipeline_1000(self):
        n = 1000
        p = self.r.pipeline(transaction=False)
        for i in range(n):
            p.set("pipe:%d" % i, "value-%d" % i)
        self.assertEqual(p.execute(), [True] * n)
        p = self.r.pipeline(transaction=False)
        for i in range(n):
            p.get("pipe:%d" % i)
        self.assertEqual(p.execute(), [("value-%d" % i).encode() for i in range(n)])

    # --- errors: exact Redis 7.0 texts -----------------------------------

    def test_error_invalid_expire(self):
        self.assertErrorText("invalid expire time in 'set' command", "SET", "err:k", "v", "EX", "0")
        self.assertErrorText("invalid expire time in 'set' command", "SET", "err:k", "v", "PX", "-5")
        self.assertEqual(self.r.exists("err:k"), 0)

    def test_error_not_an_integer(self):
        self.assertErrorText("value is not an integer or out of range",
                             "SET", "err:k", "v", "EX", "abc")

    def test_error_syntax(self):
        self.assertErrorText("syntax error", "SET", "err:k", "v", "NX", "XX")
        self.assertErrorText("syntax error", "SET", "err:k", "v", "EX", "10", "PX", "100")
        self.assertErrorText("syntax error", "SET", "err:k", "v", "BOGUS")
        self.assertEqual(self.r.exists("err:k"), 0)

    def test_error_arity(self):
        self.assertErrorText("wrong number of arguments for 'get' command", "GET")
        self.assertErrorText("wrong number of arguments for 'set' command", "SET", "err:k")

    def test_error_unknown_command(self):
        self.assertErrorText("unknown command 'FOOBAR', with args beginning with: 'x' ",
                             "FOOBAR", "x")
        self.assertErrorText("unknown command 'FOOBAR', with args beginning with: ",
                             "FOOBAR")

    def test_error_select_out_of_range(self):
        self.assertErrorText("DB index is out of range", "SELECT", "16")
        self.assertErrorText("value is not an integer or out of range", "SELECT", "abc")

    def test_cluster_client_is_told_cluster_mode_is_off(self):
        # redis-py recognizes Redis's "cluster support disabled" reply.
        from redis.cluster import RedisCluster
        from redis.exceptions import RedisClusterException
        with self.assertRaisesRegex(RedisClusterException, "Cluster mode is not enabled"):
            RedisCluster(host="127.0.0.1", port=self.port)
        self.assertEqual(self.s.execute_command("MODULE", "LIST"), [])

    def test_connection_survives_errors(self):
        with self.assertRaises(redis.ResponseError):
            self.r.execute_command("FOOBAR")
        self.assertIs(self.r.ping(), True)


def main():
    global SERVER
    argv = list(sys.argv)
    if len(argv) > 1 and not argv[1].startswith("-"):
        SERVER = argv.pop(1)
    SERVER = os.path.abspath(SERVER)
    if not os.access(SERVER, os.X_OK):
        sys.stderr.write("client_test.py: server binary not executable: %s\n" % SERVER)
        return 2
    print("client_test.py: server %s, redis-py %s" % (SERVER, redis.__version__), file=sys.stderr)
    unittest.main(argv=argv, verbosity=2)


if __name__ == "__main__":
    sys.exit(main())
