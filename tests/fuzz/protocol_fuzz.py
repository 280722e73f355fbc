#!/usr/bin/env python3
"""Protocol fuzzing against the real cairn-server.

Mutated requests (bit flips, truncations, inserted garbage, random bytes,
huge length headers, nested and negative counts) are sent on fresh
connections for DURATION seconds, always with the log on, so the write path
is fuzzed too. The server must never crash, must keep answering PING on a
separate connection, and must still hold a sentinel key written before the
run (no garbage ever reaches the dataset as a half command).

  protocol_fuzz.py PATH_TO_cairn-server      (env DURATION, default 5; SEED)

`make test` runs it for 5 seconds; `make fuzz` for 300.
"""
import os
import random
import socket
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from cairn_testlib import Server, encode, free_port  # noqa: E402

SEEDS = [
    encode("SET", "k", "v"),
    encode("GET", "k"),
    encode("SET", "k", "v", "EX", "100", "NX", "GET"),
    encode("MSET", "a", "1", "b", "2"),
    encode("INCRBYFLOAT", "f", "1.5"),
    encode("SETRANGE", "r", "10", "xyz"),
    encode("BITFIELD", "bf", "SET", "i8", "0", "100", "GET", "u4", "0"),
    encode("PFADD", "h", "a", "b", "c"),
    encode("HELLO", "3"),
    encode("CONFIG", "GET", "*"),
    encode("COMMAND", "INFO", "get"),
    encode("SCAN", "0", "COUNT", "5"),
    b"PING\r\n",
    b'SET "quoted key" \'v\'\r\n',
]


def mutate(rng, data):
    data = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        op = rng.randint(0, 6)
        if op == 0 and data:  # flip a bit
            i = rng.randrange(len(data))
            data[i] ^= 1 << rng.randrange(8)
        elif op == 1 and data:  # truncate
            del data[rng.randrange(len(data)):]
        elif op == 2:  # insert random bytes
            i = rng.randrange(len(data) + 1)
            data[i:i] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
        elif op == 3:  # a big or negative length header
            hdr = rng.choice([b"*", b"$"]) + str(rng.choice(
                [-1, -5, 0, 2 ** 31, 2 ** 40, 536870913, 10 ** 20])).encode() + b"\r\n"
            i = rng.randrange(len(data) + 1)
            data[i:i] = hdr
        elif op == 4:  # duplicate a slice (pipelining)
            if data:
                a = rng.randrange(len(data))
                data += data[a:a + rng.randint(1, 64)]
        elif op == 5:  # line endings
            data = data.replace(b"\r\n", rng.choice([b"\n", b"\r", b"\r\r\n", b""]))
        else:  # pure random
            data = bytearray(bytes(rng.randrange(256) for _ in range(rng.randint(1, 200))))
    return bytes(data)


def send_one(port, payload):
    with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
        s.settimeout(0.05)
        try:
            s.sendall(payload)
            s.shutdown(socket.SHUT_WR)
            deadline = time.time() + 0.2
            while time.time() < deadline:
                if not s.recv(65536):
                    break
        except (socket.timeout, ConnectionError, OSError):
            pass


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    binary = sys.argv[1]
    duration = float(os.environ.get("DURATION", "5"))
    seed = int(os.environ.get("SEED", str(int(time.time()))))
    rng = random.Random(seed)
    print("protocol fuzz: seed %d, %.0f s" % (seed, duration))
    with tempfile.TemporaryDirectory(prefix="cairn-fuzz-") as tmp:
        data = os.path.join(tmp, "data")
        os.mkdir(data)
        port = free_port()
        server = Server([binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", data,
                         "--appendonly", "yes", "--appendfsync", "everysec"],
                        os.path.join(tmp, "server.log"), group=True)
        failed = 0
        sent = 0
        try:
            server.wait_ready()
            control = server.conn()
            assert control.cmd("SET", "sentinel", "intact") == "OK"
            end = time.time() + duration
            while time.time() < end:
                send_one(port, mutate(rng, rng.choice(SEEDS)))
                sent += 1
                if sent % 50 == 0:
                    if not server.alive():
                        raise AssertionError("cairn-server died")
                    assert control.cmd("PING") == "PONG"
            if not server.alive():
                raise AssertionError("cairn-server died")
            assert control.cmd("GET", "sentinel") == b"intact", "sentinel changed"
        except Exception as e:  # report, with the log, whatever went wrong
            failed = 1
            print("FAILED after %d inputs (seed %d): %r" % (sent, seed, e))
            print(server.excerpt())
        finally:
            server.kill()
        print("%d inputs sent" % sent)
        print("%d passed, %d failed" % (1 - failed, failed))
        return failed


if __name__ == "__main__":
    sys.exit(main())
