#!/usr/bin/python3
"""Randomized differential test: Cairn against the real redis-server 7.0.15.

Starts cairn-server (--appendonly yes --appendfsync always
--enable-debug-command yes) and redis-server (--save "" --appendonly yes
--appendfsync always; both with --appendonly no under --no-durability) side
by side, drives both with the same seeded random sequence of string,
bitmap, HyperLogLog, keyspace, list, hash, set, sorted set, geo, stream and
SORT commands, some of them inside MULTI/EXEC (now and then under WATCH) or
run by EVAL through redis.call / redis.pcall, over a small keyspace (20
string keys and a few keys of each collection type, databases 0-2 through
SELECT; half the seeds shrink the encoding limits so that conversions
happen all the time) and compares every
reply byte for byte, errors included (where Redis's own order is a hash
table's, as a multiset). Streams get explicit IDs only (`*` would take each
server's clock), and runs of consumer-group commands on one stream so that
groups meet real pending lists. At the end of each seed the whole dataset is
compared: DBSIZE, KEYS * and the DUMP and PTTL of every key in each database.
Standard library only.

Then Cairn's durability is checked (unless --no-durability, which also runs
Cairn with --appendonly no): the dataset (DBSIZE, keys, DUMP, PTTL of every
key in every database) is compared against redis again after each of
  1. SIGKILL and restart on the same dir (the log replayed); then a
     redis-server started on a copy of Cairn's directory must load the same
     dataset (Cairn's files are Redis's: manifest, base, incr files),
  2. DEBUG RELOAD (dump.rdb saved and loaded),
  3. BGREWRITEAOF, followed at once by --tail more random commands (compared
     as usual; with the defaults they land while the rewrite runs), the
     rewrite awaited, --tail more commands, then SIGKILL and restart (the
     rewritten base + the incr file), and redis-server loads them too.
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
  * a numeric SORT of a sorted set holding a subnormal score, which Redis
    7.0 fails with "One or more scores can't be converted into double" (a
    stale ERANGE from parsing that score): Cairn's sort is accepted;
  * XPENDING, XINFO, and a stream's DUMP: exact but for what each server's
    clock sets (idle times, delivery and seen times);
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
import shutil
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
             b"KEYS", b"RANDOMKEY", b"DBSIZE", b"GETBIT", b"BITCOUNT", b"BITPOS",
             b"BITFIELD_RO"}
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

# Collections: a few keys per type, so that commands collide; now and then a
# command of one type picks any key (WRONGTYPE), and the keyspace commands
# (RENAME, COPY, MOVE...) mix the types across all keys.
LIST_KEYS = [b"l0", b"l1", b"l2", b"{t}l"]
HASH_KEYS = [b"h0", b"h1", b"h2", b"{t}h"]
SET_KEYS = [b"s0", b"s1", b"s2", b"{t}s"]
ZSET_KEYS = [b"z0", b"z1", b"z2", b"{t}z"]
ZLEX_KEYS = [b"zl0", b"zl1"]   # sorted sets whose members mostly score 0
GEO_KEYS = [b"g0", b"g1"]
HLL_KEYS = [b"hll0", b"hll1", b"{t}hll"]
STREAM_KEYS = [b"x0", b"x1", b"{t}x"]
STREAM_GROUPS = [b"g0", b"g1", b"g2"]
STREAM_CONSUMERS = [b"c0", b"c1", b"c2", b"c3"]
ALL_KEYS = (KEYS + LIST_KEYS + HASH_KEYS + SET_KEYS + ZSET_KEYS + ZLEX_KEYS + GEO_KEYS + HLL_KEYS
            + STREAM_KEYS)
POOLS = {"list": LIST_KEYS, "hash": HASH_KEYS, "set": SET_KEYS, "zset": ZSET_KEYS + ZLEX_KEYS,
         "geo": GEO_KEYS, "hll": HLL_KEYS, "stream": STREAM_KEYS}

# Members of lists, sets and sorted sets (and SORT's elements): integers keep
# sets intsets; long ones cross the *-max-listpack-value limits. Two members
# differ only after a NUL: equal for strcoll(), which SORT ... ALPHA uses.
INT_MEMBERS = [b"%d" % i for i in range(-3, 10)] + [
    b"100", b"-100", b"65535", b"65536", b"2147483648", b"-2147483649",
    b"9223372036854775807", b"-9223372036854775808"]
STR_MEMBERS = [b"a", b"b", b"c", b"d", b"e", b"f", b"A", b"B", b"foo", b"bar", b"aa", b"ab"]
ODD_MEMBERS = [b"", b"007", b"+1", b"1.0", b"-0", b"9223372036854775808", b"\xff\xfe",
               b"nul\x00x", b"nul\x00a", b"sp ace", "\u20ac".encode(), b"x" * 16,
               b"x" * 64, b"y" * 65, b"z" * 200]
FIELDS = [b"f0", b"f1", b"f2", b"f3", b"f4", b"f5", b"n", b"1", b"-1", b"", b"x" * 70,
          b"\x00", b"F0"]

# Sorted set scores: ties (lexicographic order), extremes, forms strtod takes.
SCORES = [b"inf", b"-inf", b"+inf", b"-Inf", b"INF", b"infinity", b"1e308", b"-1e308",
          b"1.7976931348623157e308", b"1e-300", b"4.9e-324", b"-4.9e-324", b"0.1",
          b"0.30000000000000004", b"1e17", b"9007199254740993", b"123456789.123456789",
          b"-0", b"-0.0", b"3.0", b"1E3", b"0x10", b"+5", b".5", b"5."]
BAD_SCORES = [b"nan", b"abc", b"", b" 1", b"1 ", b"1e400", b"-1e400", b"(1", b"--1",
              b"infx", b"1,5"]

# Geo: points scattered around a few centres (antimeridian and poles too).
GEO_CENTRES = [(13.361389, 38.115556), (2.3522, 48.8566), (-73.9857, 40.7484),
               (179.5, 0.0), (-179.5, -10.0), (0.0, 84.5), (0.0, 0.0)]
GEO_MEMBERS = [b"Palermo", b"Catania", b"p1", b"p2", b"p3", b"p4", b"a", b"b", b"",
               b"nul\x00x"]
GEO_UNITS = [b"m", b"km", b"mi", b"ft"]

# SORT: BY/GET patterns read w_<element> strings and wh_<element> hashes.
SORT_BY = [b"w_*", b"w_*", b"wh_*->f", b"wh_*->g", b"nosort", b"w_", b"wh_*->", b"*"]
SORT_GET = [b"#", b"w_*", b"wh_*->f", b"wh_*->g", b"none_*", b"wh_*"]
WEIGHTS = [b"abc", b"b", b"zz", b"A", b"", b" 5", b"5 ", b"inf", b"-inf", b"nan", b"1e400",
           b"0x1A", b"3.0", b"1e-5", b"-0"]

# Per seed, half the seeds shrink the encoding limits so that conversions
# (listpack -> hashtable/skiplist, intset -> hashtable, quicklist nodes,
# compressed nodes) happen all the time: (name, default, small values).
ENCODING_CONFIG = [
    (b"hash-max-listpack-entries", b"128", [b"0", b"1", b"2", b"4"]),
    (b"hash-max-listpack-value", b"64", [b"0", b"4", b"8", b"16"]),
    (b"zset-max-listpack-entries", b"128", [b"0", b"1", b"2", b"4"]),
    (b"zset-max-listpack-value", b"64", [b"0", b"4", b"8", b"16"]),
    (b"set-max-intset-entries", b"512", [b"0", b"1", b"2", b"4"]),
    (b"list-max-listpack-size", b"-2", [b"1", b"2", b"4", b"-1"]),
    (b"list-compress-depth", b"0", [b"1", b"2"]),
    (b"hll-sparse-max-bytes", b"3000", [b"0", b"40", b"200", b"1000"]),
    (b"stream-node-max-entries", b"100", [b"1", b"2", b"3", b"5"]),
    (b"stream-node-max-bytes", b"4096", [b"0", b"30", b"60", b"200"]),
]


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

    def __init__(self, seed, now_s, exclude=(), cold=False):
        self.rng = random.Random(seed)
        self.exclude = set(exclude)
        self.now_s = now_s
        strings = [
            (40, self.g_get), (45, self.g_set), (4, self.g_setnx), (4, self.g_setex),
            (3, self.g_psetex), (4, self.g_getset), (4, self.g_getdel), (8, self.g_getex),
            (6, self.g_mget), (6, self.g_mset), (3, self.g_msetnx), (8, self.g_append),
            (4, self.g_strlen), (6, self.g_getrange), (6, self.g_setrange),
            (8, self.g_incr), (6, self.g_incrby), (12, self.g_incrbyfloat), (5, self.g_lcs),
        ]
        self.table = [(w * 0.5, g) for w, g in strings] + [
            # keyspace, over every type
            (6, self.g_del), (6, self.g_exists), (5, self.g_type),
            (3, self.g_touch), (6, self.g_rename), (6, self.g_copy), (5, self.g_move),
            (2, self.g_swapdb), (3, self.g_dbsize), (12, self.g_expire),
            (4, self.g_persist), (10, self.g_ttl), (12, self.g_object), (10, self.g_dump),
            (6, self.g_dump_restore), (4, self.g_scan), (3, self.g_keys),
            (2, self.g_randomkey), (6, self.g_select), (0.25, self.g_flushdb),
            (8, self.g_wrong_arity), (0.5, self.g_hello),
            # lists
            (22, self.g_push), (3, self.g_pushx), (10, self.g_pop), (9, self.g_lrange),
            (4, self.g_lindex), (4, self.g_lset), (5, self.g_linsert), (4, self.g_lrem),
            (3, self.g_ltrim), (6, self.g_lpos), (6, self.g_lmove), (4, self.g_lmpop),
            (3, self.g_llen), (3, self.g_blocking),
            # hashes
            (22, self.g_hset), (3, self.g_hsetnx), (6, self.g_hget), (4, self.g_hmget),
            (6, self.g_hdel), (3, self.g_hlen), (3, self.g_hexists), (7, self.g_hgetall),
            (6, self.g_hincrby), (5, self.g_hincrbyfloat), (2, self.g_hstrlen),
            (3, self.g_hscan), (4, self.g_hrandfield),
            # sets
            (22, self.g_sadd), (6, self.g_srem), (6, self.g_smembers), (4, self.g_sismember),
            (3, self.g_smismember), (3, self.g_scard), (4, self.g_smove), (10, self.g_setop),
            (3, self.g_sintercard), (5, self.g_spop), (4, self.g_srandmember),
            (3, self.g_sscan),
            # sorted sets
            (28, self.g_zadd), (6, self.g_zincrby), (6, self.g_zrem), (3, self.g_zcard),
            (4, self.g_zcount), (4, self.g_zlexcount), (5, self.g_zscore), (3, self.g_zmscore),
            (4, self.g_zrank), (14, self.g_zrange), (4, self.g_zrangestore),
            (8, self.g_zrange_old), (5, self.g_zremrange), (5, self.g_zpop), (3, self.g_zmpop),
            (10, self.g_zsetop), (2, self.g_zintercard), (3, self.g_zscan),
            (3, self.g_zrandmember),
            # geo
            (10, self.g_geoadd), (3, self.g_geopos), (3, self.g_geodist), (2, self.g_geohash),
            (9, self.g_geosearch), (3, self.g_georadius),
            # SORT and its weights
            (14, self.g_sort), (12, self.g_weight),
            # bitmaps and HyperLogLogs
            (8, self.g_setbit), (4, self.g_getbit), (4, self.g_bitcount), (4, self.g_bitpos),
            (3, self.g_bitop), (6, self.g_bitfield),
            (8, self.g_pfadd), (4, self.g_pfcount), (3, self.g_pfmerge),
            # streams
            (24, self.g_xadd), (3, self.g_xtrim), (4, self.g_xdel), (2, self.g_xlen),
            (6, self.g_xrange), (8, self.g_xread), (9, self.g_xgroup), (4, self.g_xack),
            (4, self.g_xpending), (4, self.g_xclaim), (3, self.g_xautoclaim),
            (5, self.g_xinfo), (2, self.g_xsetid), (3, self.g_xsession),
            # transactions and scripts, around the commands above
            (4, self.g_multi), (6, self.g_script),
        ] + [
            # Cairn's cold tier: every value of the database out (--cold)
            (8 if cold else 0, self.g_cold),
        ]
        self.total = sum(w for w, _ in self.table)
        # Encoding limits of this seed (see ENCODING_CONFIG) and protocol.
        small = self.chance(0.5)
        self.config = [(n, self.rng.choice(vals) if small and self.chance(0.75) else dflt)
                       for n, dflt, vals in ENCODING_CONFIG]
        self.resp3 = self.chance(0.25)
        self.stream_ms = {}   # per stream key, where its IDs have got to
        self.queued = []      # commands a generator left for the next calls

    def preamble(self):
        """The commands that start a seed: its encoding limits, its protocol."""
        out = [([b"CONFIG", b"SET"] + [x for nv in self.config for x in nv], "exact")]
        if self.resp3:
            out.append(([b"HELLO", b"3"], "type"))
        return out

    # -- building blocks ---------------------------------------------------

    def chance(self, p):
        return self.rng.random() < p

    def key(self):
        """A string key; now and then any key (WRONGTYPE)."""
        return self.rng.choice(KEYS) if self.chance(0.95) else self.anykey()

    def anykey(self):
        return self.rng.choice(ALL_KEYS)

    def tkey(self, kind):
        """A key of the pool of kind; now and then any key (WRONGTYPE)."""
        r = self.rng.random()
        if r < 0.88:
            return self.rng.choice(POOLS[kind])
        if r < 0.92 and kind == "zset":
            return self.rng.choice(GEO_KEYS)
        if r < 0.92 and kind == "geo":
            return self.rng.choice(ZSET_KEYS)
        return self.anykey()

    def tkeys(self, kind, lo, hi):
        return [self.tkey(kind) for _ in range(self.rng.randint(lo, hi))]

    def numkey(self):
        return self.rng.choice(NUMERIC_KEYS) if self.chance(0.6) else self.key()

    def member(self):
        r = self.rng.random()
        if r < 0.4:
            return self.rng.choice(INT_MEMBERS)
        if r < 0.85:
            return self.rng.choice(STR_MEMBERS)
        return self.rng.choice(ODD_MEMBERS)

    def members(self, lo, hi):
        return [self.member() for _ in range(self.rng.randint(lo, hi))]

    def field(self):
        return self.rng.choice(FIELDS)

    def score(self):
        r, rng = self.rng.random(), self.rng
        if r < 0.45:
            return b"%d" % rng.randint(-5, 5)
        if r < 0.6:
            return b"0"   # ties: the order falls back to the members
        if r < 0.75:
            return b"%d.%d" % (rng.randint(-20, 20), rng.randint(0, 99))
        if r < 0.96:
            return rng.choice(SCORES)
        return rng.choice(BAD_SCORES)

    def score_bound(self):
        """A ZRANGEBYSCORE-style bound."""
        r, rng = self.rng.random(), self.rng
        if r < 0.25:
            return rng.choice([b"-inf", b"+inf", b"inf", b"-inf", b"+inf"])
        if r < 0.7:
            return (b"(" if self.chance(0.3) else b"") + b"%d" % rng.randint(-5, 5)
        if r < 0.85:
            return (b"(" if self.chance(0.3) else b"") + b"%d.%d" % (rng.randint(-5, 5),
                                                                    rng.randint(0, 9))
        if r < 0.96:
            return rng.choice([b"(inf", b"(-inf", b"(+inf", b"1e308", b"(0", b"-0", b"(1e-300",
                               b"0x1", b"(5.", b"4.9e-324"])
        return rng.choice([b"abc", b"((1", b"", b"nan", b"(nan", b"(", b"1 ", b"[1"])

    def lex_bound(self):
        r, rng = self.rng.random(), self.rng
        if r < 0.25:
            return rng.choice([b"-", b"+"])
        if r < 0.92:
            return rng.choice([b"[", b"("]) + self.member()
        return rng.choice([b"a", b"", b"-a", b"+a", b"{a", b"[", b"("])

    def index(self):
        r = self.rng.random()
        if r < 0.9:
            return b"%d" % self.rng.randint(-8, 8)
        if r < 0.97:
            return self.rng.choice([b"9223372036854775807", b"-9223372036854775808",
                                    b"2147483648", b"-100", b"100"])
        return self.rng.choice([b"abc", b"1.5", b"", b"9223372036854775808"])

    def count_arg(self, lo=0, hi=6):
        """A COUNT argument, now and then a bad one."""
        r = self.rng.random()
        if r < 0.92:
            return b"%d" % self.rng.randint(lo, hi)
        return self.rng.choice([b"-1", b"0", b"abc", b"9223372036854775807", b"1.5", b""])

    def timeout(self):
        """Blocking timeouts: tiny (an empty key times out at once) or bad."""
        if self.chance(0.95):
            return self.rng.choice([b"0.01", b"0.01", b"0.02", b"0.005"])
        return self.rng.choice([b"-1", b"abc", b"-0.5", b"1e400"])

    def opts(self, *groups):
        """Shuffled options: each group is (probability, [args])."""
        out = [g for p, g in groups if self.chance(p)]
        self.rng.shuffle(out)
        return [a for g in out for a in g]

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

    def anykeys(self, lo, hi):
        return [self.anykey() for _ in range(self.rng.randint(lo, hi))]

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
        return [self.name(self.rng.choice([b"DEL", b"UNLINK"]))] + self.anykeys(1, 3), "exact"

    def g_exists(self):
        return [self.name(b"EXISTS")] + self.anykeys(1, 5), "exact"

    def g_type(self):
        return [self.name(b"TYPE"), self.anykey()], "exact"

    def g_touch(self):
        return [self.name(b"TOUCH")] + self.anykeys(1, 5), "exact"

    def g_rename(self):
        cmd = self.rng.choice([b"RENAME", b"RENAMENX"])
        return [self.name(cmd), self.anykey(), self.anykey()], "exact"

    def db_arg(self):
        if self.chance(0.95):
            return b"%d" % self.rng.randint(0, NUM_DBS - 1)
        return self.rng.choice([b"16", b"-1", b"x", b"", b"1.0"])

    def g_copy(self):
        args = [self.name(b"COPY"), self.anykey(), self.anykey()]
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
        return [self.name(b"MOVE"), self.anykey(), self.db_arg()], "exact"

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
        args = [self.name(cmd), self.anykey(), t]
        n = rng.choice([0, 0, 0, 1, 1, 1, 2]) if rng.random() > 0.02 else 3
        for _ in range(n):
            args.append(self.name(rng.choice([b"NX", b"XX", b"GT", b"LT", b"NX", b"XX",
                                              b"GT", b"LT", b"FOO"])))
        return args, "exact"

    def g_persist(self):
        return [self.name(b"PERSIST"), self.anykey()], "exact"

    def g_ttl(self):
        cmd = self.rng.choice([b"TTL", b"PTTL", b"EXPIRETIME", b"PEXPIRETIME"])
        return [self.name(cmd), self.anykey()], cmd.decode().lower()

    def g_object(self):
        r = self.rng.random()
        if r < 0.9:
            return [self.name(b"OBJECT"), self.name(b"ENCODING"), self.anykey()], "exact"
        return self.rng.choice([[b"OBJECT", b"ENCODING"], [b"OBJECT", b"ENCODING", b"a", b"b"],
                                [b"OBJECT", b"FOO", b"k1"], [b"OBJECT"]]), "exact"

    def g_dump(self):
        return [self.name(b"DUMP"), self.anykey()], "dump"

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

    # -- lists ---------------------------------------------------------------

    def list_elem(self):
        r = self.rng.random()
        if r < 0.95:
            return self.member()
        if r < 0.995:
            return self.letters(self.rng.choice([10, 100]))
        return b"L" * 5000   # larger than a -1 (4 kB) quicklist node

    def list_elems(self, lo, hi):
        return [self.list_elem() for _ in range(self.rng.randint(lo, hi))]

    def direction(self):
        if self.chance(0.97):
            return self.name(self.rng.choice([b"LEFT", b"RIGHT"]))
        return self.rng.choice([b"UP", b"", b"LEFTX"])

    def numkeys(self, keys):
        """numkeys of LMPOP, ZUNION...: mostly right."""
        if self.chance(0.95):
            return b"%d" % len(keys)
        return self.rng.choice([b"0", b"-1", b"%d" % (len(keys) + 1), b"abc", b""])

    def g_push(self):
        cmd = self.rng.choice([b"LPUSH", b"RPUSH"])
        return [self.name(cmd), self.tkey("list")] + self.list_elems(1, 5), "exact"

    def g_pushx(self):
        cmd = self.rng.choice([b"LPUSHX", b"RPUSHX"])
        return [self.name(cmd), self.tkey("list")] + self.list_elems(1, 3), "exact"

    def g_pop(self):
        args = [self.name(self.rng.choice([b"LPOP", b"RPOP"])), self.tkey("list")]
        if self.chance(0.5):
            args.append(self.count_arg(0, 5))
        return args, "exact"

    def g_lrange(self):
        return [self.name(b"LRANGE"), self.tkey("list"), self.index(), self.index()], "exact"

    def g_lindex(self):
        return [self.name(b"LINDEX"), self.tkey("list"), self.index()], "exact"

    def g_lset(self):
        return [self.name(b"LSET"), self.tkey("list"), self.index(), self.list_elem()], "exact"

    def g_linsert(self):
        where = self.name(self.rng.choice([b"BEFORE", b"AFTER"])) if self.chance(0.97) else b"MID"
        return [self.name(b"LINSERT"), self.tkey("list"), where, self.list_elem(),
                self.list_elem()], "exact"

    def g_lrem(self):
        n = b"%d" % self.rng.randint(-3, 3) if self.chance(0.9) else self.index()
        return [self.name(b"LREM"), self.tkey("list"), n, self.list_elem()], "exact"

    def g_ltrim(self):
        return [self.name(b"LTRIM"), self.tkey("list"), self.index(), self.index()], "exact"

    def g_lpos(self):
        rng = self.rng
        rank = b"%d" % rng.randint(-3, 3) if self.chance(0.9) else rng.choice(
            [b"-9223372036854775808", b"9223372036854775807", b"abc"])
        args = [self.name(b"LPOS"), self.tkey("list"), self.list_elem()]
        args += self.opts((0.35, [self.name(b"RANK"), rank]),
                          (0.35, [self.name(b"COUNT"), self.count_arg(0, 4)]),
                          (0.25, [self.name(b"MAXLEN"), self.count_arg(0, 6)]),
                          (0.02, [self.rng.choice([b"RANK", b"FOO"])]))
        return args, "exact"

    def g_lmove(self):
        src, dst = self.tkey("list"), self.tkey("list")
        if self.chance(0.3):
            return [self.name(b"RPOPLPUSH"), src, dst], "exact"
        return [self.name(b"LMOVE"), src, dst, self.direction(), self.direction()], "exact"

    def g_lmpop(self):
        keys = self.tkeys("list", 1, 3)
        args = [self.name(b"LMPOP"), self.numkeys(keys)] + keys + [self.direction()]
        if self.chance(0.5):
            args += [self.name(b"COUNT"), self.count_arg(0, 5)]
        return args, "exact"

    def g_llen(self):
        return [self.name(b"LLEN"), self.tkey("list")], "exact"

    def g_blocking(self):
        """The blocking pops: an empty key times out at once (tiny timeout)."""
        rng = self.rng
        cmd = rng.choice([b"BLPOP", b"BRPOP", b"BLMOVE", b"BRPOPLPUSH", b"BLMPOP", b"BZPOPMIN",
                          b"BZPOPMAX", b"BZMPOP"])
        kind = "zset" if b"BZ" in cmd else "list"
        if cmd in (b"BLPOP", b"BRPOP", b"BZPOPMIN", b"BZPOPMAX"):
            return [self.name(cmd)] + self.tkeys(kind, 1, 3) + [self.timeout()], "exact"
        if cmd == b"BLMOVE":
            return [self.name(cmd), self.tkey(kind), self.tkey(kind), self.direction(),
                    self.direction(), self.timeout()], "exact"
        if cmd == b"BRPOPLPUSH":
            return [self.name(cmd), self.tkey(kind), self.tkey(kind), self.timeout()], "exact"
        keys = self.tkeys(kind, 1, 3)
        where = (self.name(rng.choice([b"MIN", b"MAX"])) if kind == "zset"
                 else self.direction())
        args = [self.name(cmd), self.timeout(), self.numkeys(keys)] + keys + [where]
        if self.chance(0.5):
            args += [self.name(b"COUNT"), self.count_arg(0, 5)]
        return args, "exact"

    # -- hashes --------------------------------------------------------------

    def hvalue(self):
        if self.chance(0.35):
            return self.number()
        return self.value()

    def g_hset(self):
        args = [self.name(b"HSET" if self.chance(0.85) else b"HMSET"), self.tkey("hash")]
        for _ in range(self.rng.randint(1, 4)):
            args += [self.field(), self.hvalue()]
        if self.chance(0.03):
            args.append(self.field())
        return args, "exact"

    def g_hsetnx(self):
        return [self.name(b"HSETNX"), self.tkey("hash"), self.field(), self.hvalue()], "exact"

    def g_hget(self):
        return [self.name(b"HGET"), self.tkey("hash"), self.field()], "exact"

    def g_hmget(self):
        return [self.name(b"HMGET"), self.tkey("hash")] + [
            self.field() for _ in range(self.rng.randint(1, 4))], "exact"

    def g_hdel(self):
        return [self.name(b"HDEL"), self.tkey("hash")] + [
            self.field() for _ in range(self.rng.randint(1, 3))], "exact"

    def g_hlen(self):
        return [self.name(b"HLEN"), self.tkey("hash")], "exact"

    def g_hexists(self):
        return [self.name(b"HEXISTS"), self.tkey("hash"), self.field()], "exact"

    def g_hstrlen(self):
        return [self.name(b"HSTRLEN"), self.tkey("hash"), self.field()], "exact"

    def g_hgetall(self):
        cmd = self.rng.choice([b"HKEYS", b"HVALS", b"HGETALL"])
        key = self.tkey("hash")
        return [self.name(cmd), key], ("enc", key, 2 if cmd == b"HGETALL" else 1)

    def g_hincrby(self):
        return [self.name(b"HINCRBY"), self.tkey("hash"), self.field(),
                self.int_arg(-1000, 1000)], "exact"

    def float_incr(self):
        r, rng = self.rng.random(), self.rng
        if r < 0.3:
            return b"%d" % rng.randint(-100, 100)
        if r < 0.6:
            return b"%d.%0*d" % (rng.randint(-100, 100), rng.randint(1, 4), rng.randint(0, 9999))
        if r < 0.75:
            return b"%de%d" % (rng.randint(-9, 9), rng.randint(-6, 6))
        if r < 0.96:
            return rng.choice(FLOATS)
        return rng.choice(ODD_INTS + BIG_INTS)

    def g_hincrbyfloat(self):
        return [self.name(b"HINCRBYFLOAT"), self.tkey("hash"), self.field(),
                self.float_incr()], "exact"

    def cursor(self):
        if self.chance(0.95):
            return b"0"
        return self.rng.choice([b"abc", b"", b" 0", b"1.5", b"00", b"-"])

    def scan_opts(self, patterns):
        count = (b"%d" % self.rng.choice([1, 2, 3, 5, 10, 100]) if self.chance(0.93)
                 else self.rng.choice([b"0", b"-1", b"abc"]))
        return self.opts((0.35, [self.name(b"MATCH"), self.rng.choice(patterns)]),
                         (0.5, [self.name(b"COUNT"), count]),
                         (0.01, [self.rng.choice([b"MATCH", b"COUNT", b"FOO"])]))

    MEMBER_PATTERNS = [b"*", b"f*", b"a*", b"*a*", b"[0-9]*", b"-*", b"?", b"x*", b"nul*",
                       b"*\x00*", b"[^a]*", b"\\*", b""]

    def g_hscan(self):
        key = self.tkey("hash")
        return ([self.name(b"HSCAN"), key, self.cursor()] + self.scan_opts(self.MEMBER_PATTERNS),
                ("scan", key, 2))

    def rand_count(self):
        """A count of SRANDMEMBER and the like (never a huge negative one)."""
        r = self.rng.random()
        if r < 0.85:
            return b"%d" % self.rng.randint(-6, 6)
        if r < 0.95:
            return self.rng.choice([b"100", b"9223372036854775807", b"20"])
        return self.rng.choice([b"abc", b"-9223372036854775808", b"1.5", b""])

    def g_hrandfield(self):
        key = self.tkey("hash")
        args = [self.name(b"HRANDFIELD"), key]
        count, withvalues = None, False
        if self.chance(0.75):
            count = self.rand_count()
            args.append(count)
            if self.chance(0.4):
                withvalues = True
                args.append(self.name(b"WITHVALUES"))
        return args, ("rand", "hash", key, count, withvalues, None)

    # -- sets ----------------------------------------------------------------

    def g_sadd(self):
        return [self.name(b"SADD"), self.tkey("set")] + self.members(1, 5), "exact"

    def g_srem(self):
        return [self.name(b"SREM"), self.tkey("set")] + self.members(1, 3), "exact"

    def g_smembers(self):
        key = self.tkey("set")
        return [self.name(b"SMEMBERS"), key], ("enc", key, 1)

    def g_sismember(self):
        return [self.name(b"SISMEMBER"), self.tkey("set"), self.member()], "exact"

    def g_smismember(self):
        return [self.name(b"SMISMEMBER"), self.tkey("set")] + self.members(1, 4), "exact"

    def g_scard(self):
        return [self.name(b"SCARD"), self.tkey("set")], "exact"

    def g_smove(self):
        return [self.name(b"SMOVE"), self.tkey("set"), self.tkey("set"), self.member()], "exact"

    def g_setop(self):
        cmd = self.rng.choice([b"SINTER", b"SUNION", b"SDIFF"])
        keys = self.tkeys("set", 1, 3)
        if self.chance(0.35):
            return [self.name(cmd + b"STORE"), self.tkey("set")] + keys, "exact"
        return [self.name(cmd)] + keys, "sorted"

    def g_sintercard(self):
        keys = self.tkeys("set", 1, 3)
        args = [self.name(b"SINTERCARD"), self.numkeys(keys)] + keys
        if self.chance(0.4):
            args += [self.name(b"LIMIT"), self.count_arg(0, 4)]
        return args, "exact"

    def g_spop(self):
        """SPOP: what it takes is random, so a pop of part of a set is
        followed (on both servers) by a DEL of the set or by an SADD of what
        each server popped."""
        key = self.tkey("set")
        args = [self.name(b"SPOP"), key]
        count = None
        if self.chance(0.6):
            r = self.rng.random()
            count = (b"%d" % self.rng.randint(0, 6) if r < 0.7 else b"100" if r < 0.92
                     else self.rng.choice([b"-1", b"abc", b"9223372036854775807"]))
            args.append(count)
        return args, ("rand", "set", key, count, False,
                      self.rng.choice(["del", "readd", "readd"]))

    def g_srandmember(self):
        key = self.tkey("set")
        args = [self.name(b"SRANDMEMBER"), key]
        count = None
        if self.chance(0.7):
            count = self.rand_count()
            args.append(count)
        return args, ("rand", "set", key, count, False, None)

    def g_sscan(self):
        key = self.tkey("set")
        return ([self.name(b"SSCAN"), key, self.cursor()] + self.scan_opts(self.MEMBER_PATTERNS),
                ("scan", key, 1))

    # -- sorted sets ---------------------------------------------------------

    def g_zadd(self):
        rng = self.rng
        key = self.tkey("zset") if self.chance(0.8) else rng.choice(ZLEX_KEYS)
        args = [self.name(b"ZADD"), key]
        incr = self.chance(0.1)
        args += self.opts((0.1, [self.name(b"NX")]), (0.12, [self.name(b"XX")]),
                          (0.1, [self.name(b"GT")]), (0.1, [self.name(b"LT")]),
                          (0.2, [self.name(b"CH")]), (1 if incr else 0, [self.name(b"INCR")]))
        n = 1 if incr and self.chance(0.9) else rng.randint(1, 4)
        for _ in range(n):
            score = b"0" if key in ZLEX_KEYS and self.chance(0.9) else self.score()
            args += [score, self.member()]
        if self.chance(0.03):
            args.append(self.score())
        return args, "exact"

    def g_zincrby(self):
        return [self.name(b"ZINCRBY"), self.tkey("zset"), self.score(), self.member()], "exact"

    def g_zrem(self):
        return [self.name(b"ZREM"), self.tkey("zset")] + self.members(1, 3), "exact"

    def g_zcard(self):
        return [self.name(b"ZCARD"), self.tkey("zset")], "exact"

    def g_zcount(self):
        return [self.name(b"ZCOUNT"), self.tkey("zset"), self.score_bound(),
                self.score_bound()], "exact"

    def lex_key(self):
        return self.rng.choice(ZLEX_KEYS) if self.chance(0.5) else self.tkey("zset")

    def g_zlexcount(self):
        key = self.lex_key()
        return [self.name(b"ZLEXCOUNT"), key, self.lex_bound(),
                self.lex_bound()], ("lex", key, None)

    def g_zscore(self):
        return [self.name(b"ZSCORE"), self.tkey("zset"), self.member()], "exact"

    def g_zmscore(self):
        return [self.name(b"ZMSCORE"), self.tkey("zset")] + self.members(1, 4), "exact"

    def g_zrank(self):
        cmd = self.rng.choice([b"ZRANK", b"ZREVRANK"])
        return [self.name(cmd), self.tkey("zset"), self.member()], "exact"

    def limit(self):
        return [self.name(b"LIMIT"), b"%d" % self.rng.randint(-1, 4),
                b"%d" % self.rng.randint(-1, 4) if self.chance(0.95) else b"abc"]

    def zrange_args(self, store):
        """(the arguments after the key, BYLEX or not)"""
        r = self.rng.random()
        if r < 0.4:
            by, lo, hi = None, self.index(), self.index()
        elif r < 0.75:
            by, lo, hi = b"BYSCORE", self.score_bound(), self.score_bound()
        else:
            by, lo, hi = b"BYLEX", self.lex_bound(), self.lex_bound()
        return by == b"BYLEX", [lo, hi] + self.opts(
            (1 if by else 0, [self.name(by or b"")]), (0.3, [self.name(b"REV")]),
            (0.35 if by else 0.03, self.limit()),
            (0 if store else 0.03 if by == b"BYLEX" else 0.4, [self.name(b"WITHSCORES")]),
            (0.02, [self.rng.choice([b"BYSCORE", b"BYLEX", b"FOO", b"LIMIT"])]))

    def g_zrange(self):
        key = self.lex_key()
        bylex, rest = self.zrange_args(False)
        return [self.name(b"ZRANGE"), key] + rest, ("lex", key, None) if bylex else "exact"

    def g_zrangestore(self):
        dst, key = self.tkey("zset"), self.lex_key()
        bylex, rest = self.zrange_args(True)
        return ([self.name(b"ZRANGESTORE"), dst, key] + rest,
                ("lex", key, dst) if bylex else "exact")

    def g_zrange_old(self):
        """ZREVRANGE, ZRANGEBYSCORE, ZREVRANGEBYSCORE, ZRANGEBYLEX, ZREVRANGEBYLEX."""
        cmd = self.rng.choice([b"ZREVRANGE", b"ZRANGEBYSCORE", b"ZREVRANGEBYSCORE",
                               b"ZRANGEBYLEX", b"ZREVRANGEBYLEX"])
        key = self.lex_key() if b"LEX" in cmd else self.tkey("zset")
        args = [self.name(cmd), key]
        if cmd == b"ZREVRANGE":
            return args + [self.index(), self.index()] + self.opts(
                (0.4, [self.name(b"WITHSCORES")])), "exact"
        if b"LEX" in cmd:
            return args + [self.lex_bound(), self.lex_bound()] + self.opts(
                (0.35, self.limit()), (0.02, [self.name(b"WITHSCORES")])), ("lex", key, None)
        return args + [self.score_bound(), self.score_bound()] + self.opts(
            (0.35, self.limit()), (0.4, [self.name(b"WITHSCORES")])), "exact"

    def g_zremrange(self):
        r = self.rng.random()
        if r < 0.4:
            return [self.name(b"ZREMRANGEBYSCORE"), self.tkey("zset"), self.score_bound(),
                    self.score_bound()], "exact"
        if r < 0.7:
            key = self.lex_key()
            return [self.name(b"ZREMRANGEBYLEX"), key, self.lex_bound(),
                    self.lex_bound()], ("lex", key, key)
        return [self.name(b"ZREMRANGEBYRANK"), self.tkey("zset"), self.index(),
                self.index()], "exact"

    def g_zpop(self):
        args = [self.name(self.rng.choice([b"ZPOPMIN", b"ZPOPMAX"])), self.tkey("zset")]
        if self.chance(0.5):
            args.append(self.count_arg(0, 5))
        return args, "exact"

    def g_zmpop(self):
        keys = self.tkeys("zset", 1, 3)
        where = self.name(self.rng.choice([b"MIN", b"MAX"])) if self.chance(0.97) else b"MID"
        args = [self.name(b"ZMPOP"), self.numkeys(keys)] + keys + [where]
        if self.chance(0.5):
            args += [self.name(b"COUNT"), self.count_arg(0, 5)]
        return args, "exact"

    def zop_key(self):
        r = self.rng.random()
        if r < 0.72:
            return self.rng.choice(ZSET_KEYS)
        if r < 0.92:
            return self.rng.choice(SET_KEYS)   # sets count as score 1
        return self.anykey()

    def weight(self):
        r, rng = self.rng.random(), self.rng
        if r < 0.6:
            return b"%d" % rng.randint(-2, 3)
        if r < 0.8:
            return b"%d.%d" % (rng.randint(-2, 2), rng.randint(0, 99))
        if r < 0.97:
            return rng.choice([b"inf", b"-inf", b"0", b"1e308", b"-0", b"1e-300"])
        return rng.choice([b"abc", b"nan", b""])

    def g_zsetop(self):
        rng = self.rng
        op = rng.choice([b"ZUNION", b"ZINTER", b"ZDIFF"])
        store = self.chance(0.35)
        keys = [self.zop_key() for _ in range(rng.randint(1, 3))]
        args = ([self.name(op + b"STORE"), self.tkey("zset")] if store else [self.name(op)])
        args += [self.numkeys(keys)] + keys
        nw = len(keys) if self.chance(0.95) else rng.choice([0, len(keys) + 1])
        agg = (self.name(rng.choice([b"SUM", b"MIN", b"MAX"])) if self.chance(0.97)
               else b"AVG")
        args += self.opts((0.3 if op != b"ZDIFF" else 0.03,
                           [self.name(b"WEIGHTS")] + [self.weight() for _ in range(nw)]),
                          (0.3 if op != b"ZDIFF" else 0.03, [self.name(b"AGGREGATE"), agg]),
                          (0.03 if store else 0.5, [self.name(b"WITHSCORES")]))
        return args, "exact"

    def g_zintercard(self):
        keys = [self.zop_key() for _ in range(self.rng.randint(1, 3))]
        args = [self.name(b"ZINTERCARD"), self.numkeys(keys)] + keys
        if self.chance(0.4):
            args += [self.name(b"LIMIT"), self.count_arg(0, 4)]
        return args, "exact"

    def g_zscan(self):
        key = self.tkey("zset")
        return ([self.name(b"ZSCAN"), key, self.cursor()] + self.scan_opts(self.MEMBER_PATTERNS),
                ("scan", key, 2))

    def g_zrandmember(self):
        key = self.tkey("zset")
        args = [self.name(b"ZRANDMEMBER"), key]
        count, withscores = None, False
        if self.chance(0.75):
            count = self.rand_count()
            args.append(count)
            if self.chance(0.4):
                withscores = True
                args.append(self.name(b"WITHSCORES"))
        return args, ("rand", "zset", key, count, withscores, None)

    # -- geo -----------------------------------------------------------------

    def lonlat(self):
        rng = self.rng
        if self.chance(0.03):
            return rng.choice([[b"180.5", b"0"], [b"-181", b"10"], [b"0", b"85.06"],
                               [b"10", b"-90"], [b"abc", b"1"], [b"1", b""], [b"nan", b"0"],
                               [b"inf", b"0"]])
        if self.chance(0.04):
            return rng.choice([[b"180", b"85.05112878"], [b"-180", b"-85.05112878"],
                               [b"0", b"0"], [b"179.999999", b"0"], [b"-0", b"-0"]])
        lon0, lat0 = rng.choice(GEO_CENTRES)
        lon = min(180.0, max(-180.0, lon0 + rng.uniform(-1.5, 1.5)))
        lat = min(85.05112878, max(-85.05112878, lat0 + rng.uniform(-1.5, 1.5)))
        fmt = rng.choice([b"%.6f", b"%.6f", b"%.17g", b"%.2f"])
        return [fmt % lon, fmt % lat]

    def geo_member(self):
        return self.rng.choice(GEO_MEMBERS) if self.chance(0.85) else self.member()

    def unit(self):
        if self.chance(0.98):
            return self.name(self.rng.choice(GEO_UNITS))
        return self.rng.choice([b"yd", b""])

    def distance(self, unit):
        km = self.rng.choice([0, 0.5, 1, 10, 50, 100, 150, 200, 300, 500, 1000, 5000, 20000])
        if self.chance(0.03):
            return self.rng.choice([b"-1", b"abc", b"", b"inf"])
        per = {b"m": 1000.0, b"km": 1.0, b"mi": 0.621371, b"ft": 3280.84}.get(unit.lower(), 1.0)
        return b"%g" % (km * per)

    def g_geoadd(self):
        args = [self.name(b"GEOADD"), self.tkey("geo")]
        args += self.opts((0.08, [self.name(b"NX")]), (0.08, [self.name(b"XX")]),
                          (0.15, [self.name(b"CH")]))
        for _ in range(self.rng.randint(1, 3)):
            args += self.lonlat() + [self.geo_member()]
        if self.chance(0.02):
            args.append(b"1")
        return args, "exact"

    def g_geopos(self):
        return [self.name(b"GEOPOS"), self.tkey("geo")] + [
            self.geo_member() for _ in range(self.rng.randint(0, 3))], "exact"

    def g_geodist(self):
        args = [self.name(b"GEODIST"), self.tkey("geo"), self.geo_member(), self.geo_member()]
        if self.chance(0.6):
            args.append(self.unit())
        return args, "exact"

    def g_geohash(self):
        return [self.name(b"GEOHASH"), self.tkey("geo")] + [
            self.geo_member() for _ in range(self.rng.randint(0, 3))], "exact"

    def geo_shape(self):
        """FROMMEMBER/FROMLONLAT and BYRADIUS/BYBOX, now and then wrong."""
        out = []
        r = self.rng.random()
        if r < 0.45:
            out.append([self.name(b"FROMMEMBER"), self.geo_member()])
        elif r < 0.97:
            out.append([self.name(b"FROMLONLAT")] + self.lonlat())
        elif r < 0.985:
            out += [[b"FROMMEMBER", self.geo_member()], [b"FROMLONLAT"] + self.lonlat()]
        u = self.unit()
        r = self.rng.random()
        if r < 0.55:
            out.append([self.name(b"BYRADIUS"), self.distance(u), u])
        elif r < 0.97:
            out.append([self.name(b"BYBOX"), self.distance(u), self.distance(u), u])
        elif r < 0.985:
            out += [[b"BYRADIUS", b"10", b"km"], [b"BYBOX", b"10", b"10", b"km"]]
        return out

    def geo_count(self):
        out = [self.name(b"COUNT"), b"%d" % self.rng.randint(1, 5) if self.chance(0.95)
               else self.rng.choice([b"0", b"-1", b"abc"])]
        if self.chance(0.3):
            out.append(self.name(b"ANY"))
        return out

    def g_geosearch(self):
        store = self.chance(0.3)
        groups = self.geo_shape()
        extra = [(0.4, [self.name(self.rng.choice([b"ASC", b"DESC"]))]),
                 (0.35, self.geo_count()), (0.02, [self.name(b"ANY")])]
        if store:
            extra += [(0.3, [self.name(b"STOREDIST")]), (0.02, [self.name(b"WITHDIST")])]
        else:
            extra += [(0.3, [self.name(b"WITHCOORD")]), (0.3, [self.name(b"WITHDIST")]),
                      (0.3, [self.name(b"WITHHASH")])]
        groups += [g for p, g in extra if self.chance(p)]
        self.rng.shuffle(groups)
        if store:
            args = [self.name(b"GEOSEARCHSTORE"), self.tkey("geo"), self.tkey("geo")]
        else:
            args = [self.name(b"GEOSEARCH"), self.tkey("geo")]
        return args + [a for g in groups for a in g], "exact"

    def g_georadius(self):
        rng = self.rng
        bymember = self.chance(0.5)
        ro = self.chance(0.25)
        cmd = (b"GEORADIUSBYMEMBER" if bymember else b"GEORADIUS") + (b"_RO" if ro else b"")
        u = self.unit()
        args = [self.name(cmd), self.tkey("geo")]
        args += [self.geo_member()] if bymember else self.lonlat()
        args += [self.distance(u), u]
        groups = [(0.3, [self.name(b"WITHCOORD")]), (0.3, [self.name(b"WITHDIST")]),
                  (0.3, [self.name(b"WITHHASH")]), (0.35, self.geo_count()),
                  (0.4, [self.name(rng.choice([b"ASC", b"DESC"]))])]
        if not ro:
            groups += [(0.12, [self.name(b"STORE"), self.tkey("geo")]),
                       (0.08, [self.name(b"STOREDIST"), self.tkey("geo")])]
        return args + self.opts(*groups), "exact"

    # -- streams ---------------------------------------------------------------
    # Explicit IDs only: `*` takes each server's clock. Each stream key has a
    # counter its IDs mostly advance from, so most XADDs succeed.

    def stream_id(self, key=None, bad=0.04):
        r, rng = self.rng.random(), self.rng
        if r < bad:
            return rng.choice([b"abc", b"1-", b"-1", b"1-2-3", b"", b"1-x", b"0-0",
                               b"18446744073709551615-18446744073709551615",
                               b"18446744073709551616", b" 1", b"1-*"])
        if key is not None:
            ms = self.stream_ms[key] = self.stream_ms.get(key, 0) + rng.choice([0, 1, 1, 2])
            r = rng.random()
            if r < 0.4:
                return b"%d-*" % ms
        else:
            ms, r = rng.randint(0, 40), rng.random()
        if r < 0.6:
            return b"%d" % ms
        return b"%d-%d" % (ms, rng.randint(0, 4))

    def range_id(self, low):
        """An XRANGE bound: an ID, maybe exclusive, or - / +."""
        r = self.rng.random()
        if r < 0.3:
            return b"-" if low else b"+"
        if r < 0.35:
            return self.rng.choice([b"-", b"+", b"(-", b"(+", b"(0-0",
                                    b"(18446744073709551615-18446744073709551615"])
        return (b"(" if self.chance(0.2) else b"") + self.stream_id(bad=0.03)

    def stream_fields(self):
        if self.chance(0.6):   # the same fields as most entries: SAMEFIELDS entries
            pairs = [(b"f", self.hvalue())]
        else:
            pairs = [(self.field(), self.hvalue()) for _ in range(self.rng.randint(1, 3))]
        if self.chance(0.02):
            return [b"f"]      # no value: wrong number of arguments
        return [x for p in pairs for x in p]

    def trim_args(self):
        rng = self.rng
        strat = rng.choice([b"MAXLEN", b"MAXLEN", b"MINID"])
        args = [self.name(strat)]
        op = rng.choice([None, b"=", b"~", b"~"])
        if op:
            args.append(op)
        if strat == b"MAXLEN":
            args.append(self.int_arg(0, 12))
        else:
            args.append(self.stream_id(bad=0.05))
        if self.chance(0.15):
            args += [self.name(b"LIMIT"), self.int_arg(0, 120)]
        return args

    def counter_arg(self, lo, hi):
        """ENTRIESREAD / ENTRIESADDED: a small count or a bad one, never near
        the int64 limits: Redis increments these counters past them (a
        signed overflow) and its log cannot carry the wrapped value, so its
        own replay (and so Cairn's) differs from its live state."""
        if self.chance(0.92):
            return b"%d" % self.rng.randint(lo, hi)
        return self.rng.choice(ODD_INTS + [b"abc", b"1.5", b"-3", b"-100"])

    def g_xadd(self):
        key = self.tkey("stream")
        args = [self.name(b"XADD"), key]
        if self.chance(0.1):
            args.append(self.name(b"NOMKSTREAM"))
        if self.chance(0.25):
            args += self.trim_args()
        return args + [self.stream_id(key)] + self.stream_fields(), "exact"

    def g_xtrim(self):
        return [self.name(b"XTRIM"), self.tkey("stream")] + self.trim_args(), "exact"

    def g_xdel(self):
        key = self.tkey("stream")
        return [self.name(b"XDEL"), key] + [self.stream_id(bad=0.02)
                                            for _ in range(self.rng.randint(1, 4))], "exact"

    def g_xlen(self):
        return [self.name(b"XLEN"), self.tkey("stream")], "exact"

    def g_xrange(self):
        rev = self.chance(0.35)
        lo, hi = self.range_id(True), self.range_id(False)
        args = [self.name(b"XREVRANGE" if rev else b"XRANGE"), self.tkey("stream")]
        args += [hi, lo] if rev else [lo, hi]
        if self.chance(0.35):
            args += [self.name(b"COUNT"), self.count_arg(0, 8)]
        return args, "exact"

    def group(self):
        return self.rng.choice(STREAM_GROUPS)

    def consumer(self):
        return self.rng.choice(STREAM_CONSUMERS)

    def read_ids(self, keys, group):
        rng = self.rng
        special = [b">"] if group else [b"$", b"0"]
        return [rng.choice(special + special) if self.chance(0.6) else self.stream_id(bad=0.03)
                for _ in keys]

    def g_xread(self):
        group = self.chance(0.6)
        keys = self.tkeys("stream", 1, 2)
        if group:
            args = [self.name(b"XREADGROUP"), self.name(b"GROUP"), self.group(), self.consumer()]
        else:
            args = [self.name(b"XREAD")]
        args += self.opts((0.4, [self.name(b"COUNT"), self.count_arg(0, 5)]),
                          (0.15 if group else 0, [self.name(b"NOACK")]),
                          (0.04, [self.name(b"BLOCK"), self.rng.choice([b"5", b"10", b"-1"])]))
        ids = self.read_ids(keys, group)
        if self.chance(0.03):
            ids = ids[1:] or [b"0", b"0"]   # unbalanced STREAMS
        return args + [self.name(b"STREAMS")] + keys + ids, "exact"

    def g_xgroup(self):
        rng = self.rng
        key, r = self.tkey("stream"), rng.random()
        if r < 0.5:
            args = [self.name(b"XGROUP"), self.name(b"CREATE"), key, self.group(),
                    rng.choice([b"$", b"0"]) if self.chance(0.5) else self.stream_id(bad=0.05)]
            args += self.opts((0.4, [self.name(b"MKSTREAM")]),
                              (0.15, [self.name(b"ENTRIESREAD"), self.counter_arg(-2, 12)]))
        elif r < 0.65:
            args = [self.name(b"XGROUP"), self.name(b"SETID"), key, self.group(),
                    rng.choice([b"$", b"0"]) if self.chance(0.5) else self.stream_id(bad=0.05)]
            args += self.opts((0.2, [self.name(b"ENTRIESREAD"), self.counter_arg(-2, 12)]))
        elif r < 0.7:
            args = [self.name(b"XGROUP"), self.name(b"DESTROY"), key, self.group()]
        elif r < 0.85:
            args = [self.name(b"XGROUP"), self.name(b"CREATECONSUMER"), key, self.group(),
                    self.consumer()]
        elif r < 0.97:
            args = [self.name(b"XGROUP"), self.name(b"DELCONSUMER"), key, self.group(),
                    self.consumer()]
        else:
            args = rng.choice([[b"XGROUP", b"FOO", key], [b"XGROUP", b"CREATE", key],
                               [b"XGROUP", b"HELP"], [b"XGROUP"]])
        return args, "exact"

    def g_xack(self):
        return [self.name(b"XACK"), self.tkey("stream"), self.group()] + [
            self.stream_id(bad=0.03) for _ in range(self.rng.randint(1, 4))], "exact"

    def min_idle(self):
        """0 (everything qualifies) or an hour (nothing does): idle times are
        each server's own."""
        return self.rng.choice([b"0", b"0", b"3600000"]) if self.chance(0.96) else \
            self.rng.choice([b"-1", b"abc"])

    def g_xpending(self):
        args = [self.name(b"XPENDING"), self.tkey("stream"), self.group()]
        if self.chance(0.65):
            if self.chance(0.2):
                args += [self.name(b"IDLE"), self.min_idle()]
            args += [self.range_id(True), self.range_id(False), self.count_arg(0, 8)]
            if self.chance(0.4):
                args.append(self.consumer())
        return args, "xpending"

    def g_xclaim(self):
        rng = self.rng
        args = [self.name(b"XCLAIM"), self.tkey("stream"), self.group(), self.consumer(),
                self.min_idle()] + [self.stream_id(bad=0.03) for _ in range(rng.randint(1, 3))]
        args += self.opts((0.1, [self.name(b"IDLE"), b"%d" % rng.randint(0, 100000)]),
                          (0.05, [self.name(b"TIME"), b"%d" % (self.abs_ms() - 10 ** 9)]),
                          (0.15, [self.name(b"RETRYCOUNT"), self.int_arg(0, 5)]),
                          (0.2, [self.name(b"FORCE")]), (0.3, [self.name(b"JUSTID")]),
                          (0.1, [self.name(b"LASTID"), self.stream_id(bad=0.05)]))
        return args, "exact"

    def g_xautoclaim(self):
        args = [self.name(b"XAUTOCLAIM"), self.tkey("stream"), self.group(), self.consumer(),
                self.min_idle(), self.range_id(True).lstrip(b"(")]
        args += self.opts((0.4, [self.name(b"COUNT"), self.count_arg(0, 6)]),
                          (0.3, [self.name(b"JUSTID")]))
        return args, "exact"

    def g_xinfo(self):
        r, key = self.rng.random(), self.tkey("stream")
        if r < 0.35:
            args = [self.name(b"XINFO"), self.name(b"STREAM"), key]
        elif r < 0.6:
            args = [self.name(b"XINFO"), self.name(b"STREAM"), key, self.name(b"FULL")]
            if self.chance(0.4):
                args += [self.name(b"COUNT"), self.count_arg(0, 5)]
        elif r < 0.8:
            args = [self.name(b"XINFO"), self.name(b"GROUPS"), key]
        elif r < 0.97:
            args = [self.name(b"XINFO"), self.name(b"CONSUMERS"), key, self.group()]
        else:
            args = self.rng.choice([[b"XINFO", b"FOO", key], [b"XINFO", b"STREAM"],
                                    [b"XINFO", b"HELP"], [b"XINFO", b"STREAM", key, b"FOO"]])
        return args, "stream"

    def g_xsession(self):
        """A consumer group at work on one stream, as a run of commands (the
        rest is queued): created if need be, fed, read, then entries acked,
        claimed or listed, so that the group commands meet real PELs."""
        key, group, rng = self.rng.choice(STREAM_KEYS), self.group(), self.rng
        cmds = [([b"XGROUP", b"CREATE", key, group, rng.choice([b"0", b"$"]), b"MKSTREAM"],
                 "exact")]
        for _ in range(rng.randint(1, 5)):
            cmds.append(([b"XADD", key, self.stream_id(key, bad=0)] + self.stream_fields(),
                         "exact"))
        for _ in range(rng.randint(1, 3)):
            read = [b"XREADGROUP", b"GROUP", group, self.consumer()]
            if self.chance(0.6):
                read += [b"COUNT", b"%d" % rng.randint(1, 4)]
            if self.chance(0.1):
                read.append(b"NOACK")
            cmds.append((read + [b"STREAMS", key, b">" if self.chance(0.8) else b"0"], "exact"))
        recent = [b"%d-%d" % (max(0, self.stream_ms.get(key, 0) - rng.randint(0, 4)),
                              rng.randint(0, 1)) for _ in range(3)]
        follow = [
            ([b"XACK", key, group] + recent[:rng.randint(1, 3)], "exact"),
            ([b"XCLAIM", key, group, self.consumer(), b"0"] + recent[:rng.randint(1, 3)]
             + ([b"JUSTID"] if self.chance(0.5) else []), "exact"),
            ([b"XAUTOCLAIM", key, group, self.consumer(), b"0", b"0", b"COUNT",
              b"%d" % rng.randint(1, 5)], "exact"),
            ([b"XPENDING", key, group], "xpending"),
            ([b"XPENDING", key, group, b"-", b"+", b"10"], "xpending"),
            ([b"XINFO", b"CONSUMERS", key, group], "stream"),
            ([b"XINFO", b"GROUPS", key], "stream"),
            ([b"XINFO", b"STREAM", key, b"FULL"], "stream"),
            ([b"XGROUP", b"DELCONSUMER", key, group, self.consumer()], "exact"),
        ]
        cmds += rng.sample(follow, rng.randint(1, 4))
        self.queued.extend(cmds[1:])
        return cmds[0]

    def g_xsetid(self):
        args = [self.name(b"XSETID"), self.tkey("stream"), self.stream_id(bad=0.05)]
        args += self.opts((0.3, [self.name(b"ENTRIESADDED"), self.counter_arg(0, 40)]),
                          (0.3, [self.name(b"MAXDELETEDID"), self.stream_id(bad=0.05)]))
        return args, "exact"

    # -- bitmaps and HyperLogLogs (string keys) --------------------------------

    def bit_offset(self):
        r = self.rng.random()
        if r < 0.8:
            return b"%d" % self.rng.randint(0, 200)
        if r < 0.93:
            return b"%d" % self.rng.randint(0, 3000)
        return self.rng.choice([b"-1", b"4294967296", b"abc", b"1.5", b"", b"+5",
                                b"9223372036854775807"])

    def bit_range(self):
        """[start end [BYTE|BIT]] of BITCOUNT / BITPOS, or less."""
        args = []
        if self.chance(0.6):
            args.append(self.int_arg(-20, 40))
            if self.chance(0.8):
                args.append(self.int_arg(-20, 40))
                if self.chance(0.5):
                    args.append(self.name(self.rng.choice([b"BYTE", b"BIT", b"BIT", b"WORD"])))
        return args

    def g_setbit(self):
        bit = self.rng.choice([b"0", b"1", b"1"]) if self.chance(0.95) else \
            self.rng.choice([b"2", b"-1", b"", b"a"])
        return [self.name(b"SETBIT"), self.key(), self.bit_offset(), bit], "exact"

    def g_getbit(self):
        return [self.name(b"GETBIT"), self.key(), self.bit_offset()], "exact"

    def g_bitcount(self):
        return [self.name(b"BITCOUNT"), self.key()] + self.bit_range(), "exact"

    def g_bitpos(self):
        bit = self.rng.choice([b"0", b"1"]) if self.chance(0.95) else b"2"
        return [self.name(b"BITPOS"), self.key(), bit] + self.bit_range(), "exact"

    def g_bitop(self):
        op = self.rng.choice([b"AND", b"OR", b"XOR", b"NOT", b"NOT", b"NAND"])
        srcs = self.keys(1, 1 if op == b"NOT" and self.chance(0.9) else 3)
        return [self.name(b"BITOP"), self.name(op), self.key()] + srcs, "exact"

    def bitfield_type(self):
        r = self.rng.random()
        if r < 0.5:
            return b"u%d" % self.rng.randint(1, 63)
        if r < 0.95:
            return b"i%d" % self.rng.randint(1, 64)
        return self.rng.choice([b"u64", b"i65", b"i0", b"x8", b"u", b"8"])

    def bitfield_offset(self):
        r = self.rng.random()
        if r < 0.6:
            return b"%d" % self.rng.randint(0, 150)
        if r < 0.9:
            return b"#%d" % self.rng.randint(0, 20)
        return self.rng.choice([b"-1", b"#-1", b"abc", b"#", b"4294967296"])

    def g_bitfield(self):
        ro = self.chance(0.2)
        args = [self.name(b"BITFIELD_RO" if ro else b"BITFIELD"), self.key()]
        for _ in range(self.rng.randint(0 if self.chance(0.05) else 1, 4)):
            r = self.rng.random()
            if ro and r < 0.93:
                r = 0
            if r < 0.35:
                args += [self.name(b"GET"), self.bitfield_type(), self.bitfield_offset()]
            elif r < 0.6:
                args += [self.name(b"SET"), self.bitfield_type(), self.bitfield_offset(),
                         self.int_arg(-300, 300)]
            elif r < 0.85:
                args += [self.name(b"INCRBY"), self.bitfield_type(), self.bitfield_offset(),
                         self.int_arg(-300, 300)]
            elif r < 0.97:
                args += [self.name(b"OVERFLOW"),
                         self.name(self.rng.choice([b"WRAP", b"SAT", b"FAIL", b"FOO"]))]
            else:
                args += self.rng.choice([[b"GET", b"u8"], [b"FOO"], [b"SET", b"u8", b"0"]])
        return args, "exact"

    def hll_elem(self):
        if self.chance(0.7):
            return b"e%d" % self.rng.randint(0, 3000)
        return self.member()

    def g_pfadd(self):
        key = self.tkey("hll")
        n = self.rng.choice([0, 1, 2, 5, 10, 50, 300]) if self.chance(0.97) else 2000
        return [self.name(b"PFADD"), key] + [self.hll_elem() for _ in range(n)], "exact"

    def g_pfcount(self):
        return [self.name(b"PFCOUNT")] + self.tkeys("hll", 1, 3), "exact"

    def g_pfmerge(self):
        srcs = self.tkeys("hll", 0, 3)
        return [self.name(b"PFMERGE"), self.tkey("hll")] + srcs, "exact"

    # -- SORT ----------------------------------------------------------------

    def g_sort(self):
        """SORT / SORT_RO; the mode carries what the comparison needs to
        tell the order SORT defines from the order it leaves open."""
        rng = self.rng
        r = rng.random()
        key = self.tkey("list" if r < 0.5 else "set" if r < 0.75 else "zset")
        ro = self.chance(0.15)
        by = rng.choice(SORT_BY) if self.chance(0.55) else None
        alpha = self.chance(0.4)
        nosort = by is not None and b"*" not in by
        gets = [rng.choice(SORT_GET) for _ in range(rng.randint(1, 3))] if self.chance(0.35) else []
        if gets and (alpha or nosort) and b"#" not in gets:
            gets.insert(rng.randint(0, len(gets)), b"#")   # names each element
        limit = self.chance(0.3)
        store = None if ro or not self.chance(0.2) else (
            self.tkey("list") if self.chance(0.7) else self.anykey())
        groups = []
        if by is not None:
            groups.append([self.name(b"BY"), by])
        if alpha:
            groups.append([self.name(b"ALPHA")])
        if limit:
            groups.append([self.name(b"LIMIT"), b"%d" % rng.randint(-1, 4),
                           b"%d" % rng.randint(-1, 5)])
        if self.chance(0.4):
            groups.append([self.name(rng.choice([b"ASC", b"DESC"]))])
        if store is not None:
            groups.append([self.name(b"STORE"), store])
        groups += [[self.name(b"GET"), g] for g in gets]
        if self.chance(0.03):
            groups.append(rng.choice([[b"LIMIT", b"1"], [b"FOO"], [b"BY"], [b"GET"],
                                      [b"LIMIT", b"a", b"1"]]))
        rng.shuffle(groups)
        args = [self.name(b"SORT_RO" if ro else b"SORT"), key] + [a for g in groups for a in g]
        return args, ("sort", sort_spec(args))

    def weight_value(self):
        r, rng = self.rng.random(), self.rng
        if r < 0.45:
            return b"%d" % rng.randint(-10, 10)
        if r < 0.65:
            return b"%d.%d" % (rng.randint(-10, 10), rng.randint(0, 99))
        if r < 0.85:
            return rng.choice(WEIGHTS)
        return rng.choice(STR_MEMBERS)

    def g_weight(self):
        """The w_<element> / wh_<element> keys SORT's BY and GET read."""
        m = self.member()
        r = self.rng.random()
        if r < 0.55:
            return [self.name(b"SET"), b"w_" + m, self.weight_value()], "exact"
        if r < 0.85:
            args = [self.name(b"HSET"), b"wh_" + m, b"f", self.weight_value()]
            if self.chance(0.4):
                args += [b"g", self.weight_value()]
            return args, "exact"
        if r < 0.93:
            return [self.name(b"DEL"), b"w_" + m, b"wh_" + m], "exact"
        return self.rng.choice([[b"RPUSH", b"w_" + m, b"1"], [b"SADD", b"wh_" + m, b"f"]]), "exact"

    # -- more keyspace -------------------------------------------------------

    SCAN_TYPES = [b"string", b"list", b"set", b"zset", b"hash", b"stream", b"ZSET", b"foo",
                  b"none", b""]

    def g_scan(self):
        args = [self.name(b"SCAN"), self.cursor()] + self.scan_opts(
            KEY_PATTERNS + [b"w_*", b"[lhsz]*", b"?0", b"{t}?"])
        if self.chance(0.45):
            args += [self.name(b"TYPE"), self.rng.choice(self.SCAN_TYPES)]
        return args, ("scan", None, 1)

    def g_dump_restore(self):
        """DUMP a key and RESTORE the payload into the same server under
        another (or the same) key; the payloads are compared as DUMPs."""
        rng = self.rng
        src, dst = self.anykey(), self.anykey()
        r = rng.random()
        ttl = (b"0" if r < 0.6 else b"%d" % self.rel_ms() if r < 0.92
               else rng.choice([b"-1", b"abc", b""]))
        opts = []
        if self.chance(0.5):
            opts.append([self.name(b"REPLACE")])
        if self.chance(0.15):
            opts.append([self.name(b"ABSTTL")])
            if ttl not in (b"0", b"-1", b"abc", b""):
                ttl = b"%d" % (self.abs_ms() if self.chance(0.8) else rng.randint(1, 10 ** 12))
        if self.chance(0.08):
            opts.append([self.name(b"IDLETIME"), b"%d" % rng.randint(-1, 1000)])
        if self.chance(0.05):
            opts.append([self.name(b"FREQ"), b"%d" % rng.randint(-1, 300)])
        rng.shuffle(opts)
        opts = [a for o in opts for a in o]
        corrupt = rng.choice([0, 1, -10, -1]) if self.chance(0.06) else None
        display = [self.name(b"RESTORE"), dst, ttl, b"<DUMP " + src + b">"] + opts
        return display, ("dumprestore", src, dst, ttl, opts, corrupt)

    def g_hello(self):
        return [self.name(b"HELLO"), self.rng.choice([b"2", b"3"])], "type"

    ARITY = {b"GET": 2, b"SET": -3, b"SETNX": 3, b"SETEX": 4, b"PSETEX": 4, b"GETSET": 3,
             b"GETDEL": 2, b"GETEX": -2, b"MGET": -2, b"MSET": -3, b"MSETNX": -3,
             b"APPEND": 3, b"STRLEN": 2, b"GETRANGE": 4, b"SUBSTR": 4, b"SETRANGE": 4,
             b"INCR": 2, b"DECR": 2, b"INCRBY": 3, b"DECRBY": 3, b"INCRBYFLOAT": 3,
             b"LCS": -3, b"DEL": -2, b"UNLINK": -2, b"EXISTS": -2, b"TYPE": 2, b"TOUCH": -2,
             b"RENAME": 3, b"RENAMENX": 3, b"COPY": -3, b"MOVE": 3, b"SWAPDB": 3,
             b"DBSIZE": 1, b"EXPIRE": -3, b"PEXPIRE": -3, b"EXPIREAT": -3,
             b"PEXPIREAT": -3, b"PERSIST": 2, b"TTL": 2, b"PTTL": 2, b"EXPIRETIME": 2,
             b"PEXPIRETIME": 2, b"DUMP": 2, b"KEYS": 2, b"RANDOMKEY": 1, b"SELECT": 2,
             b"OBJECT": -2, b"RESTORE": -4, b"SCAN": -2,
             b"LPUSH": -3, b"RPUSH": -3, b"LPUSHX": -3, b"RPUSHX": -3, b"LPOP": -2,
             b"RPOP": -2, b"LRANGE": 4, b"LINDEX": 3, b"LSET": 4, b"LINSERT": 5, b"LREM": 4,
             b"LTRIM": 4, b"LPOS": -3, b"LMOVE": 5, b"RPOPLPUSH": 3, b"LMPOP": -4, b"LLEN": 2,
             b"BLPOP": -3, b"BRPOP": -3, b"BLMOVE": 6, b"BRPOPLPUSH": 4, b"BLMPOP": -5,
             b"HSET": -4, b"HSETNX": 4, b"HGET": 3, b"HMGET": -3, b"HDEL": -3, b"HLEN": 2,
             b"HEXISTS": 3, b"HKEYS": 2, b"HVALS": 2, b"HGETALL": 2, b"HINCRBY": 4,
             b"HINCRBYFLOAT": 4, b"HSTRLEN": 3, b"HSCAN": -3, b"HRANDFIELD": -2, b"HMSET": -4,
             b"SADD": -3, b"SREM": -3, b"SMEMBERS": 2, b"SISMEMBER": 3, b"SMISMEMBER": -3,
             b"SCARD": 2, b"SMOVE": 4, b"SINTER": -2, b"SINTERCARD": -3, b"SUNION": -2,
             b"SDIFF": -2, b"SINTERSTORE": -3, b"SUNIONSTORE": -3, b"SDIFFSTORE": -3,
             b"SPOP": -2, b"SRANDMEMBER": -2, b"SSCAN": -3,
             b"ZADD": -4, b"ZINCRBY": 4, b"ZREM": -3, b"ZCARD": 2, b"ZCOUNT": 4,
             b"ZLEXCOUNT": 4, b"ZSCORE": 3, b"ZMSCORE": -3, b"ZRANK": 3, b"ZREVRANK": 3,
             b"ZRANGE": -4, b"ZRANGESTORE": -5, b"ZREVRANGE": -4, b"ZRANGEBYSCORE": -4,
             b"ZREVRANGEBYSCORE": -4, b"ZRANGEBYLEX": -4, b"ZREVRANGEBYLEX": -4,
             b"ZREMRANGEBYSCORE": 4, b"ZREMRANGEBYLEX": 4, b"ZREMRANGEBYRANK": 4,
             b"ZPOPMIN": -2, b"ZPOPMAX": -2, b"BZPOPMIN": -3, b"BZPOPMAX": -3, b"ZMPOP": -4,
             b"BZMPOP": -5, b"ZUNION": -3, b"ZINTER": -3, b"ZDIFF": -3, b"ZUNIONSTORE": -4,
             b"ZINTERSTORE": -4, b"ZDIFFSTORE": -4, b"ZINTERCARD": -3, b"ZSCAN": -3,
             b"ZRANDMEMBER": -2, b"GEOADD": -5, b"GEOPOS": -2, b"GEODIST": -4,
             b"GEOHASH": -2, b"GEOSEARCH": -7, b"GEOSEARCHSTORE": -8, b"GEORADIUS": -6,
             b"GEORADIUSBYMEMBER": -5, b"GEORADIUS_RO": -6, b"GEORADIUSBYMEMBER_RO": -5,
             b"SORT": -2, b"SORT_RO": -2, b"SETBIT": 4, b"GETBIT": 3, b"BITCOUNT": -2,
             b"BITPOS": -3, b"BITOP": -4, b"BITFIELD": -2, b"BITFIELD_RO": -2, b"PFADD": -2,
             b"PFCOUNT": -2, b"PFMERGE": -2, b"XADD": -5, b"XTRIM": -4, b"XDEL": -3,
             b"XLEN": 2, b"XRANGE": -4, b"XREVRANGE": -4, b"XREAD": -4, b"XREADGROUP": -7,
             b"XACK": -4, b"XPENDING": -3, b"XCLAIM": -6, b"XAUTOCLAIM": -6, b"XSETID": -3}

    def g_wrong_arity(self):
        cmd = self.rng.choice(sorted(self.ARITY))
        arity = self.ARITY[cmd]
        if arity > 0:
            n = self.rng.choice([c for c in range(1, arity + 3) if c != arity])
        else:
            n = self.rng.randint(1, -arity - 1)
        # keys as arguments: harmless whichever position they land in
        return [self.name(cmd)] + [self.key() for _ in range(n - 1)], "exact"

    def pick(self):
        x = self.rng.random() * self.total
        for w, g in self.table:
            x -= w
            if x < 0:
                break
        return g

    def plain_command(self):
        """A command whose reply compares exactly and that queues nothing:
        what a transaction or a script may hold."""
        while True:
            g = self.pick()
            if g in (self.g_multi, self.g_xsession, self.g_cold):
                continue
            args, mode = g()
            if mode == "exact" and args[0].upper() not in self.exclude:
                return args

    # Scripts that run the command in their ARGV, and what they answer.
    SCRIPTS = [b"return redis.call(unpack(ARGV))",
               b"return redis.pcall(unpack(ARGV))",
               b"local r = redis.pcall(unpack(ARGV)); if type(r) == 'table' and r.err then "
               b"return 'err: ' .. r.err end; return r",
               b"redis.setresp(3); return redis.call(unpack(ARGV))"]

    def g_cold(self):
        return [b"DEBUG", b"COLD", b"*"], ("cold",)

    def g_script(self):
        """A command run by EVAL: the Lua conversions both ways, the errors
        a script sees, the commands scripts may not run."""
        return [self.name(b"EVAL"), self.rng.choice(self.SCRIPTS), b"0"] + \
            self.plain_command(), "exact"

    def g_multi(self):
        """MULTI, a few commands, then EXEC (or DISCARD); now and then a
        WATCHed key, which this connection may touch itself first (EXEC then
        answers nil). The rest is queued."""
        rng = self.rng
        cmds = []
        watched = rng.random() < 0.3
        if watched:
            cmds.append([self.name(b"WATCH")] + self.anykeys(1, 2))
            if self.chance(0.5):
                cmds.append(self.plain_command())
        cmds.append([self.name(b"MULTI")])
        cmds += [self.plain_command() for _ in range(rng.randint(0, 4))]
        cmds.append([self.name(b"DISCARD" if self.chance(0.12) else b"EXEC")])
        if watched and self.chance(0.2):
            cmds.insert(-1, [self.name(b"UNWATCH")])
        self.queued.extend((c, "exact") for c in cmds[1:])
        return cmds[0], "exact"

    def next(self):
        while self.queued:
            args, mode = self.queued.pop(0)
            if args[0].upper() not in self.exclude:
                return args, mode
        while True:
            args, mode = self.pick()()
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


class Err(bytes):
    """A decoded error reply."""


class Map(list):
    """A decoded RESP3 map: [(key, value)]."""


def decode(raw):
    """A raw reply as Python values: bytes (strings, doubles, verbatim text),
    int, None (nil), bool, Err, list (arrays, sets, pushes), Map."""
    return _decode(raw, 0)[0]


def _decode(raw, pos):
    end = raw.index(b"\r\n", pos)
    kind, line, pos = raw[pos:pos + 1], raw[pos + 1:end], end + 2
    if kind in (b"+", b","):
        return bytes(line), pos
    if kind == b"-":
        return Err(line), pos
    if kind in (b":", b"("):
        return int(line), pos
    if kind == b"_":
        return None, pos
    if kind == b"#":
        return line == b"t", pos
    n = int(line)
    if kind in (b"$", b"=", b"!"):
        if n < 0:
            return None, pos
        body = raw[pos:pos + n]
        pos += n + 2
        return (Err(body) if kind == b"!" else body[4:] if kind == b"=" else body), pos
    if n < 0:
        return None, pos
    if kind in (b"*", b"~", b">"):
        out = []
        for _ in range(n):
            v, pos = _decode(raw, pos)
            out.append(v)
        return out, pos
    if kind == b"%":
        out = Map()
        for _ in range(n):
            k, pos = _decode(raw, pos)
            v, pos = _decode(raw, pos)
            out.append((k, v))
        return out, pos
    if kind == b"|":     # an attribute, then the reply it annotates
        for _ in range(2 * n):
            pos = _decode(raw, pos)[1]
        return _decode(raw, pos)
    raise ValueError("not a RESP reply: %r" % raw[:40])


def freeze(v):
    """v hashable and sortable (by repr)."""
    if isinstance(v, Map):
        return ("map",) + tuple((freeze(k), freeze(x)) for k, x in v)
    if isinstance(v, list):
        return tuple(freeze(x) for x in v)
    return v


def pairs_of(v):
    """[(a, b)] of a reply of pairs: a RESP3 map, a RESP3 array of 2-element
    arrays (ZRANGE ... WITHSCORES), or a flat RESP2 array."""
    if isinstance(v, Map):
        return [(freeze(k), freeze(x)) for k, x in v]
    if v and all(isinstance(x, list) and len(x) == 2 for x in v):
        return [(x[0], x[1]) for x in v]
    return list(zip(v[0::2], v[1::2]))


def _sort_key(x):
    return repr(x)


def multiset_equal(a, b, group=1):
    """Aggregates a and b with the same header and the same elements in any
    order; group 2: elements taken by pairs (a RESP2 flat field/value
    array; a RESP3 map is always taken by pairs)."""
    sa, sb = rc.split_aggregate(a), rc.split_aggregate(b)
    if sa is None or sb is None:
        return a == b
    if sa[0] != sb[0]:
        return False
    ea, eb = sa[1], sb[1]
    if group == 2 and a[:1] != b"%":
        ea = [b"".join(ea[i:i + 2]) for i in range(0, len(ea), 2)]
        eb = [b"".join(eb[i:i + 2]) for i in range(0, len(eb), 2)]
    return sorted(ea) == sorted(eb)


# -- DUMP payloads: the order of a hashtable (set, hash) is the server's own.

RDB_TYPE_SET, RDB_TYPE_HASH = 2, 4


def _crc64_table():
    poly, table = 0x95ac9329ac4bc9b5, []   # Redis's crc64 (Jones, reflected)
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ poly if c & 1 else c >> 1
        table.append(c)
    return table


CRC64_TABLE = _crc64_table()


def crc64(data):
    crc = 0
    for byte in data:
        crc = CRC64_TABLE[(crc ^ byte) & 0xff] ^ (crc >> 8)
    return crc


assert crc64(b"123456789") == 0xe9c6d914c4b8d9ca


def _rdb_len(buf, i):
    """(length or encoding, next index, is_encoded) of an RDB length."""
    b = buf[i]
    t = b >> 6
    if t == 0:
        return b & 0x3f, i + 1, False
    if t == 1:
        return ((b & 0x3f) << 8) | buf[i + 1], i + 2, False
    if b == 0x80:
        return int.from_bytes(buf[i + 1:i + 5], "big"), i + 5, False
    if b == 0x81:
        return int.from_bytes(buf[i + 1:i + 9], "big"), i + 9, False
    if t == 3:
        return b & 0x3f, i + 1, True
    raise ValueError("bad RDB length byte 0x%02x" % b)


def _rdb_string_end(buf, i):
    n, j, encoded = _rdb_len(buf, i)
    if not encoded:
        return j + n
    if n in (0, 1, 2):       # int8, int16, int32
        return j + (1, 2, 4)[n]
    if n == 3:               # LZF: compressed length, plain length, data
        clen, j, _ = _rdb_len(buf, j)
        _, j, _ = _rdb_len(buf, j)
        return j + clen
    raise ValueError("bad RDB string encoding %d" % n)


# -- streams: what each server's clock sets (idle times, delivery and seen
# times) is masked; everything else must agree.

TIME_KEYS = {b"idle", b"seen-time", b"active-time", b"inactive"}


def mask_times(v, pending=False):
    """v (decoded) with the clock's values replaced by "T": the value after
    a TIME_KEYS name, any integer that is a Unix time in ms, and (pending:
    XPENDING's extended form) each entry's idle time."""
    if isinstance(v, int) and not isinstance(v, bool) and v >= 10 ** 12:
        return "T"
    if isinstance(v, Map):
        return Map((k, "T" if k in TIME_KEYS else mask_times(x)) for k, x in v)
    if isinstance(v, list):
        out = [mask_times(x) for x in v]
        for i in range(len(v) - 1):
            if isinstance(v[i], bytes) and v[i] in TIME_KEYS and i % 2 == 0:
                out[i + 1] = "T"
        if pending:
            out = [x[:2] + ["T"] + x[3:] if isinstance(x, list) and len(x) == 4 else x
                   for x in out]
        return out
    return v


def stream_equal(a, b, pending=False):
    try:
        return mask_times(decode(a), pending) == mask_times(decode(b), pending)
    except (ValueError, IndexError):
        return a == b


RDB_TYPE_STREAM_LISTPACKS_2 = 19


def _stream_canonical(payload):
    """A stream's DUMP payload with its delivery and seen times zeroed."""
    out = bytearray(payload)
    n, i, _ = _rdb_len(payload, 1)
    for _ in range(2 * n):                 # each node: master ID, listpack
        i = _rdb_string_end(payload, i)
    for _ in range(8):                     # length, last ID, first ID, max deleted
        i = _rdb_len(payload, i)[1]        # ID, entries added
    groups, i, _ = _rdb_len(payload, i)
    for _ in range(groups):
        i = _rdb_string_end(payload, i)    # name
        for _ in range(3):                 # last ID, entries read
            i = _rdb_len(payload, i)[1]
        pel, i, _ = _rdb_len(payload, i)
        for _ in range(pel):               # ID, delivery time, delivery count
            out[i + 16:i + 24] = bytes(8)
            i = _rdb_len(payload, i + 24)[1]
        consumers, i, _ = _rdb_len(payload, i)
        for _ in range(consumers):
            i = _rdb_string_end(payload, i)
            out[i:i + 8] = bytes(8)        # seen time
            pel, i, _ = _rdb_len(payload, i + 8)
            i += 16 * pel
    if len(payload) - i != 10:
        raise ValueError("%d bytes after the consumer groups" % (len(payload) - i))
    return bytes(out[:-8])



def dump_canonical(raw):
    """A raw DUMP reply with the elements of a hashtable set or hash in a
    canonical order (each element still as its RDB encoding bytes), or the
    raw reply itself. Raises ValueError on a malformed or badly checksummed
    payload of those types."""
    if not isinstance(raw, bytes) or raw[:1] != b"$" or raw.startswith(b"$-1"):
        return raw
    payload = _key_of(raw)
    if payload[:1] not in (bytes([RDB_TYPE_SET]), bytes([RDB_TYPE_HASH]),
                           bytes([RDB_TYPE_STREAM_LISTPACKS_2])):
        return raw
    if crc64(payload[:-8]) != int.from_bytes(payload[-8:], "little"):
        raise ValueError("bad CRC64")
    if payload[0] == RDB_TYPE_STREAM_LISTPACKS_2:
        return _stream_canonical(payload)
    n, i, _ = _rdb_len(payload, 1)
    items = []
    for _ in range(n * (2 if payload[0] == RDB_TYPE_HASH else 1)):
        end = _rdb_string_end(payload, i)
        items.append(payload[i:end])
        i = end
    if len(payload) - i != 10:
        raise ValueError("%d bytes after the elements" % (len(payload) - i))
    if payload[0] == RDB_TYPE_HASH:
        items = [items[k] + b"\0" + items[k + 1] for k in range(0, len(items), 2)]
    return (payload[:1], n, tuple(sorted(items)), payload[-10:-8])


def dump_equal(a, b):
    if a == b:
        return True
    try:
        return dump_canonical(a) == dump_canonical(b)
    except (ValueError, IndexError):
        return False


def compare(mode, a, b):
    """True when raw replies a (cairn) and b (redis) agree under a simple
    mode (the others are compared by their handlers in Pair)."""
    if isinstance(a, str) or isinstance(b, str):   # closed connection
        return a == b
    if mode == "exact":
        return a == b
    if mode == "sorted":
        return multiset_equal(a, b)
    if mode == "dump":
        return dump_equal(a, b)
    if mode == "type":
        return a[:1] == b[:1]
    if mode == "randomkey":
        nil = (b"$-1\r\n", b"_\r\n")
        if a in nil or b in nil:
            return a == b
        return a[:1] == b[:1] == b"$"
    if mode in ("stream", "xpending"):
        return stream_equal(a, b, mode == "xpending")
    if mode in TTL_TOLERANCE:
        x, y = _int_reply(a), _int_reply(b)
        if x is None or y is None or x < 0 or y < 0:
            return a == b
        return abs(x - y) <= TTL_TOLERANCE[mode]
    raise ValueError(mode)


# -- modes with extra round trips (handlers of Pair.run) -----------------------

UNORDERED_ENCODINGS = {b"hashtable", b"skiplist"}   # scan order is the server's own


def _encoding(raw):
    return _bulk(raw)


def _bulk(raw):
    """The string of a raw bulk reply, else None."""
    if isinstance(raw, bytes) and raw[:1] == b"$" and not raw.startswith(b"$-1"):
        return _key_of(raw)
    return None


def _closed(*replies):
    return any(isinstance(r, str) for r in replies)


def handle_enc(p, args, mode):
    """SMEMBERS, HKEYS, HVALS, HGETALL: exact, but in any order on a
    hashtable (the OBJECT ENCODING must match too)."""
    _, key, group = mode
    (ra, ea), (rb, eb) = p.both([args, [b"OBJECT", b"ENCODING", key]])
    if _closed(ra, ea, rb, eb):
        return (ra, ea), (rb, eb), (ra, ea) == (rb, eb)
    ok = ea == eb and (ra == rb or (_encoding(eb) == b"hashtable"
                                    and multiset_equal(ra, rb, group)))
    return (ra, ea), (rb, eb), ok


def _scan_page(raw):
    """(cursor, [element raw]) of a SCAN-family reply, else None."""
    if not isinstance(raw, bytes):
        return None
    top = rc.split_aggregate(raw)
    if top is None or len(top[1]) != 2:
        return None
    cursor = _bulk(top[1][0])
    inner = rc.split_aggregate(top[1][1])
    if cursor is None or inner is None:
        return None
    return cursor, inner[1]


def handle_scan(p, args, mode):
    """SCAN/HSCAN/SSCAN/ZSCAN from cursor 0, each server iterated to its end
    with its own cursors. One page each (a listpack, an intset...): exact.
    Else (a hashtable, the keyspace) the elements are compared as sets: SCAN
    may return an element twice."""
    _, key, group = mode
    ea = eb = None
    if key is not None:
        (ea,), (eb,) = p.both([[b"OBJECT", b"ENCODING", key]])
    ci = 1 if key is None else 2
    pages_a, pages_b = p.scan_all(p.ca, args, ci), p.scan_all(p.cb, args, ci)
    a, b = (ea,) + tuple(pages_a), (eb,) + tuple(pages_b)
    if _closed(*(a + b)):
        return a, b, a == b
    if ea != eb:
        return a, b, False
    bad_a = [x for x in pages_a if _scan_page(x) is None]
    bad_b = [x for x in pages_b if _scan_page(x) is None]
    if bad_a or bad_b:                     # an error (only ever on the first page)
        return a, b, pages_a == pages_b
    if len(pages_a) == len(pages_b) == 1 and pages_a == pages_b:
        return a, b, True
    if key is not None and _encoding(eb) not in UNORDERED_ENCODINGS:
        return a, b, False

    def elements(pages):
        out = []
        for raw in pages:
            out += _scan_page(raw)[1]
        if group == 2:
            out = [b"".join(out[i:i + 2]) for i in range(0, len(out), 2)]
        return set(out)
    return a, b, elements(pages_a) == elements(pages_b)


RAND_PROBE = {"set": [b"SMEMBERS"], "hash": [b"HGETALL"], "zset": [b"ZRANGE"]}


def _rand_contents(kind, v, withvalues):
    """(the universe a random reply draws from, every element as in a reply
    with or without values) of a probe reply."""
    if kind == "set":
        return v
    pairs = pairs_of(v)
    return pairs if withvalues else [x for x, _ in pairs]


def _rand_ok(reply, contents, count, withvalues):
    """A random reply fits the collection it was drawn from."""
    if count is None:
        return reply is None if not contents else reply in contents
    if not isinstance(reply, list):
        return False
    items = [tuple(x) if isinstance(x, list) else x for x in reply]
    if withvalues:
        items = pairs_of(reply)
    n = min(count, len(contents)) if count >= 0 else (-count if contents else 0)
    if len(items) != n or any(x not in contents for x in items):
        return False
    if count >= 0 and len(set(map(freeze, items))) != len(items):
        return False
    if count >= len(contents):
        return sorted(items, key=_sort_key) == sorted(contents, key=_sort_key)
    return True


def handle_rand(p, args, mode):
    """SRANDMEMBER, HRANDFIELD, ZRANDMEMBER, SPOP: the collection is read
    first (SMEMBERS, HGETALL, ZRANGE 0 -1 WITHSCORES), compared, and each
    server's random reply must fit its own collection: size, distinct
    elements for a count >= 0, the whole collection for a count >= its size.
    A random pop is followed on both by a DEL of the set or by an SADD of
    what each server popped, so that the datasets stay equal."""
    _, kind, key, count, withvalues, followup = mode
    probe = RAND_PROBE[kind] + [key] + ([b"0", b"-1", b"WITHSCORES"] if kind == "zset" else [])
    (pa, ra), (pb, rb) = p.both([probe, args])
    fa = fb = None
    if _closed(pa, ra, pb, rb):
        return (pa, ra, fa), (pb, rb, fb), (pa, ra) == (pb, rb)
    va, vb, xa, xb = decode(pa), decode(pb), decode(ra), decode(rb)
    try:
        n = None if count is None else int(count)
    except ValueError:
        n = "bad"
    ok = (pa == pb if kind == "zset" else multiset_equal(pa, pb, 1 if kind == "set" else 2))
    if isinstance(va, Err) or isinstance(vb, Err) or isinstance(xa, Err) \
            or isinstance(xb, Err) or n == "bad":
        return (pa, ra, fa), (pb, rb, fb), ok and ra == rb
    ca, cb = _rand_contents(kind, va, withvalues), _rand_contents(kind, vb, withvalues)
    ok = ok and ra[:1] == rb[:1] and _rand_ok(xa, ca, n, withvalues) \
        and _rand_ok(xb, cb, n, withvalues)
    size = len(cb)
    if followup and ok and ((n is None and size >= 2) or (n is not None and 0 < n < size)):
        if followup == "del":
            (fa,), (fb,) = p.both([[b"DEL", key]])
        else:
            pop_a = [xa] if n is None else xa
            pop_b = [xb] if n is None else xb
            fa, fb = p.each([b"SADD", key] + pop_a, [b"SADD", key] + pop_b)
        ok = fa == fb
    return (pa, ra, fa), (pb, rb, fb), ok


def _by_lookup(pattern, elem):
    """The command reading what SORT's lookupKeyByPattern reads, or None."""
    if pattern == b"#":
        return None
    star = pattern.find(b"*")
    if star < 0:
        return None
    arrow = pattern.find(b"->", star + 1)
    if arrow >= 0 and arrow + 2 < len(pattern):
        return [b"HGET", pattern[:star] + elem + pattern[star + 1:arrow], pattern[arrow + 2:]]
    return [b"GET", pattern[:star] + elem + pattern[star + 1:]]


def sort_spec(args):
    """What the comparison of a SORT needs, read from its arguments as
    sortCommandGeneric reads them (the last BY, STORE... counts)."""
    spec = {"key": args[1], "nosort": False, "by": None, "alpha": False, "limit": False,
            "gets": [], "store": None}
    ro = args[0].upper() == b"SORT_RO"
    j = 2
    while j < len(args):
        opt, left = args[j].upper(), len(args) - j - 1
        if opt == b"ALPHA":
            spec["alpha"] = True
        elif opt == b"LIMIT" and left >= 2:
            spec["limit"] = True
            j += 2
        elif opt == b"STORE" and left >= 1 and not ro:
            spec["store"] = args[j + 1]
            j += 1
        elif opt == b"BY" and left >= 1:
            spec["nosort"] = spec["nosort"] or b"*" not in args[j + 1]   # sticky
            spec["by"] = args[j + 1]
            j += 1
        elif opt == b"GET" and left >= 1:
            spec["gets"].append(args[j + 1])
            j += 1
        j += 1
    if spec["nosort"]:
        spec["by"] = None
    return spec


def sort_ties(spec, enc):
    """Where Redis leaves SORT's order open, given the OBJECT ENCODING of
    the sorted key: None (fully defined), "all" (BY nosort on a hashtable
    set: the set's own order), "nul" (ALPHA compares with strcoll(), so
    elements equal up to a NUL tie) or "weight" (ALPHA BY: elements with the
    same or no weight tie). Ties keep the input order (glibc's qsort is a
    merge sort) when the input is a list or an intset and no LIMIT sends
    SORT BY to Redis's own pqsort; a hashtable set or a sorted set (read
    from its dict) gives them in hash order."""
    stable = enc in (b"quicklist", b"intset")
    if spec["nosort"]:
        return "all" if enc == b"hashtable" and spec["store"] is None else None
    if not spec["alpha"]:
        return None         # numeric: ties fall back to the elements
    if spec["by"] is None:
        return None if stable or spec["store"] is not None else "nul"
    return None if stable and not spec["limit"] else "weight"


def sort_equivalent(p, spec, ties, ra, rb):
    """Replies ra, rb of SORT equal up to the ties of sort_ties (with a
    LIMIT, a run of ties cut by it may hold different elements)."""
    xa, xb = decode(ra), decode(rb)
    if not isinstance(xa, list) or not isinstance(xb, list) or len(xa) != len(xb):
        return False
    g = len(spec["gets"]) or 1
    ga = [tuple(xa[i:i + g]) for i in range(0, len(xa), g)]
    gb = [tuple(xb[i:i + g]) for i in range(0, len(xb), g)]
    if ties == "all" or (spec["gets"] and b"#" not in spec["gets"]):
        # any order (or no way to tell which element a group is)
        return spec["limit"] or sorted(ga, key=_sort_key) == sorted(gb, key=_sort_key)
    at = spec["gets"].index(b"#") if spec["gets"] else 0
    if ties == "nul":
        def tie(e):
            return e.split(b"\0")[0]
    else:
        elems = sorted({grp[at] for grp in ga + gb})
        weights = {}
        for e, r in zip(elems, p.redis_only([_by_lookup(spec["by"], e) for e in elems])):
            v = decode(r)
            weights[e] = None if isinstance(v, Err) or v is None else v.split(b"\0")[0]

        def tie(e):
            return weights[e]
    ka, kb = [tie(grp[at]) for grp in ga], [tie(grp[at]) for grp in gb]
    if ka != kb:
        return False
    i = 0
    while i < len(ka):
        j = i
        while j < len(ka) and ka[j] == ka[i]:
            j += 1
        cut = spec["limit"] and (i == 0 or j == len(ka))
        if not cut and sorted(ga[i:j], key=_sort_key) != sorted(gb[i:j], key=_sort_key):
            return False
        i = j
    return True


def handle_sort(p, args, mode):
    """SORT and SORT_RO: exact where Redis defines the order (see
    sort_ties); a STORE whose order is open is followed by a DEL of the
    destination on both."""
    spec = mode[1]
    # Redis 7.0 tests errno after strtod() without clearing it first: an
    # ERANGE left by an earlier command (ZADD of a subnormal score...) fails
    # a numeric SORT with "One or more scores can't be converted into
    # double". BLPOP with a negative timeout parses it (errno = 0) and
    # fails, changing nothing.
    # (The encoding is read before the sort: a STORE into the sorted key
    # replaces what decides whether its ties keep their order.)
    (za, ea, ra), (zb, eb, rb) = p.both([[b"BLPOP", b"sort-errno", b"-1"],
                                         [b"OBJECT", b"ENCODING", spec["key"]], args])
    fa = fb = None
    if _closed(za, ra, ea, zb, rb, eb):
        return (ra, ea, fa), (rb, eb, fb), (za, ra, ea) == (zb, rb, eb)
    if za != zb:
        return (za, ra, ea, fa), (zb, rb, eb, fb), False
    ties = sort_ties(spec, _encoding(eb))
    if spec["store"] is not None and ties is not None and rb[:1] == b":":
        fa, fb = p.both(forget(spec["store"]))
    if rb == SORT_CONVERSION_ERROR and ra != rb and subnormal_scores(p, spec["key"]):
        # Redis 7.0 turns a listpack sorted set into a skiplist for SORT,
        # parsing every score with strtod(), and a subnormal one leaves
        # errno at ERANGE, which the numeric sort then reads as a failed
        # conversion of a weight. Cairn sorts; what it stored is dropped so
        # the datasets stay alike.
        if spec["store"] is not None:
            fa, fb = p.both(forget(spec["store"]))
        return (ra, ea, fa), (rb, eb, fb), ea == eb
    ok = ea == eb and fa == fb
    if ok and ra != rb:
        ok = (ties is not None and spec["store"] is None
              and sort_equivalent(p, spec, ties, ra, rb))
    return (ra, ea, fa), (rb, eb, fb), ok


def handle_lex(p, args, mode):
    """ZRANGEBYLEX and the like: on a skiplist whose members do not all have
    the same score, where the range starts depends on the skiplist's random
    levels (Redis documents the result as unspecified). There only the RESP
    type is compared, and a write (ZREMRANGEBYLEX, ZRANGESTORE) is followed
    on both by a DEL of the key it wrote. The sorted set is read first."""
    _, key, written = mode
    (ea, za, ra), (eb, zb, rb) = p.both([[b"OBJECT", b"ENCODING", key],
                                         [b"ZRANGE", key, b"0", b"-1", b"WITHSCORES"], args])
    fa = fb = None
    if _closed(ea, za, ra, eb, zb, rb):
        return (ea, za, ra), (eb, zb, rb), (ea, za, ra) == (eb, zb, rb)
    ok = ea == eb and za == zb
    v = decode(zb)
    defined = (_encoding(eb) != b"skiplist" or not isinstance(v, list)
               or len({s for _, s in pairs_of(v)}) <= 1 or rb[:1] == b"-")
    if defined:
        ok = ok and ra == rb
    else:
        ok = ok and ra[:1] == rb[:1]
        if written is not None:
            fa, fb = p.both(forget(written))
            ok = ok and fa == fb
    return (ea, za, ra, fa), (eb, zb, rb, fb), ok


SORT_CONVERSION_ERROR = b"-ERR One or more scores can't be converted into double\r\n"


def subnormal_scores(p, key):
    """Whether redis's sorted set at key has a score below the normal range."""
    tiny = b"%r" % sys.float_info.min
    raw = p.redis_only([[b"TYPE", key],
                        [b"ZCOUNT", key, b"(0", b"(" + tiny],
                        [b"ZCOUNT", key, b"(-" + tiny, b"(0"]])
    return raw[0] == b"+zset\r\n" and (raw[1] != b":0\r\n" or raw[2] != b":0\r\n")


def forget(key):
    """Commands that delete key whatever its state, and that a log records
    (a DEL of a missing key is not logged, and replaying a random write may
    well create the key)."""
    return [[b"SET", key, b"x"], [b"DEL", key]]


def handle_cold(p, args, mode):
    """DEBUG COLD * on Cairn alone: its values go to the cold tier, and the
    commands after it must answer as if they had not."""
    p.ca.send(testlib.encode(*args))
    ra = p._read(p.ca)
    return ra, None, isinstance(ra, bytes) and ra[:1] == b":"


def handle_dump_restore(p, args, mode):
    """DUMP src on each server, RESTORE dst with that server's own payload
    (corrupted alike on both when asked: a byte flipped)."""
    _, src, dst, ttl, opts, corrupt = mode
    (da,), (db,) = p.both([[b"DUMP", src]])
    ra = rb = None
    ok = not _closed(da, db) and dump_equal(da, db)
    pa, pb = _bulk(da), _bulk(db)
    fa = fb = None
    if ok and pa is not None and pb is not None:
        hashtable_hash = pb[:1] == bytes([RDB_TYPE_HASH])
        if corrupt is not None:
            pa, pb = (bytes(x[:corrupt % len(x)]) + bytes([x[corrupt % len(x)] ^ 0x5a])
                      + bytes(x[corrupt % len(x) + 1:]) for x in (pa, pb))
        ra, rb = p.each([args[0], dst, ttl, pa] + opts, [args[0], dst, ttl, pb] + opts)
        ok = ra == rb
        if ok and ra == b"+OK\r\n" and hashtable_hash:
            # A small hash loads as a listpack in the payload's (hash) order.
            fa, fb = p.both([[b"OBJECT", b"ENCODING", dst], [b"HGETALL", dst]])
            ok = fa[0] == fb[0] and multiset_equal(fa[1], fb[1], 2)
            if ok and _encoding(fb[0]) == b"listpack":
                x, y = p.both(forget(dst))
                fa, fb, ok = fa + x, fb + y, x == y
    return (da, ra, fa), (db, rb, fb), ok


MODE_TEXT = {
    "sorted": "as a multiset", "dump": "as DUMP payloads (a hashtable's elements in any order)",
    "type": "by RESP type only", "randomkey": "nil or a key",
    "enc": "exact, any order on a hashtable; replies: (reply, OBJECT ENCODING)",
    "scan": "scanned to cursor 0 on each server; replies: (OBJECT ENCODING, pages...)",
    "rand": "random reply fits the collection; replies: (collection, reply, follow-up)",
    "sort": "order up to the ties Redis leaves open; replies: (reply, OBJECT ENCODING, DEL)",
    "lex": "exact unless a skiplist of mixed scores; replies: (OBJECT ENCODING, ZRANGE, "
           "reply, DEL)",
    "dumprestore": "replies: (DUMP, RESTORE, [OBJECT ENCODING, HGETALL, DEL])",
    "stream": "exact but for idle, delivery and seen times",
    "xpending": "exact but for idle and delivery times",
    "cold": "sent to Cairn alone, which must answer an integer"}
MODE_TEXT.update((m, "within %d" % t) for m, t in TTL_TOLERANCE.items())

HANDLERS = {"enc": handle_enc, "scan": handle_scan, "rand": handle_rand, "sort": handle_sort,
            "lex": handle_lex, "dumprestore": handle_dump_restore, "cold": handle_cold}


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
    """The command as a run_compat.py script line. The modes with extra
    round trips come out as their nearest directive, with a comment."""
    if isinstance(mode, tuple):
        kind = mode[0]
        if kind == "cold":
            return "# DEBUG COLD * (Cairn alone)"
        if kind == "dumprestore":
            _, src, dst, ttl, opts, corrupt = mode
            return "# DUMP %s, then RESTORE %s with that server's payload%s" % (
                fmt_args([src]), fmt_args([dst, ttl] + opts),
                "" if corrupt is None else " (byte %d flipped)" % corrupt)
        line = ("!sorted " if kind in ("enc", "sort") else "!type ") + fmt_args(args)
        if kind == "rand" and mode[5]:
            line += "\n    # then, if it popped part of the set: %s" % (
                "DEL key" if mode[5] == "del" else "SADD key <what it popped>")
        if kind == "scan":
            line += "\n    # (then on to cursor 0 on each server)"
        return line
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


def diff_states(ca, rd, before, volatile, rd_before=None, notes=None):
    """Mismatches of Cairn's state ca against redis's rd, as printable
    [(db, key or None, text)]. before: Cairn's state before the step, whose
    PEXPIRETIMEs must be kept exactly. Keys in volatile may be missing.
    rd_before: redis's state before the step. Where redis's own replay
    changed a key that Cairn kept exactly as both servers had it before,
    the difference is redis's (its AOF replay diverging from its live
    state), not a loss in Cairn: it goes to `notes` instead; so does a key
    redis's replay lost or made where Cairn kept what both had before."""
    def same(a, b):   # DUMPs, None for no key
        return a is None and b is None or (
            a is not None and b is not None and dump_equal(a, b))

    def redis_changed(db, k):
        """Redis's replay changed, lost or made k where Cairn kept what both
        had before (e.g. a SORT ... STORE that fails on replay: see the SORT
        note in the module doc)."""
        if rd_before is None:
            return False
        c_after, c_before, r_before, r_after = (
            st[db][1].get(k, (None,))[0] for st in (ca, before, rd_before, rd))
        kept, both_had = same(c_after, c_before), same(c_before, r_before)
        return kept and both_had and not same(r_after, r_before)

    out = []
    for db in range(NUM_DBS):
        csize, ckeys = ca[db]
        rsize, rkeys = rd[db]
        nvol = sum(1 for d, _ in volatile if d == db)
        first = len(out)
        lost_by_redis = 0
        for k in sorted(set(ckeys) | set(rkeys)):
            if k not in rkeys or k not in ckeys:
                if (db, k) in volatile:
                    continue
                if redis_changed(db, k):
                    lost_by_redis += 1
                    if notes is not None:
                        notes.append((db, k))
                    continue
                side, (dump, pttl, _) = (("cairn", ckeys[k]) if k in ckeys
                                         else ("redis", rkeys[k]))
                out.append((db, k, "only in %s; its DUMP: %r, PTTL %s" % (side, dump, pttl)))
                continue
            (cd, cp, ce), (rdump, rp, _) = ckeys[k], rkeys[k]
            if not dump_equal(cd, rdump):
                if redis_changed(db, k):
                    if notes is not None:
                        notes.append((db, k))
                    continue
                out.append((db, k, "DUMP differs:\n      cairn: %r\n      redis: %r"
                            % (cd, rdump)))
            if not compare("pttl", b":%d\r\n" % cp if cp is not None else b"?",
                           b":%d\r\n" % rp if rp is not None else b"?"):
                out.append((db, k, "PTTL: cairn %s, redis %s" % (cp, rp)))
            old = before[db][1].get(k)
            if old is not None and (db, k) not in volatile and old[2] != ce:
                out.append((db, k, "PEXPIRETIME changed: cairn %s before, %s after"
                            % (old[2], ce)))
        if csize != rsize and abs(csize - rsize) > nvol + lost_by_redis:
            out.insert(first, (db, None, "DBSIZE: cairn %d, redis %d" % (csize, rsize)))
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

    def both(self, cmds):
        """Sends the commands (argument lists) to both, pipelined; returns
        ([cairn's replies], [redis's replies])."""
        data = b"".join(testlib.encode(*args) for args in cmds)
        self.ca.send(data)
        self.cb.send(data)
        return [self._read(self.ca) for _ in cmds], [self._read(self.cb) for _ in cmds]

    def each(self, args_a, args_b):
        """One command to each server (they may differ); both replies."""
        self.ca.send(testlib.encode(*args_a))
        self.cb.send(testlib.encode(*args_b))
        return self._read(self.ca), self._read(self.cb)

    def redis_only(self, cmds):
        self.cb.send(b"".join(testlib.encode(*args) for args in cmds))
        return [self._read(self.cb) for _ in cmds]

    def scan_all(self, conn, args, ci):
        """The pages of a SCAN-family command on one connection, from its
        cursor argument args[ci] until the server answers cursor 0."""
        pages = []
        args = list(args)
        while True:
            conn.send(testlib.encode(*args))
            raw = self._read(conn)
            pages.append(raw)
            page = _scan_page(raw)
            if page is None or page[0] == b"0":
                return pages
            if len(pages) > 10000:
                raise Fatal("%s: no end after 10000 pages" % fmt_args(args[:ci]))
            args[ci] = page[0]

    def run(self, cmds):
        """Runs the (args, mode) commands on both and returns [(cairn's
        reply, redis's reply, agree)] in order: plain modes pipelined in
        chunks, the others (tuples) through their HANDLERS."""
        out, batch = [], []

        def flush():
            if batch:
                ra, rb = self.both([args for args, _ in batch])
                out.extend((a, b, compare(mode, a, b)) for (_, mode), a, b in zip(batch, ra, rb))
                del batch[:]

        for args, mode in cmds:
            if isinstance(mode, tuple):
                flush()
                out.append(HANDLERS[mode[0]](self, args, mode))
            else:
                batch.append((args, mode))
                if len(batch) == 200:
                    flush()
        flush()
        return out

    def one(self, args):
        return self.run([(args, "exact")])[0]

    def reset(self):
        """FLUSHALL, db 0, RESP2 and the default encoding limits on both;
        RESET first ends a MULTI or WATCH a replayed sequence left open."""
        cmds = [[b"FLUSHALL"], [b"SELECT", b"0"],
                [b"CONFIG", b"SET"] + [x for n, dflt, _ in ENCODING_CONFIG for x in (n, dflt)]]
        ra, rb = self.both([[b"RESET"], [b"HELLO", b"2"]] + cmds)
        for a, b in zip(ra[2:], rb[2:]):
            if a != b"+OK\r\n" or b != b"+OK\r\n":
                raise Fatal("FLUSHALL/SELECT 0/CONFIG SET answered %r / %r" % (a, b))


class Runner:
    def __init__(self, cairn, redis, opts):
        self.cairn = cairn
        self.redis = redis
        self.opts = opts
        self.passed = 0
        self.failed = 0
        self.base_args = {s.name: list(s.extra_args) for s in (cairn, redis)}
        self.config = []      # the running seed's encoding limits

    def pair(self):
        return Pair(self.cairn, self.redis)

    def dead_servers(self, a, b):
        """The names of the servers that exited; after a closed connection
        (in replies a or b), each gets 2 s to finish exiting."""
        deadline = time.monotonic() + (2.0 if "<closed>" in repr((a, b)) else 0)
        while True:
            dead = [x.name for x in (self.cairn, self.redis) if not x.alive()]
            if dead or time.monotonic() >= deadline:
                return dead
            time.sleep(0.05)

    def run_seed(self, seed, count):
        print("seed %d: %d commands (reproduce: SEED=%d %s --seeds 1 --commands %d)"
              % (seed, count, seed, os.path.basename(__file__), count))
        sys.stdout.flush()
        gen = Gen(seed, int(time.time()), self.opts.exclude, self.opts.cold)
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
                a, b, ok = p.run([(args, mode)])[0]
                if self.opts.show:
                    print("%5d %s\n  cairn: %r\n  redis: %r" % (i, fmt_args(args), a, b))
                last[:] = [a, b]
                if ok:
                    self.passed += 1
                else:
                    self.failed += 1
                    failed_here += 1
                    dead = self.dead_servers(a, b)
                    if dead:   # no minimizing: a replay would need a restart
                        self.report(seed, i, args, mode, a, b, recent, [])
                        raise Abort("%s exited during command %d (%s)"
                                    % (" and ".join(dead), i, fmt_args(args)))
                    if failed_here == 1:
                        self.report(seed, i, args, mode, a, b, recent, list(history))
                    elif failed_here <= 50:    # --keep-going: the later ones, briefly
                        print("FAIL seed %d, command %d: %s\n  cairn: %r\n  redis: %r"
                              % (seed, i, fmt_args(args), a, b))
                recent.append((i, args, a, b))
                return ok

            # This seed's encoding limits, also given to Cairn when it restarts.
            self.config = gen.config
            i = 0
            for args, mode in gen.preamble():
                if not check(i, args, mode):
                    return
                i += 1
            for _ in range(count):
                args, mode = gen.next()
                if not check(i, args, mode) and not self.opts.keep_going:
                    return
                i += 1
            # The whole dataset, database by database.
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
                    for args, mode in (([b"DUMP", key], "dump"), ([b"PTTL", key], "pttl")):
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

    def server_cmd(self, server, *args):
        """One command on a fresh connection to server; the raw reply."""
        try:
            c = rc.Conn(server.port)
        except OSError as e:
            raise Fatal("%s: connect: %s" % (server.name, e))
        try:
            c.send(testlib.encode(*args))
            return c.reply()
        except rc.Timeout:
            raise Fatal("%s: no reply to %s within %gs" % (server.name, args[0], rc.REPLY_TIMEOUT))
        finally:
            c.close()

    def server_info(self, server):
        raw = self.server_cmd(server, b"INFO", b"persistence")
        if not isinstance(raw, bytes) or raw[:1] != b"$":
            raise Fatal("%s: INFO persistence answered %r" % (server.name, raw))
        return dict(line.split(":", 1) for line in
                    _key_of(raw).decode(errors="replace").splitlines() if ":" in line)

    def wait_idle(self, server, what, done=lambda info: True):
        """Waits until server runs no BGSAVE or rewrite and done(info)."""
        deadline = time.monotonic() + REWRITE_TIMEOUT
        while True:
            info = self.server_info(server)
            if (info.get("rdb_bgsave_in_progress", "0") == "0"
                    and info.get("aof_rewrite_in_progress", "0") == "0"
                    and info.get("aof_rewrite_scheduled", "0") == "0" and done(info)):
                return info
            if time.monotonic() > deadline:
                raise Fatal("%s: %s: not done after %gs: %s" % (
                    server.name, what, REWRITE_TIMEOUT,
                    {k: v for k, v in info.items() if "rewrite" in k or "bgsave" in k}))
            time.sleep(0.01)

    def restart(self, server):
        """SIGKILL server (and any child) and start it again on the same dir,
        with this seed's encoding limits from the start (the log replays
        under them)."""
        if not server.server.kill(timeout=10):
            raise Abort("%s did not die on SIGKILL" % server.name)
        if not wait_for_binary(server.binary):
            raise Abort("%s vanished" % server.binary)
        server.extra_args = self.base_args[server.name] + [
            x.decode() for name, value in self.config for x in (b"--" + name, value)]
        try:
            server.start()
        except (OSError, RuntimeError) as e:
            server.print_log()
            raise Abort("%s did not restart: %s" % (server.name, e))

    def redis_loads_cairn(self, seed):
        """redis-server started on a copy of Cairn's directory (manifest,
        base and incr files, as Cairn left them) loads Cairn's dataset;
        returns 0 or 1."""
        ca = snapshot(self.cairn.port, "cairn")
        loader = rc.Server("redis-on-cairn-files", self.opts.redis,
                           ["--save", "", "--appendonly", "yes"] + [
                               x.decode() for name, value in self.config
                               for x in (b"--" + name, value)])
        try:
            for name in os.listdir(self.cairn.dir):
                if name in ("cold", "server.log"):
                    continue
                src, dst = os.path.join(self.cairn.dir, name), os.path.join(loader.dir, name)
                if os.path.isdir(src):
                    shutil.copytree(src, dst)
                else:
                    shutil.copy2(src, dst)
            try:
                loader.start()
            except (OSError, RuntimeError) as e:
                loader.print_log()
                self.failed += 1
                print("FAIL seed %d, redis-server could not load Cairn's files: %s" % (seed, e))
                return 1
            rl = snapshot(loader.port, "redis-server on Cairn's files")
        finally:
            loader.cleanup()
        bad = diff_states(rl, ca, ca, volatile_keys(ca, ca))
        if not bad:
            self.passed += 1
            return 0
        self.failed += 1
        print("FAIL seed %d, redis-server loading Cairn's files: %d mismatch(es) "
              "(first: redis-server's, second: Cairn's)" % (seed, len(bad)))
        for db, k, text in bad[:SHOW_KEY_MISMATCHES]:
            print("  db %d%s: %s" % (db, "" if k is None else ", key %s" % fmt_args([k]),
                                     text.replace("cairn", "loaded").replace("redis", "cairn")))
        return 1

    def compare_states(self, seed, step, before, volatile, history, rd_before=None):
        """Compares Cairn's dataset with redis's after `step`; returns 0 or 1."""
        ca = snapshot(self.cairn.port, "cairn after %s" % step)
        rd = snapshot(self.redis.port, "redis")
        notes = []
        bad = diff_states(ca, rd, before, volatile, rd_before, notes)
        for db, k in notes:
            print("note seed %d, after %s: db %d, key %s: redis's replay changed it, cairn "
                  "kept it as both had it before" % (seed, step, db, fmt_args([k])))
        # The two now differ by redis's doing: drop the key on both, so that
        # later steps compare what they should.
        for server in (self.cairn, self.redis):
            for db, k in notes:
                c = rc.Conn(server.port)
                try:
                    c.send(testlib.encode(b"SELECT", b"%d" % db) + testlib.encode(b"DEL", k))
                    c.reply()
                    c.reply()
                finally:
                    c.close()
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

    def normalize_hashes(self, i, check):
        """Rebuilds (DEL, HSET in sorted order, PEXPIREAT; on both servers,
        through check) every hashtable hash that a load would turn into a
        listpack: that listpack would take the hashtable's order, which is
        each server's own. Returns the next command index, or None when a
        reply differs."""
        limits = dict(self.config)
        max_entries = int(limits[b"hash-max-listpack-entries"])
        max_value = int(limits[b"hash-max-listpack-value"])
        try:
            c = rc.Conn(self.redis.port)
        except OSError as e:
            raise Fatal("redis: connect: %s" % e)

        def ask(*cmds):
            c.send(b"".join(testlib.encode(*a) for a in cmds))
            return [decode(c.reply()) for _ in cmds]
        try:
            rebuild = []
            for db in range(NUM_DBS):
                names = ask([b"SELECT", b"%d" % db], [b"KEYS", b"*"])[1]
                for k in names:
                    enc, pairs, at = ask([b"OBJECT", b"ENCODING", k], [b"HGETALL", k],
                                         [b"PEXPIRETIME", k])
                    if enc != b"hashtable" or isinstance(pairs, Err):
                        continue
                    pairs = sorted(pairs_of(pairs))
                    if len(pairs) <= max_entries and all(
                            len(f) <= max_value and len(v) <= max_value for f, v in pairs):
                        rebuild.append((db, k, pairs, at))
        except (rc.Timeout, ValueError, TypeError) as e:
            raise Fatal("redis: reading the hashes: %s" % e)
        finally:
            c.close()
        cmds = []
        for db, k, pairs, at in rebuild:
            cmds += [[b"SELECT", b"%d" % db], [b"DEL", k],
                     [b"HSET", k] + [x for pair in pairs for x in pair]]
            if at >= 0:
                cmds.append([b"PEXPIREAT", k, b"%d" % at])
        for args in cmds + ([[b"SELECT", b"0"]] if cmds else []):
            if not check(i, args, "exact"):
                return None
            i += 1
        return i

    def durability(self, seed, gen, i, check, reconnect, history):
        """Steps 1-3 of the module doc, each done to both servers; returns
        the number of failed steps (it stops at the first). i: the next
        command index."""
        def pre():
            before = snapshot(self.cairn.port, "cairn")
            rd_before[0] = snapshot(self.redis.port, "redis")
            return before, volatile_keys(before, rd_before[0])

        rd_before = [None]

        started = time.monotonic()
        step = "SIGKILL and restart (log replay)"
        before, volatile = pre()
        for server in (self.cairn, self.redis):
            self.restart(server)
        reconnect()
        if self.compare_states(seed, step, before, volatile, history, rd_before[0]):
            return 1
        if self.redis_loads_cairn(seed):
            return 1

        step = "DEBUG RELOAD"
        i = self.normalize_hashes(i, check)
        if i is None:
            return 1
        for server in (self.cairn, self.redis):
            self.wait_idle(server, "BGSAVE before DEBUG RELOAD")
        before, volatile = pre()
        for server in (self.cairn, self.redis):
            r = self.server_cmd(server, b"DEBUG", b"RELOAD")
            if r != b"+OK\r\n":
                self.failed += 1
                print("FAIL seed %d, durability: DEBUG RELOAD answered %r on %s"
                      % (seed, r, server.name))
                if not server.alive():
                    server.print_log()
                    raise Abort("%s exited during DEBUG RELOAD" % server.name)
                return 1
        if self.compare_states(seed, step, before, volatile, history, rd_before[0]):
            return 1

        step = ("BGREWRITEAOF, %d more commands during and %d after it, SIGKILL and restart"
                % (self.opts.tail, self.opts.tail))
        i = self.normalize_hashes(i, check)
        if i is None:
            return 1
        rewrites = {}
        for server in (self.cairn, self.redis):
            rewrites[server.name] = int(self.wait_idle(server, "BGSAVE before BGREWRITEAOF")
                                        .get("aof_rewrites", "0"))
            r = self.server_cmd(server, b"BGREWRITEAOF")
            if not r.startswith(b"+Background append only file rewriting s"):
                self.failed += 1
                print("FAIL seed %d, durability: BGREWRITEAOF answered %r on %s"
                      % (seed, r, server.name))
                return 1
        # Both connections are new (db 0, RESP2); the SELECT and HELLO put
        # that in the history, which the minimizer replays on one connection.
        if not check(i, [b"SELECT", b"0"], "exact") or not check(i + 1, [b"HELLO", b"2"], "type"):
            return 1
        i += 2
        for _ in range(self.opts.tail):
            args, mode = gen.next()
            if not check(i, args, mode):
                return 1
            i += 1
        for server in (self.cairn, self.redis):
            n = rewrites[server.name]
            info = self.wait_idle(server, "BGREWRITEAOF",
                                  lambda info: int(info.get("aof_rewrites", "0")) > n)
            if info.get("aof_last_bgrewrite_status") != "ok":
                self.failed += 1
                print("FAIL seed %d, durability: aof_last_bgrewrite_status:%s on %s"
                      % (seed, info.get("aof_last_bgrewrite_status"), server.name))
                return 1
        for _ in range(self.opts.tail):   # after the rewrite: the new incr file
            args, mode = gen.next()
            if not check(i, args, mode):
                return 1
            i += 1
        before, volatile = pre()
        for server in (self.cairn, self.redis):
            self.restart(server)
        reconnect()
        if self.compare_states(seed, step, before, volatile, history, rd_before[0]):
            return 1
        if self.redis_loads_cairn(seed):   # now with the rewritten base
            return 1
        print("seed %d: durability ok (2 restarts, DEBUG RELOAD, BGREWRITEAOF; %.1fs)"
              % (seed, time.monotonic() - started))
        return 0

    def report(self, seed, i, args, mode, a, b, recent, history):
        print("FAIL seed %d, command %d: %s%s" % (
            seed, i, fmt_args(args), "" if mode == "exact" else "  (compared: %s)" % MODE_TEXT.get(
                mode if isinstance(mode, str) else mode[0], mode)))
        print("  cairn: %r" % (a,))
        print("  redis: %r" % (b,))
        if recent:
            print("  the previous %d commands (redis's reply; cairn's when different):"
                  % len(recent))
            for j, pargs, pa, pb in recent:
                print("    %5d %s\n          -> %r%s" % (
                    j, fmt_args(pargs), pb, "" if pa == pb else "  cairn: %r" % (pa,)))
        sys.stdout.flush()
        if self.opts.minimize_time > 0 and history:
            try:
                self.minimize(history)
            except (Fatal, OSError) as e:
                print("  (minimizing stopped: %s)" % e)

    # -- shrinking a failing sequence --------------------------------------

    def _first_mismatch(self, p, seq):
        p.reset()
        for j, ((args, mode), (a, b, ok)) in enumerate(zip(seq, p.run(seq))):
            if not ok:
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
            for (args, mode), (a, b, _) in zip(seq, p.run(seq)):
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
    ap.add_argument("--cairn-arg", action="append", default=[], metavar="ARGS",
                    help="more words for cairn-server's command line")
    ap.add_argument("--cold", action="store_true",
                    help="run Cairn with maxmemory-policy cold-lru and now and then send it "
                         "(alone) DEBUG COLD *: every value of the database goes to the cold "
                         "tier, and must come back as it was for the commands that follow")
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
        cairn = rc.Server("cairn", opts.cairn, ([
            "--appendonly", "yes", "--appendfsync", "always",
            "--enable-debug-command", "yes"] if opts.durability else ["--appendonly", "no"])
            + (["--maxmemory-policy", "cold-lru", "--maxmemory", "1gb"] if opts.cold else [])
            + [a for arg in opts.cairn_arg for a in arg.split()])
        servers.append(cairn)
        redis = rc.Server("redis", opts.redis, [
            "--save", "", "--appendonly", "yes", "--appendfsync", "always",
            "--enable-debug-command", "yes"] if opts.durability else [
            "--save", "", "--appendonly", "no"])
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
