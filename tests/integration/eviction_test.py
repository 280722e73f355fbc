#!/usr/bin/python3
"""maxmemory and its eviction policies (issue 15, cache mode), beside a
redis-server 7.0.15:

    /usr/bin/python3 tests/integration/eviction_test.py path/to/cairn-server [unittest args]

Which keys an approximate LRU/LFU or a random policy takes is random in
both servers, so what is compared is what a user can observe:

  * noeviction: the exact -OOM replies (writes, MULTI queuing and EXEC,
    scripts), reads and DEL still served, OBJECT FREQ / IDLETIME / REFCOUNT
    under each kind of policy, RESTORE FREQ;
  * allkeys-lru / -lfu / -random: a write load many times maxmemory gets no
    error, used_memory stays at the limit, DBSIZE + evicted_keys is what was
    written;
  * volatile-*: keys without a TTL are never evicted; once no key has one,
    writes get -OOM;
  * the choice itself, as far as it is not chance: volatile-ttl takes the
    nearest expiries, allkeys-lru the longest idle (RESTORE IDLETIME),
    allkeys-lfu the least used (RESTORE FREQ);
  * each eviction is a keyspace event ("evicted"), fails a WATCH, and
    (Cairn) is logged: after a SIGKILL the evicted keys stay gone;
  * RDB files keep each key's idle time (LRU policies) or counter (LFU), as
    Redis writes them, both ways between the servers;
  * passes cut short by maxmemory-eviction-tenacity go on with no command
    to run them; lazyfree-lazy-eviction holds the limit too.
"""

import os
import shutil
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from cairn_testlib import ServerError, ServerTestCase, take_server_arg  # noqa: E402

OOM = "OOM command not allowed when used memory > 'maxmemory'."


def used(c):
    # As maxmemory counts it: Cairn's log window, like Redis's AOF buffer,
    # is in used_memory but not in what eviction weighs.
    m = c.info("memory")
    return int(m["used_memory"]) - int(m.get("mem_not_counted_for_evict", 0))


def evicted(c):
    return int(c.info("stats")["evicted_keys"])


class EvictionTest(ServerTestCase):
    tmp_prefix = "cairn-evict-"
    # (No time limit on a pass: the tests look right after the command that
    # evicted.)
    redis_defaults = (("--save", ""), ("--appendonly", "no"),
                      ("--maxmemory-eviction-tenacity", "100"))
    cairn_defaults = (("--save", ""), ("--appendonly", "no"),
                      ("--maxmemory-eviction-tenacity", "100"))

    def on_both(self, body, *extra):
        """body(conn, name) on redis-server, then on cairn-server; their
        results must be equal."""
        got = {}
        for name in ("redis", "cairn"):
            with self.subTest(server=name):
                d = self.newdir(name)
                srv = self.redis(d, *extra) if name == "redis" else self.cairn(d, *extra)
                got[name] = body(srv.conn(), name)
        self.assertEqual(got.get("cairn"), got.get("redis"))

    def fill(self, c, prefix, n, size=100, ttl=None):
        """Writes n keys of `size` bytes; returns the error replies."""
        cmds = []
        for i in range(n):
            cmd = ["SET", "%s:%d" % (prefix, i), "x" * size]
            if ttl is not None:
                cmd += ["EX", str(ttl(i))]
            cmds.append(cmd)
        return [r for r in c.pipeline(cmds) if isinstance(r, ServerError)]

    def test_noeviction_replies_like_redis(self):
        script = "return redis.call('set','x','y')"
        lib = "\n".join([
            "#!lua name=lib",
            "local function w(keys, args) return redis.call('set', keys[1], 'v') end",
            "local function r(keys, args) return redis.call('get', keys[1]) end",
            "redis.register_function('w', w)",
            "redis.register_function{function_name='ro', callback=r, flags={'no-writes'}}",
            "redis.register_function{function_name='oom', callback=w, flags={'allow-oom'}}",
            "redis.register_function{function_name='rw', callback=r}"])
        cmds = [
            ("FUNCTION", "LOAD", lib),
            ("SET", "a", "1"), ("CONFIG", "SET", "maxmemory", "1"),
            # Functions: deny-oom unless they say allow-oom or no-writes.
            ("FCALL", "w", "1", "f1"), ("FCALL", "rw", "1", "a"), ("FCALL", "ro", "1", "a"),
            ("FCALL", "oom", "1", "f2"), ("MULTI",), ("FCALL", "ro", "1", "a"), ("EXEC",),
            ("SET", "b", "2"), ("GET", "a"), ("INCR", "a"), ("APPEND", "a", "z"),
            ("LPUSH", "l", "v"), ("EXPIRE", "a", "100"), ("PERSIST", "a"),
            ("EVAL", script, "0"), ("EVAL", "return redis.call('get','a')", "0"),
            ("EVAL", "return redis.pcall('set','x','y')", "0"),
            ("MULTI",), ("GET", "a"), ("EXEC",),
            ("MULTI",), ("DISCARD",),
            # A limit reached while a transaction queues (set by another
            # client): an EXEC of commands that may grow memory is refused.
            ("CONFIG", "SET", "maxmemory", "0"), ("MULTI",), ("SET", "m", "1"), ("GET", "m"),
            ("OTHER", "CONFIG", "SET", "maxmemory", "1"), ("EXEC",), ("EXISTS", "m"),
            ("OTHER", "CONFIG", "SET", "maxmemory", "0"), ("MULTI",), ("GET", "a"),
            ("OTHER", "CONFIG", "SET", "maxmemory", "1"), ("EXEC",),
            ("DEL", "a"), ("DBSIZE",), ("CONFIG", "SET", "maxmemory", "0"),
            ("SET", "b", "2"),
            # OBJECT under each kind of policy (a new key's LFU counter is 5,
            # one access makes it 6); shared integers only without LRU/LFU.
            ("CONFIG", "SET", "maxmemory-policy", "allkeys-lfu"), ("SET", "k", "v1"),
            ("OBJECT", "FREQ", "k"), ("GET", "k"), ("OBJECT", "FREQ", "k"),
            ("OBJECT", "IDLETIME", "k"), ("OBJECT", "REFCOUNT", "k"),
            ("SET", "k1", "1"), ("OBJECT", "REFCOUNT", "k1"),
            ("CONFIG", "SET", "maxmemory", "1000000000"), ("SET", "k2", "2"),
            ("OBJECT", "REFCOUNT", "k2"), ("DUMP", "k"), ("RESTORE", "r", "0", "PLACEHOLDER",
                                                          "FREQ", "42"),
            ("OBJECT", "FREQ", "r"),
            ("CONFIG", "SET", "maxmemory-policy", "allkeys-lru"), ("OBJECT", "FREQ", "k"),
            ("CONFIG", "SET", "maxmemory-policy", "volatile-ttl"),
            ("SET", "k3", "3"), ("OBJECT", "REFCOUNT", "k3"),
        ]

        def body(c, name):
            out = []
            payload = None
            other = self.servers[-1].conn()
            for cmd in cmds:
                if cmd[0] == "OTHER":
                    out.append(other.cmd(*cmd[1:]))
                    continue
                if cmd[0] == "RESTORE":
                    cmd = ("RESTORE", "r", "0", payload, "FREQ", "42")
                r = c.cmd(*cmd)
                if cmd[0] == "DUMP":
                    payload = r
                    continue
                out.append(r)
            info = c.info("stats")
            out.append(info["evicted_keys"])
            return out
        self.on_both(body)

    def test_allkeys_policies_hold_the_limit(self):
        def body(c, name):
            out = []
            for policy in ("allkeys-lru", "allkeys-lfu", "allkeys-random"):
                c.ok("FLUSHALL")
                c.ok("CONFIG", "RESETSTAT")
                limit = used(c) + 2 * 1024 * 1024
                c.ok("CONFIG", "SET", "maxmemory", str(limit))
                c.ok("CONFIG", "SET", "maxmemory-policy", policy)
                n = 30000  # about 5 MB: more than twice the room
                errors = self.fill(c, policy, n)
                size, gone = c.ok("DBSIZE"), evicted(c)
                mem = used(c)
                out.append((policy, errors, size + gone == n, gone > n // 3,
                            mem <= limit * 1.02))
                c.ok("CONFIG", "SET", "maxmemory", "0")
            return out
        self.on_both(body)

    def test_volatile_policies_spare_keys_without_ttl(self):
        def body(c, name):
            out = []
            for policy in ("volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl"):
                c.ok("FLUSHALL")
                c.ok("CONFIG", "RESETSTAT")
                c.ok("CONFIG", "SET", "maxmemory-policy", policy)
                self.assertEqual(self.fill(c, "keep", 2000), [])
                limit = used(c) + 1024 * 1024
                c.ok("CONFIG", "SET", "maxmemory", str(limit))
                errors = self.fill(c, "vol", 20000, ttl=lambda i: 1000 + i)
                kept = c.ok("EXISTS", *["keep:%d" % i for i in range(2000)])
                gone = evicted(c)
                # Only keys without a TTL left to take: writes are refused.
                more = self.fill(c, "more", 20000)
                out.append((policy, errors, kept, gone > 5000, len(more) > 0,
                            set(str(e) for e in more), c.info("keyspace")["db0"].split(",")[1]))
                c.ok("CONFIG", "SET", "maxmemory", "0")
            return out
        self.on_both(body)

    def test_which_keys_go(self):
        def body(c, name):
            out = []
            # volatile-ttl: the nearest expiries first.
            c.ok("CONFIG", "SET", "maxmemory-policy", "volatile-ttl")
            self.fill(c, "t", 4000, ttl=lambda i: 10000 + i)
            c.ok("CONFIG", "SET", "maxmemory", str(used(c) - 200 * 1024))
            c.ok("PING")
            alive = [c.ok("EXISTS", "t:%d" % i) for i in range(4000)]
            gone = [i for i, a in enumerate(alive) if not a]
            out.append(("ttl", len(gone) > 500,
                        sum(gone) / max(1, len(gone)) < 2000))  # taken mostly from the start
            c.ok("CONFIG", "SET", "maxmemory", "0")
            c.ok("FLUSHALL")
            # allkeys-lru: the longest idle; allkeys-lfu: the least used.
            for policy, option, old, new in (("allkeys-lru", "IDLETIME", "100000", "0"),
                                             ("allkeys-lfu", "FREQ", "0", "200")):
                c.ok("CONFIG", "SET", "maxmemory-policy", policy)
                c.ok("SET", "proto", "x" * 100)
                payload = c.ok("DUMP", "proto")
                c.ok("DEL", "proto")
                cmds = [("RESTORE", "old:%d" % i, "0", payload, option, old) for i in range(2000)]
                cmds += [("RESTORE", "new:%d" % i, "0", payload, option, new)
                         for i in range(2000)]
                self.assertEqual([r for r in c.pipeline(cmds) if r != "OK"], [])
                c.ok("CONFIG", "SET", "maxmemory", str(used(c) - 150 * 1024))
                c.ok("PING")
                old_left = c.ok("EXISTS", *["old:%d" % i for i in range(2000)])
                new_left = c.ok("EXISTS", *["new:%d" % i for i in range(2000)])
                # (Sampling lets a few of the others go too: in Redis up to
                # about 100 of the hot keys under allkeys-lfu.)
                out.append((policy, old_left < 1700, new_left > 1800, evicted(c) > 300))
                c.ok("CONFIG", "SET", "maxmemory", "0")
                c.ok("FLUSHALL")
                c.ok("CONFIG", "RESETSTAT")
            return out
        self.on_both(body)

    def test_time_limited_passes_go_on_without_commands(self):
        # maxmemory-eviction-tenacity 0: each pass stops after 16 keys; the
        # rest is evicted from the server's timer, with no command to run it.
        def body(c, name):
            self.fill(c, "k", 5000)
            c.ok("CONFIG", "SET", "maxmemory-eviction-tenacity", "0")
            c.ok("CONFIG", "SET", "maxmemory-policy", "allkeys-random")
            c.ok("CONFIG", "SET", "maxmemory", str(used(c) - 300 * 1024))
            time.sleep(1.5)
            gone = evicted(c)
            return (gone > 500, c.ok("DBSIZE") + gone == 5000,
                    c.info("stats")["current_eviction_exceeded_time"] == "0")
        self.on_both(body)

    def test_lazy_eviction_holds_the_limit(self):
        # lazyfree-lazy-eviction: big values go to the background thread;
        # the limit is held all the same, without evicting everything.
        def body(c, name):
            c.ok("CONFIG", "SET", "lazyfree-lazy-eviction", "yes")
            c.ok("CONFIG", "SET", "maxmemory-policy", "allkeys-lru")
            limit = used(c) + 4 * 1024 * 1024
            c.ok("CONFIG", "SET", "maxmemory", str(limit))
            cmds = [["HSET", "h:%d" % i] + sum((["f%d" % j, "v" * 20] for j in range(100)), [])
                    for i in range(1500)]
            errors = [r for r in c.pipeline(cmds) if isinstance(r, ServerError)]
            time.sleep(0.5)
            c.ok("PING")
            size = c.ok("DBSIZE")
            return (errors, used(c) <= limit * 1.05, evicted(c) > 0, size > 200)
        self.on_both(body)

    def test_evictions_notify_and_touch_watches(self):
        def body(c, name):
            sub = self.servers[-1].conn()
            c.ok("CONFIG", "SET", "notify-keyspace-events", "Ee")
            sub.ok("SUBSCRIBE", "__keyevent@0__:evicted")
            watcher = self.servers[-1].conn()
            self.fill(c, "w", 1000)
            watcher.ok("WATCH", *["w:%d" % i for i in range(1000)])
            c.ok("CONFIG", "SET", "maxmemory-policy", "allkeys-random")
            c.ok("CONFIG", "SET", "maxmemory", str(used(c) - 30 * 1024))
            c.ok("PING")
            gone = evicted(c)
            msgs = [sub.reply() for _ in range(gone)]
            keys = set(m[2] for m in msgs)
            watcher.ok("MULTI")
            watcher.ok("PING")
            return (gone > 0, len(keys) == gone,
                    all(c.ok("EXISTS", k) == 0 for k in keys), watcher.cmd("EXEC"))
        self.on_both(body)

    def test_evictions_are_logged(self):
        d = self.newdir("cairn")
        srv = self.cairn(d, "--appendonly", "yes", "--appendfsync", "always")
        c = srv.conn()
        self.fill(c, "k", 3000)
        c.ok("CONFIG", "SET", "maxmemory-policy", "allkeys-lru")
        c.ok("CONFIG", "SET", "maxmemory", str(used(c) - 100 * 1024))
        c.ok("PING")  # (evictions run before each command)
        self.assertGreater(evicted(c), 0)
        c.ok("CONFIG", "SET", "maxmemory", "0")
        # A write acknowledged after the evictions: the log has their DELs
        # (like expirations, they are not acknowledged by themselves).
        c.ok("SET", "after", "1")
        keys = sorted(c.ok("KEYS", "*"))
        srv = self.relaunch(srv)
        c = srv.conn()
        self.assertEqual(sorted(c.ok("KEYS", "*")), keys)


    def test_rdb_keeps_idle_times_and_counters(self):
        for policy, option, value in (("allkeys-lfu", "FREQ", 42), ("allkeys-lru", "IDLETIME", 1000)):
            for writer, reader in (("cairn", "redis"), ("redis", "cairn"), ("cairn", "cairn")):
                with self.subTest(policy=policy, writer=writer, reader=reader):
                    args = ("--maxmemory-policy", policy)
                    wdir, rdir = self.newdir(writer), self.newdir(reader)
                    w = (self.cairn if writer == "cairn" else self.redis)(wdir, *args)
                    c = w.conn()
                    c.ok("SET", "proto", "x" * 50)
                    payload = c.ok("DUMP", "proto")
                    c.ok("RESTORE", "k", "0", payload, option, str(value))
                    c.ok("SAVE")
                    w.kill()
                    shutil.copy(os.path.join(wdir, "dump.rdb"), os.path.join(rdir, "dump.rdb"))
                    r = (self.cairn if reader == "cairn" else self.redis)(rdir, *args).conn()
                    got = r.ok("OBJECT", option, "k")
                    if option == "FREQ":
                        self.assertEqual(got, value)
                    else:
                        self.assertGreaterEqual(got, value)
                        self.assertLess(got, value + 30)


if __name__ == "__main__":
    EvictionTest.cairn_binary = take_server_arg("eviction_test.py")
    unittest.main()
