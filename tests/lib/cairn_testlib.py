"""Plumbing shared by Cairn's Python tests (standard library only).

    aof_test.py, rdb_test.py, crash_test.py, client_test.py and run_compat.py
    put this directory on sys.path (relative to their own location, since
    ctest runs them by absolute path) and import this module.

What is here:
  * RESP: encode() a command, Conn (a blocking connection that reads one
    parsed reply at a time), Disconnected, ServerError;
  * processes: free_port(), child_setup() (children die with the test),
    Server (one server process, its output in a log file: wait for PONG,
    connect, SHUTDOWN, SIGKILL, SIGTERM), killpg() / reap_group() for servers
    that fork (BGSAVE), log_excerpt() to print a log;
  * unittest: LogsOnFailure (a hook run when a test method fails) and
    ServerTestCase (temp dir, servers, connections and writer threads per
    test, all cleaned up; the server logs printed when the test fails).
"""

import collections
import contextlib
import ctypes
import functools
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import types
import unittest

SOCKET_TIMEOUT_S = 10.0
START_TIMEOUT_S = 15.0
EXIT_TIMEOUT_S = 15.0
PING_TIMEOUT_S = 2.0     # one PING while waiting for a server to start
LOG_TAIL = 60
PIPELINE_CHUNK = 10000   # commands sent before their replies are read

REDIS_SERVER = shutil.which("redis-server")


# ---------------------------------------------------------------------------
# RESP


class Disconnected(ConnectionError):
    """Connect failed, or EOF, reset or timeout before a whole reply was read.
    (An OSError, so `except OSError` around a connect still catches it.)"""


class ServerError(str):
    """A -ERR style reply (the text after '-')."""

    def __repr__(self):
        return "-" + str.__repr__(self)


def encode(*args):
    """A command as a RESP array of bulk strings; args are bytes, str or int."""
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        if isinstance(a, int):
            a = str(a)
        if isinstance(a, str):
            a = a.encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


class Conn:
    """A blocking RESP2 connection with a read buffer. Replies are parsed:
    +OK -> "OK", -ERR x -> ServerError("ERR x"), :1 -> 1, bulk -> bytes or
    None, arrays -> lists. Any connection trouble raises Disconnected."""

    RECV_SIZE = 1 << 20

    def __init__(self, port, timeout=SOCKET_TIMEOUT_S):
        try:
            self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError as e:
            raise Disconnected("connect: %s" % e) from e
        self.buf = bytearray()
        self.pos = 0

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def settimeout(self, t):
        self.sock.settimeout(t)

    def closed_by_server(self):
        """Whether the server has closed this connection: a PING gets no
        reply (CLIENT KILL, ACL DELUSER...)."""
        try:
            self.send(b"*1\r\n$4\r\nPING\r\n")
            self.reply()
            return False
        except Disconnected:
            return True

    def send(self, data):
        try:
            self.sock.sendall(data)
        except OSError as e:  # EPIPE, ECONNRESET, timeout
            raise Disconnected("send: %s" % e) from e

    def _fill(self):
        if self.pos:
            del self.buf[:self.pos]
            self.pos = 0
        try:
            chunk = self.sock.recv(self.RECV_SIZE)
        except OSError as e:  # ECONNRESET, includes socket.timeout
            raise Disconnected("recv: %s" % e) from e
        if not chunk:
            raise Disconnected("recv: EOF")
        self.buf += chunk

    def _line(self):
        while True:
            i = self.buf.find(b"\r\n", self.pos)
            if i >= 0:
                line = bytes(self.buf[self.pos:i])
                self.pos = i + 2
                return line
            self._fill()

    def _exact(self, n):
        while len(self.buf) - self.pos < n + 2:
            self._fill()
        data = bytes(self.buf[self.pos:self.pos + n])
        if self.buf[self.pos + n:self.pos + n + 2] != b"\r\n":
            raise ValueError("bulk string not terminated by CRLF")
        self.pos += n + 2
        return data

    def _scalar(self, kind, rest):
        """A simple string, error, integer or bulk string (RESP2's scalars);
        NotImplemented for any other kind of reply."""
        if kind == b"+":
            return rest.decode()
        if kind == b"-":
            return ServerError(rest.decode(errors="replace"))
        if kind == b":":
            return int(rest)
        if kind == b"$":
            n = int(rest)
            return None if n < 0 else self._exact(n)
        return NotImplemented

    def reply(self):
        """One complete reply; raises Disconnected if it cannot be read whole."""
        line = self._line()
        kind, rest = line[:1], line[1:]
        value = self._scalar(kind, rest)
        if value is not NotImplemented:
            return value
        if kind == b"*":
            n = int(rest)
            return None if n < 0 else [self.reply() for _ in range(n)]
        raise ValueError("unexpected RESP line %r" % line[:80])

    def reply3(self):
        """One reply in RESP3 (after HELLO 3): maps become dicts, sets
        sorted lists, push frames ("push", [...]), doubles and big numbers
        their text, nulls None."""
        line = self._line()
        kind, rest = line[:1], line[1:]
        value = self._scalar(kind, rest)
        if value is not NotImplemented:
            return value
        if kind == b"=":
            return self._exact(int(rest))
        if kind == b"_":
            return None
        if kind == b"#":
            return rest == b"t"
        if kind in (b",", b"("):
            return rest.decode()
        if kind in (b"*", b">", b"~"):
            items = [self.reply3() for _ in range(int(rest))]
            if kind == b">":
                return ("push", items)
            return sorted(items) if kind == b"~" else items
        if kind == b"%":
            out = {}
            for _ in range(int(rest)):
                k = self.reply3()
                out[k] = self.reply3()
            return out
        raise ValueError("unexpected RESP3 line %r" % line[:80])

    def cmd(self, *args):
        self.send(encode(*args))
        return self.reply()

    def ok(self, *args):
        """cmd(), but an error reply raises AssertionError."""
        r = self.cmd(*args)
        if isinstance(r, ServerError):
            raise AssertionError("%r replied error %r" % (args[:3], r))
        return r

    def pipeline(self, cmds):
        """Sends the commands (tuples of args), PIPELINE_CHUNK at a time, and
        returns their replies in order."""
        out = []
        for i in range(0, len(cmds), PIPELINE_CHUNK):
            part = cmds[i:i + PIPELINE_CHUNK]
            self.send(b"".join(encode(*c) for c in part))
            out.extend(self.reply() for _ in part)
        return out

    def info(self, section="persistence"):
        """INFO section as a dict of strings."""
        text = self.ok("INFO", section).decode()
        out = {}
        for line in text.splitlines():
            if ":" in line and not line.startswith("#"):
                k, v = line.split(":", 1)
                out[k] = v
        return out


# ---------------------------------------------------------------------------
# Processes


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


try:
    _prctl = ctypes.CDLL(None, use_errno=True).prctl
except (OSError, AttributeError):
    _prctl = None


def child_setup(extra=None):
    """A preexec_fn: the child gets SIGKILL when the test process dies (even
    by SIGKILL, e.g. a ctest timeout), then runs extra() if given."""
    def setup():
        if _prctl is not None:
            _prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        if extra is not None:
            extra()
    return setup


def become_subreaper():
    """PR_SET_CHILD_SUBREAPER: a BGSAVE child orphaned by a SIGKILLed server
    is reparented to this process, so reap_group() can reap it."""
    if _prctl is not None:
        _prctl(36, 1)


def killpg(pid):
    """SIGKILL a server and whatever it forked (a BGSAVE child)."""
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _group_members(pgid):
    """(pid, state, ppid) of the processes in process group pgid."""
    out = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % name) as f:
                st = f.read()
        except OSError:
            continue
        rest = st[st.rfind(")") + 2:].split()
        if len(rest) > 2 and int(rest[2]) == pgid:
            out.append((int(name), rest[0], int(rest[1])))
    return out


def reap_group(pgid, timeout=10.0):
    """Waits until no process of group pgid runs; reaps the orphans this
    process inherited (see become_subreaper). False on timeout."""
    deadline = time.monotonic() + timeout
    me = os.getpid()
    while True:
        live = []
        for pid, state, ppid in _group_members(pgid):
            if ppid == me:
                try:
                    os.waitpid(pid, os.WNOHANG)
                except ChildProcessError:
                    pass
                live.append(pid)
            elif state != "Z":
                live.append(pid)
        if not live:
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)


def read_text(path):
    """The file's text ("" when it cannot be read)."""
    try:
        with open(path, "rb") as f:
            return f.read().decode(errors="replace")
    except OSError:
        return ""


def log_excerpt(path, tail=LOG_TAIL, name=None):
    """A printable block: the last `tail` lines (all with None) of a log."""
    if not os.path.exists(path):
        return "---- %s: no log at %s ----\n" % (name or "server", path)
    lines = read_text(path).splitlines()
    shown = lines if tail is None else lines[-tail:] if tail else []
    return "---- %s (%s of %d lines of %s) ----\n%s" % (
        name or "server", "all" if len(shown) == len(lines) else "last %d" % len(shown),
        len(lines), path, "".join(l + "\n" for l in shown))


class NotReady(AssertionError):
    """The server exited during start-up, or did not answer PING with PONG in
    time. `reason` is one line; str() adds the server log when it exited."""

    def __init__(self, reason, log=""):
        super().__init__(reason + (":\n" + log if log else ""))
        self.reason = reason


class Server:
    """One server process (cairn-server or redis-server), stdout and stderr
    appended to log_path after a "==== argv" line. The port is argv's --port.

    group: the server runs in its own process group (session), and kill()
    SIGKILLs the whole group (the server and a BGSAVE child) and waits until
    none of it runs. conns: a list every conn() is appended to (closed by the
    owner). The timeouts are defaults for wait_ready(), conn(), wait_exit()."""

    def __init__(self, argv, log_path, preexec=None, cwd=None, group=False, conns=None,
                 start_timeout_s=START_TIMEOUT_S, socket_timeout_s=SOCKET_TIMEOUT_S,
                 exit_timeout_s=EXIT_TIMEOUT_S):
        self.argv = list(argv)
        self.name = os.path.basename(self.argv[0])
        self.log_path = log_path
        self.port = int(self.argv[self.argv.index("--port") + 1])
        self.group = group
        self.conns = conns
        self.start_timeout_s = start_timeout_s
        self.socket_timeout_s = socket_timeout_s
        self.exit_timeout_s = exit_timeout_s
        with open(log_path, "ab") as log:
            log.write(b"==== %s\n" % b" ".join(
                a.encode() if a else b'""' for a in self.argv))
            log.flush()
            self.proc = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL, stdout=log,
                                         stderr=subprocess.STDOUT, cwd=cwd,
                                         start_new_session=group,
                                         preexec_fn=child_setup(preexec))

    @property
    def pid(self):
        return self.proc.pid

    def alive(self):
        return self.proc.poll() is None

    def log(self):
        """The whole log ("" when it cannot be read)."""
        return read_text(self.log_path)

    def log_tail(self, n):
        return "\n".join(self.log().splitlines()[-n:])

    def excerpt(self, tail=LOG_TAIL):
        return log_excerpt(self.log_path, tail, self.name)

    def wait_ready(self, timeout=None):
        """Waits until PING answers PONG; returns self. Raises NotReady."""
        timeout = self.start_timeout_s if timeout is None else timeout
        deadline = time.monotonic() + timeout
        last = "no answer"
        while time.monotonic() < deadline:
            rc = self.proc.poll()
            if rc is not None:
                raise NotReady("%s exited with status %s during start-up" % (self.name, rc),
                               self.log())
            try:
                c = Conn(self.port, timeout=PING_TIMEOUT_S)
                try:
                    r = c.cmd("PING")
                finally:
                    c.close()
                if r == "PONG":
                    return self
                last = repr(r)  # e.g. -LOADING
            except (OSError, ValueError) as e:  # Disconnected is an OSError
                last = str(e)
            time.sleep(0.02)
        raise NotReady("%s not ready after %gs (last: %s)" % (self.name, timeout, last))

    def conn(self, timeout=None):
        c = Conn(self.port, self.socket_timeout_s if timeout is None else timeout)
        if self.conns is not None:
            self.conns.append(c)
        return c

    def kill(self, timeout=None):
        """SIGKILL (with group: the whole process group) and wait; True once
        none of it runs any more, False if that takes longer than timeout
        (with group: 10 s for the rest of the group)."""
        if self.group:
            killpg(self.proc.pid)
        elif self.proc.poll() is None:
            try:
                self.proc.kill()
            except ProcessLookupError:
                pass
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return False
        return reap_group(self.proc.pid) if self.group else True

    def stop(self, timeout):
        """SIGTERM; SIGKILL if it still runs after timeout seconds."""
        if self.proc.poll() is None:
            try:
                self.proc.terminate()
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            except OSError:
                pass

    def signal(self, sig):
        self.proc.send_signal(sig)

    def wait_exit(self, timeout=None, expected=""):
        """Waits for the exit; returns the exit status. Still running after
        timeout: AssertionError (saying what was `expected`) with the log."""
        timeout = self.exit_timeout_s if timeout is None else timeout
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError("server still running after %ss%s:\n%s"
                                 % (timeout, ", " + expected if expected else "", self.log()))

    def shutdown(self, *args):
        """SHUTDOWN [args]: expects no reply, the connection closed, exit 0."""
        what = " ".join(("SHUTDOWN",) + args)
        c = self.conn()
        try:
            c.send(encode("SHUTDOWN", *args))
            try:
                r = c.reply()
                raise AssertionError("%s replied %r" % (what, r))
            except Disconnected:
                pass
        finally:
            c.close()
        rc = self.wait_exit()
        if rc != 0:
            raise AssertionError("exit code %s after %s, want 0" % (rc, what))


def take_server_arg(script):
    """Pops the server binary from argv[1] (the unittest arguments follow);
    exits with a usage line unless it is executable. Returns its absolute path."""
    if len(sys.argv) < 2 or not os.access(sys.argv[1], os.X_OK):
        sys.exit("usage: %s path/to/cairn-server [unittest args]" % script)
    return os.path.abspath(sys.argv.pop(1))


# ---------------------------------------------------------------------------
# unittest


class LogsOnFailure:
    """unittest.TestCase mixin: self.on_failure() runs when the test method,
    or a self.subTest() block in it, raises anything but SkipTest (setUp and
    tearDown are not covered).

    The method is wrapped in __init__: unittest looks it up before setUp
    runs, so wrapping it in setUp would have no effect."""

    def __init__(self, methodName="runTest"):
        super().__init__(methodName)
        body = getattr(self, methodName, None)
        if body is None:
            return

        @functools.wraps(body)  # keeps __unittest_skip__ and the like
        def wrapped(self_):
            try:
                return body()
            except unittest.SkipTest:
                raise
            except BaseException:
                self_.on_failure()
                raise
        # A bound method, as unittest's loader expects for "Class.test_name".
        setattr(self, methodName, types.MethodType(wrapped, self))

    @contextlib.contextmanager
    def subTest(self, *args, **params):
        # unittest records a failed subtest and goes on, so the wrapper
        # above never sees it.
        with super().subTest(*args, **params):
            try:
                yield
            except unittest.SkipTest:
                raise
            except BaseException:
                self.on_failure()
                raise

    def on_failure(self):
        pass


class ServerTestCase(LogsOnFailure, unittest.TestCase):
    """Every test gets a temp dir (self.tmp) and starts its own servers on free
    ports; tearDown stops self.threads (each has a .stop Event), kills the
    servers, closes self.conns and removes the dir. When a test method fails,
    the last log_tail lines of every server log are printed to stderr.

    Subclasses set cairn_binary (see take_server_arg) and may change the
    class attributes below."""

    cairn_binary = None
    tmp_prefix = "cairn-test-"
    start_timeout_s = START_TIMEOUT_S
    socket_timeout_s = SOCKET_TIMEOUT_S
    exit_timeout_s = EXIT_TIMEOUT_S
    log_tail = LOG_TAIL
    kill_group = False    # Server(group=...): kill() takes BGSAVE children too
    cairn_defaults = ()   # (option, value) pairs added to cairn's argv unless given
    redis_defaults = ()   # the same for redis-server

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix=self.tmp_prefix)
        self.servers = []
        self.threads = []
        self.conns = []
        self._nlog = 0
        self._lock = threading.Lock()

    def tearDown(self):
        for t in self.threads:
            t.stop.set()
        for s in self.servers:
            try:
                s.kill()
            except Exception:
                pass
        for t in self.threads:
            t.join(5)
        for c in self.conns:
            c.close()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def on_failure(self):
        self.dump_logs()

    def dump_logs(self):
        for s in self.servers:
            sys.stderr.write("\n" + s.excerpt(self.log_tail))

    def newdir(self, name):
        return tempfile.mkdtemp(prefix=name + "-", dir=self.tmp)

    def _log_path(self, what):
        with self._lock:
            self._nlog += 1
            n = self._nlog
        return os.path.join(self.tmp, "%02d-%s.log" % (n, what))

    @staticmethod
    def _defaults(extra, defaults):
        argv = list(extra)
        for k, v in defaults:
            if k not in argv:
                argv += [k, v]
        return argv

    def start_server(self, binary, what, d, extra, defaults, preexec=None):
        """A Server for binary on a free loopback port with --dir d, not yet
        waited for; stopped in tearDown."""
        argv = [binary, "--port", str(free_port()), "--bind", "127.0.0.1", "--dir", d] + \
            self._defaults(extra, defaults)
        s = Server(argv, self._log_path(what), preexec, group=self.kill_group,
                   conns=self.conns, start_timeout_s=self.start_timeout_s,
                   socket_timeout_s=self.socket_timeout_s, exit_timeout_s=self.exit_timeout_s)
        self.servers.append(s)
        return s

    def relaunch(self, s):
        """SIGKILLs s, then starts the same command line again (same port,
        same directory, log appended); returns the new Server, once it
        answers PING."""
        s.kill()
        n = Server(s.argv, s.log_path, None, group=self.kill_group, conns=self.conns,
                   start_timeout_s=self.start_timeout_s, socket_timeout_s=self.socket_timeout_s,
                   exit_timeout_s=self.exit_timeout_s)
        self.servers.append(n)
        return n.wait_ready()

    def cairn(self, d, *extra, preexec=None, ready=True):
        """cairn-server on d; with ready, once it answers PING."""
        s = self.start_server(self.cairn_binary, "cairn", d, extra, self.cairn_defaults,
                              preexec)
        return s.wait_ready() if ready else s

    def both(self, fn, *extra):
        """Runs fn(server) on a fresh redis-server (the oracle), then on a
        fresh cairn-server, each in a subTest of its own; `extra` goes on
        both command lines."""
        for name in ("redis", "cairn"):
            with self.subTest(server=name):
                d = self.newdir(name)
                s = self.redis(d, *extra) if name == "redis" else self.cairn(d, *extra)
                fn(s)
                s.kill()

    def redis(self, d, *extra, preexec=None):
        """redis-server on d, once it answers PING; skips the test when
        redis-server is not installed."""
        if not REDIS_SERVER:
            self.skipTest("redis-server not installed")
        return self.start_server(REDIS_SERVER, "redis", d, extra, self.redis_defaults,
                                 preexec).wait_ready()


# ---------------------------------------------------------------------------
# A dataset as comparable content (the same on redis-server and on Cairn)


def flat_dict(arr):
    return dict(zip(arr[::2], arr[1::2]))


STREAM_META = (b"length", b"last-generated-id", b"max-deleted-entry-id", b"entries-added",
               b"recorded-first-entry-id")


def read_stream(c, k):
    """What a user sees of a stream, the times (idle, seen, delivery) left out."""
    entries = [(e[0], tuple(e[1])) for e in c.ok("XRANGE", k, "-", "+")]
    info = flat_dict(c.ok("XINFO", "STREAM", k))
    meta = {f.decode(): info.get(f) for f in STREAM_META}
    groups = []
    for g in c.ok("XINFO", "GROUPS", k):
        gd = flat_dict(g)
        name = gd[b"name"]
        consumers = sorted((flat_dict(x)[b"name"], flat_dict(x)[b"pending"])
                           for x in c.ok("XINFO", "CONSUMERS", k, name))
        pel = [(p[0], p[1], p[3]) for p in c.ok("XPENDING", k, name, "-", "+", 1000000)]
        groups.append({"name": name, "last_id": gd.get(b"last-delivered-id"),
                       "entries_read": gd.get(b"entries-read"), "lag": gd.get(b"lag"),
                       "consumers": consumers, "pending": pel})
    groups.sort(key=lambda g: g["name"])
    return {"entries": entries, "meta": meta, "groups": groups}


def read_key(c, k):
    """(type, content, PEXPIRETIME) of a key in the selected db; unordered
    types sorted, zset scores as floats (servers print them differently)."""
    t = c.ok("TYPE", k)
    if t == "string":
        v = c.ok("GET", k)
    elif t == "list":
        v = c.ok("LRANGE", k, 0, -1)
    elif t == "set":
        v = sorted(c.ok("SMEMBERS", k))
    elif t == "zset":
        flat = c.ok("ZRANGE", k, 0, -1, "WITHSCORES")
        v = [(m, float(s)) for m, s in zip(flat[::2], flat[1::2])]
    elif t == "hash":
        flat = c.ok("HGETALL", k)
        v = sorted(zip(flat[::2], flat[1::2]))
    elif t == "stream":
        v = read_stream(c, k)
    else:
        raise AssertionError("key %r: unexpected type %r" % (k, t))
    return (t, v, c.ok("PEXPIRETIME", k))


def scan_keys(c):
    keys, cursor = set(), b"0"
    while True:
        cursor, batch = c.ok("SCAN", cursor, "COUNT", 1000)
        keys.update(batch)
        if cursor == b"0":
            return sorted(keys)


def read_dataset(c, dbs=range(16)):
    """{(db, key): (type, content, PEXPIRETIME)} of every key of every db."""
    out = {}
    for db in dbs:
        c.ok("SELECT", db)
        for k in scan_keys(c):
            out[(db, k)] = read_key(c, k)
    c.ok("SELECT", 0)
    return out


# ---------------------------------------------------------------------------
# A data directory's log files (doc/aof.md)


def aofdir(d):
    return os.path.join(d, "appendonlydir")


def manifest(d):
    """[(name, seq, type)] of the manifest in d/appendonlydir."""
    out = []
    with open(os.path.join(aofdir(d), "appendonly.aof.manifest")) as f:
        for line in f:
            parts = line.split()
            if parts:
                kv = dict(zip(parts[0::2], parts[1::2]))
                out.append((kv["file"], int(kv["seq"]), kv["type"]))
    return out


def incr_paths(d):
    return [os.path.join(aofdir(d), m[0]) for m in manifest(d) if m[2] == "i"]


# #cairn <first-seq> <len> <xxh3> [<durable-seq> [t<unix-ms>] [history]]
LOG_ANNOTATION = re.compile(rb"#cairn (\d+) (\d+) ([0-9a-f]{16})((?: [^ \r\n]+)*)\r\n")
LogBatch = collections.namedtuple("LogBatch", "start body length first_seq fields")


def content_end(data):
    """Where a log file's content ends: before the '#' filler lines that
    Cairn preallocates at its end (doc/aof.md, "Preallocation")."""
    q = len(data)
    while q > 0 and data[q - 1] in b"#\n":
        q -= 1
    if q == 0:
        return 0
    nl = data.find(b"\n", q - 1)
    return len(data) if nl < 0 else nl + 1


def log_batches(data, path="", annotation=LOG_ANNOTATION):
    """[LogBatch] of a log file's content, which must be batches (each
    annotation matching `annotation`, its fields as group 4) and filler."""
    end = content_end(data)
    out, pos = [], 0
    while pos < end:
        m = annotation.match(data, pos)
        if not m:
            line_end = data.find(b"\n", pos) + 1
            if line_end > pos and set(data[pos:line_end]) <= set(b"#\n"):
                pos = line_end  # filler
                continue
            raise AssertionError("%s: no batch annotation at offset %d: %r"
                                 % (path, pos, data[pos:pos + 40]))
        n = int(m.group(2))
        out.append(LogBatch(pos, m.end(), n, int(m.group(1)), m.group(4).split()))
        pos = m.end() + n
    return out
