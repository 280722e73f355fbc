#!/usr/bin/python3
"""Randomized differential test of blocking commands: Cairn against the real
redis-server 7.0.15, several clients each.

    /usr/bin/python3 tests/compat/blocking_random_test.py --cairn PATH/cairn-server \
        [--redis /usr/bin/redis-server] [--seeds 3] [--steps 400] [--seed S] [--show]

Both servers (--appendonly no) get CLIENTS connections each (some in RESP3,
the same on both). Every step one
connection with no reply outstanding sends either a blocking command that
waits forever (BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP, BZPOPMIN, BZPOPMAX,
BZMPOP, XREAD BLOCK 0, XREADGROUP BLOCK 0: served at once when it can be,
else it stays blocked) or a command that may wake blocked clients or change
what they wait on (pushes, moves, ZADD, XADD, DEL, SET over a key, RENAME,
MOVE, SWAPDB, COPY, SORT/ZUNIONSTORE/ZRANGESTORE into a key, FLUSHDB,
XGROUP CREATE/DESTROY, CLIENT UNBLOCK, several pushes in a MULTI/EXEC or a
script, a blocking command in a MULTI/EXEC or a script, where it never
blocks). Then every reply each connection got is compared
with the same connection's on the other server: which clients a write woke,
in which order they were served, what each got. A connection that replied
on one server only is given up to a second on the other before it counts
as a mismatch (blocked is the stable state; a reply may be late).

At the end of each seed the keys are compared (DUMP of each, a stream's
delivery and seen times aside) and the connections are closed. The first mismatch of a
seed prints the seed, the step, and the steps before it; the last line is
"N passed, M failed" and the exit status is non-zero when M > 0.
Standard library only.
"""

import argparse
import os
import random
import socket
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
sys.path.insert(0, HERE)
import cairn_testlib as testlib  # noqa: E402
import random_test as rt  # noqa: E402  (dump_equal: a stream's times masked)
import run_compat as rc  # noqa: E402

CLIENTS = 4
LISTS = [b"bl0", b"bl1", b"bl2"]
ZSETS = [b"bz0", b"bz1"]
STREAMS = [b"bx0", b"bx1"]
OTHER = [b"bs"]
ALL = LISTS + ZSETS + STREAMS + OTHER
GROUPS = [b"g0", b"g1"]
SETTLE_S = 0.02       # how long a reply is waited for, in general
LATE_S = 1.0          # how long a reply seen on one server is waited for on the other
CONTEXT = 12


class Gen:
    def __init__(self, seed):
        self.rng = random.Random(seed)
        self.ms = {}      # per stream, where its explicit IDs have got to

    def elems(self, lo, hi):
        return [b"%d" % self.rng.randint(0, 20) for _ in range(self.rng.randint(lo, hi))]

    def some(self, pool, lo, hi):
        return [self.rng.choice(pool) for _ in range(self.rng.randint(lo, hi))]

    def side(self):
        return self.rng.choice([b"LEFT", b"RIGHT"])

    def blocking(self):
        """A blocking command with no timeout."""
        rng = self.rng
        r = rng.random()
        if r < 0.2:
            return [rng.choice([b"BLPOP", b"BRPOP"])] + self.some(LISTS, 1, 3) + [b"0"]
        if r < 0.32:
            return [b"BLMOVE", rng.choice(LISTS), rng.choice(LISTS), self.side(), self.side(),
                    b"0"]
        if r < 0.38:
            return [b"BRPOPLPUSH", rng.choice(LISTS), rng.choice(LISTS), b"0"]
        if r < 0.48:
            keys = self.some(LISTS, 1, 3)
            args = [b"BLMPOP", b"0", b"%d" % len(keys)] + keys + [self.side()]
            return args + ([b"COUNT", b"%d" % rng.randint(1, 3)] if rng.random() < 0.5 else [])
        if r < 0.62:
            return [rng.choice([b"BZPOPMIN", b"BZPOPMAX"])] + self.some(ZSETS, 1, 2) + [b"0"]
        if r < 0.7:
            keys = self.some(ZSETS, 1, 2)
            args = [b"BZMPOP", b"0", b"%d" % len(keys)] + keys + [rng.choice([b"MIN", b"MAX"])]
            return args + ([b"COUNT", b"%d" % rng.randint(1, 3)] if rng.random() < 0.5 else [])
        if r < 0.85:
            keys = self.some(STREAMS, 1, 2)
            args = [b"XREAD"] + ([b"COUNT", b"2"] if rng.random() < 0.3 else [])
            return args + [b"BLOCK", b"0", b"STREAMS"] + keys + [b"$"] * len(keys)
        key = rng.choice(STREAMS)
        args = [b"XREADGROUP", b"GROUP", rng.choice(GROUPS), b"c%d" % rng.randint(0, 2)]
        if rng.random() < 0.2:
            args.append(b"NOACK")
        return args + [b"BLOCK", b"0", b"STREAMS", key, b">"]

    def xid(self, key):
        self.ms[key] = self.ms.get(key, 0) + 1
        return b"%d-1" % self.ms[key]

    def push(self):
        rng = self.rng
        r = rng.random()
        if r < 0.45:
            return [rng.choice([b"LPUSH", b"RPUSH"]), rng.choice(LISTS)] + self.elems(1, 3)
        if r < 0.7:
            args = [b"ZADD", rng.choice(ZSETS)]
            for _ in range(rng.randint(1, 3)):
                args += [b"%d" % rng.randint(0, 9), b"m%d" % rng.randint(0, 6)]
            return args
        key = rng.choice(STREAMS)
        return [b"XADD", key, self.xid(key), b"f", b"%d" % rng.randint(0, 99)]

    def waker(self):
        """Commands (one list of argument lists, sent together) that may wake
        blocked clients or change what they wait on."""
        rng = self.rng
        r = rng.random()
        if r < 0.5:
            return [self.push()]
        if r < 0.56:
            return [[b"LMOVE", rng.choice(LISTS), rng.choice(LISTS), self.side(), self.side()]]
        if r < 0.6:
            return [[b"RPOPLPUSH", rng.choice(LISTS), rng.choice(LISTS)]]
        if r < 0.64:
            return [[rng.choice([b"LPOP", b"RPOP", b"ZPOPMIN"]), rng.choice(LISTS + ZSETS)]]
        if r < 0.68:
            return [[b"DEL"] + self.some(ALL, 1, 2)]
        if r < 0.71:
            return [[b"SET", rng.choice(ALL), b"now a string"]]
        if r < 0.75:
            return [[b"RENAME", rng.choice(ALL), rng.choice(ALL)]]
        if r < 0.77:
            return [[b"MOVE", rng.choice(ALL), b"1"]]
        if r < 0.79:
            return [[b"SWAPDB", b"0", b"1"]]
        if r < 0.85:
            key = rng.choice(STREAMS)
            if rng.random() < 0.7:
                return [[b"XGROUP", b"CREATE", key, rng.choice(GROUPS),
                         rng.choice([b"$", b"0"]), b"MKSTREAM"]]
            return [[b"XGROUP", b"DESTROY", key, rng.choice(GROUPS)]]
        if r < 0.865:
            return [rng.choice([
                [b"SORT", rng.choice(LISTS + ZSETS), b"STORE", rng.choice(LISTS)],
                [b"ZUNIONSTORE", rng.choice(ZSETS), b"2"] + self.some(ZSETS, 2, 2),
                [b"ZRANGESTORE", rng.choice(ZSETS), rng.choice(ZSETS), b"0", b"-1"],
                [b"COPY", rng.choice(ALL), rng.choice(ALL), b"REPLACE"],
                [b"LTRIM", rng.choice(LISTS), b"1", b"-1"],
                [b"ZREM", rng.choice(ZSETS), b"m%d" % rng.randint(0, 6)],
                [b"XTRIM", rng.choice(STREAMS), b"MAXLEN", b"1"],
                [rng.choice([b"FLUSHDB", b"FLUSHALL"])]])]
        if r < 0.89:
            return [[b"CLIENT", b"UNBLOCK", ("client", rng.randrange(CLIENTS))]
                    + ([rng.choice([b"TIMEOUT", b"ERROR"])] if rng.random() < 0.7 else [])]
        if r < 0.93:
            return [[b"MULTI"]] + [self.push() for _ in range(rng.randint(1, 3))] + [[b"EXEC"]]
        if r < 0.95:
            # A blocking command in a transaction or a script never blocks.
            if rng.random() < 0.5:
                return [[b"MULTI"], self.blocking(), self.push(), [b"EXEC"]]
            cmd = self.blocking()
            return [[b"EVAL", b"return redis.call(unpack(ARGV))", b"0"] + cmd]
        pushes = [self.push() for _ in range(rng.randint(1, 3))]
        body = b" ".join(b"redis.call(%s);" % b", ".join(b"'%s'" % a for a in p) for p in pushes)
        return [[b"EVAL", body + b" return 1", b"0"]]


class Side:
    """One server's connections, the CLIENT ID of each, and the replies
    each owes. Connections in `resp3` speak RESP3."""

    def __init__(self, server, resp3):
        self.conns = [rc.Conn(server.port) for _ in range(CLIENTS)]
        self.ids = []
        for n, c in enumerate(self.conns):
            if n in resp3:
                c.send(testlib.encode(b"HELLO", b"3"))
                c.reply()
            c.send(testlib.encode(b"CLIENT", b"ID"))
            self.ids.append(c.reply()[1:-2])
        self.owed = [0] * CLIENTS

    def send(self, i, cmds):
        args = [[self.ids[a[1]] if isinstance(a, tuple) else a for a in cmd] for cmd in cmds]
        self.conns[i].send(b"".join(testlib.encode(*a) for a in args))
        self.owed[i] += len(cmds)

    def poll(self, i, wait):
        """A reply of connection i if one comes within `wait` seconds."""
        c = self.conns[i]
        if self.owed[i] == 0:
            return None
        c.sock.settimeout(wait)
        start = c.pos
        try:
            r = c.reply()
        except rc.Timeout:
            c.pos = start
            return None
        finally:
            c.sock.settimeout(rc.REPLY_TIMEOUT)
        self.owed[i] -= 1
        return r

    def close(self):
        for c in self.conns:
            c.close()


def waited_keys(cmd):
    """The distinct keys a blocking command waits on."""
    name = cmd[0]
    if name in (b"BLPOP", b"BRPOP", b"BZPOPMIN", b"BZPOPMAX"):
        keys = cmd[1:-1]
    elif name in (b"BLMPOP", b"BZMPOP"):
        keys = cmd[3:3 + int(cmd[2])]
    elif name in (b"XREAD", b"XREADGROUP"):
        rest = cmd[cmd.index(b"STREAMS") + 1:]
        keys = rest[:len(rest) // 2]
    else:
        keys = cmd[1:2]
    return set(keys)


def fmt(cmds):
    return " ; ".join(" ".join(a.decode("latin-1") if isinstance(a, bytes) else "<id of client %d>"
                               % a[1] for a in cmd) for cmd in cmds)


def run_seed(seed, steps, cairn, redis, show):
    gen = Gen(seed)
    for s in (cairn, redis):
        c = rc.Conn(s.port)
        c.send(testlib.encode(b"FLUSHALL"))
        c.reply()
        c.close()
    resp3 = {n for n in range(CLIENTS) if gen.rng.random() < 0.3}
    sides = [Side(cairn, resp3), Side(redis, resp3)]
    history = []
    waiting = [None] * CLIENTS   # each client's last blocking command
    passed = 0
    try:
        for step in range(steps):
            free = [i for i in range(CLIENTS) if sides[1].owed[i] == 0]
            i = gen.rng.choice(free)
            if len(free) > 1 and gen.rng.random() < 0.4:
                cmds = [gen.blocking()]
            else:
                cmds = gen.waker()
                # SWAPDB signals the keys in the order of Redis's blocking_keys
                # dict, whose hash seed is random: a client waiting on several
                # keys that all come back may be served from any of them.
                while cmds[0][0] == b"SWAPDB" and any(
                        sides[1].owed[n] and len(waited_keys(waiting[n])) > 1
                        for n in range(CLIENTS)):
                    cmds = gen.waker()
            if cmds[0][0] in BLOCKING:
                waiting[i] = cmds[0]
            for s in sides:
                s.send(i, cmds)
            history.append((step, i, cmds))
            time.sleep(SETTLE_S)
            got = [{}, {}]
            for n in range(CLIENTS):
                # The sender's replies to what cannot block must all come.
                must = len(cmds) if n == i and cmds[0][0] not in BLOCKING else 0
                for k, s in enumerate(sides):
                    replies = []
                    while True:
                        r = s.poll(n, LATE_S if len(replies) < must else 0.001)
                        if r is None:
                            break
                        replies.append(r)
                    got[k][n] = replies
                # Seen on one side only: give the other a moment.
                for k in (0, 1):
                    while len(got[k][n]) < len(got[1 - k][n]):
                        r = sides[k].poll(n, LATE_S)
                        if r is None:
                            break
                        got[k][n].append(r)
            if show:
                print("%4d client %d: %s" % (step, i, fmt(cmds)))
                for n in range(CLIENTS):
                    if got[0][n] or got[1][n]:
                        print("       client %d  cairn: %r\n                 redis: %r"
                              % (n, got[0][n], got[1][n]))
            if got[0] != got[1]:
                print("FAIL seed %d, step %d (client %d): %s" % (seed, step, i, fmt(cmds)))
                for n in range(CLIENTS):
                    if got[0][n] != got[1][n]:
                        print("  client %d  cairn: %r\n            redis: %r"
                              % (n, got[0][n], got[1][n]))
                print("  the steps before (client: commands):")
                for st, ci, cs in history[-CONTEXT - 1:-1]:
                    print("    %4d  %d: %s" % (st, ci, fmt(cs)))
                print("  still blocked before this step: %s" % [
                    n for n in range(CLIENTS) if n != i and sides[1].owed[n]])
                return passed, 1
            passed += 1
        # The keys, then let every blocked client go.
        dumps = []
        for s in sides:
            c = s.conns[[n for n in range(CLIENTS) if s.owed[n] == 0][0]]
            c.send(b"".join(testlib.encode(b"DUMP", k) for k in ALL))
            dumps.append([c.reply() for _ in ALL])
        for k, (a, b) in enumerate(zip(*dumps)):
            if not rt.dump_equal(a, b):
                print("FAIL seed %d, at the end: key %r: DUMP cairn %r, redis %r"
                      % (seed, ALL[k], a, b))
                return passed, 1
        return passed + 1, 0
    finally:
        for s in sides:
            s.close()


BLOCKING = {b"BLPOP", b"BRPOP", b"BLMOVE", b"BRPOPLPUSH", b"BLMPOP", b"BZPOPMIN", b"BZPOPMAX",
            b"BZMPOP", b"XREAD", b"XREADGROUP"}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cairn", required=True)
    ap.add_argument("--redis", default="/usr/bin/redis-server")
    ap.add_argument("--seed", type=int, default=int(os.environ.get("SEED", "1")))
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--steps", type=int, default=400)
    ap.add_argument("--show", action="store_true")
    opts = ap.parse_args()
    rc._check_redis_version(opts.redis)
    started = time.monotonic()
    cairn = rc.Server("cairn", opts.cairn, ["--appendonly", "no", "--save", ""])
    redis = rc.Server("redis", opts.redis, ["--appendonly", "no", "--save", ""])
    passed = failed = 0
    try:
        for s in (cairn, redis):
            s.start()
        for n in range(opts.seeds):
            p, f = run_seed(opts.seed + n, opts.steps, cairn, redis, opts.show)
            passed += p
            failed += f
            print("seed %d: %s" % (opts.seed + n, "ok" if not f else "FAILED"))
            for s in (cairn, redis):
                if not s.alive():
                    print("%s exited" % s.name)
                    s.print_log()
                    failed += 1
                    raise SystemExit(1)
    except (OSError, socket.error, RuntimeError) as e:
        print("FAIL: %s" % e)
        failed += 1
    finally:
        for s in (cairn, redis):
            s.cleanup()
    print("%.1fs" % (time.monotonic() - started))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
