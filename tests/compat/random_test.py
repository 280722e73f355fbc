#!/usr/bin/python3
"""Randomized differential test: Cairn against the real redis-server 7.0.15.

Starts cairn-server (--appendonly yes --appendfsync always
--enable-debug-command yes) and redis-server (--save "" --appendonly no) side
by side, drives both with the same seeded random sequence of string and
keyspace commands over a small keyspace (20 keys, databases 0-2 through
SELECT) and compares every reply byte for byte, errors included. At the end
of each seed the whole dataset is compared: DBSIZE, KEYS * and the DUMP and
PTTL of every key in each database. Standard library only.

Then Cairn's durability is checked (unless --no-durability, which also runs
Cairn with --appendonly no): the dataset (DBSIZE, keys, DUMP, PTTL of every
key in every database) is compared against redis again after each of
  1. SIGKILL and restart on the same dir (the log replayed),
  2. DEBUG RELOAD (dump.rdb saved and loaded),
  3. BGREWRITEAOF, followed at once by --tail more random commands (compared
     as usual; with the defaults they land while the rewrite runs), the
     rewrite awaited, --tail more commands, then SIGKILL and restart (the
     rewritten base + the incr file).
     Before the tail, every key of redis is put through RESTORE REPLACE
     ABSTTL of its own DUMP: that loads it as DEBUG RELOAD did on Cairn, so
     OBJECT ENCODING replies still compare. (A mismatch in the tail may not
     reproduce from FLUSHALL, since the minimizer reloads nothing.)
Besides, each key's PEXPIRETIME must equal, to the millisecond, what Cairn
answered before the step (relative TTLs must have been logged as absolute
times). A key whose PTTL was under 2000 ms before a step may be missing
after it (the generator never makes such keys; the rule is a safeguard).

    /usr/bin/python3 tests/compat/random_test.py --cairn PATH/cairn-server \
        [--redis /usr/bin/redis-server] [--seeds 3] [--commands 3000] \
        [--seed S] [--minimize-time 60] [--keep-going] [--show] \
        [--tail 300] [--no-durability]

Seeds: run i (0-based) uses seed SEED+i, where SEED is --seed, else the SEED
environment variable, else 1 (so the default runs seeds 1, 2, 3). SEED=random
picks one from the clock. The generated commands depend only on the seed (and
on the clock for absolute expiry times, which are always far in the future).

Comparison: exact, except
  * KEYS: the elements as a sorted multiset;
  * RANDOMKEY: only nil versus a key;
  * TTL, PTTL, EXPIRETIME, PEXPIRETIME: exact when either reply is negative
    (no key, no TTL), else both non-negative and within 5 s (5000 ms) of each
    other, since relative expiry times are taken from each server's clock.
Expiry times are either far in the future (at least ~16 min, chosen at random
from a wide range so that GT/LT never compare near-equal times) or clearly in
the past, so nothing expires while the comparison runs.

On the first mismatch of a seed the seed, the command index, the command,
both replies and the previous 10 commands are printed; the rest of that seed
is skipped (the datasets have diverged) unless --keep-going. The failing
sequence is then shrunk (delta debugging, replayed from FLUSHALL, at most
--minimize-time seconds) and printed in run_compat.py script format with both
replies. The last line is "N passed, M failed" (compared commands); the exit
status is non-zero when M > 0.
"""

import argparse
import collections
import os
import signal
import sys
import time
import random

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
sys.path.insert(0, HERE)
import cairn_testlib as testlib  # noqa: E402
import run_compat as rc  # noqa: E402  (raw-reply Conn, Server, split_aggregate)

NUM_DBS = 3
CONTEXT = 10
VOLATILE_MS = 2000        # a key with a smaller PTTL may expire during a restart
REWRITE_TIMEOUT = 15.0    # seconds for BGREWRITEAOF (and a BGSAVE) to finish
SHOW_KEY_MISMATCHES = 5   # per durability step
READ_ONLY = {b"GET", b"MGET", b"STRLEN", b"GETRANGE", b"SUBSTR", b"LCS", b"EXISTS", b"TYPE",
             b"TOUCH", b"TTL", b"PTTL", b"EXPIRETIME", b"PEXPIRETIME", b"OBJECT", b"DUMP",
             b"KEYS", b"RANDOMKEY", b"DBSIZE"}
TTL_TOLERANCE = {"ttl": 5, "pttl": 5000, "expiretime": 5, "pexpiretime": 5000}

KEYS = [b"k%d" % i for i in range(15)] + [
    b"{t}a", b"{t}b", b"key with space", b"bin\x00\xff\r\n", b""]

NUMERIC_KEYS = KEYS[:5]   # mostly hold numbers, the usual targets of INCR*

KEY_PATTERNS = [b"*", b"k*", b"k1?", b"k[0-4]", b"k[^0-4]*", b"*a", b"{t}*", b"?",
                b"??", b"bin*", b"*\x00*", b"k\\1", b"\\*", b"k[1-", b"", b"key*space",
                b"*[ab]", b"K*", b"*e*"]

BIG_INTS = [b"9223372036854775807", b"-9223372036854775808", b"9223372036854775806",
            b"-9223372036854775807", b"9223372036854775808", b"-9223372036854775809",
            b"2147483647", b"2147483648", b"-2147483648", b"-2147483649",
            b"4294967296", b"127", b"128", b"-128", b"-129", b"32767", b"32768",
            b"-32768", b"-32769", b"9999", b"10000", b"12345678901", b"123456789012",
            b"99999999999999999999"]
ODD_INTS = [b"007", b"+5", b"-0", b" 1", b"1 ", b"0x10", b"1.", b"", b"0", b"-", b"1e3",
            b"--1", b"\x001", "\uff11".encode()]
FLOATS = [b"1e3", b"1.5e-3", b"-2.5E2", b"3.0e+1", b"1e20", b"1e-20", b"0.1", b"0.2",
          b".5", b"5.", b"-0.0", b"inf", b"-inf", b"nan", b"1e300", b"-1e300", b"1e-300",
          b"3.14159265358979323846", b"1e17", b"1.7976931348623157e308", b"1e400",
          b"123456789.123456789", b"0.30000000000000004", b"2.5", b"-1.75", b"1E-5",
          b"4.9e-324", b" 1.5", b"1.5 ", b"1.5x", b"0x1p3", b"+.5e+1", b"1e", b"e1"]


def _rand_case(rng, name):
    """Mostly upper case; now and then mixed or lower case."""
    r = rng.random()
    if r < 0.85:
        return name
    if r < 0.93:
        return name.lower()
    return bytes(c ^ 0x20 if 65 <= c <= 90 and rng.random() < 0.5 else c for c in name)


class Gen:
    """The random command source. Its output depends only on the seed and on
    now_s (the base of absolute expiry times)."""

    def __init__(self, seed, now_s, exclude=()):
        self.rng = random.Random(seed)
        self.exclude = set(exclude)
        self.now_s = now_s
        self.table = [
            (40, self.g_get), (45, self.g_set), (4, self.g_setnx), (4, self.g_setex),
            (3, self.g_psetex), (4, self.g_getset), (4, self.g_getdel), (8, self.g_getex),
            (6, self.g_mget), (6, self.g_mset), (3, self.g_msetnx), (8, self.g_append),
            (4, self.g_strlen), (6, self.g_getrange), (6, self.g_setrange),
            (8, self.g_incr), (6, self.g_incrby), (12, self.g_incrbyfloat),
            (5, self.g_lcs), (6, self.g_del), (6, self.g_exists), (4, self.g_type),
            (3, self.g_touch), (5, self.g_rename), (5, self.g_copy), (4, self.g_move),
            (2, self.g_swapdb), (3, self.g_dbsize), (12, self.g_expire),
            (4, self.g_persist), (10, self.g_ttl), (8, self.g_object), (10, self.g_dump),
            (3, self.g_keys), (2, self.g_randomkey), (6, self.g_select),
            (0.25, self.g_flushdb), (5, self.g_wrong_arity),
        ]
        self.total = sum(w for w, _ in self.table)

    # -- building blocks ---------------------------------------------------

    def chance(self, p):
        return self.rng.random() < p

    def key(self):
        return self.rng.choice(KEYS)

    def numkey(self):
        return self.rng.choice(NUMERIC_KEYS) if self.chance(0.6) else self.key()

    def value_for(self, key):
        if key in NUMERIC_KEYS and self.chance(0.8):
            return self.number()
        return self.value()

    def number(self):
        r, rng = self.rng.random(), self.rng
        if r < 0.4:
            return b"%d" % rng.randint(-100, 100)
        if r < 0.5:
            return rng.choice(BIG_INTS)
        if r < 0.8:
            return b"%d.%d" % (rng.randint(-1000, 1000), rng.randint(0, 999))
        return rng.choice(FLOATS)

    def keys(self, lo, hi):
        return [self.key() for _ in range(self.rng.randint(lo, hi))]

    def name(self, n):
        return _rand_case(self.rng, n)

    def letters(self, n):
        return bytes(self.rng.choice(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123456789")
                     for _ in range(n))

    def value(self):
        r, rng = self.rng.random(), self.rng
        if r < 0.18:
            return b"%d" % rng.randint(-20, 20)
        if r < 0.26:
            return b"%d" % rng.randint(0, 12000)
        if r < 0.32:
            return rng.choice(BIG_INTS)
        if r < 0.36:
            return rng.choice(ODD_INTS)
        if r < 0.46:
            return rng.choice([b"%d.%d" % (rng.randint(-1000, 1000), rng.randint(0, 999)),
                               rng.choice(FLOATS)])
        if r < 0.66:
            return self.letters(rng.randint(1, 10))
        if r < 0.74:
            return bytes(rng.randint(0, 255) for _ in range(rng.randint(0, 16)))
        if r < 0.84:
            return self.letters(100)
        if r < 0.90:   # compressible (LZF in DUMP when longer than 20 bytes)
            unit = self.letters(rng.randint(1, 4))
            return (unit * 100)[:rng.choice([21, 30, 100, 150])]
        # encoding and compression boundaries
        n = rng.choice([20, 21, 44, 45, 46])
        return self.letters(n) if self.chance(0.5) else b"x" * n

    def int_arg(self, lo, hi):
        """An integer argument, sometimes a bad or extreme one."""
        r = self.rng.random()
        if r < 0.9:
            return b"%d" % self.rng.randint(lo, hi)
        if r < 0.96:
            return self.rng.choice(BIG_INTS)
        return self.rng.choice(ODD_INTS + [b"abc", b"1.5"])

    def rel_s(self):
        return self.rng.randint(1000, 100000000)

    def rel_ms(self):
        return self.rng.randint(1000000, 100000000000)

    def abs_s(self):
        return self.now_s + self.rng.randint(1000, 100000000)

    def abs_ms(self):
        return self.abs_s() * 1000 + self.rng.randint(0, 999)

    def bad_ttl(self):
        """An invalid relative time (a small positive one would expire soon)."""
        return self.rng.choice([b"0", b"-1", b"-100", b"abc", b"1.5", b"", b"9223372036854775807",
                                b"-9223372036854775808", b"9223372036854775808"])

    def expiry_opt(self, kind=None):
        """One SET/GETEX expiry option with its argument (future only)."""
        kind = kind or self.rng.choice([b"EX", b"PX", b"EXAT", b"PXAT"])
        val = {b"EX": self.rel_s, b"PX": self.rel_ms, b"EXAT": self.abs_s,
               b"PXAT": self.abs_ms}[kind]()
        if self.chance(0.04):
            val = self.rng.choice([b"0", b"-1", b"abc", b"9223372036854775807",
                                   b"9223372036854775", b"1.5", b""])
            return [self.name(kind), val]
        return [self.name(kind), b"%d" % val]

    # -- commands: each returns (args, mode) -------------------------------

    def g_get(self):
        return [self.name(b"GET"), self.key()], "exact"

    def g_set(self):
        k = self.key()
        args = [self.name(b"SET"), k, self.value_for(k)]
        opts = []
        if self.chance(0.25):
            opts.append([self.name(self.rng.choice([b"NX", b"XX"]))])
        if self.chance(0.2):
            opts.append([self.name(b"GET")])
        r = self.rng.random()
        if r < 0.3:
            opts.append(self.expiry_opt())
        elif r < 0.38:
            opts.append([self.name(b"KEEPTTL")])
        if self.chance(0.06):   # repeated, conflicting or unknown options, no argument
            opts.append(self.rng.choice([[b"NX"], [b"XX"], [b"KEEPTTL"], [b"FOO"], [b"EX"],
                                         self.expiry_opt(), [b"GET"], [b"PXAT"]]))
            if self.chance(0.3):
                opts.append(opts[-1])
        self.rng.shuffle(opts)
        for o in opts:
            args += o
        return args, "exact"

    def g_setnx(self):
        k = self.key()
        return [self.name(b"SETNX"), k, self.value_for(k)], "exact"

    def g_setex(self):
        t = b"%d" % self.rel_s() if self.chance(0.9) else self.bad_ttl()
        return [self.name(b"SETEX"), self.key(), t, self.value()], "exact"

    def g_psetex(self):
        t = b"%d" % self.rel_ms() if self.chance(0.9) else self.bad_ttl()
        return [self.name(b"PSETEX"), self.key(), t, self.value()], "exact"

    def g_getset(self):
        k = self.key()
        return [self.name(b"GETSET"), k, self.value_for(k)], "exact"

    def g_getdel(self):
        return [self.name(b"GETDEL"), self.key()], "exact"

    def g_getex(self):
        args = [self.name(b"GETEX"), self.key()]
        r = self.rng.random()
        if r < 0.45:
            args += self.expiry_opt()
        elif r < 0.6:
            args.append(self.name(b"PERSIST"))
        elif r < 0.64:  # an option given twice: the last one counts
            kind = self.rng.choice([b"EX", b"PX", b"EXAT", b"PXAT"])
            args += self.expiry_opt(kind) + self.expiry_opt(kind)
        elif r < 0.7:
            args += self.rng.choice([[b"PERSIST", b"EX", b"100"], [b"EX", b"10", b"PX", b"10"],
                                     [b"FOO"], [b"EX"], [b"PERSIST", b"PERSIST"],
                                     [b"KEEPTTL"], [b"EXAT", b"1", b"PERSIST"]])
        return args, "exact"

    def g_mget(self):
        return [self.name(b"MGET")] + self.keys(1, 6), "exact"

    def _pairs(self, cmd):
        args = [self.name(cmd)]
        for _ in range(self.rng.randint(1, 4)):
            k = self.key()
            args += [k, self.value_for(k)]
        if self.chance(0.05):
            args.append(self.key())  # odd: wrong number of arguments
        return args

    def g_mset(self):
        return self._pairs(b"MSET"), "exact"

    def g_msetnx(self):
        return self._pairs(b"MSETNX"), "exact"

    def g_append(self):
        return [self.name(b"APPEND"), self.key(), self.value()], "exact"

    def g_strlen(self):
        return [self.name(b"STRLEN"), self.key()], "exact"

    def g_getrange(self):
        cmd = self.rng.choice([b"GETRANGE", b"SUBSTR"])
        return [self.name(cmd), self.key(), self.int_arg(-120, 120),
                self.int_arg(-120, 120)], "exact"

    def g_setrange(self):
        r = self.rng.random()
        if r < 0.9:
            off = b"%d" % self.rng.randint(0, 110)
        else:
            off = self.rng.choice([b"-1", b"536870912", b"536870911", b"abc", b"1.5",
                                   b"9223372036854775807"])
        val = self.value()
        if off == b"536870911" and val:
            val = b""   # never allocate 512 MB
        return [self.name(b"SETRANGE"), self.key(), off, val], "exact"

    def g_incr(self):
        return [self.name(self.rng.choice([b"INCR", b"DECR"])), self.numkey()], "exact"

    def g_incrby(self):
        cmd = self.rng.choice([b"INCRBY", b"DECRBY"])
        return [self.name(cmd), self.numkey(), self.int_arg(-1000, 1000)], "exact"

    def g_incrbyfloat(self):
        r, rng = self.rng.random(), self.rng
        if r < 0.3:
            inc = b"%d" % rng.randint(-100, 100)
        elif r < 0.6:
            inc = b"%d.%0*d" % (rng.randint(-100, 100), rng.randint(1, 4),
                                rng.randint(0, 9999))
        elif r < 0.75:
            inc = b"%de%d" % (rng.randint(-9, 9), rng.randint(-6, 6))
        elif r < 0.8:
            inc = b"%d.%dE+%d" % (rng.randint(-9, 9), rng.randint(0, 99), rng.randint(0, 12))
        elif r < 0.96:
            inc = rng.choice(FLOATS)
        else:
            inc = rng.choice(ODD_INTS + BIG_INTS)
        return [self.name(b"INCRBYFLOAT"), self.numkey(), inc], "exact"

    def g_lcs(self):
        args = [self.name(b"LCS"), self.key(), self.key()]
        opts = []
        if self.chance(0.3):
            opts.append([self.name(b"LEN")])
        if self.chance(0.35):
            opts.append([self.name(b"IDX")])
        if self.chance(0.2):
            opts.append([self.name(b"MINMATCHLEN"), self.int_arg(0, 6)])
        if self.chance(0.2):
            opts.append([self.name(b"WITHMATCHLEN")])
        if self.chance(0.03):
            opts.append(self.rng.choice([[b"FOO"], [b"MINMATCHLEN"]]))
        self.rng.shuffle(opts)
        for o in opts:
            args += o
        return args, "exact"

    def g_del(self):
        return [self.name(self.rng.choice([b"DEL", b"UNLINK"]))] + self.keys(1, 3), "exact"

    def g_exists(self):
        return [self.name(b"EXISTS")] + self.keys(1, 5), "exact"

    def g_type(self):
        return [self.name(b"TYPE"), self.key()], "exact"

    def g_touch(self):
        return [self.name(b"TOUCH")] + self.keys(1, 5), "exact"

    def g_rename(self):
        cmd = self.rng.choice([b"RENAME", b"RENAMENX"])
        return [self.name(cmd), self.key(), self.key()], "exact"

    def db_arg(self):
        if self.chance(0.95):
            return b"%d" % self.rng.randint(0, NUM_DBS - 1)
        return self.rng.choice([b"16", b"-1", b"x", b"", b"1.0"])

    def g_copy(self):
        args = [self.name(b"COPY"), self.key(), self.key()]
        opts = []
        if self.chance(0.4):
            opts.append([self.name(b"DB"), self.db_arg()])
        if self.chance(0.4):
            opts.append([self.name(b"REPLACE")])
        if self.chance(0.03):
            opts.append(self.rng.choice([[b"DB"], [b"FOO"]]))
        self.rng.shuffle(opts)
        for o in opts:
            args += o
        return args, "exact"

    def g_move(self):
        return [self.name(b"MOVE"), self.key(), self.db_arg()], "exact"

    def g_swapdb(self):
        return [self.name(b"SWAPDB"), self.db_arg(), self.db_arg()], "exact"

    def g_dbsize(self):
        return [self.name(b"DBSIZE")], "exact"

    def g_expire(self):
        rng = self.rng
        cmd = rng.choice([b"EXPIRE", b"PEXPIRE", b"EXPIREAT", b"PEXPIREAT"])
        r = rng.random()
        if r < 0.8:     # far in the future
            t = {b"EXPIRE": self.rel_s, b"PEXPIRE": self.rel_ms, b"EXPIREAT": self.abs_s,
                 b"PEXPIREAT": self.abs_ms}[cmd]()
            t = b"%d" % t
        elif r < 0.92:  # clearly in the past
            t = b"%d" % {b"EXPIRE": rng.choice([0, -1, -100000]),
                         b"PEXPIRE": rng.choice([0, -1, -100000000]),
                         b"EXPIREAT": rng.choice([0, 1, self.now_s - 100000]),
                         b"PEXPIREAT": rng.choice([0, 1, (self.now_s - 100000) * 1000])}[cmd]
        else:
            t = rng.choice([b"9223372036854775807", b"-9223372036854775808",
                            b"9223372036854775", b"-9223372036854775", b"abc", b"1.5", b"",
                            b"9223372036854775808", b"9223372036854"])
        args = [self.name(cmd), self.key(), t]
        n = rng.choice([0, 0, 0, 1, 1, 1, 2]) if rng.random() > 0.02 else 3
        for _ in range(n):
            args.append(self.name(rng.choice([b"NX", b"XX", b"GT", b"LT", b"NX", b"XX",
                                              b"GT", b"LT", b"FOO"])))
        return args, "exact"

    def g_persist(self):
        return [self.name(b"PERSIST"), self.key()], "exact"

    def g_ttl(self):
        cmd = self.rng.choice([b"TTL", b"PTTL", b"EXPIRETIME", b"PEXPIRETIME"])
        return [self.name(cmd), self.key()], cmd.decode().lower()

    def g_object(self):
        r = self.rng.random()
        if r < 0.9:
            return [self.name(b"OBJECT"), self.name(b"ENCODING"), self.key()], "exact"
        return self.rng.choice([[b"OBJECT", b"ENCODING"], [b"OBJECT", b"ENCODING", b"a", b"b"],
                                [b"OBJECT", b"FOO", b"k1"], [b"OBJECT"]]), "exact"

    def g_dump(self):
        return [self.name(b"DUMP"), self.key()], "exact"

    def g_keys(self):
        return [self.name(b"KEYS"), self.rng.choice(KEY_PATTERNS)], "sorted"

    def g_randomkey(self):
        return [self.name(b"RANDOMKEY")], "randomkey"

    def g_select(self):
        return [self.name(b"SELECT"), self.db_arg()], "exact"

    def g_flushdb(self):
        args = [self.name(b"FLUSHDB")]
        r = self.rng.random()
        if r < 0.2:
            args.append(self.name(b"ASYNC"))
        elif r < 0.4:
            args.append(self.name(b"SYNC"))
        elif r < 0.45:
            args.append(b"FOO")
        return args, "exact"

    ARITY = {b"GET": 2, b"SET": -3, b"SETNX": 3, b"SETEX": 4, b"PSETEX": 4, b"GETSET": 3,
             b"GETDEL": 2, b"GETEX": -2, b"MGET": -2, b"MSET": -3, b"MSETNX": -3,
             b"APPEND": 3, b"STRLEN": 2, b"GETRANGE": 4, b"SUBSTR": 4, b"SETRANGE": 4,
             b"INCR": 2, b"DECR": 2, b"INCRBY": 3, b"DECRBY": 3, b"INCRBYFLOAT": 3,
             b"LCS": -3, b"DEL": -2, b"UNLINK": -2, b"EXISTS": -2, b"TYPE": 2, b"TOUCH": -2,
             b"RENAME": 3, b"RENAMENX": 3, b"COPY": -3, b"MOVE": 3, b"SWAPDB": 3,
             b"DBSIZE": 1, b"EXPIRE": -3, b"PEXPIRE": -3, b"EXPIREAT": -3,
             b"PEXPIREAT": -3, b"PERSIST": 2, b"TTL": 2, b"PTTL": 2, b"EXPIRETIME": 2,
             b"PEXPIRETIME": 2, b"DUMP": 2, b"KEYS": 2, b"RANDOMKEY": 1, b"SELECT": 2}

    def g_wrong_arity(self):
        cmd = self.rng.choice(sorted(self.ARITY))
        arity = self.ARITY[cmd]
        if arity > 0:
            n = self.rng.choice([c for c in range(1, arity + 3) if c != arity])
        else:
            n = self.rng.randint(1, -arity - 1)
        # keys as arguments: harmless whichever position they land in
        return [self.name(cmd)] + [self.key() for _ in range(n - 1)], "exact"

    def next(self):
        while True:
            x = self.rng.random() * self.total
            for w, g in self.table:
                x -= w
                if x < 0:
                    break
            args, mode = g()
            if args[0].upper() not in self.exclude:
                return args, mode


# ---------------------------------------------------------------------------
# Comparison


def _int_reply(raw):
    if isinstance(raw, bytes) and raw[:1] == b":":
        try:
            return int(raw[1:-2])
        except ValueError:
            return None
    return None


def compare(mode, a, b):
    """True when raw replies a (cairn) and b (redis) agree under mode."""
    if isinstance(a, str) or isinstance(b, str):   # closed connection
        return a == b
    if mode == "exact":
        return a == b
    if mode == "sorted":
        sa, sb = rc.split_aggregate(a), rc.split_aggregate(b)
        if sa is None or sb is None:
            return a == b
        return sa[0] == sb[0] and sorted(sa[1]) == sorted(sb[1])
    if mode == "randomkey":
        nil = (b"$-1\r\n", b"_\r\n")
        if a in nil or b in nil:
            return a == b
        return a[:1] == b[:1] == b"$"
    if mode in TTL_TOLERANCE:
        x, y = _int_reply(a), _int_reply(b)
        if x is None or y is None or x < 0 or y < 0:
            return a == b
        return abs(x - y) <= TTL_TOLERANCE[mode]
    raise ValueError(mode)


# ---------------------------------------------------------------------------
# Running


def fmt_args(args):
    return " ".join(_script_arg(a) for a in args)


def _script_arg(a):
    """One argument in run_compat.py script syntax."""
    if a == b"":
        return '""'
    out = []
    for c in a:
        if 0x21 <= c <= 0x7e and c not in b"\"'\\#":
            out.append(chr(c))
        elif c == 0x5c:
            out.append("\\\\")
        else:
            out.append("\\x%02x" % c)
    return "".join(out)


def script_line(args, mode):
    prefix = {"exact": "", "sorted": "!sorted ", "randomkey": "!type "}.get(mode, "!type ")
    return prefix + fmt_args(args)


class Fatal(Exception):
    """The connections are out of step (no reply in time, a bad reply)."""


class Abort(Exception):
    """Cairn cannot be brought back (a restart failed): stop the run."""


def _key_of(raw):
    """The key in a raw RESP bulk string reply."""
    return raw[raw.index(b"\r\n") + 2:-2]


def snapshot(port, what):
    """{db: (DBSIZE, {key: (raw DUMP reply, PTTL, PEXPIRETIME)})} of every
    database of the server on port; raises Fatal on connection trouble."""
    try:
        c = rc.Conn(port)
    except OSError as e:
        raise Fatal("%s: connect: %s" % (what, e))
    try:
        def replies(cmds):
            c.send(b"".join(testlib.encode(*a) for a in cmds))
            out = [c.reply() for _ in cmds]
            for r in out:
                if isinstance(r, str):
                    raise Fatal("%s: connection closed" % what)
            return out

        state = {}
        for db in range(NUM_DBS):
            sel, size, listing = replies([[b"SELECT", b"%d" % db], [b"DBSIZE"], [b"KEYS", b"*"]])
            split = rc.split_aggregate(listing)
            if sel != b"+OK\r\n" or _int_reply(size) is None or split is None:
                raise Fatal("%s: SELECT/DBSIZE/KEYS answered %r / %r / %r"
                            % (what, sel, size, listing[:200]))
            names = sorted(_key_of(r) for r in split[1])
            got = replies([[cmd, k] for k in names for cmd in (b"DUMP", b"PTTL", b"PEXPIRETIME")])
            state[db] = (_int_reply(size), {
                k: (got[3 * j], _int_reply(got[3 * j + 1]), _int_reply(got[3 * j + 2]))
                for j, k in enumerate(names)})
        return state
    except rc.Timeout:
        raise Fatal("%s: no reply within %gs" % (what, rc.REPLY_TIMEOUT))
    except ValueError as e:
        raise Fatal("%s: bad reply: %s" % (what, e))
    finally:
        c.close()


def volatile_keys(*states):
    """{(db, key)} whose PTTL is under VOLATILE_MS in any of the states."""
    return {(db, k) for st in states for db, (_, keys) in st.items()
            for k, (_, pttl, _) in keys.items() if pttl is not None and 0 <= pttl < VOLATILE_MS}


def diff_states(ca, rd, before, volatile):
    """Mismatches of Cairn's state ca against redis's rd, as printable
    [(db, key or None, text)]. before: Cairn's state before the step, whose
    PEXPIRETIMEs must be kept exactly. Keys in volatile may be missing."""
    out = []
    for db in range(NUM_DBS):
        csize, ckeys = ca[db]
        rsize, rkeys = rd[db]
        nvol = sum(1 for d, _ in volatile if d == db)
        if csize != rsize and abs(csize - rsize) > nvol:
            out.append((db, None, "DBSIZE: cairn %d, redis %d" % (csize, rsize)))
        for k in sorted(set(ckeys) | set(rkeys)):
            if k not in rkeys or k not in ckeys:
                if (db, k) in volatile:
                    continue
                side, (dump, pttl, _) = (("cairn", ckeys[k]) if k in ckeys
                                         else ("redis", rkeys[k]))
                out.append((db, k, "only in %s; its DUMP: %r, PTTL %s" % (side, dump, pttl)))
                continue
            (cd, cp, ce), (rdump, rp, _) = ckeys[k], rkeys[k]
            if cd != rdump:
                out.append((db, k, "DUMP differs:\n      cairn: %r\n      redis: %r"
                            % (cd, rdump)))
            if not compare("pttl", b":%d\r\n" % cp if cp is not None else b"?",
                           b":%d\r\n" % rp if rp is not None else b"?"):
                out.append((db, k, "PTTL: cairn %s, redis %s" % (cp, rp)))
            old = before[db][1].get(k)
            if old is not None and (db, k) not in volatile and old[2] != ce:
                out.append((db, k, "PEXPIRETIME changed: cairn %s before, %s after"
                            % (old[2], ce)))
    return out


class Pair:
    """One connection to each server."""

    def __init__(self, cairn, redis):
        self.ca = rc.Conn(cairn.port)
        self.cb = rc.Conn(redis.port)

    def close(self):
        self.ca.close()
        self.cb.close()

    def _read(self, c):
        try:
            return c.reply()
        except rc.Timeout:
            raise Fatal("no reply within %gs" % rc.REPLY_TIMEOUT)
        except ValueError as e:
            raise Fatal("bad reply: %s" % e)

    def run(self, cmds):
        """Sends the (args, mode) commands to both and returns the
        [(cairn reply, redis reply)] in order (pipelined, in chunks)."""
        out = []
        for i in range(0, len(cmds), 200):
            part = cmds[i:i + 200]
            data = b"".join(testlib.encode(*args) for args, _ in part)
            self.ca.send(data)
            self.cb.send(data)
            ra = [self._read(self.ca) for _ in part]
            rb = [self._read(self.cb) for _ in part]
            out.extend(zip(ra, rb))
        return out

    def one(self, args):
        return self.run([(args, "exact")])[0]

    def reset(self):
        for a, b in self.run([([b"FLUSHALL"], "exact"), ([b"SELECT", b"0"], "exact")]):
            if a != b"+OK\r\n" or b != b"+OK\r\n":
                raise Fatal("FLUSHALL/SELECT 0 answered %r / %r" % (a, b))


class Runner:
    def __init__(self, cairn, redis, opts):
        self.cairn = cairn
        self.redis = redis
        self.opts = opts
        self.passed = 0
        self.failed = 0

    def pair(self):
        return Pair(self.cairn, self.redis)

    def run_seed(self, seed, count):
        print("seed %d: %d commands (reproduce: SEED=%d %s --seeds 1 --commands %d)"
              % (seed, count, seed, os.path.basename(__file__), count))
        sys.stdout.flush()
        gen = Gen(seed, int(time.time()), self.opts.exclude)
        history = []          # (args, mode) sent since the FLUSHALL
        recent = collections.deque(maxlen=CONTEXT)
        last = [None, None]   # the replies to the last check()
        p = self.pair()

        def reconnect():
            """New connections to both (Cairn restarted): both in db 0."""
            nonlocal p
            p.close()
            p = self.pair()

        try:
            p.reset()
            failed_here = 0

            def check(i, args, mode):
                nonlocal failed_here
                history.append((args, mode))
                a, b = p.run([(args, mode)])[0]
                if self.opts.show:
                    print("%5d %s\n  cairn: %r\n  redis: %r" % (i, fmt_args(args), a, b))
                ok = compare(mode, a, b)
                last[:] = [a, b]
                if ok:
                    self.passed += 1
                else:
                    self.failed += 1
                    failed_here += 1
                    if failed_here == 1:
                        self.report(seed, i, args, mode, a, b, recent, list(history))
                recent.append((i, args, a, b))
                return ok

            for i in range(count):
                args, mode = gen.next()
                if not check(i, args, mode) and not self.opts.keep_going:
                    return
            # The whole dataset, database by database.
            i = count
            for db in range(NUM_DBS):
                sel = [b"SELECT", b"%d" % db]
                check(i, sel, "exact")
                i += 1
                check(i, [b"DBSIZE"], "exact")
                i += 1
                if not check(i, [b"KEYS", b"*"], "sorted") and not self.opts.keep_going:
                    return
                i += 1
                listing = rc.split_aggregate(last[1]) if isinstance(last[1], bytes) else None
                names = listing[1] if listing else []
                for raw in sorted(names):
                    key = rc.BytesReader(raw).read()
                    key = key[key.index(b"\r\n") + 2:-2]
                    for args, mode in (([b"DUMP", key], "exact"), ([b"PTTL", key], "pttl")):
                        if not check(i, args, mode) and not self.opts.keep_going:
                            return
                        i += 1
            if self.opts.durability:
                if failed_here:
                    print("seed %d: durability check skipped (the datasets differ)" % seed)
                else:
                    failed_here += self.durability(seed, gen, i, check, reconnect, history)
            print("seed %d: %s" % (seed, "ok" if not failed_here else
                                   "%d mismatches" % failed_here))
        except Fatal as e:
            self.failed += 1
            print("FAIL seed %d: %s after %d commands; last: %s"
                  % (seed, e, len(history), fmt_args(history[-1][0]) if history else "-"))
            for s in (self.cairn, self.redis):
                if not s.alive():
                    print("  %s is not running" % s.name)
        finally:
            p.close()

    # -- durability: restart, DEBUG RELOAD, BGREWRITEAOF --------------------

    def cairn_cmd(self, *args):
        """One command on a fresh connection to Cairn; the raw reply."""
        try:
            c = rc.Conn(self.cairn.port)
        except OSError as e:
            raise Fatal("cairn: connect: %s" % e)
        try:
            c.send(testlib.encode(*args))
            return c.reply()
        except rc.Timeout:
            raise Fatal("cairn: no reply to %s within %gs" % (args[0], rc.REPLY_TIMEOUT))
        finally:
            c.close()

    def cairn_info(self):
        raw = self.cairn_cmd(b"INFO", b"persistence")
        if not isinstance(raw, bytes) or raw[:1] != b"$":
            raise Fatal("cairn: INFO persistence answered %r" % (raw,))
        return dict(line.split(":", 1) for line in
                    _key_of(raw).decode(errors="replace").splitlines() if ":" in line)

    def wait_idle(self, what, done=lambda info: True):
        """Waits until Cairn runs no BGSAVE or rewrite and done(info)."""
        deadline = time.monotonic() + REWRITE_TIMEOUT
        while True:
            info = self.cairn_info()
            if (info.get("rdb_bgsave_in_progress", "0") == "0"
                    and info.get("aof_rewrite_in_progress", "0") == "0"
                    and info.get("aof_rewrite_scheduled", "0") == "0" and done(info)):
                return info
            if time.monotonic() > deadline:
                raise Fatal("%s: not done after %gs: %s" % (what, REWRITE_TIMEOUT, {
                    k: v for k, v in info.items() if "rewrite" in k or "bgsave" in k}))
            time.sleep(0.01)

    def restart_cairn(self):
        """SIGKILL Cairn (and any child) and start it again on the same dir."""
        if not self.cairn.server.kill(timeout=10):
            raise Abort("cairn did not die on SIGKILL")
        if not wait_for_binary(self.cairn.binary):
            raise Abort("%s vanished" % self.cairn.binary)
        try:
            self.cairn.start()
        except (OSError, RuntimeError) as e:
            self.cairn.print_log()
            raise Abort("cairn did not restart: %s" % e)

    def compare_states(self, seed, step, before, volatile, history):
        """Compares Cairn's dataset with redis's after `step`; returns 0 or 1."""
        ca = snapshot(self.cairn.port, "cairn after %s" % step)
        rd = snapshot(self.redis.port, "redis")
        bad = diff_states(ca, rd, before, volatile)
        if not bad:
            self.passed += sum(len(ca[db][1]) + 1 for db in ca)
            return 0
        self.failed += 1
        print("FAIL seed %d, durability: after %s, %d mismatch(es) (reproduce: SEED=%d %s "
              "--seeds 1 --commands %d)" % (seed, step, len(bad), seed,
                                            os.path.basename(__file__), self.opts.commands))
        shown = set()
        for n, (db, k, text) in enumerate(bad[:SHOW_KEY_MISMATCHES]):
            print("  db %d%s: %s" % (db, "" if k is None else ", key %s" % fmt_args([k]), text))
            last_of_key = all(k != kk for _, kk, _ in bad[n + 1:SHOW_KEY_MISMATCHES])
            if k is None or k in shown or not last_of_key:
                continue
            shown.add(k)
            hits = [(j, a) for j, (a, _) in enumerate(history)
                    if k in a[1:] and a[0].upper() not in READ_ONLY]
            if hits:
                print("    the last writes naming the key (%d of %d; in any db; SELECT, "
                      "SWAPDB, FLUSHDB not shown):" % (min(len(hits), 8), len(hits)))
                for j, a in hits[-8:]:
                    print("      %5d %s" % (j, fmt_args(a)))
        if len(bad) > SHOW_KEY_MISMATCHES:
            print("  ... and %d more" % (len(bad) - SHOW_KEY_MISMATCHES))
        sys.stdout.flush()
        return 1

    def mirror_reload_on_redis(self):
        """After Cairn's DEBUG RELOAD: every key of redis through RESTORE
        REPLACE ABSTTL of its own DUMP, which loads it the way an RDB load
        does (rdbLoadObject), so OBJECT ENCODING still compares after the
        reload (an APPENDed "raw" string comes back "embstr" or "int")."""
        state = snapshot(self.redis.port, "redis")
        try:
            c = rc.Conn(self.redis.port)
        except OSError as e:
            raise Fatal("redis: connect: %s" % e)
        try:
            for db, (_, keys) in state.items():
                cmds = [[b"SELECT", b"%d" % db]]
                for k, (dump, _, at) in keys.items():
                    cmds.append([b"RESTORE", k, b"%d" % max(at, 0), _key_of(dump),
                                 b"REPLACE", b"ABSTTL"])
                c.send(b"".join(testlib.encode(*a) for a in cmds))
                for a in cmds:
                    r = c.reply()
                    if r != b"+OK\r\n":
                        raise Fatal("redis: %s %s answered %r"
                                    % (a[0].decode(), fmt_args(a[1:2]), r))
        except rc.Timeout:
            raise Fatal("redis: no reply to RESTORE within %gs" % rc.REPLY_TIMEOUT)
        finally:
            c.close()

    def durability(self, seed, gen, i, check, reconnect, history):
        """Steps 1-3 of the module doc; returns the number of failed steps
        (it stops at the first). i: the next command index."""
        def pre():
            before = snapshot(self.cairn.port, "cairn")
            return before, volatile_keys(before, snapshot(self.redis.port, "redis"))

        started = time.monotonic()
        step = "SIGKILL and restart (log replay)"
        before, volatile = pre()
        self.restart_cairn()
        reconnect()
        if self.compare_states(seed, step, before, volatile, history):
            return 1

        step = "DEBUG RELOAD"
        self.wait_idle("BGSAVE before DEBUG RELOAD")
        before, volatile = pre()
        r = self.cairn_cmd(b"DEBUG", b"RELOAD")
        if r != b"+OK\r\n":
            self.failed += 1
            print("FAIL seed %d, durability: DEBUG RELOAD answered %r" % (seed, r))
            if not self.cairn.alive():
                self.cairn.print_log()
                raise Abort("cairn exited during DEBUG RELOAD")
            return 1
        if self.compare_states(seed, step, before, volatile, history):
            return 1
        self.mirror_reload_on_redis()

        step = ("BGREWRITEAOF, %d more commands during and %d after it, SIGKILL and restart"
                % (self.opts.tail, self.opts.tail))
        rewrites = int(self.wait_idle("BGSAVE before BGREWRITEAOF").get("aof_rewrites", "0"))
        r = self.cairn_cmd(b"BGREWRITEAOF")
        if not r.startswith(b"+Background append only file rewriting s"):
            self.failed += 1
            print("FAIL seed %d, durability: BGREWRITEAOF answered %r" % (seed, r))
            return 1
        # Both connections are new (both in db 0); the SELECT puts that in
        # the history, which the minimizer replays on one connection.
        if not check(i, [b"SELECT", b"0"], "exact"):
            return 1
        i += 1
        for _ in range(self.opts.tail):
            args, mode = gen.next()
            if not check(i, args, mode):
                return 1
            i += 1
        info = self.wait_idle("BGREWRITEAOF",
                              lambda info: int(info.get("aof_rewrites", "0")) > rewrites)
        if info.get("aof_last_bgrewrite_status") != "ok":
            self.failed += 1
            print("FAIL seed %d, durability: aof_last_bgrewrite_status:%s"
                  % (seed, info.get("aof_last_bgrewrite_status")))
            return 1
        for _ in range(self.opts.tail):   # after the rewrite: the new incr file
            args, mode = gen.next()
            if not check(i, args, mode):
                return 1
            i += 1
        before, volatile = pre()
        self.restart_cairn()
        reconnect()
        if self.compare_states(seed, step, before, volatile, history):
            return 1
        print("seed %d: durability ok (2 restarts, DEBUG RELOAD, BGREWRITEAOF; %.1fs)"
              % (seed, time.monotonic() - started))
        return 0

    def report(self, seed, i, args, mode, a, b, recent, history):
        print("FAIL seed %d, command %d: %s%s" % (
            seed, i, fmt_args(args), "" if mode == "exact" else "  (compared: %s)" % mode))
        print("  cairn: %r" % (a,))
        print("  redis: %r" % (b,))
        if recent:
            print("  the previous %d commands (redis's reply; cairn's when different):"
                  % len(recent))
            for j, pargs, pa, pb in recent:
                print("    %5d %s\n          -> %r%s" % (
                    j, fmt_args(pargs), pb, "" if pa == pb else "  cairn: %r" % (pa,)))
        sys.stdout.flush()
        if self.opts.minimize_time > 0:
            try:
                self.minimize(history)
            except (Fatal, OSError) as e:
                print("  (minimizing stopped: %s)" % e)

    # -- shrinking a failing sequence --------------------------------------

    def _first_mismatch(self, p, seq):
        p.reset()
        for j, ((args, mode), (a, b)) in enumerate(zip(seq, p.run(seq))):
            if not compare(mode, a, b):
                return j
        return None

    def minimize(self, history):
        target = history[-1][0][0].upper()
        deadline = time.monotonic() + self.opts.minimize_time
        p = self.pair()
        tries = [0]

        def fails(seq):
            """seq cut after its first mismatch if that is on the same
            command as the original one, else None."""
            tries[0] += 1
            j = self._first_mismatch(p, seq)
            if j is None or seq[j][0][0].upper() != target:
                return None
            return seq[:j + 1]

        try:
            seq = fails(history)
            if seq is None:
                print("  minimizing: the mismatch does not reproduce from FLUSHALL "
                      "(%d commands replayed)" % len(history))
                return
            n = 2
            while len(seq) > 1 and time.monotonic() < deadline:
                size = -(-len(seq) // n)
                for k in range(n):
                    cand = seq[:k * size] + seq[(k + 1) * size:]
                    got = fails(cand) if cand else None
                    if got is not None:
                        seq = got
                        n = max(n - 1, 2)
                        break
                    if time.monotonic() >= deadline:
                        break
                else:
                    if n >= len(seq):
                        break
                    n = min(len(seq), 2 * n)
            # ddmin is only 1-minimal: also try dropping any two commands (a
            # SELECT undone by a SWAPDB and the like).
            progress = len(seq) <= 30
            while progress and time.monotonic() < deadline:
                progress = False
                for a in range(len(seq) - 1):
                    for b in range(a + 1, len(seq) - 1):
                        got = fails(seq[:a] + seq[a + 1:b] + seq[b + 1:])
                        if got is not None:
                            seq, progress = got, True
                            break
                    if progress or time.monotonic() >= deadline:
                        break
            done = time.monotonic() < deadline
            print("  minimized to %d commands (%s, %d replays from FLUSHALL), as a "
                  "run_compat.py script:" % (len(seq), "2-minimal" if done else
                                             "time budget reached", tries[0]))
            p.reset()
            for (args, mode), (a, b) in zip(seq, p.run(seq)):
                print("    %s" % script_line(args, mode))
                print("    #   redis: %r%s" % (b, "" if a == b else "\n    #   cairn: %r" % (a,)))
        finally:
            p.close()


def wait_for_binary(path, timeout=30.0):
    """The binary may be replaced by a concurrent build: wait for it a bit."""
    deadline = time.monotonic() + timeout
    while not os.access(path, os.X_OK) and time.monotonic() < deadline:
        time.sleep(0.5)
    return os.access(path, os.X_OK)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cairn", required=True, help="path to cairn-server")
    ap.add_argument("--redis", default="/usr/bin/redis-server",
                    help="path to redis-server (default %(default)s)")
    ap.add_argument("--seed", default=None,
                    help="first seed (default: $SEED, else 1; 'random' for the clock)")
    ap.add_argument("--seeds", type=int, default=3, help="number of seeds (default 3)")
    ap.add_argument("--commands", type=int, default=3000,
                    help="random commands per seed (default 3000)")
    ap.add_argument("--minimize-time", type=float, default=60.0,
                    help="seconds to spend shrinking a failing sequence (0: do not)")
    ap.add_argument("--exclude", action="append", default=[], metavar="CMD",
                    help="do not generate CMD (e.g. OBJECT), to look past a known bug; "
                         "may be repeated")
    ap.add_argument("--keep-going", action="store_true",
                    help="go on after a mismatch within a seed")
    ap.add_argument("--show", action="store_true", help="print every command and reply")
    ap.add_argument("--tail", type=int, default=300,
                    help="random commands sent right after BGREWRITEAOF, and again once it "
                         "is done (default 300)")
    ap.add_argument("--no-durability", dest="durability", action="store_false",
                    help="run Cairn with --appendonly no and skip the restart, DEBUG RELOAD "
                         "and BGREWRITEAOF checks")
    opts = ap.parse_args()
    opts.exclude = {c.upper().encode() for c in opts.exclude}

    seed_text = opts.seed if opts.seed is not None else os.environ.get("SEED", "1")
    if seed_text.strip().lower() == "random":
        first = int(time.time() * 1000) % 1000000007
    else:
        try:
            first = int(seed_text)
        except ValueError:
            print("bad seed %r" % seed_text)
            return 2

    def on_term(signum, frame):
        raise KeyboardInterrupt()
    signal.signal(signal.SIGTERM, on_term)

    if not wait_for_binary(opts.cairn):
        print("FAIL %s is not an executable file\n0 passed, 1 failed" % opts.cairn)
        return 1
    rc._check_redis_version(opts.redis)
    started = time.monotonic()
    servers = []
    runner = None
    try:
        cairn = rc.Server("cairn", opts.cairn, [
            "--appendonly", "yes", "--appendfsync", "always",
            "--enable-debug-command", "yes"] if opts.durability else ["--appendonly", "no"])
        servers.append(cairn)
        redis = rc.Server("redis", opts.redis, ["--save", "", "--appendonly", "no"])
        servers.append(redis)
        runner = Runner(cairn, redis, opts)
        for s in (cairn, redis):
            try:
                s.start()
            except (OSError, RuntimeError) as e:
                print("FAIL could not start %s (%s): %s" % (s.name, s.binary, e))
                s.print_log()
                print("0 passed, 1 failed")
                return 1
        for n in range(opts.seeds):
            try:
                runner.run_seed(first + n, opts.commands)
            except Abort as e:
                runner.failed += 1
                print("FAIL seed %d: %s; stopping" % (first + n, e))
                break
        if runner.failed:
            for s in (cairn, redis):
                if not s.alive():
                    print("%s exited with status %s" % (s.name, s.proc.returncode))
                    s.print_log()
    except KeyboardInterrupt:
        print("interrupted")
        if runner is None:
            return 1
        runner.failed += 1
    finally:
        for s in servers:
            s.cleanup()
    print("%.1fs" % (time.monotonic() - started))
    print("%d passed, %d failed" % (runner.passed, runner.failed))
    return 0 if runner.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
