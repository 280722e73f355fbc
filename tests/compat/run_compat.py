#!/usr/bin/python3
"""Differential compatibility test: Cairn against the real redis-server.

Starts cairn-server and redis-server (7.0.15) on free ports bound to
127.0.0.1, each in a fresh temp dir, sends every command of each script to
both over raw TCP sockets and compares the replies byte for byte, errors
included. Standard library only; run with /usr/bin/python3.

    /usr/bin/python3 tests/compat/run_compat.py --cairn PATH/cairn-server \
        [--redis /usr/bin/redis-server] [--show] [SCRIPT ...]

With no SCRIPT arguments every tests/compat/scripts/*.txt is run. Exit status
is 0 when every reply matched, 1 otherwise; the last line printed is
"N passed, M failed" (counting compared commands). Passing redis-server as
--cairn as well checks the scripts themselves: every line must pass.

Script format
-------------
Each script runs on a fresh connection to each server and starts with a
FLUSHALL sent to both (its reply is not compared). One command per line.
Blank lines and lines whose first non-blank character is '#' are skipped.

A plain line is split into arguments with shell-like rules (shlex, POSIX
mode): whitespace separates arguments, "double" or 'single' quotes group
them, "" is an empty argument, and '#' is not special inside a line. The
backslash is NOT a shlex escape; instead, after splitting, every argument has
these escapes decoded:  \\xHH -> the byte 0xHH,  \\\\ -> one backslash.
Use \\x22 for a double quote, \\x27 for a single quote, \\x00 for a NUL.
The arguments are sent as a RESP multibulk array; one reply is read from each
server and the two raw replies must be identical.

Directives (line prefixes):
  !ignore CMD...   send to both, read a reply from each, compare nothing
                   (non-deterministic replies: CLIENT ID, INFO ...).
  !type CMD...     compare only the RESP type byte (first byte) of the reply.
  !sorted CMD...   the reply is an aggregate (* ~ > %); compare its header
                   and its elements as a sorted multiset (map: sorted pairs).
  !raw BYTES       send these exact bytes to both (the rest of the line after
                   "!raw "), then read and compare one reply. Escapes in
                   BYTES: \\r \\n \\t \\0 \\\\ \\xHH. For inline commands
                   and protocol errors.
  !read            send nothing, read and compare one more reply (a second
                   reply to a !raw, or the close after QUIT / a protocol
                   error).
  !sleep MS        sleep MS milliseconds.

A connection closed by the server reads as the marker '<closed>', which must
match too (once closed, every further read on it is '<closed>'). A reply that
does not arrive within 5 s is always a failure, and the rest of that script
is not run (counted as failed) because the connection is out of step.
Sending a command after both servers closed the connection is reported as a
script error. Each script must pass redis-server against itself.
"""

import argparse
import glob
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import cairn_testlib as testlib  # noqa: E402

REPLY_TIMEOUT = 5.0
START_TIMEOUT = 10.0
CLOSED = "<closed>"


class Timeout(Exception):
    """No complete reply within REPLY_TIMEOUT."""


class Closed(Exception):
    """The peer closed the connection (or reset it)."""


# ---------------------------------------------------------------------------
# RESP2 / RESP3 reply reader


class ReplyReader:
    """Reads complete RESP2/RESP3 replies and returns their raw bytes.

    `fill()` must append more bytes to self.buf or raise Closed/Timeout.
    """

    def __init__(self):
        self.buf = b""
        self.pos = 0

    def fill(self):
        raise Closed()

    def _line(self):
        while True:
            i = self.buf.find(b"\r\n", self.pos)
            if i >= 0:
                line = self.buf[self.pos:i + 2]
                self.pos = i + 2
                return line
            self.fill()

    def _exact(self, n):
        while len(self.buf) - self.pos < n:
            self.fill()
        data = self.buf[self.pos:self.pos + n]
        self.pos += n
        return data

    def read(self):
        """Returns the raw bytes of exactly one complete reply."""
        line = self._line()
        kind = line[:1]
        if kind in b"+-:_,#(" and kind:
            return line
        if kind in (b"$", b"=", b"!"):      # bulk, verbatim, blob error
            n = _int(line)
            if n < 0:
                return line
            body = self._exact(n + 2)
            if body[-2:] != b"\r\n":
                raise ValueError("bulk reply not terminated by CRLF: %r"
                                 % (line + body))
            return line + body
        if kind in (b"*", b"~", b">", b"%", b"|"):
            n = _int(line)
            if n < 0:
                return line
            if kind in (b"%", b"|"):
                n *= 2
            parts = [line]
            for _ in range(n):
                parts.append(self.read())
            if kind == b"|":                 # attribute: then the reply
                parts.append(self.read())
            return b"".join(parts)
        raise ValueError("not a RESP reply: %r" % line)


def _int(line):
    try:
        return int(line[1:-2])
    except ValueError:
        raise ValueError("bad RESP length/count line: %r" % line)


class BytesReader(ReplyReader):
    def __init__(self, data):
        super().__init__()
        self.buf = data


def split_aggregate(raw):
    """(header, [element raw bytes]) of an aggregate reply, else None."""
    if raw[:1] not in (b"*", b"~", b">", b"%"):
        return None
    r = BytesReader(raw)
    header = r._line()
    n = _int(header)
    if n < 0:
        return None
    elems = [r.read() for _ in range(n * (2 if raw[:1] == b"%" else 1))]
    if raw[:1] == b"%":
        elems = [elems[i] + elems[i + 1] for i in range(0, len(elems), 2)]
    return header, elems


class Conn(ReplyReader):
    def __init__(self, port):
        super().__init__()
        self.sock = socket.create_connection(("127.0.0.1", port),
                                             timeout=REPLY_TIMEOUT)
        self.sock.settimeout(REPLY_TIMEOUT)
        self.closed = False

    def fill(self):
        if self.pos > 65536:
            self.buf = self.buf[self.pos:]
            self.pos = 0
        try:
            data = self.sock.recv(65536)
        except socket.timeout:
            raise Timeout()
        except (ConnectionResetError, BrokenPipeError):
            data = b""
        if not data:
            self.closed = True
            raise Closed()
        self.buf += data

    def send(self, data):
        if self.closed:
            return
        try:
            self.sock.sendall(data)
        except (ConnectionResetError, BrokenPipeError):
            self.closed = True

    def reply(self):
        """One reply's raw bytes, CLOSED, or raises Timeout."""
        if self.closed:
            return CLOSED
        start = self.pos
        try:
            return self.read()
        except Closed:
            partial = self.buf[start:]
            return CLOSED if not partial else "%s after partial %r" % (
                CLOSED, partial)

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


# ---------------------------------------------------------------------------
# Script parsing

_ARG_ESCAPE = re.compile(rb"\\x([0-9a-fA-F]{2})|\\\\")
_RAW_ESCAPE = re.compile(rb"\\x([0-9a-fA-F]{2})|\\(.)", re.DOTALL)
_RAW_SIMPLE = {b"r": b"\r", b"n": b"\n", b"t": b"\t", b"\\": b"\\",
               b"0": b"\0"}


def _decode_arg(m):
    return bytes([int(m.group(1), 16)]) if m.group(1) else b"\\"


def _decode_raw(m):
    if m.group(1):
        return bytes([int(m.group(1), 16)])
    c = m.group(2)
    if c not in _RAW_SIMPLE:
        raise ValueError("unknown escape \\%s in !raw" % c.decode("latin-1"))
    return _RAW_SIMPLE[c]


def split_args(text):
    lex = shlex.shlex(text, posix=True)
    lex.whitespace_split = True
    lex.commenters = ""
    lex.escape = ""
    return [_ARG_ESCAPE.sub(_decode_arg, t.encode("utf-8")) for t in lex]


class Step:
    def __init__(self, path, lineno, text, mode, payload):
        self.path = path
        self.lineno = lineno
        self.text = text        # the script line, for messages
        self.mode = mode        # exact ignore type sorted raw read sleep
        self.payload = payload  # bytes to send, or sleep ms


def parse_script(path):
    steps = []
    with open(path, "r", encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            line = line.rstrip("\r\n")
            stripped = line.strip()
            if not stripped or stripped.startswith("#"):
                continue
            try:
                steps.append(_parse_line(path, lineno, line, stripped))
            except ValueError as e:
                raise SystemExit("%s:%d: bad script line: %s"
                                 % (path, lineno, e))
    return steps


def _parse_line(path, lineno, line, stripped):
    if stripped.startswith("!raw "):
        raw = line.lstrip()[len("!raw "):].encode("utf-8")
        return Step(path, lineno, stripped, "raw",
                    _RAW_ESCAPE.sub(_decode_raw, raw))
    if stripped == "!read":
        return Step(path, lineno, stripped, "read", b"")
    if stripped.startswith("!sleep"):
        return Step(path, lineno, stripped, "sleep",
                    int(stripped.split(None, 1)[1]))
    mode = "exact"
    rest = stripped
    for d in ("ignore", "type", "sorted"):
        if stripped.startswith("!" + d + " "):
            mode, rest = d, stripped[len(d) + 2:]
            break
    else:
        if stripped.startswith("!"):
            raise ValueError("unknown directive")
    args = split_args(rest)
    if not args:
        raise ValueError("no command")
    return Step(path, lineno, stripped, mode, testlib.encode(*args))


# ---------------------------------------------------------------------------
# Servers


class Server:
    def __init__(self, name, binary, extra_args):
        self.name = name
        # The server runs with its temp dir as cwd: make a relative path
        # absolute (a bare name is still looked up on PATH).
        self.binary = os.path.abspath(binary) if os.sep in binary else binary
        self.extra_args = extra_args
        self.server = None   # testlib.Server once started
        self.dir = tempfile.mkdtemp(prefix="cairn-compat-%s-" % name)
        self.log_path = os.path.join(self.dir, "server.log")

    @property
    def port(self):
        return self.server.port

    @property
    def proc(self):
        return self.server.proc if self.server else None

    def start(self):
        argv = [self.binary, "--port", str(testlib.free_port()), "--bind", "127.0.0.1",
                "--dir", self.dir] + self.extra_args
        self.server = testlib.Server(argv, self.log_path, cwd=self.dir, group=True,
                                     start_timeout_s=START_TIMEOUT)
        try:
            self.server.wait_ready()
        except testlib.NotReady as e:
            raise RuntimeError(e.reason)

    def alive(self):
        return self.server is not None and self.server.alive()

    def print_log(self, max_lines=80):
        print(testlib.log_excerpt(self.log_path, max_lines, self.name), end="")

    def stop(self):
        if self.server is not None:
            self.server.stop(timeout=3)

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


# ---------------------------------------------------------------------------
# Running


def _show_path(path):
    rel = os.path.relpath(path)
    return path if rel.startswith("..") else rel


def compare(mode, a, b):
    """True when replies a (cairn) and b (redis) match under `mode`."""
    if isinstance(a, str) or isinstance(b, str):
        return a == b
    if mode == "type":
        return a[:1] == b[:1]
    if mode == "sorted":
        sa, sb = split_aggregate(a), split_aggregate(b)
        if sa is None or sb is None:
            return a == b
        return sa[0] == sb[0] and sorted(sa[1]) == sorted(sb[1])
    return a == b


class Runner:
    def __init__(self, cairn, redis, show):
        self.cairn = cairn
        self.redis = redis
        self.show = show
        self.passed = 0
        self.failed = 0
        self._conns = None

    def fail(self, step, msg, a=None, b=None):
        self.failed += 1
        print("FAIL %s:%d: %s" % (step.path, step.lineno, step.text))
        print("  %s" % msg)
        if a is not None or b is not None:
            print("  cairn: %r" % (a,))
            print("  redis: %r" % (b,))

    def run_script(self, path):
        steps = parse_script(path)
        before = (self.passed, self.failed)
        ca = cb = None
        try:
            ca = Conn(self.cairn.port)
            cb = Conn(self.redis.port)
            self._conns = (ca, cb)
            flush = b"*1\r\n$8\r\nFLUSHALL\r\n"
            ca.send(flush)
            cb.send(flush)
            for c, s in ((ca, self.cairn), (cb, self.redis)):
                try:
                    r = c.reply()
                except Timeout:
                    r = "<timeout>"
                if r != b"+OK\r\n":
                    print("WARN %s: FLUSHALL on %s answered %r"
                          % (path, s.name, r))
            for i, step in enumerate(steps):
                if not self.run_step(step):
                    rest = [s for s in steps[i + 1:] if s.mode not in
                            ("sleep", "ignore")]
                    if rest:
                        self.failed += len(rest)
                        print("FAIL %s: %d later command(s) not run after the"
                              " missing reply at line %d"
                              % (path, len(rest), step.lineno))
                    break
        finally:
            for c in (ca, cb):
                if c is not None:
                    c.close()
        p, f = self.passed - before[0], self.failed - before[1]
        print("%s: %d passed, %d failed" % (_show_path(path), p, f))

    def run_step(self, step):
        """Runs one step; False when the connections are out of step."""
        if step.mode == "sleep":
            time.sleep(step.payload / 1000.0)
            return True
        ca, cb = self._conns
        if ca.closed and cb.closed:
            self.fail(step, "both connections were already closed before this"
                      " line (a script error, or both servers closed early)")
            return True
        replies = []
        ca.send(step.payload)
        cb.send(step.payload)
        timed_out = []
        for c, s in ((ca, self.cairn), (cb, self.redis)):
            try:
                replies.append(c.reply())
            except Timeout:
                replies.append("<timeout>")
                timed_out.append(s.name)
            except ValueError as e:
                replies.append("<bad reply: %s>" % e)
                timed_out.append(s.name)
        a, b = replies
        if self.show:
            print("%s:%d: %s\n  cairn: %r\n  redis: %r"
                  % (step.path, step.lineno, step.text, a, b))
        if timed_out:
            dead = [s.name for s in (self.cairn, self.redis) if not s.alive()]
            self.fail(step, "no complete valid reply within %gs from %s%s" % (
                REPLY_TIMEOUT, " and ".join(timed_out),
                "; server died: " + ", ".join(dead) if dead else ""), a, b)
            return False
        if step.mode == "ignore":
            return True
        if compare(step.mode, a, b):
            self.passed += 1
        else:
            self.fail(step, "replies differ" +
                      ("" if step.mode == "exact" else " (%s)" % step.mode),
                      a, b)
        return True

    def run(self, paths):
        for path in paths:
            try:
                self.run_script(path)
            except (OSError, RuntimeError, ValueError) as e:
                self.failed += 1
                print("FAIL %s: %s" % (path, e))
                for s in (self.cairn, self.redis):
                    if not s.alive():
                        print("  %s is not running" % s.name)


def _check_redis_version(binary):
    try:
        out = subprocess.run([binary, "--version"], capture_output=True,
                             timeout=10).stdout.decode("utf-8", "replace")
    except (OSError, subprocess.TimeoutExpired) as e:
        out = repr(e)
    if "v=7.0.15 " not in out:
        print("WARN the scripts were checked against redis-server 7.0.15;"
              " %s reports: %s" % (binary, out.strip()))


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cairn", required=True, help="path to cairn-server")
    ap.add_argument("--redis", default="/usr/bin/redis-server",
                    help="path to redis-server (default %(default)s)")
    ap.add_argument("--show", action="store_true",
                    help="print every command and both replies")
    ap.add_argument("scripts", nargs="*", metavar="SCRIPT")
    opts = ap.parse_args()

    paths = opts.scripts or sorted(glob.glob(os.path.join(here, "scripts",
                                                          "*.txt")))
    if not paths:
        print("no scripts found")
        return 2
    for p in paths:
        if not os.path.isfile(p):
            print("no such script: %s" % p)
            return 2
        parse_script(p)  # fail early on a malformed script
    _check_redis_version(opts.redis)

    def on_term(signum, frame):
        raise KeyboardInterrupt()
    signal.signal(signal.SIGTERM, on_term)

    servers = []
    runner = None
    try:
        cairn = Server("cairn", opts.cairn, ["--appendonly", "no"])
        servers.append(cairn)
        redis = Server("redis", opts.redis,
                       ["--save", "", "--appendonly", "no"])
        servers.append(redis)
        runner = Runner(cairn, redis, opts.show)
        for s in (cairn, redis):
            try:
                s.start()
            except (OSError, RuntimeError) as e:
                print("FAIL could not start %s (%s): %s" % (s.name, s.binary, e))
                s.print_log()
                print("0 passed, 1 failed")
                return 1
        runner.run(paths)
        if runner.failed:
            for s in (cairn, redis):
                if not s.alive():
                    print("%s exited with status %s" % (s.name,
                                                         s.proc.returncode))
            for s in (cairn, redis):
                s.stop()
                s.print_log()
    except KeyboardInterrupt:
        print("interrupted")
        if runner is None:
            return 1
        runner.failed += 1
    finally:
        for s in servers:
            s.cleanup()
    print("%d passed, %d failed" % (runner.passed, runner.failed))
    return 0 if runner.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
