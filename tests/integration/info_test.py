#!/usr/bin/python3
"""INFO and the DEBUG helpers client test suites use, beside redis-server
7.0.15: the sections a default INFO lists, in Redis's order (clients read
some of them at connect time: Modules, Cluster), INFO errorstats counting
the same errors the same way, and DEBUG ERROR / DEBUG PROTOCOL replies byte
for byte in RESP2 and RESP3.

    /usr/bin/python3 tests/integration/info_test.py path/to/cairn-server [unittest args]
"""

import os
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import socket  # noqa: E402

from cairn_testlib import ServerTestCase, encode, take_server_arg  # noqa: E402

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


class FieldNamesTest(ServerTestCase):
    def test_info_everything_names_what_redis_names(self):
        # Scrapers read fields by name: every section's fields, in Redis's
        # order (Cairn adds cairn_version only); per-command, per-error and
        # per-db lines are covered elsewhere.
        seen = []

        def run(s):
            text = s.conn().ok("INFO", "everything").decode()
            names = [line.split(":", 1)[0] for line in text.split("\r\n")
                     if ":" in line and not line.startswith(
                         ("cmdstat_", "errorstat_", "latency_percentiles_usec_", "db"))]
            seen.append([n for n in names if n != "cairn_version"])

        # (With the log on, both add the aof_* fields Redis shows then.)
        self.both(run, "--appendonly", "no")
        self.assertEqual(seen[1], seen[0])
        self.assertIn("instantaneous_ops_per_sec", seen[0])


class KeyspaceTest(ServerTestCase):
    def test_avg_ttl_is_estimated_as_redis_does(self):
        # avg_ttl comes from what the active expiry samples: a few cycles
        # after keys with a 100 s TTL are set, both servers estimate it just
        # under 100000 ms; a database without expiries says 0.
        seen = []

        def run(s):
            c = s.conn()
            c.pipeline([("SET", "k%d" % i, "v", "EX", "100") for i in range(50)] +
                       [("SET", "plain", "v")])
            time.sleep(1.5)
            ks = fields(c.ok("INFO", "keyspace"), "Keyspace")
            db0 = dict(p.split("=") for p in ks["db0"].split(","))
            seen.append((db0["keys"], db0["expires"], 90000 < int(db0["avg_ttl"]) <= 100000))
            c.ok("SELECT", "1")
            c.ok("SET", "x", "y")
            ks = fields(c.ok("INFO", "keyspace"), "Keyspace")
            seen.append(ks["db1"])

        self.both(run)
        self.assertEqual(seen[2:], seen[:2])
        self.assertEqual(seen[0], ("51", "50", True))
        self.assertEqual(seen[1], "keys=1,expires=0,avg_ttl=0")


class MemoryFieldsTest(ServerTestCase):
    def test_info_memory_and_memory_stats_name_what_redis_names(self):
        # Monitoring reads these by name: the same fields, in the same order
        # (values are each server's own accounting).
        seen = []

        def run(s):
            c = s.conn()
            c.ok("SET", "k", "v")
            c.ok("SELECT", "3")
            c.ok("SET", "k", "v", "EX", "100")
            info = fields(c.ok("INFO", "memory"), "Memory")
            stats = c.ok("MEMORY", "STATS")
            seen.append((list(info), stats[0::2], int(info["used_memory"]) > 0,
                         float(info["mem_fragmentation_ratio"]) > 0))

        self.both(run)
        self.assertEqual(seen[1], seen[0])
        self.assertIn(b"db.3", seen[0][1])

    def test_the_logs_window_is_the_replication_backlog(self):
        # With the log on, Cairn keeps the replication backlog from the first
        # write (Redis: from the first replica). INFO and MEMORY STATS show
        # it, and with no replica attached maxmemory does not count it.
        c = self.cairn(self.newdir("cairn"), "--appendonly", "yes").conn()
        for i in range(200):
            c.ok("SET", "k%d" % i, "x" * 1000)
        info = fields(c.ok("INFO", "memory"), "Memory")
        backlog = int(info["mem_replication_backlog"])
        self.assertGreater(backlog, 200 * 1000)
        self.assertGreaterEqual(int(info["mem_not_counted_for_evict"]), backlog)
        stats = c.ok("MEMORY", "STATS")
        self.assertEqual(stats[stats.index(b"replication.backlog") + 1], backlog)
        # Log off and no replica: no backlog, as in Redis.
        c = self.cairn(self.newdir("nolog"), "--appendonly", "no").conn()
        c.ok("SET", "k", "x" * 1000)
        self.assertEqual(fields(c.ok("INFO", "memory"), "Memory")["mem_replication_backlog"], "0")


class ReplicationBuffersTest(ServerTestCase):
    redis_defaults = cairn_defaults = (("--repl-diskless-sync-delay", "0"),)

    def test_a_replicas_stream_shows_in_the_replication_buffers(self):
        def run(s):
            c = s.conn()
            replica = self.redis(self.newdir("replica"), "--replicaof", "127.0.0.1", str(s.port))
            deadline = time.monotonic() + 10
            while fields(replica.conn().ok("INFO", "replication"),
                         "Replication").get("master_link_status") != "up":
                self.assertLess(time.monotonic(), deadline)
                time.sleep(0.05)
            for i in range(50):
                c.ok("SET", "k%d" % i, "x" * 1000)
            info = fields(c.ok("INFO", "memory"), "Memory")
            self.assertGreater(int(info["mem_total_replication_buffers"]), 50 * 1000)
            self.assertGreater(int(info["mem_replication_backlog"]), 50 * 1000)
            replica.kill()

        self.both(run, "--appendonly", "no")


class ClientBuffersTest(ServerTestCase):
    def test_a_client_that_does_not_read_shows_its_waiting_replies(self):
        # On both servers: CLIENT LIST's omem and tot-mem and INFO's
        # mem_clients_normal grow with replies a client leaves unread, and
        # multi-mem with what MULTI queued (each server counts its own
        # buffers, so only the sizes' order is compared).
        def client_fields(c, name):
            for line in c.ok("CLIENT", "LIST").decode().splitlines():
                f = dict(x.split("=", 1) for x in line.split() if "=" in x)
                if f["name"] == name:
                    return {k: int(f[k]) for k in ("qbuf", "multi-mem", "omem", "tot-mem")}
            self.fail("no client %s" % name)

        def run(s):
            c = s.conn()
            c.ok("SET", "big", "x" * 1000000)
            lazy = socket.create_connection(("127.0.0.1", s.port))
            self.addCleanup(lazy.close)
            lazy.sendall(encode("CLIENT", "SETNAME", "lazy") + encode("GET", "big") * 40)
            m = s.conn()
            m.ok("CLIENT", "SETNAME", "multi")
            m.ok("MULTI")
            m.cmd("SET", "k", "v" * 10000)
            deadline = time.monotonic() + 10
            while client_fields(c, "lazy")["omem"] < 10000000:
                self.assertLess(time.monotonic(), deadline, client_fields(c, "lazy"))
                time.sleep(0.05)
            f = client_fields(c, "lazy")
            self.assertGreaterEqual(f["tot-mem"], f["omem"])
            self.assertGreaterEqual(client_fields(c, "multi")["multi-mem"], 10000)
            # (Redis sums its clients' memory in its cron: it takes a moment.)
            while int(fields(c.ok("INFO", "memory"), "Memory")["mem_clients_normal"]) < f["omem"]:
                self.assertLess(time.monotonic(), deadline)
                time.sleep(0.05)
            stats = c.ok("MEMORY", "STATS")
            self.assertGreaterEqual(stats[stats.index(b"clients.normal") + 1], f["omem"])
            out_max = int(fields(c.ok("INFO", "clients"), "Clients")[
                "client_recent_max_output_buffer"])
            self.assertGreaterEqual(out_max, 10000000)

        self.both(run)


class CommandstatsTest(ServerTestCase):
    def test_counts_match_redis(self):
        seen = []

        def run(s):
            c = s.conn()
            for cmd in [("SET", "s", "x"), ("GET", "s"), ("GET", "s"), ("GET",), ("INCR", "s"),
                        ("CONFIG", "GET", "port"), ("CONFIG", "SET", "nosuch", "1"),
                        ("MULTI",), ("GET", "s"), ("EXEC",)]:
                c.cmd(*cmd)
            stats = {}
            for k, v in fields(c.cmd("INFO", "commandstats"), "Commandstats").items():
                parts = dict(p.split("=") for p in v.split(","))
                stats[k] = (parts["calls"], parts["rejected_calls"], parts["failed_calls"])
            stats.pop("cmdstat_info", None)  # this very INFO is counted or not
            seen.append((stats, "Commandstats" in sections(c.cmd("INFO", "all")),
                         "Commandstats" in sections(c.cmd("INFO"))))

        self.both(run)
        self.assertEqual(seen[1], seen[0])
        self.assertEqual(seen[1][0]["cmdstat_get"], ("3", "1", "0"))
        self.assertTrue(seen[1][1])
        self.assertFalse(seen[1][2])


class DebugProtocolTest(ServerTestCase):
    TYPES = ["string", "integer", "double", "bignum", "null", "array", "set", "map", "attrib",
             "push", "verbatim", "true", "false", "nosuch"]

    def test_debug_protocol_and_error_match_redis(self):
        seen = []

        def raw_reply(s, *cmds):
            sock = socket.create_connection(("127.0.0.1", s.port))
            sock.sendall(b"".join(encode(*c) for c in cmds) + encode("PING", "end"))
            data = b""
            sock.settimeout(5)
            while not data.endswith(b"$3\r\nend\r\n"):
                chunk = sock.recv(65536)
                if not chunk:
                    break
                data += chunk
            sock.close()
            return data

        def run(s):
            out = [raw_reply(s, ("DEBUG", "ERROR", "my error"), ("DEBUG", "ERROR", "-X y"))]
            for resp in ("2", "3"):
                out.append(raw_reply(s, ("HELLO", resp, "SETNAME", "x"),
                                     *[("DEBUG", "PROTOCOL", t) for t in self.TYPES]))
            # HELLO's reply names the server and its client id: compare after it
            seen.append([o.split(b"$11\r\nHello World", 1)[-1] for o in out])

        self.both(run, "--enable-debug-command", "yes")
        self.assertEqual(len(seen), 2)
        self.assertEqual(seen[1], seen[0])
        self.assertIn(b">2\r\n$16\r\nserver-cpu-usage", seen[0][2])


if __name__ == "__main__":
    ServerTestCase.cairn_binary = take_server_arg(__file__)
    unittest.main()
