#!/usr/bin/python3
"""TLS on tls-port, beside redis-server 7.0.15.

    /usr/bin/python3 tests/integration/tls_test.py path/to/cairn-server [unittest args]

Certificates are made for the run with the openssl command (a CA, a server
certificate, a client certificate, and a second CA nobody trusts). Each
scenario runs with the same assertions on redis-server 7.0.15 and on
cairn-server, with python's ssl module, redis-cli --tls and python3-redis
(ssl=True) as clients:
  * commands, a pipeline and a value larger than a TLS record go both ways,
    and the plain port keeps working beside tls-port;
  * tls-auth-clients yes refuses a client without a certificate, or with one
    the CA did not sign; optional and no let it in;
  * CONFIG SET of a TLS option that cannot be applied is refused and the old
    settings stay; CONFIG SET tls-port listens on the new port;
  * a plain-text client on tls-port gets no reply;
  * a start with tls-port but no certificate fails, naming the cause.
"""

import os
import socket
import ssl
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from cairn_testlib import (Conn, Disconnected, ServerTestCase, encode, free_port,  # noqa: E402
                           take_server_arg)


def openssl(*args, cwd):
    subprocess.run(["openssl"] + list(args), cwd=cwd, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)


def make_pki(d):
    """ca.crt signs server.crt and client.crt; rogue.crt is self-signed."""
    for ca in ("ca", "rogue"):
        openssl("req", "-x509", "-new", "-nodes", "-newkey", "rsa:2048", "-keyout", ca + ".key",
                "-out", ca + ".crt", "-days", "2", "-subj", "/CN=" + ca, cwd=d)
    for name in ("server", "client"):
        openssl("req", "-new", "-nodes", "-newkey", "rsa:2048", "-keyout", name + ".key", "-out",
                name + ".csr", "-subj", "/CN=" + name, cwd=d)
        openssl("x509", "-req", "-in", name + ".csr", "-CA", "ca.crt", "-CAkey", "ca.key",
                "-CAcreateserial", "-out", name + ".crt", "-days", "2", cwd=d)


class TlsConn(Conn):
    def __init__(self, port, ctx, timeout=10):
        self.buf = bytearray()
        self.pos = 0
        try:
            raw = socket.create_connection(("127.0.0.1", port), timeout=timeout)
            self.sock = ctx.wrap_socket(raw)
        except OSError as e:  # ssl.SSLError included
            raise Disconnected("connect: %s" % e) from e


class TlsTest(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        import tempfile
        cls.pki = tempfile.mkdtemp(prefix="cairn-tls-")
        make_pki(cls.pki)

    @classmethod
    def tearDownClass(cls):
        import shutil
        shutil.rmtree(cls.pki, ignore_errors=True)

    def path(self, name):
        return os.path.join(self.pki, name)

    def ctx(self, cert="client"):
        c = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        c.check_hostname = False
        c.load_verify_locations(self.path("ca.crt"))
        if cert:
            c.load_cert_chain(self.path(cert + ".crt"), self.path(cert + ".key"))
        return c

    def tls_args(self, port, *extra):
        return ("--tls-port", str(port), "--tls-cert-file", self.path("server.crt"),
                "--tls-key-file", self.path("server.key"), "--tls-ca-cert-file",
                self.path("ca.crt")) + extra

    def tls(self, port, cert="client"):
        c = TlsConn(port, self.ctx(cert))
        self.conns.append(c)
        return c

    def refused(self, port, cert):
        """Whether a client with `cert` gets no reply to PING on port."""
        try:
            c = self.tls(port, cert)
            return c.closed_by_server()
        except Disconnected:
            return True

    def test_commands_over_tls(self):
        seen = []

        def run(s):
            port = self.tls_port
            c = self.tls(port)
            big = os.urandom(200_000)  # many TLS records each way
            got = [c.cmd("PING"), c.cmd("SET", "big", big), c.cmd("GET", "big") == big,
                   c.cmd("CLIENT", "SETNAME", "tlsclient")]
            c.send(b"".join(encode("INCR", "n") for _ in range(500)))
            got.append([c.reply() for _ in range(500)][-1])
            got.append(s.conn().cmd("GET", "n"))  # the plain port beside it
            cli = subprocess.run(
                ["redis-cli", "-p", str(port), "--tls", "--cacert", self.path("ca.crt"),
                 "--cert", self.path("client.crt"), "--key", self.path("client.key"), "GET",
                 "n"], capture_output=True, text=True, timeout=20)
            got.append(cli.stdout.strip())
            import redis  # python3-redis
            r = redis.Redis(host="127.0.0.1", port=port, ssl=True,
                            ssl_ca_certs=self.path("ca.crt"),
                            ssl_certfile=self.path("client.crt"),
                            ssl_keyfile=self.path("client.key"), ssl_check_hostname=False)
            got.append(r.incr("n"))
            r.close()
            got.append(self.refused(port, None))       # no certificate
            got.append(self.refused(port, "rogue"))    # one the CA did not sign
            # A plain-text client on tls-port is not answered.
            plain = socket.create_connection(("127.0.0.1", port), timeout=5)
            plain.sendall(b"PING\r\n")
            try:
                answer = plain.recv(100)
            except OSError:
                answer = b""
            plain.close()
            got.append(answer.startswith(b"+PONG"))
            seen.append(got)

        for name in ("redis", "cairn"):
            with self.subTest(server=name):
                self.tls_port = free_port()
                d = self.newdir(name)
                args = self.tls_args(self.tls_port)
                s = self.redis(d, *args) if name == "redis" else self.cairn(d, *args)
                run(s)
                s.kill()
        self.assertEqual(seen[1], seen[0])
        self.assertEqual(seen[0], ["PONG", "OK", True, "OK", 500, b"500", "500", 501, True,
                                   True, False])

    def test_auth_clients_modes(self):
        seen = []
        for mode in ("optional", "no"):
            for name in ("redis", "cairn"):
                with self.subTest(server=name, mode=mode):
                    port = free_port()
                    d = self.newdir(name + mode)
                    args = self.tls_args(port, "--tls-auth-clients", mode)
                    s = self.redis(d, *args) if name == "redis" else self.cairn(d, *args)
                    seen.append((mode, name, self.refused(port, None),
                                 self.refused(port, "client")))
                    s.kill()
        self.assertEqual([x[2:] for x in seen], [(False, False)] * 4)

    def test_config_set(self):
        seen = []

        def run(s, port):
            c = s.conn()
            got = [c.cmd("CONFIG", "SET", "tls-cert-file", "/nonexistent/cert.pem"),
                   c.cmd("CONFIG", "GET", "tls-cert-file"),
                   self.refused(port, "client")]  # the old settings still serve
            new_port = free_port()
            got.append(c.cmd("CONFIG", "SET", "tls-port", str(new_port)))
            got.append(self.tls(new_port).cmd("PING"))
            got.append(c.cmd("CONFIG", "SET", "tls-auth-clients", "no"))
            got.append(self.refused(new_port, None))
            seen.append(got)

        for name in ("redis", "cairn"):
            with self.subTest(server=name):
                port = free_port()
                d = self.newdir(name)
                args = self.tls_args(port)
                s = self.redis(d, *args) if name == "redis" else self.cairn(d, *args)
                run(s, port)
                s.kill()
        self.assertEqual(seen[1], seen[0])
        self.assertEqual(seen[0][0], "ERR CONFIG SET failed (possibly related to argument "
                                     "'tls-cert-file') - Unable to update TLS configuration. "
                                     "Check server logs.")
        self.assertEqual(seen[0][2:], [False, "OK", "PONG", "OK", False])

    def test_start_without_certificate_fails(self):
        s = self.cairn(self.newdir("cairn"), "--tls-port", str(free_port()), ready=False)
        self.assertEqual(s.wait_exit(expected="Failed to configure TLS"), 1)
        self.assertIn("No tls-cert-file configured!", s.log())
        self.assertIn("Failed to configure TLS. Check logs for more info.", s.log())


if __name__ == "__main__":
    TlsTest.cairn_binary = take_server_arg(__file__)
    unittest.main()
