#!/usr/bin/python3
"""The cold tier (issue 15): values moved to RocksDB under
`maxmemory-policy cold-lru`, beside a redis-server 7.0.15 that keeps
everything in memory:

    /usr/bin/python3 tests/integration/cold_test.py path/to/cairn-server [unittest args]

  * every type pushed cold (DEBUG COLD) before each command of a script
    that goes through every command family: the replies are Redis's;
  * the commands that need only the key (EXISTS, TYPE, TTL, EXPIRE, DEL,
    RENAME, MOVE, SCAN, KEYS...) never read the tier;
  * a write load many times maxmemory loads with no error, memory stays at
    the limit, every key reads back, and a SIGKILL and restart (the tier
    rebuilt from the log) give it all back;
  * SIGKILL in the middle of spills and promotes: every acknowledged write
    is there after the restart;
  * a replica under cold-lru loads a full resync many times its maxmemory;
  * BGSAVE, BGREWRITEAOF (both base formats), DEBUG RELOAD, DUMP and a full
    resync of a redis-server replica carry the cold values; a BGSAVE of a
    mostly cold dataset loads in redis-server 7.0.15;
  * FLUSHALL, DEL, expiry, COPY and RENAME over a cold key keep the tier's
    count of cold keys true.
"""

import os
import random
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from cairn_testlib import ServerError, ServerTestCase, read_dataset, take_server_arg  # noqa: E402


def cold(c):
    return {k: int(v) for k, v in c.info("cold").items() if k != "cold_read_latency_usec"}


def counted_memory(c):
    m = c.info("memory")
    return int(m["used_memory"]) - int(m["mem_not_counted_for_evict"])


# Every type, in the encodings Redis would pick, with and without an expiry.
DATASET = [
    ("SET", "str:int", "12345"),
    ("SET", "str:short", "hello"),
    ("SET", "str:long", "x" * 300),
    ("SET", "str:bits", ""), ("SETBIT", "str:bits", "77", "1"),
    ("PFADD", "hll", "a", "b", "c", "d"),
    ("RPUSH", "list", "a", "b", "c", "d", "e"),
    ("RPUSH", "list:big") + tuple("item-%d" % i for i in range(300)),
    ("SADD", "set:ints", "1", "2", "3", "40"),
    ("SADD", "set:strs", "apple", "banana", "cherry"),
    ("SADD", "set:big") + tuple("m%d" % i for i in range(600)),
    ("HSET", "hash", "f1", "v1", "f2", "v2", "n", "10"),
    ("HSET", "hash:big") + tuple(x for i in range(600) for x in ("f%d" % i, "v%d" % i)),
    ("ZADD", "zset", "1", "a", "2", "b", "3.5", "c"),
    ("ZADD", "zset:big") + tuple(x for i in range(200) for x in (str(i), "m%d" % i)),
    ("XADD", "stream", "1-1", "f", "v"), ("XADD", "stream", "2-1", "g", "w"),
    ("XGROUP", "CREATE", "stream", "grp", "0"),
    ("SET", "ttl:str", "y" * 50, "EX", "1000"),
    ("RPUSH", "ttl:list", "p", "q"), ("EXPIRE", "ttl:list", "2000"),
]

# Each command runs with every value cold (Cairn) or in memory (Redis);
# replies of unordered types are sorted. Reads and writes of every family.
SCRIPT = [
    ("GET", "str:long"), ("GETRANGE", "str:long", "10", "20"), ("STRLEN", "str:short"),
    ("APPEND", "str:short", " world"), ("GET", "str:short"), ("INCR", "str:int"),
    ("INCRBYFLOAT", "str:int", "0.5"), ("SETRANGE", "str:long", "5", "abc"),
    ("GETBIT", "str:bits", "77"), ("BITCOUNT", "str:bits"), ("GETDEL", "str:int"),
    ("GETEX", "str:short", "PERSIST"), ("MGET", "str:short", "str:long", "nokey"),
    ("PFCOUNT", "hll"), ("PFADD", "hll", "e"), ("PFCOUNT", "hll"),
    ("LRANGE", "list", "0", "-1"), ("LINDEX", "list:big", "150"), ("LLEN", "list:big"),
    ("LPOP", "list"), ("LINSERT", "list", "BEFORE", "c", "X"), ("LRANGE", "list", "0", "-1"),
    ("LMOVE", "list", "list:big", "LEFT", "RIGHT"), ("LRANGE", "list:big", "-2", "-1"),
    ("SMEMBERS", "set:strs"), ("SISMEMBER", "set:ints", "40"), ("SCARD", "set:big"),
    ("SADD", "set:ints", "5"), ("SMEMBERS", "set:ints"), ("SINTER", "set:ints", "set:strs"),
    ("SUNIONSTORE", "set:u", "set:ints", "set:strs"), ("SMEMBERS", "set:u"),
    ("SREM", "set:big", "m1", "m2"), ("SCARD", "set:big"),
    ("HGETALL", "hash"), ("HGET", "hash:big", "f300"), ("HLEN", "hash:big"),
    ("HINCRBY", "hash", "n", "5"), ("HDEL", "hash", "f1"), ("HGETALL", "hash"),
    ("ZRANGE", "zset", "0", "-1", "WITHSCORES"), ("ZSCORE", "zset:big", "m150"),
    ("ZINCRBY", "zset", "10", "a"), ("ZRANK", "zset", "a"), ("ZCARD", "zset:big"),
    ("ZUNIONSTORE", "zset:u", "2", "zset", "zset:big"), ("ZRANGE", "zset:u", "0", "4"),
    ("XRANGE", "stream", "-", "+"), ("XLEN", "stream"), ("XADD", "stream", "3-1", "h", "x"),
    ("XREADGROUP", "GROUP", "grp", "c1", "COUNT", "2", "STREAMS", "stream", ">"),
    ("XPENDING", "stream", "grp"), ("XINFO", "STREAM", "stream"),
    ("SORT", "list:big", "ALPHA", "LIMIT", "0", "5"),
    ("TYPE", "zset"), ("TTL", "ttl:str"), ("EXISTS", "hash", "list", "nokey"),
    ("COPY", "hash", "hash:copy"), ("HGETALL", "hash:copy"),
    ("RENAME", "list", "list:renamed"), ("LRANGE", "list:renamed", "0", "-1"),
    ("MOVE", "set:strs", "1"), ("SELECT", "1"), ("SMEMBERS", "set:strs"), ("SELECT", "0"),
    ("DUMP", "zset"), ("OBJECT", "ENCODING", "set:big"), ("OBJECT", "ENCODING", "hash"),
    ("EXPIRE", "hash:big", "500"), ("PERSIST", "hash:big"), ("TTL", "hash:big"),
    ("LPUSH", "str:long", "x"), ("SET", "ttl:list", "now a string"), ("GET", "ttl:list"),
    ("DEL", "zset:big"), ("UNLINK", "set:big"), ("DBSIZE",),
    ("EVAL", "return redis.call('LRANGE', KEYS[1], 0, -1)", "1", "list:renamed"),
]

UNORDERED = {"SMEMBERS", "SINTER", "HGETALL", "SUNION"}

# Commands that must never read the cold tier (they use what memory keeps).
KEY_ONLY = [
    ("EXISTS", "hash:big", "zset:big", "list:big"), ("TYPE", "hash:big"), ("TTL", "ttl:str"),
    ("PTTL", "ttl:list"), ("EXPIRE", "hash:big", "900"), ("PERSIST", "hash:big"),
    ("DBSIZE",), ("KEYS", "*big*"), ("SCAN", "0", "COUNT", "100"), ("RANDOMKEY",),
    ("OBJECT", "IDLETIME", "list:big"), ("TOUCH", "set:big"),
    ("RENAME", "list:big", "list:big2"), ("MOVE", "set:big", "2"),
    ("DEL", "zset:big"), ("UNLINK", "hash:big"), ("SET", "str:long", "overwritten"),
]


def normalize(cmd, reply):
    if cmd[0] in UNORDERED and isinstance(reply, list):
        if cmd[0] == "HGETALL":
            return sorted(zip(reply[::2], reply[1::2]))
        return sorted(reply)
    if cmd[0] == "SCAN" or cmd[0] == "KEYS":
        return sorted(reply[1]) if cmd[0] == "SCAN" else sorted(reply)
    if cmd[0] == "PTTL":
        # The servers loaded it at different times: compare to the nearest
        # 10 s (truncating put an EXPIRE 2000's 2,000,000 ms on a boundary).
        return reply if reply < 0 else (reply + 5000) // 10000
    if cmd[0] == "XINFO":
        return None  # (carries last-generated IDs compared via XRANGE already)
    return reply


class ColdTest(ServerTestCase):
    tmp_prefix = "cairn-cold-"
    redis_defaults = (("--save", ""), ("--appendonly", "no"))
    cairn_defaults = (("--save", ""), ("--appendonly", "no"),
                      ("--enable-debug-command", "yes"))

    def load(self, c):
        for cmd in DATASET:
            c.ok(*cmd)

    def test_every_type_cold_through_every_command_family(self):
        r = self.redis(self.newdir("redis")).conn()
        c = self.cairn(self.newdir("cairn")).conn()
        self.load(r)
        self.load(c)
        # (Strings of up to 32 bytes live in the key's node: nothing to move.)
        moved = c.ok("DEBUG", "COLD", "*")
        self.assertEqual(moved, cold(c)["cold_keys"])
        self.assertGreaterEqual(moved, 12)
        for cmd in SCRIPT:
            with self.subTest(cmd=cmd):
                c.ok("DEBUG", "COLD", "*")
                got, want = c.cmd(*cmd), r.cmd(*cmd)
                self.assertEqual(normalize(cmd, got), normalize(cmd, want))
        st = cold(c)
        self.assertGreater(st["cold_promotes"], 40)
        self.assertEqual(st["cold_read_errors"], 0)

    def test_values_come_back_in_the_encoding_they_left_in(self):
        # Redis converts a value up only (on a write), never back; a list
        # keeps the settings it was made with. A trip through the tier must
        # not change either, though reloading the value would.
        r = self.redis(self.newdir("redis")).conn()
        c = self.cairn(self.newdir("cairn")).conn()
        setup = [
            ("HSET", "h", "f", "v", "long", "x" * 100), ("HDEL", "h", "long"),
            ("SADD", "s", "1", "2", "str"), ("SREM", "s", "str"),
            ("ZADD", "z", "1", "a", "2", "b"), ("SORT", "z"),
            ("CONFIG", "SET", "list-max-listpack-size", "1"),
            ("RPUSH", "src", "c", "a", "b"), ("SORT", "src", "ALPHA", "STORE", "l"),
            ("RPUSH", "l1", "p", "q"),
            ("CONFIG", "SET", "list-max-listpack-size", "-2"),
        ]
        for cmd in setup:
            self.assertEqual(c.cmd(*cmd), r.cmd(*cmd))
        self.assertGreaterEqual(c.ok("DEBUG", "COLD", "*"), 5)
        checks = [("OBJECT", "ENCODING", "h"), ("OBJECT", "ENCODING", "s"),
                  ("OBJECT", "ENCODING", "z"), ("LPUSH", "l", "x"), ("RPUSH", "l1", "r"),
                  ("DUMP", "z"), ("DUMP", "l"), ("DUMP", "l1")]  # (h, s: any order)
        for cmd in checks:
            with self.subTest(cmd=cmd):
                self.assertEqual(c.cmd(*cmd), r.cmd(*cmd))
        self.assertEqual(r.cmd("OBJECT", "ENCODING", "h"), b"hashtable")
        self.assertEqual(r.cmd("OBJECT", "ENCODING", "z"), b"skiplist")

    def test_key_only_commands_never_read_the_tier(self):
        c = self.cairn(self.newdir("cairn")).conn()
        self.load(c)
        c.ok("DEBUG", "COLD", "*")
        before = cold(c)
        r = self.redis(self.newdir("redis")).conn()
        self.load(r)
        for cmd in KEY_ONLY:
            with self.subTest(cmd=cmd):
                got, want = c.cmd(*cmd), r.cmd(*cmd)
                if cmd[0] not in ("RANDOMKEY", "OBJECT"):
                    self.assertEqual(normalize(cmd, got), normalize(cmd, want))
        after = cold(c)
        self.assertEqual(after["cold_reads"], before["cold_reads"])
        self.assertEqual(after["cold_promotes"], 0)
        # DEL, UNLINK and the overwrite freed three cold values.
        self.assertEqual(after["cold_keys"], before["cold_keys"] - 3)
        # The moved and renamed values are still cold, and read back.
        c.ok("SELECT", "2")
        self.assertEqual(c.ok("SCARD", "set:big"), 600)
        c.ok("SELECT", "0")
        self.assertEqual(c.ok("LINDEX", "list:big2", "299"), b"item-299")
        self.assertEqual(cold(c)["cold_promotes"], 2)

    def test_writes_many_times_maxmemory_then_sigkill(self):
        d = self.newdir("cairn")
        # (maxmemory leaves room for what is not data: the keys' nodes, which
        # stay, and a pipeline's query and reply buffers, which count.)
        srv = self.cairn(d, "--maxmemory", "24mb", "--maxmemory-policy", "cold-lru",
                         "--appendonly", "yes", "--appendfsync", "always")
        c = srv.conn()
        n, size = 60000, 2000  # 120 MB of values: five times maxmemory
        # What the tier's own memory is not counted by (RocksDB's figures
        # lag its frees and allocations a little): 2 MB of slack.
        LIMIT = (24 + 2) << 20
        value = lambda i: (b"%08d" % i) * (size // 8)
        errors = []
        for start in range(0, n, 500):  # (500 at a time: small buffers)
            errors += [x for x in c.pipeline([("SET", "k:%d" % i, value(i))
                                              for i in range(start, min(n, start + 500))])
                       if isinstance(x, ServerError)]
        self.assertEqual(errors, [])
        self.assertEqual(c.ok("DBSIZE"), n)
        self.assertLessEqual(counted_memory(c), LIMIT)
        st = cold(c)
        self.assertGreater(st["cold_keys"], n * 3 // 4)
        self.assertEqual(c.info("stats")["evicted_keys"], "0")
        sample = random.Random(7).sample(range(n), 2000)
        got = c.pipeline([("GET", "k:%d" % i) for i in sample])
        self.assertEqual(got, [value(i) for i in sample])
        self.assertLessEqual(counted_memory(c), LIMIT)
        # Restart from the log alone: the tier is rebuilt as it loads.
        srv = self.relaunch(srv)
        c = srv.conn()
        self.assertEqual(c.ok("DBSIZE"), n)
        self.assertGreater(cold(c)["cold_keys"], n // 2)
        self.assertLessEqual(counted_memory(c), LIMIT)
        got = []
        for start in range(0, n, 500):
            got += c.pipeline([("GET", "k:%d" % i) for i in range(start, min(n, start + 500))])
        bad = [i for i in range(n) if got[i] != value(i)]
        self.assertEqual(bad, [])

    def test_replica_loads_a_full_resync_bigger_than_maxmemory(self):
        # (replica-ignore-maxmemory yes, the default, keeps a replica from
        # evicting; moving values to the tier is not evicting.)
        p = self.cairn(self.newdir("primary"), "--repl-diskless-sync-delay", "0").conn()
        n, size = 30000, 2000
        value = lambda i: (b"%07d," % i) * (size // 8)
        for start in range(0, n, 500):
            p.pipeline([("SET", "k:%d" % i, value(i)) for i in range(start, start + 500)])
        rs = self.cairn(self.newdir("replica"), "--maxmemory", "24mb",
                        "--maxmemory-policy", "cold-lru")
        r = rs.conn()
        r.ok("REPLICAOF", "127.0.0.1", str(self.servers[-2].port))
        deadline = time.time() + 30
        while r.info("replication").get("master_link_status") != "up" or r.ok("DBSIZE") != n:
            self.assertLess(time.time(), deadline, "the replica never synced")
            time.sleep(0.05)
        self.assertGreater(cold(r)["cold_keys"], n // 2)
        # (Right after the sync, what received it may still be held for a
        # moment; the limit is met again within a few timer passes.)
        deadline = time.time() + 5
        while counted_memory(r) > (24 + 2) << 20:
            self.assertLess(time.time(), deadline, "the replica stays over maxmemory")
            time.sleep(0.1)
        sample = random.Random(3).sample(range(n), 1000)
        self.assertEqual(r.pipeline([("GET", "k:%d" % i) for i in sample]),
                         [value(i) for i in sample])

    def test_sigkill_during_spills_and_promotes(self):
        d = self.newdir("cairn")
        srv = self.cairn(d, "--maxmemory", "6mb", "--maxmemory-policy", "cold-lru",
                         "--appendonly", "yes", "--appendfsync", "always")
        c = srv.conn()
        rng = random.Random(11)
        model = {}
        keys = ["key:%d" % i for i in range(3000)]
        pending = None
        # The kill comes from another thread, whatever the server is doing:
        # a spill, a promote, a RocksDB flush, a reply.
        killer = threading.Timer(4.0, srv.kill)
        killer.start()
        try:
            while True:
                k = rng.choice(keys)
                op = rng.random()
                if op < 0.5:
                    v = b"%d-" % rng.randrange(10**9) * rng.randrange(50, 300)
                    pending = (k, v)
                    c.ok("SET", k, v)
                    model[k] = v
                elif op < 0.7 and k in model:
                    pending = (k, model[k] + b"+tail")
                    c.ok("APPEND", k, b"+tail")
                    model[k] = model[k] + b"+tail"
                else:
                    self.assertEqual(c.cmd("GET", k), model.get(k))
                pending = None
        except (ConnectionError, OSError):
            pass
        killer.join()
        self.assertGreater(len(model), 1000)
        srv = self.relaunch(srv)
        c = srv.conn()
        got = c.pipeline([("GET", k) for k in keys])
        for k, v in zip(keys, got):
            if pending is not None and k == pending[0] and v == pending[1]:
                continue  # the write in flight at the kill may have landed
            self.assertEqual(v, model.get(k), k)
        self.assertGreater(cold(c)["cold_keys"], 0)

    def test_a_small_maxmemory_takes_writes_while_values_can_go_cold(self):
        # The log's in-memory window (up to twice repl-backlog-size) is not
        # the dataset's memory while no replica is attached (Redis has no
        # backlog then): it once filled a small maxmemory, left nothing to
        # move and made SETs fail with -OOM, as did RocksDB's block cache
        # growing from reads between two readings of its size.
        d = self.newdir("cairn")
        srv = self.cairn(d, "--maxmemory", "3mb", "--maxmemory-policy", "cold-lru",
                         "--appendonly", "yes", "--appendfsync", "always")
        c = srv.conn()
        rng = random.Random(5)
        model = {}
        for i in range(2500):
            k = "big:%d" % rng.randrange(1500)
            if i % 3 == 2 and model:
                self.assertEqual(c.cmd("GET", k), model.get(k))
                continue
            v = b"%04d" % i * 800
            c.ok("SET", k, v)
            model[k] = v
        # About 1,000 values of 3.2 KB against 3 MB (less the server's own
        # half megabyte): at least a fifth went cold.
        self.assertGreater(cold(c)["cold_keys"], len(model) // 5)
        self.assertLessEqual(counted_memory(c), (3 + 1) << 20)
        got = c.pipeline([("GET", k) for k in sorted(model)])
        self.assertEqual(got, [model[k] for k in sorted(model)])

    def test_snapshots_rewrites_and_full_resync_carry_cold_values(self):
        d = self.newdir("cairn")
        srv = self.cairn(d, "--appendonly", "yes", "--repl-diskless-sync-delay", "0")
        c = srv.conn()
        self.load(c)
        want = read_dataset(c, [0])
        # BGSAVE of a cold dataset: loaded by redis-server 7.0.15.
        c.ok("DEBUG", "COLD", "*")
        c.ok("BGSAVE")
        self.wait_no_child(c)
        rd = self.newdir("redis")
        os.rename(os.path.join(d, "dump.rdb"), os.path.join(rd, "dump.rdb"))
        r = self.redis(rd, "--dbfilename", "dump.rdb").conn()
        self.assertEqual(read_dataset(r, [0]), want)
        # Rewrites, both base formats, then a restart from them.
        for preamble in ("yes", "no"):
            with self.subTest(preamble=preamble):
                c.ok("CONFIG", "SET", "aof-use-rdb-preamble", preamble)
                c.ok("DEBUG", "COLD", "*")
                c.ok("BGREWRITEAOF")
                self.wait_no_child(c)
                c.ok("DEBUG", "COLD", "*")
                srv = self.relaunch(srv)
                c = srv.conn()
                self.assertEqual(read_dataset(c, [0]), want)
        # DEBUG RELOAD and DUMP of cold values.
        c.ok("DEBUG", "COLD", "*")
        c.ok("DEBUG", "RELOAD")
        self.assertEqual(read_dataset(c, [0]), want)
        c.ok("DEBUG", "COLD", "*")
        payload = c.ok("DUMP", "hash:big")
        r.ok("RESTORE", "hash:copy", "0", payload)
        self.assertEqual(sorted(r.ok("HGETALL", "hash:copy")), sorted(c.ok("HGETALL", "hash:big")))
        # A redis-server replica's full resync.
        c.ok("DEBUG", "COLD", "*")
        rep = self.redis(self.newdir("replica")).conn()
        rep.ok("REPLICAOF", "127.0.0.1", str(srv.port))
        deadline = time.time() + 20
        while rep.info("replication").get("master_link_status") != "up":
            self.assertLess(time.time(), deadline, "the replica never synced")
            time.sleep(0.05)
        self.assertEqual(read_dataset(rep, [0]), want)
        # No checkpoint left behind once the children are gone.
        c.ok("PING")
        time.sleep(0.3)
        leftovers = [f for f in os.listdir(d) if f.startswith("cold.fork-")]
        self.assertEqual(leftovers, [])

    def wait_no_child(self, c):
        deadline = time.time() + 20
        while True:
            p = c.info("persistence")
            if p["rdb_bgsave_in_progress"] == "0" and p["aof_rewrite_in_progress"] == "0":
                return
            self.assertLess(time.time(), deadline)
            time.sleep(0.05)

    def test_cold_key_count_follows_deletes_expiry_copies(self):
        c = self.cairn(self.newdir("cairn"), "--lazyfree-lazy-user-del", "yes").conn()
        self.load(c)
        c.ok("DEBUG", "COLD", "*")
        n = cold(c)["cold_keys"]
        c.ok("COPY", "hash:big", "hash:big2")  # the source comes back; the copy is hot
        self.assertEqual(cold(c)["cold_keys"], n - 1)
        c.ok("DEBUG", "COLD", "hash:big2")
        c.ok("DEBUG", "COLD", "hash:big")
        c.ok("RENAME", "hash:big", "list:big")  # over a cold key: its record goes
        self.assertEqual(cold(c)["cold_keys"], n)
        c.ok("PEXPIRE", "zset:big", "1")
        time.sleep(0.05)
        self.assertEqual(c.ok("EXISTS", "zset:big"), 0)
        c.ok("DEL", "set:big")  # lazily freed: the other thread hands the id back
        deadline = time.time() + 5
        while cold(c)["cold_keys"] != n - 2:
            self.assertLess(time.time(), deadline)
            time.sleep(0.02)
        c.ok("FLUSHALL")
        self.assertEqual(cold(c)["cold_keys"], 0)
        self.assertEqual(c.ok("DEBUG", "COLD", "*"), 0)


if __name__ == "__main__":
    ColdTest.cairn_binary = take_server_arg(sys.argv)
    unittest.main()
