#!/usr/bin/python3
"""Salvage after damage to synced data (issue 18, doc/tools.md "Salvage"):

    /usr/bin/python3 tests/integration/salvage_test.py path/to/cairn-server [unittest args]

The `cairn` binary is taken from beside cairn-server. A real log is written
by cairn-server under load (three clients, pipelined, appendfsync always:
batches of one and of several records), then damaged in a copy: a byte
flipped in every part of a batch (annotation fields, RESP headers, keys,
values, the batch's first and last byte), a byte deleted, a byte inserted,
a whole batch removed. For each:

  * the server refuses to start and names the command that works;
  * `cairn check` and `--repair` without a choice explain and change
    nothing (the files are byte for byte as they were);
  * `--repair --truncate-at-damage --yes` cuts the log at the last good
    batch: the server starts on it with exactly the keys of the batches
    before the damage (nothing reported dropped present, nothing else
    different), and `<file>.damaged` holds exactly the bytes cut;
  * `--repair --skip-damaged --yes` either refuses (when the damaged bytes
    no longer say what they held) and changes nothing, or drops only the
    damaged batch: the server starts with every other acknowledged key, and
    `<file>.damaged` holds exactly the bytes removed;
  * a later write that depends on the damaged batch (an INCR of a key it
    set) makes --skip-damaged refuse, naming it;
  * without --yes and without a terminal, nothing is done.
"""

import hashlib
import os
import re
import shutil
import subprocess
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from cairn_testlib import (  # noqa: E402
    LOG_ANNOTATION, Conn, Disconnected, ServerTestCase, content_end, encode, incr_paths,
    take_server_arg)


def value_for(k):
    return "v-" + k


def batches(data):
    """[(annotation offset, body offset, body length, first seq, [keys],
    durable)]."""
    out, pos, end = [], 0, content_end(data)
    while pos < end:
        m = LOG_ANNOTATION.match(data, pos)
        if not m:
            nl = data.find(b"\n", pos)
            pos = nl + 1  # filler or another '#' line
            continue
        n = int(m.group(2))
        body = data[m.end():m.end() + n]
        keys = [k.decode() for k in re.findall(rb"\$3\r\nSET\r\n\$\d+\r\n([^\r]+)\r\n", body)]
        extra = m.group(4).split()
        durable = int(extra[0]) if extra and extra[0].isdigit() else 0
        out.append((pos, m.end(), n, int(m.group(1)), keys, durable))
        pos = m.end() + n
    return out


class Writer(threading.Thread):
    """SETs unique keys whose names differ in many bytes (so a damaged key
    is never one byte from a later one), pipelined."""

    def __init__(self, port, prefix, pipeline):
        super().__init__(daemon=True)
        self.port, self.prefix, self.pipe = port, prefix, pipeline
        self.acked, self.errors = [], []
        self.stop = threading.Event()

    def run(self):
        c = Conn(self.port)
        i = 0
        try:
            while not self.stop.is_set() and i < 600:
                keys = ["%s-%s" % (self.prefix,
                                   hashlib.sha1(b"%s:%d" % (self.prefix.encode(), i + j))
                                   .hexdigest()[:12])
                        for j in range(self.pipe)]
                i += self.pipe
                c.send(b"".join(encode("SET", k, value_for(k)) for k in keys))
                for k in keys:
                    if c.reply() != "OK":
                        self.errors.append(k)
                        return
                    self.acked.append(k)
        except Disconnected:
            pass
        finally:
            c.close()


class SalvageTest(ServerTestCase):
    tmp_prefix = "cairn-salvage-"
    cairn_defaults = (("--save", ""), ("--appendonly", "yes"), ("--appendfsync", "always"))

    def tool(self, *args, stdin=subprocess.DEVNULL):
        p = subprocess.run([self.tool_binary] + [str(a) for a in args], stdin=stdin,
                           capture_output=True, timeout=60)
        self.assertGreaterEqual(p.returncode, 0, p.stderr)
        self.assertNotIn(p.returncode, (134, 139), p.stderr)
        return p

    def make_log(self):
        d = self.newdir("log")
        s = self.cairn(d)
        writers = [Writer(s.port, "w%d" % n, pipe) for n, pipe in enumerate((1, 4, 16))]
        for w in writers:
            w.start()
        for w in writers:
            w.join(60)
        for w in writers:
            self.assertEqual(w.errors, [])
        s.shutdown("NOSAVE")
        acked = [k for w in writers for k in w.acked]
        (incr,) = incr_paths(d)
        with open(incr, "rb") as f:
            data = f.read()
        bs = batches(data)
        self.assertEqual(sorted(k for b in bs for k in b[4]), sorted(acked))
        self.assertTrue(any(len(b[4]) > 1 for b in bs), "no batch of several records")
        return d, incr, data, bs, acked

    def damaged_copy(self, d, name, damage):
        c = os.path.join(self.tmp, name)
        shutil.copytree(d, c)
        (incr,) = incr_paths(c)
        with open(incr, "rb") as f:
            data = f.read()
        with open(incr, "wb") as f:
            f.write(damage(data))
        return c, incr

    def keys_of(self, d):
        s = self.cairn(d)
        c = s.conn()
        got = {}
        cursor = "0"
        while True:
            cursor, keys = c.cmd("SCAN", cursor, "COUNT", 1000)
            for k in keys:
                got[k.decode()] = c.cmd("GET", k).decode()
            if cursor in (b"0", "0"):
                break
        c.close()
        s.stop(10)
        return got

    def assertNoHistory(self, path):
        """A salvaged log starts a new replication history: no batch keeps
        a history field (p<offset>... or r<offset>...)."""
        with open(path, "rb") as f:
            data = f.read()
        for m in LOG_ANNOTATION.finditer(data):
            fields = m.group(4).split()
            self.assertFalse(any(x[:1] in (b"p", b"r") for x in fields), m.group(0))

    def test_damage_everywhere_repaired_both_ways(self):
        d, incr, data, bs, acked = self.make_log()
        # Batches along the log (the first, a quarter in, the middle one of
        # several records, three quarters in, the last one a later batch
        # still proves synced): every kind of damage at the middle one, a
        # few at the others.
        # Damage is to synced data only when a later batch says so.
        proven = [i for i in range(len(bs)) if bs[i][4] and
                  any(b[5] >= bs[i][3] for b in bs[i + 1:])]
        mid = min((i for i in proven if len(bs[i][4]) > 1), key=lambda i: abs(i - len(bs) // 2))
        others = sorted({min(proven, key=lambda i: abs(i - j))
                         for j in (0, len(bs) // 4, 3 * len(bs) // 4, len(bs))} - {mid})
        for index in [mid] + others:
            with self.subTest(batch=index, of=len(bs)):
                self.damage_batch(d, data, bs, acked, index,
                                  None if index == mid else ("checksum hex", "key byte",
                                                             "value byte", "deleted byte"))

    def damage_batch(self, d, data, bs, acked, index, only):
        ann, body, n, seq, keys, _ = bs[index]
        line = data[ann:body]
        b = data[body:body + n]
        key_at = body + b.find(keys[-1].encode())
        value_at = body + b.find(value_for(keys[-1]).encode()) + 3
        header_at = body + b.find(b"$3\r\nSET") + 1
        # (^ 1 keeps a digit a digit: a seq or length that still parses)
        flip = lambda at: lambda x: x[:at] + bytes([x[at] ^ 0x01]) + x[at + 1:]  # noqa: E731
        cases = {
            "seq digit": flip(ann + 7),
            "length digit": flip(ann + line.find(b" ", 7) + 1),
            "checksum hex": flip(ann + line.find(b" ", line.find(b" ", 7) + 1) + 3),
            "first byte": flip(ann),
            "last byte": flip(body + n - 1),
            "RESP header": flip(header_at),
            "key byte": flip(key_at),
            "value byte": flip(value_at),
            "deleted byte": lambda x: x[:value_at] + x[value_at + 1:],
            "inserted byte": lambda x: x[:value_at] + b"Z" + x[value_at:],
            "batch removed": lambda x: x[:ann] + x[body + n:],
        }
        if only:
            cases = {k: v for k, v in cases.items() if k in only}
        mid = index
        before = {k for b_ in bs[:mid] for k in b_[4]}
        lost = set(keys)
        for name, damage in cases.items():
            with self.subTest(damage=name, batch=index):
                c, cincr = self.damaged_copy(d, "%s-%d" % (name.replace(" ", "-"), index),
                                             damage)
                with open(cincr, "rb") as f:
                    damaged = f.read()
                # The server refuses and names the command that works.
                s = self.cairn(c, ready=False)
                s.wait_exit(20)
                self.assertIn("cairn check --repair --truncate-at-damage", s.log())
                # No choice: nothing changes.
                p = self.tool("check", "--repair", c)
                self.assertEqual(p.returncode, 1, p.stdout)
                self.assertIn(b"--truncate-at-damage", p.stdout)
                p = self.tool("check", "--repair", "--truncate-at-damage", c)  # no --yes, no tty
                self.assertEqual(p.returncode, 1, p.stdout)
                with open(cincr, "rb") as f:
                    self.assertEqual(f.read(), damaged, "changed without a choice")
                self.assertFalse(os.path.exists(cincr + ".damaged"))

                # --skip-damaged (a copy of its own)
                c2 = c + "-skip"
                shutil.copytree(c, c2)
                (c2incr,) = incr_paths(c2)
                p = self.tool("check", "--repair", "--skip-damaged", "--yes", c2)
                if p.returncode == 0:
                    with open(c2incr + ".damaged", "rb") as f:
                        cut = f.read()
                    # exactly the bytes from the damaged batch to the next good one
                    self.assertEqual(damaged.find(cut, ann), ann, ".damaged is not the cut bytes")
                    self.assertTrue(LOG_ANNOTATION.match(damaged, ann + len(cut)))
                    self.assertNoHistory(c2incr)
                    self.assertEqual(self.tool("check", c2).returncode, 0)
                    got = self.keys_of(c2)
                    want = {k: value_for(k) for k in acked if k not in lost}
                    self.assertEqual(got, want, "--skip-damaged: %s" % p.stdout.decode())
                else:
                    self.assertEqual(p.returncode, 1, p.stdout)
                    self.assertIn(b"not possible", p.stdout)
                    with open(c2incr, "rb") as f:
                        self.assertEqual(f.read(), damaged)
                if name == "value byte":
                    self.assertEqual(p.returncode, 0, "a flipped value byte must be skippable: "
                                     + p.stdout.decode())

                # --truncate-at-damage
                p = self.tool("check", "--repair", "--truncate-at-damage", "--yes", c)
                self.assertEqual(p.returncode, 0, p.stdout)
                if name == "value byte":
                    # What it says it drops: the damaged batch's seq on, every record.
                    m = re.search(rb"Dropped: seq (\d+)\.\.(\d+), (\d+) records", p.stdout)
                    self.assertIsNotNone(m, p.stdout)
                    dropped = sum(len(b_[4]) for b_ in bs[index:])
                    last = max(b_[3] + len(b_[4]) - 1 for b_ in bs if b_[4])
                    self.assertEqual((int(m.group(1)), int(m.group(2)), int(m.group(3))),
                                     (seq, last, dropped), p.stdout)
                with open(cincr + ".damaged", "rb") as f:
                    cut = f.read()
                self.assertEqual(cut, damaged[ann:], ".damaged is not exactly the cut bytes")
                self.assertNoHistory(cincr)
                got = self.keys_of(c)
                self.assertEqual(got, {k: value_for(k) for k in before},
                                 "--truncate-at-damage: %s" % p.stdout.decode())
                self.assertEqual(self.tool("check", c).returncode, 0)

    def test_damage_at_the_end_of_a_file_the_log_went_on_from(self):
        """The log in two incr files (split at a batch boundary, as a
        rotation leaves it): damage at the end of the first is damage to
        synced data (the second file began after it was synced)."""
        d, incr, data, bs, acked = self.make_log()
        k = len(bs) // 2
        while not bs[k - 1][4]:
            k += 1
        split = bs[k][0]
        aof = os.path.dirname(incr)
        man = os.path.join(aof, "appendonly.aof.manifest")
        with open(man) as f:
            lines = f.read().splitlines()
        second = os.path.join(aof, "appendonly.aof.2.incr.aof")
        with open(second, "wb") as f:
            f.write(data[split:content_end(data)])
        with open(man, "w") as f:
            f.write("\n".join(lines + ["file appendonly.aof.2.incr.aof seq 2 type i"]) + "\n")
        last = bs[k - 1]  # the first file's last batch
        value_at = last[1] + data[last[1]:last[1] + last[2]].find(b"v-") + 3
        cases = {
            # a torn last batch: what it held is not known
            "torn": data[:split - 5],
            # a flipped value byte in its last batch: skippable
            "flipped": data[:value_at] + bytes([data[value_at] ^ 1]) + data[value_at + 1:split],
        }
        before = {k_ for b in bs[:k - 1] for k_ in b[4]}
        for name, first in cases.items():
            with self.subTest(damage=name):
                c = os.path.join(self.tmp, "two-files-" + name)
                shutil.copytree(d, c)
                path1 = os.path.join(c, "appendonlydir", os.path.basename(incr))
                path2 = os.path.join(c, "appendonlydir", os.path.basename(second))
                with open(path1, "wb") as f:
                    f.write(first)
                s = self.cairn(c, ready=False)
                s.wait_exit(20)
                self.assertIn("cairn check --repair --truncate-at-damage", s.log())
                c2 = c + "-skip"
                shutil.copytree(c, c2)
                p = self.tool("check", "--repair", "--skip-damaged", "--yes", c2)
                if name == "torn":
                    self.assertEqual(p.returncode, 1, p.stdout)
                    self.assertIn(b"not possible", p.stdout)
                else:
                    self.assertEqual(p.returncode, 0, p.stdout)
                    lost = set(last[4])
                    self.assertEqual(self.keys_of(c2),
                                     {x: value_for(x) for x in acked if x not in lost})
                    self.assertEqual(self.tool("check", c2).returncode, 0)
                p = self.tool("check", "--repair", "--truncate-at-damage", "--yes", c)
                self.assertEqual(p.returncode, 0, p.stdout)
                self.assertFalse(os.path.exists(path2), "the later file is still there")
                with open(path2 + ".damaged", "rb") as f:
                    self.assertEqual(f.read(), data[split:content_end(data)])
                with open(os.path.join(c, "appendonlydir", "appendonly.aof.manifest")) as f:
                    self.assertNotIn("appendonly.aof.2.incr.aof", f.read())
                self.assertEqual(self.keys_of(c), {x: value_for(x) for x in before})

    def test_a_later_write_that_depends_on_the_damaged_batch_refuses_skip(self):
        d = self.newdir("dep")
        s = self.cairn(d)
        c = s.conn()
        for i in range(5):
            c.ok("SET", "before-%d" % i, "x")
        c.ok("SET", "counter", "10")
        for i in range(5):
            c.ok("SET", "after-%d" % i, "y")
        self.assertEqual(c.cmd("INCR", "counter"), 11)
        c.close()
        s.shutdown("NOSAVE")
        (incr,) = incr_paths(d)
        with open(incr, "rb") as f:
            data = f.read()
        bs = batches(data)
        target = next(b for b in bs if "counter" in b[4])
        at = target[1] + data[target[1]:target[1] + target[2]].find(b"\r\n10\r\n") + 2

        # The damage in the value the INCR depends on, and in the batch's
        # SELECT (which must not move the lost key out of the INCR's way).
        body = data[target[1]:target[1] + target[2]]
        select_at = target[1] + body.find(b"SELECT\r\n$1\r\n") + len(b"SELECT\r\n$1\r\n")
        for name, damage in (("value", lambda x: x[:at] + b"9" + x[at + 1:]),
                             ("select", lambda x: x[:select_at] + b"1" + x[select_at + 1:])):
            with self.subTest(damage=name):
                c2, cincr = self.damaged_copy(d, "dep-" + name, damage)
                with open(cincr, "rb") as f:
                    damaged = f.read()
                p = self.tool("check", "--repair", "--skip-damaged", "--yes", c2)
                self.assertEqual(p.returncode, 1, p.stdout)
                self.assertIn(b"INCR", p.stdout)
                self.assertIn(b"counter", p.stdout)
                with open(cincr, "rb") as f:
                    self.assertEqual(f.read(), damaged)
        p = self.tool("check", "--repair", "--truncate-at-damage", "--yes", c2)
        self.assertEqual(p.returncode, 0, p.stdout)
        got = self.keys_of(c2)
        self.assertEqual(got, {"before-%d" % i: "x" for i in range(5)})


    def test_a_damaged_base_keeps_the_keys_read_before_the_damage(self):
        d = self.newdir("base")
        s = self.cairn(d)
        c = s.conn()
        for i in range(100):
            c.ok("SET", "bk-%04d" % i, value_for("bk-%04d" % i))
        c.ok("BGREWRITEAOF")
        deadline = time.time() + 20
        while b"aof_rewrite_in_progress:0" not in c.cmd("INFO", "persistence") or \
                b"aof_rewrite_scheduled:0" not in c.cmd("INFO", "persistence"):
            self.assertLess(time.time(), deadline, "rewrite did not finish")
            time.sleep(0.05)
        for i in range(10):
            c.ok("SET", "ik-%d" % i, value_for("ik-%d" % i))
        c.close()
        s.shutdown("NOSAVE")
        aof = os.path.join(d, "appendonlydir")
        with open(os.path.join(aof, "appendonly.aof.manifest")) as f:
            base = os.path.join(aof, next(line.split()[1] for line in f if " type b" in line))
        with open(base, "rb") as f:
            data = f.read()
        # The type byte of one key in the middle made one no Redis writes.
        at = data.find(b"\x00\x07bk-0050")
        self.assertGreater(at, 0)
        damaged = data[:at] + b"\x16" + data[at + 1:]
        with open(base, "wb") as f:
            f.write(damaged)
        s = self.cairn(d, ready=False)
        s.wait_exit(20)
        self.assertIn("cairn check --repair --keep-readable", s.log())
        p = self.tool("check", "--repair", d)
        self.assertEqual(p.returncode, 1, p.stdout)
        self.assertIn(b"--keep-readable", p.stdout)
        with open(base, "rb") as f:
            self.assertEqual(f.read(), damaged, "changed without a choice")
        p = self.tool("check", "--repair", "--keep-readable", "--yes", d)
        self.assertEqual(p.returncode, 0, p.stdout)
        read = int(re.search(rb"(\d+) keys were read before the damage", p.stdout).group(1))
        with open(base + ".damaged", "rb") as f:
            self.assertEqual(f.read(), damaged)
        got = self.keys_of(d)
        for k, v in got.items():
            self.assertEqual(v, value_for(k))
        self.assertEqual({k for k in got if k.startswith("ik-")}, {"ik-%d" % i for i in range(10)})
        # (the key read last before the damage is left out too)
        self.assertEqual(len([k for k in got if k.startswith("bk-")]), read - 1)
        self.assertNotIn("bk-0050", got)
        self.assertLess(read, 100)


if __name__ == "__main__":
    server = take_server_arg(__file__)
    SalvageTest.cairn_binary = server
    SalvageTest.tool_binary = os.path.join(os.path.dirname(server), "cairn")
    unittest.main()
