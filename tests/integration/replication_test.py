#!/usr/bin/python3
"""Replication between Cairn and a real redis-server 7.0.15, both ways, and
from Cairn to Cairn (issue 13).

    /usr/bin/python3 tests/integration/replication_test.py path/to/cairn-server [unittest args]

Standard library only. The replica is started with --replicaof pointing at
a cairn-server on a free port; "caught up" means the replica's
slave_repl_offset equals the primary's master_repl_offset. Datasets are
compared key by key over all 16 databases: type, value (members sorted where
order is not part of the type) and PEXPIRETIME. What is checked:
  * full resync of a dataset of every type (TTLs, several databases, a
    FUNCTION library), then live writes of every kind: plain commands,
    MULTI/EXEC, scripts, expiries (deleted on the replica only by the
    primary's DEL), FLUSHDB;
  * INFO replication / ROLE on the primary name the replica and its acked
    offset;
  * a dropped link resumes with a partial resync (+CONTINUE): sync_full
    stays 1, sync_partial_ok becomes 1, the data matches;
  * a second full sync of a larger dataset while writes keep coming;
  * WAIT (timeouts, inside MULTI, errors) and min-replicas-to-write /
    min-replicas-max-lag, beside a redis-server primary with the same
    replica;
  * Cairn as the replica, of redis-server (diskless, EOF-marked RDB) and of
    Cairn: full sync, read-only refusals, live writes, partial resync after
    a dropped link, REPLICAOF NO ONE (writable, a new history) and a full
    resync when it follows again, and its own log holding the synchronized
    dataset across a SIGKILL;
  * a chain A -> B -> C (and a redis-server under B) carrying A's
    replication ID and offsets, then a failover: B promoted, A pointed at
    B, everyone back by partial resyncs;
  * the log as the backlog: a redis-server replica stopped while more than
    the in-memory window is written and the log is rewritten resumes from
    the log's (retained) segments; after a SIGKILL of the primary it
    resumes again (same ID, same offsets); with repl-log-retention 0 a
    rewrite keeps nothing and the replica resyncs in full; a Cairn replica
    SIGKILLed and restarted resumes from its own log (of Cairn and of
    redis-server), in the right database;
  * SIGKILL of the primary or the replica at random moments of full and
    partial syncs (seeded; CAIRN_SEED repeats a run): every key WAIT
    reported replicated is on the replica, and the datasets match;
  * client-output-buffer-limit replica bounds what waits for a replica
    in a full sync (one that reads nothing is dropped), not the RDB (one
    that reads gets a dataset twenty times the limit);
  * replica-serve-stale-data no with the link down: the same replies as a
    redis-server replica's (-MASTERDOWN, what stale commands still run);
  * diskless sync: replicas asking within repl-diskless-sync-delay (or up
    to repl-diskless-sync-max-replicas) share one fork streamed to them
    EOF-marked; repl-diskless-sync no or a replica without capa eof get
    the RDB through a file; a replica that stops reading stalls the child,
    whose SIGKILL drops the replicas it fed (no EOF mark), and a child
    whose replicas all went is killed;
  * a primary that disconnects mid-RDB, sends garbage, refuses PSYNC or
    sends a corrupt RDB: the replica stays up, retries, keeps its data
    (empty after a corrupt RDB, as Redis), never reports itself synced.
"""

import os
import random
import re
import shutil
import signal
import socket
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from cairn_testlib import (  # noqa: E402
    Disconnected, ServerTestCase, encode, read_dataset, take_server_arg)


def dataset(c):
    """{(db, key): (type, content, pexpiretime)} over all 16 databases."""
    return read_dataset(c)


def write_variety(c, tag, short_ttl=False):
    """Writes of every type and form through c (a RESP2 Conn); with
    short_ttl, also a key that expires in 150 ms."""
    cmds = [
        ("SELECT", 0),
        ("SET", tag + ":s", "v" * 100),
        ("SET", tag + ":ttl", "x", "EX", "1000"),
        ("SET", tag + ":n", "10"),
        ("INCRBY", tag + ":n", "5"),
        ("APPEND", tag + ":s", "tail"),
        ("RPUSH", tag + ":l", "a", "b", "c"),
        ("LPOP", tag + ":l"),
        ("SADD", tag + ":set", "x", "y", "z"),
        ("SREM", tag + ":set", "y"),
        ("ZADD", tag + ":z", "1", "one", "2.5", "two"),
        ("ZINCRBY", tag + ":z", "1", "one"),
        ("HSET", tag + ":h", "f1", "v1", "f2", "v2"),
        ("HINCRBY", tag + ":h", "n", "3"),
        ("PEXPIRE", tag + ":h", "5000000"),
        ("SETBIT", tag + ":bits", "100", "1"),
        ("PFADD", tag + ":hll", "a", "b", "c"),
        ("SELECT", 7),
        ("SET", tag + ":db7", "seven"),
        ("MULTI",), ("INCR", tag + ":tx"), ("RPUSH", tag + ":txl", "q"), ("EXEC",),
        ("EVAL", "redis.call('set', KEYS[1], ARGV[1]); return redis.call('incr', KEYS[2])", "2",
         tag + ":lua", tag + ":luan", "from-lua"),
        ("SELECT", 0),
        ("SET", tag + ":gone", "1"),
        ("DEL", tag + ":gone"),
    ]
    if short_ttl:
        cmds.append(("SET", tag + ":short", "1", "PX", "150"))
    replies = c.pipeline(cmds)
    for cmd, r in zip(cmds, replies):
        assert not str(r).startswith(("ERR", "WRONGTYPE")), (cmd, r)


def fill_before(p):
    """The dataset a replica first syncs: every type, and 2000 keys in db 3."""
    write_variety(p, "before")
    p.ok("SELECT", 3)
    p.pipeline([("SET", "bulk:%d" % i, "v%d" % i) for i in range(2000)])
    p.ok("SELECT", 0)


class ReplicationTestCase(ServerTestCase):
    # Primaries fork for a diskless sync at once (Redis's default waits 5 s
    # for more replicas); DisklessSyncTest tests the wait.
    cairn_defaults = redis_defaults = (("--repl-diskless-sync-delay", "0"),)

    def caught_up(self, primary, replica, timeout=20.0):
        """Waits until the replica's offset reaches the primary's."""
        deadline = time.monotonic() + timeout
        while True:
            p = primary.info("replication")
            r = replica.info("replication")
            if (r.get("master_link_status") == "up" and
                    r.get("slave_repl_offset") == p["master_repl_offset"]):
                return int(p["master_repl_offset"])
            if time.monotonic() > deadline:
                self.fail("replica not caught up: primary %s, replica %s" % (p, r))
            time.sleep(0.05)

    def all_match(self, primary, replicas):
        """Every replica caught up with `primary`, holding its dataset."""
        for r in replicas:
            self.caught_up(primary, r)
        want = dataset(primary)
        for r in replicas:
            self.assertEqual(dataset(r), want)


class RedisReplicaOfCairnTest(ReplicationTestCase):
    def test_full_sync_live_writes_and_partial_resync(self):
        # With the log on, the stream is its batches; off, the writes.
        for appendonly in ("yes", "no"):
            with self.subTest(appendonly=appendonly):
                self.full_sync_live_writes_and_partial_resync(appendonly)

    def full_sync_live_writes_and_partial_resync(self, appendonly):
        cs = self.cairn(self.newdir("primary"), "--appendonly", appendonly)
        p = cs.conn()
        fill_before(p)
        p.ok("FUNCTION", "LOAD",
             "#!lua name=replib\nredis.register_function('rf', function() return 42 end)")

        rs = self.redis(self.newdir("replica"), "--replicaof", "127.0.0.1", str(cs.port))
        r = rs.conn()
        self.all_match(p, (r,))
        self.assertEqual(r.ok("FUNCTION", "LIST")[0][1], b"replib")
        self.assertEqual(p.info("stats")["sync_full"], "1")

        # Live writes, expiries (the replica deletes only on the primary's
        # DEL), FLUSHDB of one database.
        write_variety(p, "after", short_ttl=True)
        p.ok("SELECT", 3)
        p.ok("FLUSHDB")
        p.ok("SELECT", 0)
        time.sleep(0.4)  # after:short expires on the primary
        p.cmd("GET", "after:short")
        off = self.caught_up(p, r)
        self.assertEqual(dataset(r), dataset(p))
        self.assertIsNone(p.cmd("GET", "after:short"))

        # The primary reports the replica and what it acknowledged.
        deadline = time.monotonic() + 5
        while True:
            role = p.ok("ROLE")
            if role[2] and int(role[2][0][2]) >= off:
                break
            self.assertLess(time.monotonic(), deadline, role)
            time.sleep(0.1)
        self.assertEqual(role[0], b"master")
        self.assertEqual(role[2][0][:2], [b"127.0.0.1", str(rs.port).encode()])
        info = p.info("replication")
        self.assertEqual(info["connected_slaves"], "1")
        self.assertTrue(info["slave0"].startswith("ip=127.0.0.1,port=%d,state=online," % rs.port),
                        info["slave0"])
        self.assertIn("flags=S ", p.ok("CLIENT", "LIST", "TYPE", "replica").decode())

        # The link drops: the replica comes back with a partial resync.
        self.assertEqual(p.ok("CLIENT", "KILL", "TYPE", "replica"), 1)
        write_variety(p, "while-away")
        self.all_match(p, (r,))
        stats = p.info("stats")
        self.assertEqual((stats["sync_full"], stats["sync_partial_ok"]), ("1", "1"))
        self.assertIn("Successful partial resynchronization", rs.log())

    def test_full_sync_under_writes(self):
        cs = self.cairn(self.newdir("primary"))
        p = cs.conn()
        for start in range(0, 50000, 5000):
            p.pipeline([("SET", "k:%d" % i, "value-%d" % i) for i in range(start, start + 5000)])
        writer = cs.conn()
        rs = self.redis(self.newdir("replica"), "--replicaof", "127.0.0.1", str(cs.port))
        r = rs.conn()
        # Writes while the replica connects, loads and catches up.
        for i in range(40):
            writer.send(b"".join(encode("INCR", "counter") for _ in range(50)) +
                        encode("RPUSH", "log", str(i)))
            for _ in range(51):
                writer.reply()
            time.sleep(0.01)
        self.caught_up(p, r)
        self.assertEqual(r.ok("DBSIZE"), p.ok("DBSIZE"))
        self.assertEqual(r.ok("GET", "counter"), b"2000")
        self.assertEqual(r.ok("LRANGE", "log", 0, -1), [str(i).encode() for i in range(40)])
        self.assertEqual(r.ok("GET", "k:49999"), b"value-49999")


    def test_wait_and_min_replicas_match_redis(self):
        seen = []
        for name in ("redis", "cairn"):
            with self.subTest(primary=name):
                d = self.newdir(name)
                ps = self.redis(d) if name == "redis" else self.cairn(d)
                p = ps.conn()
                got = [p.ok("SET", "k", "1")]
                t0 = time.monotonic()
                got.append(p.ok("WAIT", "1", "150"))  # no replica yet: 0, after the timeout
                got.append(time.monotonic() - t0 >= 0.1)
                rs = self.redis(self.newdir(name + "-replica"), "--replicaof", "127.0.0.1",
                                str(ps.port))
                r = rs.conn()
                self.caught_up(p, r)
                got.append(p.ok("SET", "k", "2"))
                got.append(p.ok("WAIT", "1", "5000"))
                t0 = time.monotonic()
                got.append(p.ok("WAIT", "2", "300"))  # only one replica: 1, after the timeout
                got.append(time.monotonic() - t0 >= 0.25)
                p.ok("MULTI")
                p.ok("WAIT", "5", "0")
                t0 = time.monotonic()
                # Inside MULTI: at once, with what was acknowledged (0 or 1:
                # the offset now includes the GETACK the last WAIT sent,
                # which the replica acknowledges only in its next
                # once-a-second ACK).
                answer = p.ok("EXEC")
                got.append(time.monotonic() - t0 < 1 and answer in ([0], [1]))
                got.append(p.cmd("WAIT", "1", "-1"))
                got.append(p.ok("CONFIG", "SET", "min-replicas-to-write", "2"))
                got.append(p.cmd("SET", "k", "3"))
                got.append(p.cmd("GET", "k"))
                got.append(p.ok("CONFIG", "SET", "min-replicas-to-write", "1"))
                got.append(p.cmd("SET", "k", "4"))
                # An EXEC that would write is refused as a write.
                p.ok("MULTI")
                p.ok("SET", "k", "tx")
                ps.conn().ok("CONFIG", "SET", "min-replicas-to-write", "2")
                got.append(p.cmd("EXEC"))
                p.ok("CONFIG", "SET", "min-replicas-to-write", "1")
                # CLIENT PAUSE WRITE does not pause replicas: their
                # once-a-second ACK answers a WAIT made during the pause.
                p.ok("SET", "k", "p")
                p.ok("CLIENT", "PAUSE", "4000", "WRITE")
                got.append(p.ok("WAIT", "1", "3000"))
                p.ok("CLIENT", "UNPAUSE")
                rs.kill()
                p.ok("CONFIG", "SET", "min-replicas-max-lag", "1")
                deadline = time.monotonic() + 10
                while p.cmd("SET", "k", "5") == "OK":
                    self.assertLess(time.monotonic(), deadline)
                    time.sleep(0.2)
                got.append(p.cmd("SET", "k", "5"))
                seen.append(got)
                ps.kill()
        self.assertEqual(seen[1], seen[0])
        self.assertEqual(seen[0], ["OK", 0, True, "OK", 1, 1, True, True, "ERR timeout is negative",
                                   "OK", "NOREPLICAS Not enough good replicas to write.", b"2",
                                   "OK", "OK",
                                   "EXECABORT Transaction discarded because of: NOREPLICAS Not "
                                   "enough good replicas to write.", 1,
                                   "NOREPLICAS Not enough good replicas to write."])



class CairnReplicaTest(ReplicationTestCase):
    """Cairn as the replica: of a redis-server 7.0.15 primary (diskless,
    EOF-marked RDB), and of another Cairn."""

    def run_replica_scenario(self, primary_server, primary_is_redis):
        ps = primary_server
        p = ps.conn()
        fill_before(p)
        rs = self.cairn(self.newdir("replica"), "--replicaof", "127.0.0.1", str(ps.port))
        r = rs.conn()
        self.all_match(p, (r,))
        role = r.ok("ROLE")
        self.assertEqual(role[:4], [b"slave", b"127.0.0.1", ps.port, b"connected"])
        # Read-only: clients may not write; the primary's writes flow.
        self.assertEqual(r.cmd("SET", "mine", "1"),
                         "READONLY You can't write against a read only replica.")
        write_variety(p, "after")
        p.ok("SELECT", 3)
        p.ok("FLUSHDB")
        p.ok("SELECT", 0)
        # Commands read in several parts (values larger than a read) count
        # whole in the offset.
        p.ok("SET", "big", os.urandom(300_000))
        p.ok("RPUSH", "bigl", os.urandom(100_000), os.urandom(100_000))
        self.all_match(p, (r,))
        self.assertIn(b"flags=M ", r.ok("CLIENT", "LIST", "TYPE", "master"))
        # Scripts may not write either.
        self.assertIn("READONLY", str(r.cmd("EVAL", "return redis.call('set', 'x', 1)", "0")))
        self.assertIsNone(r.cmd("GET", "x"))
        # A key expires on the replica only by the primary's DEL: read there
        # it is missing, but still counted until the primary deletes it.
        p.ok("DEBUG", "SET-ACTIVE-EXPIRE", "0")
        p.ok("SET", "soon", "1", "PX", "100")
        self.caught_up(p, r)
        time.sleep(0.2)
        size = r.ok("DBSIZE")
        self.assertIsNone(r.cmd("GET", "soon"))
        self.assertEqual(r.ok("DBSIZE"), size)
        self.assertIsNone(p.cmd("GET", "soon"))  # the primary deletes it: a DEL
        self.caught_up(p, r)
        self.assertEqual(r.ok("DBSIZE"), size - 1)
        p.ok("DEBUG", "SET-ACTIVE-EXPIRE", "1")
        # A dropped link resumes with a partial resync.
        self.assertEqual(p.ok("CLIENT", "KILL", "TYPE", "replica"), 1)
        write_variety(p, "while-away")
        self.all_match(p, (r,))
        stats = p.info("stats")
        self.assertEqual((stats["sync_full"], stats["sync_partial_ok"]), ("1", "1"))
        # CLIENT KILL of the primary's client drops the link: it comes back.
        self.assertEqual(r.ok("CLIENT", "KILL", "TYPE", "master"), 1)
        write_variety(p, "after-kill")
        deadline = time.monotonic() + 10
        while p.info("stats")["sync_partial_ok"] != "2":
            self.assertLess(time.monotonic(), deadline)
            time.sleep(0.05)
        self.all_match(p, (r,))
        # Promoted: writable, a new history; following again syncs in full.
        self.assertEqual(r.ok("REPLICAOF", "NO", "ONE"), "OK")
        self.assertEqual(r.ok("ROLE")[0], b"master")
        self.assertEqual(r.ok("SET", "mine", "1"), "OK")
        self.assertEqual(r.ok("REPLICAOF", "127.0.0.1", str(ps.port)), "OK")
        self.caught_up(p, r)
        self.assertIsNone(r.cmd("GET", "mine"))
        self.assertEqual(dataset(r), dataset(p))
        self.assertEqual(p.info("stats")["sync_full"], "2")
        # The replica keeps its own log: a restart has the data.
        want = dataset(r)
        rs.kill()
        rs2 = self.cairn(rs.argv[rs.argv.index("--dir") + 1])
        self.assertEqual(dataset(rs2.conn()), want)

    def test_cairn_replica_of_redis(self):
        ps = self.redis(self.newdir("primary"), "--repl-diskless-sync-delay", "0",
                        "--enable-debug-command", "yes")
        self.run_replica_scenario(ps, True)

    def test_cairn_replica_of_cairn(self):
        ps = self.cairn(self.newdir("primary"), "--enable-debug-command", "yes")
        self.run_replica_scenario(ps, False)



class LogBacklogTest(ReplicationTestCase):
    """The log is the backlog: a replica away for longer than the in-memory
    window resumes from the log's segments (also across a rewrite, whose
    old segments repl-log-retention keeps), a restarted primary keeps its
    replication ID and offset, and a restarted replica resumes from its
    own log."""

    def manifest(self, d):
        with open(os.path.join(d, "appendonlydir", "appendonly.aof.manifest")) as f:
            return f.read()

    def away(self, rs, p, writes):
        """The replica stops (SIGSTOP) and its link drops while `writes`
        runs on the primary; then it goes on."""
        os.kill(rs.pid, signal.SIGSTOP)
        try:
            self.assertEqual(p.ok("CLIENT", "KILL", "TYPE", "replica"), 1)
            writes()
        finally:
            os.kill(rs.pid, signal.SIGCONT)

    def test_redis_replica_resumes_from_the_log(self):
        pdir = self.newdir("primary")
        # A window of 16 KB: anything the replica misses is older than that.
        cs = self.cairn(pdir, "--repl-backlog-size", "16kb", "--appendfsync", "everysec",
                        "--repl-ping-replica-period", "1")
        p = cs.conn()
        fill_before(p)
        rs = self.redis(self.newdir("replica"), "--replicaof", "127.0.0.1", str(cs.port))
        r = rs.conn()
        self.all_match(p, (r,))

        def writes_and_a_rewrite():
            p.pipeline([("SET", "away:%d" % i, "v" * 100) for i in range(3000)])
            write_variety(p, "away")
            # The segment it missed becomes history, kept for it.
            self.assertIn("rewriting started", p.ok("BGREWRITEAOF"))
            deadline = time.monotonic() + 10
            while p.info("persistence")["aof_rewrite_in_progress"] != "0":
                self.assertLess(time.monotonic(), deadline)
                time.sleep(0.05)
            p.pipeline([("SET", "after-rewrite:%d" % i, "v" * 100) for i in range(500)])
            time.sleep(1.2)  # PINGs, through the log
        self.away(rs, p, writes_and_a_rewrite)
        self.assertIn("type h", self.manifest(pdir))
        self.all_match(p, (r,))
        stats = p.info("stats")
        self.assertEqual((stats["sync_full"], stats["sync_partial_ok"]), ("1", "1"))
        self.assertIn("caught up from the log", cs.log())
        self.assertIn("Successful partial resynchronization", rs.log())

        # The primary restarts (SIGKILL): its history goes on (the old ID as
        # replid2, the offsets), and the replica resumes without a full
        # copy, here too from the log.
        replid = p.info("replication")["master_replid"]
        off = self.caught_up(p, r)
        os.kill(rs.pid, signal.SIGSTOP)
        try:
            p.pipeline([("SET", "before-crash:%d" % i, "v" * 100) for i in range(1000)])
            cs = self.relaunch(cs)
        finally:
            os.kill(rs.pid, signal.SIGCONT)
        p = cs.conn()
        info = p.info("replication")
        self.assertEqual(info["master_replid2"], replid)
        self.assertGreater(int(info["second_repl_offset"]), off)
        write_variety(p, "restarted")
        self.all_match(p, (r,))
        stats = p.info("stats")
        self.assertEqual((stats["sync_full"], stats["sync_partial_ok"]), ("0", "1"))

        # repl-log-retention 0: a rewrite keeps nothing, and a replica that
        # missed what it removed gets a full resync.
        self.assertEqual(p.cmd("CONFIG", "SET", "repl-log-retention", "soon"),
                         "ERR CONFIG SET failed (possibly related to argument 'repl-log-retention')"
                         " - argument must be a size (1gb) or an age (24h, 30min, 7d)")
        self.assertEqual(p.ok("CONFIG", "SET", "repl-log-retention", "0"), "OK")
        self.assertEqual(p.ok("CONFIG", "GET", "repl-log-retention"), [b"repl-log-retention", b"0"])

        def writes_then_a_rewrite():
            p.pipeline([("SET", "gone:%d" % i, "v" * 100) for i in range(1000)])
            self.assertIn("rewriting started", p.ok("BGREWRITEAOF"))
            deadline = time.monotonic() + 10
            while "type h" in self.manifest(pdir) or \
                    p.info("persistence")["aof_rewrite_in_progress"] != "0":
                self.assertLess(time.monotonic(), deadline)
                time.sleep(0.05)
            p.pipeline([("SET", "later:%d" % i, "v" * 100) for i in range(1000)])
        self.away(rs, p, writes_then_a_rewrite)
        self.all_match(p, (r,))
        self.assertEqual(p.info("stats")["sync_full"], "1")

    def test_a_restarted_replica_resumes_from_its_log(self):
        for kind in ("cairn", "redis"):
            with self.subTest(primary=kind):
                ps = (self.cairn(self.newdir("primary")) if kind == "cairn" else
                      self.redis(self.newdir("primary"), "--repl-diskless-sync-delay", "0"))
                p = ps.conn()
                fill_before(p)
                rs = self.cairn(self.newdir("replica"), "--replicaof", "127.0.0.1", str(ps.port))
                r = rs.conn()
                self.all_match(p, (r,))
                # Killed right after the full sync, before any write: the
                # base it adopted says where it stands (repl-id, repl-offset).
                rs = self.relaunch(rs)
                r = rs.conn()
                self.all_match(p, (r,))
                self.assertEqual(p.info("stats")["sync_partial_ok"], "1")
                p.ok("SELECT", 5)  # the stream is in database 5 when it stops
                p.ok("SET", "in5", "1")
                self.caught_up(p, r)
                rs.kill()
                p.ok("SET", "in5-while-down", "2")  # no SELECT: the replica must know
                write_variety(p, "while-down")
                rs = self.relaunch(rs)
                r = rs.conn()
                self.all_match(p, (r,))
                stats = p.info("stats")
                self.assertEqual((stats["sync_full"], stats["sync_partial_ok"]), ("1", "2"))
                self.assertIn("Successful partial resynchronization", rs.log())


class OutputLimitTest(ReplicationTestCase):
    def test_a_full_sync_is_bounded_by_the_replica_output_limit(self):
        """The RDB of a full sync is not output the limit applies to (it goes
        a little at a time, as the replica takes it); the writes waiting for
        it are: a replica that reads nothing is dropped once they pass
        client-output-buffer-limit replica, and one that reads syncs a
        dataset many times the limit."""
        cs = self.cairn(self.newdir("primary"), "--appendfsync", "everysec",
                        "--client-output-buffer-limit", "replica 1mb 0 0")
        p = cs.conn()
        for start in range(0, 200000, 20000):  # an RDB of about 20 MB
            p.pipeline([("SET", "k:%d" % i, "v" * 100) for i in range(start, start + 20000)])
        s = socket.create_connection(("127.0.0.1", cs.port))
        try:
            s.sendall(b"PSYNC ? -1\r\n")  # and never read
            deadline = time.monotonic() + 10
            while "Starting BGSAVE for SYNC" not in cs.log():
                self.assertLess(time.monotonic(), deadline)
                time.sleep(0.05)
            time.sleep(1.0)  # (the child writes the RDB)
            self.assertRegex(p.info("replication")["slave0"], "state=(wait_bgsave|send_bulk),")
            p.pipeline([("SET", "w:%d" % i, "x" * 1000) for i in range(2000)])
            while p.info("replication")["connected_slaves"] != "0":
                self.assertLess(time.monotonic(), deadline)
                time.sleep(0.05)
        finally:
            s.close()
        self.assertIn("scheduled to be closed ASAP for overcoming of output buffer limits",
                      cs.log())
        rs = self.redis(self.newdir("replica"), "--replicaof", "127.0.0.1", str(cs.port))
        r = rs.conn()
        self.caught_up(p, r, timeout=60)
        self.assertEqual(r.ok("DBSIZE"), p.ok("DBSIZE"))
        self.assertEqual(r.ok("GET", "w:1999"), b"x" * 1000)


class StaleDataTest(ReplicationTestCase):
    def test_replica_serve_stale_data_no_matches_redis(self):
        """With the link down, a replica with replica-serve-stale-data no
        answers as a redis-server replica does, command for command."""
        ps = self.redis(self.newdir("primary"), "--repl-diskless-sync-delay", "0")
        p = ps.conn()
        p.ok("SET", "k", "v")
        p.ok("FUNCTION", "LOAD", "#!lua name=stalelib\n"
             "redis.register_function{function_name='stale_ok', callback=function() return 1 end,"
             " flags={'no-writes', 'allow-stale'}}\n"
             "redis.register_function('stale_no', function() return 2 end)")
        replicas = [make(self.newdir(name), "--replicaof", "127.0.0.1", str(ps.port),
                         "--replica-serve-stale-data", "no")
                    for name, make in (("redis", self.redis), ("cairn", self.cairn))]
        conns = [r.conn() for r in replicas]
        for c in conns:
            self.caught_up(p, c)
            self.assertEqual(c.ok("GET", "k"), b"v")  # the link is up: served
        ps.kill()
        for c in conns:
            deadline = time.monotonic() + 10
            while c.info("replication").get("master_link_status") != "down":
                self.assertLess(time.monotonic(), deadline)
                time.sleep(0.05)
        script = [("GET", "k"), ("PING",), ("DBSIZE",), ("ECHO", "x"), ("SET", "k", "x"),
                  ("EVAL", "return redis.call('get', KEYS[1])", "1", "k"),
                  ("EVAL", "return redis.call('echo', 'x')", "0"),
                  ("FCALL", "stale_ok", "0"), ("FCALL_RO", "stale_ok", "0"),
                  ("FCALL", "stale_no", "0"), ("FCALL", "nosuch", "0"),
                  ("MULTI",),
                  ("GET", "k"), ("EXEC",), ("MULTI",),
                  ("CONFIG", "GET", "replica-serve-stale-data"), ("EXEC",),
                  ("CONFIG", "GET", "replica-serve-stale-data"),
                  ("CONFIG", "SET", "replica-serve-stale-data", "yes"), ("GET", "k")]
        got = [[c.cmd(*cmd) for cmd in script] for c in conns]
        self.assertEqual(got[1], got[0], "\n".join(map(repr, zip(got[0], got[1]))))
        self.assertIn("MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set "
                      "to 'no'.", got[1][0])
        self.assertEqual(got[1][-1], b"v")


class KillDuringSyncTest(ReplicationTestCase):
    def test_sigkill_at_random_points_of_syncs(self):
        """Primary or replica (both Cairn, logs on) SIGKILLed at a random
        moment of a full or partial sync, several times: once both are
        back, the replica has every key WAIT reported replicated and the
        same dataset as the primary. CAIRN_SEED repeats a run."""
        seed = int(os.environ.get("CAIRN_SEED", int(time.time() * 1000) % 100000))
        rnd = random.Random(seed)
        ps = self.cairn(self.newdir("primary"), "--appendfsync", "everysec",
                        "--repl-backlog-size", "16kb")
        p = ps.conn()
        fill_before(p)
        for start in range(0, 60000, 10000):  # a full sync takes a while
            p.pipeline([("SET", "big:%d" % i, "v" * 100) for i in range(start, start + 10000)])
        rdir = self.newdir("replica")
        rs = self.cairn(rdir, "--replicaof", "127.0.0.1", str(ps.port), "--appendfsync", "everysec")
        waited = []  # keys WAIT reported on the replica
        for rnd_i in range(4):
            victim = rnd.choice(("primary", "replica", "fresh replica"))
            delay = rnd.uniform(0, 0.4)
            msg = "seed %d, round %d: %s killed %.3f s into a sync" % (seed, rnd_i, victim, delay)
            if victim != "primary":
                rs.kill()
                p.pipeline([("SET", "r%d:%d" % (rnd_i, i), "v" * 50) for i in range(3000)])
                if victim == "fresh replica":  # its files gone: a full sync
                    shutil.rmtree(os.path.join(rdir, "appendonlydir"))
                rs = self.relaunch(rs)  # a partial (or full) sync begins
                time.sleep(delay)
                rs = self.relaunch(rs)
            else:
                p.pipeline([("SET", "p%d:%d" % (rnd_i, i), "v" * 50) for i in range(3000)])
                ps = self.relaunch(ps)
                time.sleep(delay)
                ps = self.relaunch(ps)
                p = ps.conn()
            p.ok("SET", "waited:%d" % rnd_i, "1")
            deadline = time.monotonic() + 20
            while p.ok("WAIT", 1, 1000) != 1:
                self.assertLess(time.monotonic(), deadline, msg)
            waited.append("waited:%d" % rnd_i)
            r = rs.conn()
            for k in waited:
                self.assertEqual(r.cmd("GET", k), b"1", msg)
            self.caught_up(p, r)
            for db in range(16):
                p.ok("SELECT", db)
                r.ok("SELECT", db)
                self.assertEqual(r.ok("DBSIZE"), p.ok("DBSIZE"), msg)
            p.ok("SELECT", 0)
        self.all_match(p, (r,))  # key by key, once


def sync_targets(server):
    """The targets of the sync children the server's log reports, in order."""
    return re.findall(r"Starting BGSAVE for SYNC with target: (disk|replicas sockets)",
                      server.log())


class DisklessSyncTest(ReplicationTestCase):
    def test_replicas_share_a_diskless_fork_or_get_a_file(self):
        """repl-diskless-sync yes: replicas that ask within
        repl-diskless-sync-delay share one fork, which starts early once
        repl-diskless-sync-max-replicas ask (here the delay would be a
        minute); its RDB is streamed EOF-marked to a redis-server and a
        Cairn replica alike. With repl-diskless-sync no, or a replica that
        does not say capa eof, the RDB goes through a file."""
        ps = self.cairn(self.newdir("primary"), "--repl-diskless-sync-delay", "60",
                        "--repl-diskless-sync-max-replicas", "2")
        p = ps.conn()
        fill_before(p)
        p.pipeline([("SET", "k:%d" % i, "v" * 100) for i in range(20000)])
        started = time.monotonic()
        rs = self.redis(self.newdir("r1"), "--replicaof", "127.0.0.1", str(ps.port))
        cs = self.cairn(self.newdir("r2"), "--replicaof", "127.0.0.1", str(ps.port))
        self.all_match(p, (rs.conn(), cs.conn()))
        self.assertLess(time.monotonic() - started, 30)
        self.assertEqual(sync_targets(ps), ["replicas sockets"])
        self.assertEqual(p.info("stats")["sync_full"], "2")
        write_variety(p, "after")
        self.all_match(p, (rs.conn(), cs.conn()))

        p.ok("CONFIG", "SET", "repl-diskless-sync", "no")
        c3 = self.cairn(self.newdir("r3"), "--replicaof", "127.0.0.1", str(ps.port))
        self.all_match(p, (c3.conn(),))
        self.assertEqual(sync_targets(ps), ["replicas sockets", "disk"])

        p.ok("CONFIG", "SET", "repl-diskless-sync", "yes")
        p.ok("CONFIG", "SET", "repl-diskless-sync-delay", "0")
        s = socket.create_connection(("127.0.0.1", ps.port))
        try:
            s.sendall(b"PSYNC ? -1\r\n")  # no REPLCONF capa eof
            got = b""
            s.settimeout(10)
            head = rb"^\+FULLRESYNC [0-9a-f]{40} \d+\r\n\n*\$(EOF:)?[0-9a-f]*\r\n"
            while not re.match(head, got):
                got += s.recv(65536)
            self.assertRegex(got, rb"^\+FULLRESYNC [0-9a-f]{40} \d+\r\n\n*\$\d+\r\n")
        finally:
            s.close()
        self.assertEqual(sync_targets(ps), ["replicas sockets", "disk", "disk"])

    def test_the_stream_follows_a_diskless_rdb_once_the_replica_acks(self):
        """After a diskless RDB nothing follows the EOF mark until the
        replica's first REPLCONF ACK (Redis's replicas look for the mark at
        the end of what they read), not even the RDB of a later fork for
        another replica; the ACK lets the writes made meanwhile through."""
        ps = self.cairn(self.newdir("primary"))
        p = ps.conn()
        p.ok("SET", "before", "1")
        s = socket.create_connection(("127.0.0.1", ps.port))
        try:
            s.sendall(b"REPLCONF capa eof capa psync2\r\nPSYNC ? -1\r\n")
            s.settimeout(10)
            got = b""
            while True:
                m = re.search(rb"\$EOF:([0-9a-f]{40})\r\n", got)
                if m and got.endswith(m.group(1)) and got.count(m.group(1)) == 2:
                    break
                got += s.recv(65536)
            self.assertRegex(p.info("replication")["slave0"], "state=online,")
            p.ok("SET", "during", "2")
            p.ok("CONFIG", "SET", "repl-diskless-sync", "no")
            cs = self.cairn(self.newdir("replica"), "--replicaof", "127.0.0.1", str(ps.port))
            self.all_match(p, (cs.conn(),))
            s.settimeout(1.0)
            with self.assertRaises(socket.timeout):
                s.recv(65536)  # nothing after the mark
            offset = int(re.search(rb"\+FULLRESYNC [0-9a-f]{40} (\d+)", got).group(1))
            s.sendall(b"REPLCONF ACK %d\r\n" % offset)
            s.settimeout(10)
            stream = b""
            while b"during" not in stream:
                stream += s.recv(65536)
            self.assertTrue(stream.startswith(b"*2\r\n$6\r\nSELECT\r\n"), stream[:80])
            self.assertNotIn(b"REDIS00", stream)
        finally:
            s.close()

    def test_a_diskless_child_that_dies_or_loses_its_replicas(self):
        """A replica that stops reading holds the pipe (the child waits, the
        primary buffers a bounded amount); SIGKILL of the child drops the
        replicas it fed, which never see the EOF mark, and the next sync
        works. A child whose replicas all went is killed."""
        ps = self.cairn(self.newdir("primary"))
        p = ps.conn()
        for start in range(0, 400000, 50000):  # an RDB of about 45 MB (not compressible)
            p.pipeline([("SET", "k:%d" % i, os.urandom(50).hex())
                        for i in range(start, start + 50000)])

        def stalled_replica():
            s = socket.create_connection(("127.0.0.1", ps.port))
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 << 10)
            s.sendall(b"REPLCONF capa eof capa psync2\r\nPSYNC ? -1\r\n")
            deadline = time.monotonic() + 10
            while True:
                m = re.findall(r"Starting BGSAVE for SYNC with target: replicas sockets "
                               r"\(child (\d+)\)", ps.log())
                if m:
                    return s, int(m[-1])
                self.assertLess(time.monotonic(), deadline)
                time.sleep(0.05)

        s, child = stalled_replica()
        try:
            time.sleep(1.0)
            os.kill(child, 0)  # still there: waiting for the pipe to drain
            self.assertLess(int(p.info("memory")["used_memory"]), 200 << 20)
            os.kill(child, signal.SIGKILL)
            got = b""
            s.settimeout(10)
            while True:
                d = s.recv(1 << 20)
                if not d:
                    break
                got += d
            mark = re.search(rb"\$EOF:([0-9a-f]{40})\r\n", got).group(1)
            self.assertEqual(got.count(mark), 1)  # the header's only
        finally:
            s.close()
        self.assertIn("Diskless rdb transfer failed", ps.log())

        s, child = stalled_replica()
        s.close()
        deadline = time.monotonic() + 10
        while "last replica dropped, killing fork child" not in ps.log():
            self.assertLess(time.monotonic(), deadline)
            time.sleep(0.05)
        self.assertEqual(p.ok("BGSAVE"), "Background saving started")
        rs = self.redis(self.newdir("replica"), "--replicaof", "127.0.0.1", str(ps.port))
        r = rs.conn()
        self.caught_up(p, r, timeout=60)
        self.assertEqual(r.ok("DBSIZE"), p.ok("DBSIZE"))


class ChainAndFailoverTest(ReplicationTestCase):
    def test_chain_and_failover(self):
        # A -> B -> C (Cairn) and A -> B -> R (redis-server under B).
        a_srv = self.cairn(self.newdir("a"))
        a = a_srv.conn()
        fill_before(a)
        b_srv = self.cairn(self.newdir("b"), "--replicaof", "127.0.0.1", str(a_srv.port))
        b = b_srv.conn()
        self.caught_up(a, b)
        c_srv = self.cairn(self.newdir("c"), "--replicaof", "127.0.0.1", str(b_srv.port))
        c = c_srv.conn()
        r_srv = self.redis(self.newdir("r"), "--replicaof", "127.0.0.1", str(b_srv.port))
        r = r_srv.conn()
        write_variety(a, "live")
        self.caught_up(a, b)
        self.all_match(b, (c, r))
        self.assertEqual(dataset(b), dataset(a))
        # The whole chain speaks A's history: one ID, one offset.
        ids = {x.info("replication")["master_replid"] for x in (a, b, c, r)}
        self.assertEqual(len(ids), 1)
        # Failover: B is promoted, A follows it and resumes where it was
        # (B still knows A's ID up to the promotion), C stays with B.
        self.assertEqual(b.ok("REPLICAOF", "NO", "ONE"), "OK")
        info = b.info("replication")
        self.assertEqual(info["master_replid2"], a.info("replication")["master_replid"])
        self.assertEqual(a.ok("REPLICAOF", "127.0.0.1", str(b_srv.port)), "OK")
        write_variety(b, "after-failover")
        self.all_match(b, (a, c, r))
        stats = b.info("stats")
        # A, C and R came back to the promoted B by partial resyncs.
        self.assertEqual(stats["sync_full"], "2")  # C and R, before the failover
        self.assertGreaterEqual(int(stats["sync_partial_ok"]), 3)
        self.assertEqual(a.cmd("SET", "x", "1"),
                         "READONLY You can't write against a read only replica.")

    def test_a_crashed_primary_comes_back_as_a_replica_by_partial_resync(self):
        """Sentinel-style: the primary is SIGKILLed, its replica promoted,
        and the old primary restarted with replicaof pointing at it: its log
        says which history it has, so it resumes with a partial resync."""
        adir = self.newdir("a")
        a_srv = self.cairn(adir)
        a = a_srv.conn()
        fill_before(a)
        b_srv = self.cairn(self.newdir("b"), "--replicaof", "127.0.0.1", str(a_srv.port))
        b = b_srv.conn()
        write_variety(a, "before")
        self.caught_up(a, b)
        a_srv.kill()
        self.assertEqual(b.ok("REPLICAOF", "NO", "ONE"), "OK")
        write_variety(b, "promoted")
        a_srv = self.cairn(adir, "--replicaof", "127.0.0.1", str(b_srv.port))
        a = a_srv.conn()
        self.all_match(b, (a,))
        stats = b.info("stats")
        self.assertEqual(stats["sync_full"], "0")
        self.assertEqual(stats["sync_partial_ok"], "1")



class FailoverTest(ReplicationTestCase):
    """FAILOVER (Redis 7.0's coordinated failover), Cairn on either side of
    it and redis-server on the other, and between two Cairns."""

    def start(self, kind, *extra):
        d = self.newdir(kind)
        return self.redis(d, *extra) if kind == "redis" else self.cairn(d, *extra)

    def wait_roles(self, p, r, timeout=15.0):
        deadline = time.monotonic() + timeout
        while True:
            roles = (p.ok("ROLE")[0], r.ok("ROLE")[0])
            if roles == (b"slave", b"master"):
                return
            if time.monotonic() > deadline:
                self.fail("roles after FAILOVER: %r" % (roles,))
            time.sleep(0.05)

    def test_the_primary_hands_over_and_follows(self):
        for old, new, to in (("cairn", "redis", True), ("redis", "cairn", True),
                             ("cairn", "cairn", False)):
            with self.subTest(primary=old, replica=new):
                p_srv = self.start(old)
                p = p_srv.conn()
                fill_before(p)
                r_srv = self.start(new, "--replicaof", "127.0.0.1", str(p_srv.port))
                r = r_srv.conn()
                write_variety(p, "live")
                self.caught_up(p, r)
                target = ("TO", "127.0.0.1", str(r_srv.port)) if to else ()
                old_id = p.info("replication")["master_replid"]
                self.assertEqual(p.ok("FAILOVER", *target), "OK")
                # A write meanwhile waits, and finds a replica when it runs.
                w = p_srv.conn()
                w.send(b"*3\r\n$3\r\nSET\r\n$6\r\npaused\r\n$1\r\n1\r\n")
                self.wait_roles(p, r)
                self.assertEqual(w.reply(), "READONLY You can't write against a read only replica.")
                self.assertEqual(p.info("replication")["master_failover_state"], "no-failover")
                # The new primary's history continues the old one's, which
                # the old primary resumed by a partial resync.
                info = r.info("replication")
                self.assertEqual(info["master_replid2"], old_id)
                self.assertNotEqual(info["master_replid"], old_id)
                self.assertEqual(p.info("replication")["master_replid"], info["master_replid"])
                self.assertGreaterEqual(int(r.info("stats")["sync_partial_ok"]), 1)
                write_variety(r, "after")
                self.all_match(r, (p,))
                p_srv.kill()
                r_srv.kill()

    def test_blocked_clients_are_let_go_when_the_primary_becomes_a_replica(self):
        results = {}

        def run(s):
            target = self.redis(self.newdir("target"))
            admin = s.conn()
            popper, waiter = s.conn(), s.conn()
            popper.send(encode("BLPOP", "nothing", "0"))
            waiter.ok("SET", "k", "v")
            waiter.send(encode("WAIT", "1", "0"))  # no replica: waits for ever
            time.sleep(0.2)
            admin.ok("REPLICAOF", "127.0.0.1", str(target.port))
            out = []
            for c in (popper, waiter):
                out.append(c.reply())
                try:
                    c.cmd("PING")
                    out.append("open")
                except Disconnected:
                    out.append("closed")
            results[s] = out
            target.kill()

        self.both(run)
        redis_out, cairn_out = results.values()
        self.assertEqual(cairn_out, redis_out)
        self.assertEqual(cairn_out[1], "closed")
        self.assertTrue(cairn_out[0].startswith("UNBLOCKED force unblock"))

    def test_refusals_and_a_replica_that_does_not_catch_up_match_redis(self):
        results = {}
        for kind in ("redis", "cairn"):
            with self.subTest(primary=kind):
                p_srv = self.start(kind)
                p = p_srv.conn()
                alone = [p.cmd(*cmd) for cmd in (
                    ("FAILOVER",), ("FAILOVER", "ABORT"), ("FAILOVER", "ABORT", "x"),
                    ("FAILOVER", "TIMEOUT", "0"), ("FAILOVER", "TIMEOUT", "x"),
                    ("FAILOVER", "TO", "h"), ("FAILOVER", "TO", "h", "x"),
                    ("FAILOVER", "FORCE", "FORCE"), ("FAILOVER", "TIMEOUT", "5", "TIMEOUT", "6"),
                    ("FAILOVER", "TO", "h", "1", "FORCE"))]
                r_srv = self.redis(self.newdir("r"), "--replicaof", "127.0.0.1", str(p_srv.port),
                                   "--enable-debug-command", "yes")
                r = r_srv.conn()
                p.ok("SET", "k", "v")
                self.caught_up(p, r)
                with_replica = [p.cmd(*cmd) for cmd in (
                    ("FAILOVER", "TO", "127.0.0.1", "1"),
                    ("FAILOVER", "FORCE", "TIMEOUT", "100"),
                    ("FAILOVER", "TO", "127.0.0.1", str(r_srv.port), "FORCE"))]
                # A replica that sleeps does not acknowledge: the timeout
                # rolls the failover back, and the write that waited runs.
                sleeper = r_srv.conn()
                sleeper.send(b"*3\r\n$5\r\nDEBUG\r\n$5\r\nSLEEP\r\n$1\r\n3\r\n")
                time.sleep(0.2)
                p.ok("SET", "k", "moved on")  # the replica cannot have acknowledged this
                during = [p.cmd("FAILOVER", "TIMEOUT", "600"),
                          p.info("replication")["master_failover_state"],
                          p.cmd("FAILOVER")]
                w = p_srv.conn()
                started = time.monotonic()
                waited = w.cmd("SET", "w", "1")
                took = time.monotonic() - started
                self.assertGreater(took, 0.2)
                after = [waited, p.info("replication")["master_failover_state"],
                         p.ok("ROLE")[0], p.cmd("FAILOVER", "ABORT")]
                self.assertEqual(sleeper.reply(), "OK")
                results[kind] = (alone, with_replica, during, after)
                p_srv.kill()
                r_srv.kill()
        self.assertEqual(results["cairn"], results["redis"])
        alone, with_replica, during, after = results["cairn"]
        self.assertEqual(alone[0], "ERR FAILOVER requires connected replicas.")
        self.assertEqual(during, ["OK", "waiting-for-sync", "ERR FAILOVER already in progress."])
        self.assertEqual(after[:3], ["OK", "no-failover", b"master"])


class FakePrimary(threading.Thread):
    """A primary that answers the handshake, then does what `script` says
    with PSYNC's reply (bytes to send, then the connection is closed).
    Counts the connections it took."""

    def __init__(self, script):
        super().__init__(daemon=True)
        self.script = script
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.stop = threading.Event()

    def run(self):
        while not self.stop.is_set():
            try:
                c, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            c.settimeout(5)
            f = c.makefile("rb")
            try:
                while not self.stop.is_set():
                    head = f.readline()
                    if not head.startswith(b"*"):
                        break
                    argv = []
                    for _ in range(int(head[1:])):
                        n = int(f.readline()[1:])
                        argv.append(f.read(n + 2)[:-2])
                    if argv[0].upper() == b"PSYNC":
                        c.sendall(self.script)
                        break
                    c.sendall(b"+PONG\r\n" if argv[0].upper() == b"PING" else b"+OK\r\n")
            except (OSError, ValueError):
                pass
            f.close()
            c.close()
        self.sock.close()


class BadPrimaryTest(ReplicationTestCase):
    def follow_fake(self, script):
        fake = FakePrimary(script)
        fake.start()
        self.threads.append(fake)
        s = self.cairn(self.newdir("replica"))
        c = s.conn()
        c.ok("SET", "mine", "kept")
        self.assertEqual(c.ok("REPLICAOF", "127.0.0.1", str(fake.port)), "OK")
        deadline = time.monotonic() + 10
        while fake.connections < 2:  # it retries
            self.assertLess(time.monotonic(), deadline, "the replica did not retry")
            time.sleep(0.05)
        self.assertTrue(s.alive())
        self.assertEqual(c.ok("PING"), "PONG")
        self.assertEqual(c.info("replication")["master_link_status"], "down")
        return c

    def test_disconnect_mid_transfer_keeps_the_data(self):
        c = self.follow_fake(b"+FULLRESYNC " + b"a" * 40 + b" 0\r\n$100000\r\nREDIS0009" +
                             b"x" * 1000)
        self.assertEqual(c.ok("GET", "mine"), b"kept")

    def test_garbage_instead_of_the_rdb_keeps_the_data(self):
        c = self.follow_fake(b"+FULLRESYNC " + b"b" * 40 + b" 0\r\n$not-a-length\r\n")
        self.assertEqual(c.ok("GET", "mine"), b"kept")
        c2 = self.follow_fake(b"-ERR no such thing\r\n")
        self.assertEqual(c2.ok("GET", "mine"), b"kept")

    def test_corrupt_rdb_is_never_served_as_synced(self):
        body = b"REDIS0009\xfa\x09redis-ver\x067.0.15garbage-garbage-garbage"
        c = self.follow_fake(b"+FULLRESYNC " + b"c" * 40 + b" 0\r\n$%d\r\n" % len(body) + body)
        # As Redis: the old data is gone (the load began), nothing half-loaded
        # is kept, and the link is down, retrying.
        self.assertEqual(c.ok("DBSIZE"), 0)


if __name__ == "__main__":
    ServerTestCase.cairn_binary = take_server_arg(__file__)
    unittest.main()
