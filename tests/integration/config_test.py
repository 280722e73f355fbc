#!/usr/bin/python3
"""Drop-in configuration, as a Redis user meets it (issue 17).

    /usr/bin/python3 tests/integration/config_test.py path/to/cairn-server [unittest args]

Standard library only. Every test starts its own servers on free ports with
fresh temp dirs and cleans them up, also on failure (the logs are printed
then). redis-server 7.0.15 (Debian's) is the oracle.

What is checked:
  * Debian's own /etc/redis/redis.conf starts cairn, with dir, port,
    logfile, pidfile and daemonize given on the command line, and CONFIG GET
    of every directive in it answers what redis-server answers for the same
    file and command line;
  * CONFIG GET * names every parameter redis-server 7.0.15 names, with the
    same values but for the defaults Cairn changes on purpose;
  * a bad line stops the start with Redis's block (where, line, reason);
  * daemonize yes: the launcher exits 0, the pidfile names a live server
    that answers PING, SIGTERM stops it and removes the pidfile;
  * supervised systemd: READY=1 (and STOPPING=1) on $NOTIFY_SOCKET;
  * SIGHUP reopens the log file (logrotate);
  * unixsocket / unixsocketperm; port 0 (no TCP);
  * requirepass and AUTH; rename-command; CONFIG SET port listens anew.
"""

import os
import signal
import socket
import stat
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from cairn_testlib import (  # noqa: E402
    REDIS_SERVER, Conn, ServerError, ServerTestCase, child_setup, encode,
    free_port, take_server_arg)

DEBIAN_CONF = "/etc/redis/redis.conf"

# Defaults Cairn changes on purpose (README.md, "Configuration").
CAIRN_OWN_DEFAULTS = {"appendonly", "appendfsync", "bind"}
# Per instance, never equal.
PER_INSTANCE = {"port", "dir", "logfile", "pidfile", "unixsocket"}


def directives(path):
    """The directive names a redis.conf sets (the first word of every line
    that is not blank or a comment)."""
    names = []
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#"):
                names.append(line.split()[0].lower())
    return names


def config_get(conn, name):
    r = conn.cmd("CONFIG", "GET", name)
    return dict(zip(r[0::2], r[1::2])).get(name.encode())


class ConfigTest(ServerTestCase):
    tmp_prefix = "cairn-config-"

    def run_bad(self, binary, conf_text, *extra):
        """Starts binary on a file holding conf_text; expects exit 1 and
        returns its stderr and stdout."""
        path = os.path.join(self.tmp, "bad.conf")
        with open(path, "w") as f:
            f.write(conf_text)
        p = subprocess.run([binary, path, "--port", str(free_port()), "--dir", self.tmp] +
                           list(extra), capture_output=True, text=True, timeout=20,
                           preexec_fn=child_setup())
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        return p.stderr + p.stdout

    def test_debian_redis_conf_starts_and_matches_redis(self):
        if not os.access(DEBIAN_CONF, os.R_OK) or not REDIS_SERVER:
            self.skipTest("Debian's redis.conf or redis-server missing")
        names = directives(DEBIAN_CONF)
        self.assertGreater(len(names), 60)
        servers = {}
        for what, binary in (("cairn", self.cairn_binary), ("redis", REDIS_SERVER)):
            d = self.newdir(what)
            port = free_port()
            argv = [binary, DEBIAN_CONF, "--port", str(port), "--dir", d,
                    "--logfile", os.path.join(d, "server.log"),
                    "--pidfile", os.path.join(d, "server.pid"), "--daemonize", "no"]
            from cairn_testlib import Server
            s = Server(argv, self._log_path(what), conns=self.conns)
            self.servers.append(s)
            s.wait_ready()
            self.assertTrue(os.path.exists(os.path.join(d, "server.pid")),
                            "%s wrote no pidfile" % what)
            servers[what] = s.conn()
        mismatches = []
        for name in sorted(set(names)):
            if name in PER_INSTANCE:
                continue
            want = config_get(servers["redis"], name)
            got = config_get(servers["cairn"], name)
            if got != want:
                mismatches.append("%s: cairn %r, redis %r" % (name, got, want))
        self.assertEqual(mismatches, [])

    def test_config_get_star_names_every_redis_parameter(self):
        c = self.cairn(self.newdir("cairn")).conn()
        r = self.redis(self.newdir("redis")).conn()

        def everything(conn):
            reply = conn.cmd("CONFIG", "GET", "*")
            return dict(zip(reply[0::2], reply[1::2]))
        mine, theirs = everything(c), everything(r)
        self.assertEqual(sorted(set(theirs) - set(mine)), [], "missing in cairn")
        self.assertEqual(sorted(set(mine) - set(theirs)), [], "unknown to redis")
        diff = []
        for name, value in theirs.items():
            n = name.decode()
            if n in CAIRN_OWN_DEFAULTS or n in PER_INSTANCE or n == "save":
                continue
            if mine[name] != value:
                diff.append("%s: cairn %r, redis %r" % (n, mine[name], value))
        self.assertEqual(diff, [])
        self.assertEqual(config_get(c, "appendfsync"), b"always")
        self.assertEqual(config_get(c, "appendonly"), b"yes")

    def test_bad_lines_are_reported_as_redis_reports_them(self):
        cases = [
            ("hz abc\n", "argument couldn't be parsed into an integer"),
            ("nosuchdirective foo\n", "Bad directive or wrong number of arguments"),
            ("syslog-ident \"abc\n", "Unbalanced quotes in configuration line"),
            ("save 900\n", "Invalid save parameters"),
            ("loglevel loud\n",
             "argument(s) must be one of the following: debug, verbose, notice, warning"),
        ]
        for text, reason in cases:
            with self.subTest(line=text):
                conf = "port 7000\n# a comment with \"quotes\n" + text
                out = self.run_bad(self.cairn_binary, conf)
                self.assertIn("*** FATAL CONFIG FILE ERROR", out)
                self.assertIn("Reading the configuration file '%s/bad.conf', at line 3"
                              % os.path.realpath(self.tmp), out)
                self.assertIn(">>> '%s'\n%s\n" % (text.strip(), reason), out)
                if REDIS_SERVER:
                    self.assertIn(">>> '%s'\n%s\n" % (text.strip(), reason),
                                  self.run_bad(REDIS_SERVER, conf))

    def test_daemonize_writes_the_pidfile_and_sigterm_removes_it(self):
        d = self.newdir("daemon")
        port = free_port()
        pidfile = os.path.join(d, "cairn.pid")
        log = os.path.join(d, "cairn.log")
        p = subprocess.run([self.cairn_binary, "--port", str(port), "--bind", "127.0.0.1",
                            "--dir", d, "--daemonize", "yes", "--pidfile", pidfile,
                            "--logfile", log], capture_output=True, timeout=20)
        self.assertEqual(p.returncode, 0, p.stderr)
        deadline = time.monotonic() + 15
        pid = None
        while time.monotonic() < deadline and pid is None:
            try:
                c = Conn(port, timeout=2)
                if c.cmd("PING") == "PONG":
                    with open(pidfile) as f:
                        pid = int(f.read().strip())
                c.close()
            except (OSError, ValueError):
                time.sleep(0.05)
        try:
            self.assertIsNotNone(pid, "the daemon never answered PING:\n" + open(log).read())
            self.assertNotEqual(pid, p.returncode)
            os.kill(pid, 0)  # alive
            c = Conn(port)
            info = c.cmd("INFO", "server").decode()
            c.close()
            self.assertIn("process_id:%d" % pid, info)
            os.kill(pid, signal.SIGTERM)
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline and os.path.exists(pidfile):
                time.sleep(0.05)
            self.assertFalse(os.path.exists(pidfile), "SIGTERM left the pidfile")
            while time.monotonic() < deadline:
                try:
                    os.kill(pid, 0)
                    time.sleep(0.05)
                except ProcessLookupError:
                    break
            else:
                self.fail("the daemon did not exit on SIGTERM")
            self.assertIn("Removing the pid file.", open(log).read())
        finally:
            if pid is not None:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass

    def test_supervised_systemd_tells_when_ready_and_stopping(self):
        sock_path = os.path.join(self.tmp, "notify.sock")
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        sock.bind(sock_path)
        sock.settimeout(15)
        self.addCleanup(sock.close)
        os.environ["NOTIFY_SOCKET"] = sock_path
        try:
            s = self.cairn(self.newdir("sd"), "--supervised", "systemd", "--daemonize", "yes",
                           ready=False)
        finally:
            del os.environ["NOTIFY_SOCKET"]
        got = []
        while b"READY=1\n" not in got:
            got.append(sock.recv(4096))
        self.assertEqual(got[0], b"STATUS=Cairn is loading...\n")
        self.assertIn(b"STATUS=Ready to accept connections\n", got)
        s.wait_ready()  # supervised: daemonize yes does not fork
        self.assertTrue(s.alive())
        s.shutdown("NOSAVE")
        self.assertEqual(sock.recv(4096), b"STOPPING=1\n")

    def test_sighup_reopens_the_log_file(self):
        d = self.newdir("hup")
        log = os.path.join(d, "cairn.log")
        s = self.cairn(d, "--logfile", log, "--save", "")
        os.rename(log, log + ".1")
        s.signal(signal.SIGHUP)
        deadline = time.monotonic() + 10
        while not os.path.exists(log) and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertTrue(os.path.exists(log), "no new log file after SIGHUP")
        c = s.conn()
        self.assertEqual(c.cmd("BGSAVE"), "Background saving started")

        def text():
            with open(log) as f:
                return f.read()
        while "Background saving started" not in text() and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertIn("Background saving started", text())
        self.assertTrue(s.alive())
        # (The child done before tearDown: it would write into the temp dir
        # while it is removed, and leave it behind.)
        while c.info("persistence")["rdb_bgsave_in_progress"] != "0":
            self.assertLess(time.monotonic(), deadline)
            time.sleep(0.05)

    def test_unix_socket_and_no_tcp(self):
        d = self.newdir("unix")
        path = os.path.join(d, "cairn.sock")
        s = self.cairn(d, "--unixsocket", path, "--unixsocketperm", "700", ready=False)
        deadline = time.monotonic() + 15
        while not os.path.exists(path) and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o700)
        u = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.addCleanup(u.close)
        u.settimeout(10)
        for _ in range(100):
            try:
                u.connect(path)
                break
            except OSError:
                time.sleep(0.05)
        u.sendall(encode("PING") + encode("CLIENT", "INFO"))
        data = b""
        while b"laddr" not in data or not data.endswith(b"\r\n"):
            data += u.recv(4096)
        self.assertTrue(data.startswith(b"+PONG\r\n"), data)
        self.assertIn(b"addr=%s:0 " % path.encode(), data)  # as Redis 7.0 shows it
        self.assertIn(b" flags=U ", data)
        s.wait_ready()  # TCP too, on its port
        # port 0: the unix socket only.
        d2 = self.newdir("unix-only")
        path2 = os.path.join(d2, "c.sock")
        p = self.cairn(d2, "--unixsocket", path2, ready=False)
        p.stop(5)
        only = subprocess.Popen([self.cairn_binary, "--port", "0", "--dir", d2,
                                 "--unixsocket", path2], stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, preexec_fn=child_setup())
        try:
            out = subprocess.run(["redis-cli", "-s", path2, "PING"], capture_output=True,
                                 text=True, timeout=10)
            for _ in range(100):
                if out.stdout.strip() == "PONG":
                    break
                time.sleep(0.05)
                out = subprocess.run(["redis-cli", "-s", path2, "PING"], capture_output=True,
                                     text=True, timeout=10)
            self.assertEqual(out.stdout.strip(), "PONG")
        finally:
            only.terminate()
            only.wait(10)

    def test_requirepass_auth_and_hello(self):
        s = self.cairn(self.newdir("auth"), "--requirepass", "s3cret", ready=False)
        deadline = time.monotonic() + 15
        while True:  # as Redis, even PING needs AUTH
            try:
                c = s.conn()
                break
            except OSError:
                self.assertLess(time.monotonic(), deadline, "never listened")
                time.sleep(0.05)
        self.assertEqual(c.cmd("GET", "k"), ServerError("NOAUTH Authentication required."))
        self.assertEqual(c.cmd("AUTH", "nope"),
                         ServerError("WRONGPASS invalid username-password pair or user is "
                                     "disabled."))
        self.assertEqual(c.cmd("AUTH", "s3cret"), "OK")
        self.assertEqual(c.cmd("SET", "k", "v"), "OK")
        out = subprocess.run(["redis-cli", "-p", str(s.port), "--no-auth-warning", "-a",
                              "s3cret", "GET", "k"], capture_output=True, text=True,
                             timeout=10)
        self.assertEqual(out.stdout.strip(), "v")

    def test_requirepass_on_an_existing_log_keeps_the_data(self):
        d = self.newdir("authlog")
        s = self.cairn(d)
        c = s.conn()
        self.assertEqual(c.cmd("SET", "k", "v"), "OK")
        c.close()
        s.shutdown()
        s2 = self.cairn(d, "--requirepass", "pw", ready=False)
        deadline = time.monotonic() + 15
        while True:
            try:
                c2 = s2.conn()
                break
            except OSError:
                self.assertTrue(s2.alive(), "refused to start:\n" + s2.log())
                self.assertLess(time.monotonic(), deadline)
                time.sleep(0.05)
        self.assertEqual(c2.cmd("AUTH", "pw"), "OK")
        self.assertEqual(c2.cmd("GET", "k"), b"v")

    def test_config_set_edge_cases_change_nothing_when_they_fail(self):
        d = self.newdir("edges")
        s = self.cairn(d, "--enable-protected-configs", "yes", "--save", "")
        c = s.conn()
        # The same port on another address list: the old listener makes way.
        self.assertEqual(c.cmd("CONFIG", "SET", "bind", "127.0.0.1"), "OK")
        d2 = Conn(s.port)
        self.conns.append(d2)
        self.assertEqual(d2.cmd("PING"), "PONG")
        # A failed CONFIG SET leaves dir where it was.
        other = self.newdir("other")
        r = c.cmd("CONFIG", "SET", "dir", other, "hz", "abc")
        self.assertTrue(str(r).startswith("ERR CONFIG SET failed"), r)
        self.assertEqual(config_get(c, "dir"), os.path.realpath(d).encode())
        self.assertEqual(c.cmd("CONFIG", "SET", "dir", other), "OK")
        self.assertEqual(config_get(c, "dir"), os.path.realpath(other).encode())
        missing = os.path.join(self.tmp, "no-such-dir")
        self.assertTrue(str(c.cmd("CONFIG", "SET", "dir", missing)).endswith(
            "No such file or directory"))
        self.assertFalse(os.path.exists(missing))
        self.assertTrue(str(c.cmd("CONFIG", "SET", "tls-port", "6380")).startswith(
            "ERR CONFIG SET failed (possibly related to argument 'tls-port')"))
        # A save point whose seconds would overflow never fires.
        self.assertEqual(c.cmd("CONFIG", "SET", "save", "9223372036854775807 1"), "OK")
        self.assertEqual(c.cmd("SET", "k", "v"), "OK")
        time.sleep(0.4)
        self.assertNotIn("Background saving", s.log())

    def test_rename_command(self):
        s = self.cairn(self.newdir("rename"), "--rename-command", "get", "fetch",
                       "--rename-command", "flushall", "")
        c = s.conn()
        self.assertEqual(c.cmd("SET", "k", "v"), "OK")
        self.assertEqual(c.cmd("FETCH", "k"), b"v")
        self.assertTrue(str(c.cmd("GET", "k")).startswith("ERR unknown command 'GET'"))
        self.assertTrue(str(c.cmd("FLUSHALL")).startswith("ERR unknown command"))
        out = self.run_bad(self.cairn_binary, "rename-command nosuch foo\n")
        self.assertIn(">>> 'rename-command nosuch foo'\nNo such command in rename-command", out)

    def test_config_rewrite_matches_redis(self):
        # The same file, the same CONFIG SETs, then CONFIG REWRITE on both:
        # comments, unknown directives and rename-command stay; every
        # option's first line is rewritten in place (save and
        # client-output-buffer-limit take further lines), duplicates are
        # emptied; what the file did not name is added after the marker
        # (Redis's order there is its hash table's: compared as sets, less
        # latency-tracking-info-percentiles, which Redis writes at its
        # default). The rewritten file then starts both servers alike.
        text = ("# my config\nbind 127.0.0.1\nmaxmemory 100mb\n# keep this comment\n"
                "save 900 1\nsave 300 10\nhz 10\nhz 12\nappendonly no\n"
                "client-output-buffer-limit pubsub 32mb 8mb 60\n"
                "rename-command FLUSHALL \"\"\nnotify-keyspace-events \"\"\n")
        sets = [("maxmemory", "2gb"), ("save", "100 5 200 6"),
                ("client-output-buffer-limit", "normal 1mb 2mb 3 pubsub 10mb 5mb 7"),
                ("notify-keyspace-events", "KEA"), ("slowlog-max-len", "7"),
                ("maxmemory-policy", "allkeys-lru"), ("requirepass", "a b"),
                ("oom-score-adj-values", "0 100 900"), ("hz", "15")]
        from cairn_testlib import Server
        files, after = {}, {}
        for what, binary in (("redis", REDIS_SERVER), ("cairn", self.cairn_binary)):
            d = self.newdir(what)
            path = os.path.join(d, "server.conf")
            with open(path, "w") as f:
                f.write(text)
            argv = [binary, path, "--port", str(free_port()), "--dir", d]
            s = Server(argv, self._log_path(what), conns=self.conns)
            self.servers.append(s)
            c = s.wait_ready().conn()
            for name, value in sets:
                self.assertEqual(c.cmd("CONFIG", "SET", name, value), "OK", name)
            c.cmd("AUTH", "a b")
            self.assertEqual(c.cmd("ACL", "SETUSER", "bob", "on", ">x", "~k*", "+get"), "OK")
            self.assertEqual(c.cmd("CONFIG", "REWRITE"), "OK")
            with open(path) as f:
                lines = f.read().split("\n")
            marker = lines.index("# Generated by CONFIG REWRITE")
            added = {line for line in lines[marker + 1:] if line and not line.startswith(
                ("latency-tracking-info-percentiles", "dir ", "port "))}
            files[what] = (lines[:marker], added)
            s.kill()
            # The rewritten file is what the next start reads.
            s = Server([binary, path, "--port", str(free_port())], self._log_path(what),
                       conns=self.conns)
            self.servers.append(s)
            c = None
            deadline = time.monotonic() + 10
            while c is None and time.monotonic() < deadline:  # NOAUTH to PING: AUTH first
                try:
                    c = s.conn()
                    if c.cmd("AUTH", "a b") != "OK":
                        c = None
                except OSError:
                    c = None
                    time.sleep(0.05)
            self.assertIsNotNone(c, "%s did not start again from its rewritten file" % what)
            c.cmd("AUTH", "a b")
            after[what] = [config_get(c, name) for name, _ in sets] + [
                c.cmd("ACL", "GETUSER", "bob")[5]]
            s.kill()
        self.assertEqual(files["cairn"][0], files["redis"][0])
        self.assertEqual(files["cairn"][1], files["redis"][1])
        self.assertEqual(after["cairn"], after["redis"])
        self.assertIn("# keep this comment", files["cairn"][0])
        self.assertIn('rename-command FLUSHALL ""', files["cairn"][0])

    def test_config_set_port_listens_anew(self):
        s = self.cairn(self.newdir("port"))
        c = s.conn()
        new_port = free_port()
        self.assertEqual(c.cmd("CONFIG", "SET", "port", str(new_port)), "OK")
        d = Conn(new_port)
        self.conns.append(d)
        self.assertEqual(d.cmd("PING"), "PONG")
        with self.assertRaises(OSError):
            Conn(s.port, timeout=2).cmd("PING")
        self.assertEqual(c.cmd("PING"), "PONG")  # established clients stay
        # A port someone holds: refused, and nothing changes.
        blocker = socket.socket()
        blocker.bind(("127.0.0.1", 0))
        blocker.listen(1)
        self.addCleanup(blocker.close)
        self.assertEqual(c.cmd("CONFIG", "SET", "port", str(blocker.getsockname()[1])),
                         ServerError("ERR CONFIG SET failed (possibly related to argument "
                                     "'port') - Unable to listen on this port. Check server "
                                     "logs."))
        self.assertEqual(config_get(c, "port"), str(new_port).encode())

    def test_make_install_lays_out_a_working_service(self):
        root = os.path.join(self.tmp, "root")
        src = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
        build = os.path.dirname(os.path.dirname(self.cairn_binary))
        out = subprocess.run([os.path.join(src, "packaging", "install.sh"), build, "/usr", root],
                             capture_output=True, text=True, timeout=60)
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        for path in ("usr/bin/cairn-server", "usr/bin/cairn", "usr/bin/cairn-check",
                     "etc/cairn/cairn.conf",
                     "lib/systemd/system/cairn-server.service"):
            self.assertTrue(os.path.exists(os.path.join(root, path)), path)
        with open(os.path.join(root, "lib/systemd/system/cairn-server.service")) as f:
            unit = f.read()
        self.assertIn("Type=notify\n", unit)
        self.assertIn("ExecStart=/usr/bin/cairn-server /etc/cairn/cairn.conf --supervised "
                      "systemd --daemonize no\n", unit)
        for hardening in ("ProtectSystem=strict", "NoNewPrivileges=true", "PrivateTmp=true",
                          "StateDirectory=cairn", "PIDFile=/run/cairn/cairn-server.pid"):
            self.assertIn(hardening + "\n", unit)
        # The installed configuration, with its service paths moved into the
        # test's directory, starts a server that uses them.
        with open(os.path.join(root, "etc/cairn/cairn.conf")) as f:
            conf = f.read()
        here = os.path.join(self.tmp, "svc")
        for path in ("/var/lib/cairn", "/run/cairn", "/var/log/cairn"):
            conf = conf.replace(path, here + path)
        os.makedirs(here + "/var/lib/cairn")
        os.makedirs(here + "/run/cairn")
        os.makedirs(here + "/var/log/cairn")
        conf_path = os.path.join(self.tmp, "installed.conf")
        with open(conf_path, "w") as f:
            f.write(conf)
        from cairn_testlib import Server
        port = free_port()
        s = Server([os.path.join(root, "usr/bin/cairn-server"), conf_path, "--port", str(port)],
                   self._log_path("installed"), conns=self.conns)
        self.servers.append(s)
        s.wait_ready()
        c = s.conn()
        self.assertEqual(config_get(c, "dir"), (here + "/var/lib/cairn").encode())
        self.assertTrue(os.path.exists(here + "/run/cairn/cairn-server.pid"))
        self.assertIn("Ready to accept connections",
                      open(here + "/var/log/cairn/cairn-server.log").read())
        # A second install keeps the edited configuration.
        out = subprocess.run([os.path.join(src, "packaging", "install.sh"), build, "/usr", root],
                             capture_output=True, text=True, timeout=60)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertTrue(os.path.exists(os.path.join(root, "etc/cairn/cairn.conf.new")))


if __name__ == "__main__":
    ConfigTest.cairn_binary = take_server_arg("config_test.py")
    unittest.main()
