#!/usr/bin/python3
"""RESP streams that build big collections, for `redis-cli --pipe`.

Used by bench/collections.sh and bench/lazyfree.sh (see bench/README.md).

    bigkeys.py zset KEY N OUT   ZADD KEY i m:<i as 12 digits> for i in 0..N-1
    bigkeys.py hash KEY N OUT   HSET KEY f:<i as 12 digits> v<i>  for i in 0..N-1

Members and fields are zero-padded to 12 digits because that is how
redis-benchmark writes __rand_int__, so `ZSCORE KEY m:__rand_int__` and
`HGET KEY f:__rand_int__` with -r N always hit. A zset member's score is its
number, so `ZRANGE KEY __rand_int__ +inf BYSCORE LIMIT 0 10` reads the same
ten members as ZRANGE by rank from that number. The fills put BATCH pairs in
one command (N/BATCH replies), which is how a big key is loaded quickly; the
last line printed is the number of commands (replies to expect).
"""
import sys

BATCH = 1000


def bulk(b):
    return b"$%d\r\n%s\r\n" % (len(b), b)


def command(*args):
    return b"*%d\r\n" % len(args) + b"".join(bulk(a) for a in args)


def fill(kind, key, n, out):
    verb = b"ZADD" if kind == "zset" else b"HSET"
    commands = 0
    with open(out, "wb") as f:
        for start in range(0, n, BATCH):
            args = [verb, key]
            for i in range(start, min(n, start + BATCH)):
                if kind == "zset":
                    args += [b"%d" % i, b"m:%012d" % i]
                else:
                    args += [b"f:%012d" % i, b"v%d" % i]
            f.write(command(*args))
            commands += 1
    print(commands)


def main(argv):
    kind = argv[1] if len(argv) > 1 else ""
    if kind in ("zset", "hash") and len(argv) == 5:
        fill(kind, argv[2].encode(), int(argv[3]), argv[4])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
