#!/usr/bin/python3
"""ACL beside redis-server 7.0.15: every test runs one scenario against a
fresh redis-server (the oracle) and a fresh cairn-server and compares what
each answered, reply for reply, error texts included.

What is checked:
  * users: ACL SETUSER's on/off, >pw, <pw, #hash, !hash, nopass, resetpass,
    reset; ACL GETUSER, LIST, USERS, DELUSER, WHOAMI, HELP; AUTH and HELLO 3
    AUTH (success, WRONGPASS, a disabled user, a nopass user); a deleted
    user's connections are closed;
  * command rules (categories, subcommands) on a fixed list of commands,
    MULTI/EXEC and EVAL included; ACL CAT;
  * key patterns (~, %R~, %W~, allkeys, resetkeys) on single- and multi-key
    commands and inside scripts;
  * channel patterns (&, allchannels, resetchannels), PSUBSCRIBE's literal
    match, acl-pubsub-default, subscribers dropped when a channel is revoked;
  * selectors, ACL DRYRUN, ACL LOG (entries, grouping, LOG n, RESET);
  * ACL SETUSER's error texts and the ACL subcommands' arity errors;
  * --aclfile: start-up, ACL SAVE (the file itself), ACL LOAD, broken files;
  * --requirepass: NOAUTH, AUTH, the default user's password hash.

Replies that vary run to run are normalized: ACL GENPASS (length and
hex-ness), ACL LOG (only count, reason, context, object and username kept),
CLIENT ID and INFO (only whether they succeeded), HELLO (server, version, id
dropped), file paths in ACL LOAD errors, and the order of single-command
rules in ACL GETUSER / LIST / SAVE (Redis 7.0 lists them in its command
table's hash order, which changes from one start to the next). Errors are
kept apart from simple strings of the same text.

    /usr/bin/python3 tests/integration/acl_test.py path/to/cairn-server [unittest args]
"""

import hashlib
import os
import re
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from cairn_testlib import (  # noqa: E402
    REDIS_SERVER, Conn, ServerError, ServerTestCase, encode, take_server_arg)


def sha(pw):
    return hashlib.sha256(pw.encode()).hexdigest()


def tag(r):
    """The reply with errors made distinct from simple strings ("OK" and an
    -OK error would otherwise compare equal, ServerError being a str)."""
    if isinstance(r, ServerError):
        return ("-ERR", str(r))
    if isinstance(r, list):
        return [tag(x) for x in r]
    if isinstance(r, dict):
        return {k: tag(v) for k, v in r.items()}
    return r


def err(text):
    return ("-ERR", text)


def cmd3(c, *args):
    c.send(encode(*args))
    return c.reply3()


def _sort_single_commands(rules):
    out, run = [], []
    for t in rules.split() + [""]:
        if t[:1] in ("+", "-") and t[1:2] != "@":
            run.append(t)
            continue
        out += sorted(run) + ([t] if t else [])
        run = []
    return " ".join(out)


def norm_rules(text):
    """Command rules as Redis 7.0 describes them (ACL GETUSER, ACL LIST, ACL
    SAVE), with runs of single-command rules sorted. Redis works the rules
    out again from the user's command bitmap: categories first, then the
    commands that still differ, in its command table's hash order, which
    changes from start to start (even redis-server against itself differs).
    Selectors, "(...)" in a line, are done one by one."""
    if text is None or isinstance(text, ServerError):
        return text
    was_bytes = isinstance(text, bytes)
    if was_bytes:
        text = text.decode()
    parts = re.split(r"(\([^)]*\))", text)
    text = " ".join(_sort_single_commands(p[1:-1]).join("()") if p.startswith("(")
                    else _sort_single_commands(p) for p in parts if p.strip())
    return text.encode() if was_bytes else text


def acl_list(c):
    r = c.cmd("ACL", "LIST")
    return tag([norm_rules(line) for line in r] if isinstance(r, list) else r)


def _norm_fields(fields):
    fields = list(fields)
    for i in range(0, len(fields) - 1, 2):
        if fields[i] == b"commands":
            fields[i + 1] = norm_rules(fields[i + 1])
        elif fields[i] == b"selectors":
            fields[i + 1] = [_norm_fields(sel) for sel in fields[i + 1]]
    return fields


def getuser_raw(c, name):
    """ACL GETUSER unparsed (field order counts too), rules normalized."""
    r = c.cmd("ACL", "GETUSER", name)
    return tag(_norm_fields(r) if isinstance(r, list) else r)


def getuser(c, name):
    """ACL GETUSER as a dict (field name -> value), rules normalized; None
    for no such user."""
    r = getuser_raw(c, name)
    if not isinstance(r, list):
        return r
    out = {}
    for k, v in zip(r[::2], r[1::2]):
        if k == b"selectors":
            v = [dict(zip(sel[::2], sel[1::2])) for sel in v]
        out[k] = v
    return out


def login(s, user, pw="x"):
    """A new connection authenticated as user (who must accept pw)."""
    c = s.conn()
    r = c.cmd("AUTH", user, pw)
    assert r == "OK" and not isinstance(r, ServerError), (user, r)
    return c


LOG_KEPT = (b"count", b"reason", b"context", b"object", b"username")


def acl_log(c, *args):
    """ACL LOG [args] with each entry cut to its stable fields; checks the
    others are there and of the right form."""
    r = c.cmd("ACL", "LOG", *args)
    if not isinstance(r, list):
        return tag(r)
    out = []
    for e in r:
        d = dict(zip(e[::2], e[1::2]))
        assert isinstance(d.get(b"age-seconds"), bytes), e
        float(d[b"age-seconds"])
        assert d.get(b"client-info", b"").startswith(b"id="), e
        out.append([(k, d.get(k)) for k in LOG_KEPT])
    return out


def wait_listening(s, timeout=15.0):
    """Waits until s answers PING, with PONG or (under requirepass) NOAUTH."""
    deadline = time.monotonic() + timeout
    while True:
        if not s.alive():
            raise AssertionError("%s exited during start-up:\n%s" % (s.name, s.log()))
        try:
            c = Conn(s.port, timeout=2)
            try:
                r = c.cmd("PING")
            finally:
                c.close()
            if r == "PONG" or str(r).startswith("NOAUTH"):
                return s
        except (OSError, ValueError):
            pass
        if time.monotonic() > deadline:
            raise AssertionError("%s not ready after %gs" % (s.name, timeout))
        time.sleep(0.02)


class AclTestCase(ServerTestCase):
    def start(self, name, d, extra):
        if name == "redis":
            if not REDIS_SERVER:
                self.skipTest("redis-server not installed")
            return self.start_server(REDIS_SERVER, "redis", d, extra, self.redis_defaults)
        return self.start_server(self.cairn_binary, "cairn", d, extra, self.cairn_defaults)

    def both_in(self, fn, prepare=lambda d: (), ready=True):
        """.both(), but each server's extra arguments come from prepare(dir)
        (called before it starts: an aclfile must exist by then), and fn gets
        (server, dir). Without ready, fn gets a server not waited for."""
        for name in ("redis", "cairn"):
            with self.subTest(server=name):
                d = self.newdir(name)
                s = self.start(name, d, list(prepare(d)))
                if ready:
                    wait_listening(s)
                fn(s, d)
                s.kill()

    def compare(self, seen):
        self.assertEqual(len(seen), 2, "a server's run failed")
        self.assertEqual(seen[1], seen[0])


class UsersTest(AclTestCase):
    def test_users_passwords_and_auth_match_redis(self):
        seen = []

        def run(s):
            a = s.conn()
            out = []
            out.append(tag(a.cmd("ACL", "WHOAMI")))
            out.append(getuser_raw(a, "default"))
            # A new user starts off, without passwords, allowed nothing.
            out.append(tag(a.cmd("ACL", "SETUSER", "alice")))
            out.append(getuser_raw(a, "alice"))
            out.append(tag(a.cmd("AUTH", "alice", "")))  # off and no password
            out.append(tag(a.cmd("ACL", "SETUSER", "alice", "on", ">p1", ">p2", ">p1",
                                 "~*", "+@all")))
            out.append(getuser_raw(a, "alice"))  # p1 only once
            out.append(tag(a.cmd("ACL", "SETUSER", "alice", "<p1")))
            out.append(tag(a.cmd("ACL", "SETUSER", "alice", "<nosuch")))
            out.append(tag(a.cmd("ACL", "SETUSER", "alice", "#" + sha("p3"))))
            out.append(tag(a.cmd("ACL", "SETUSER", "alice", "#" + sha("p3").upper())))
            out.append(tag(a.cmd("ACL", "SETUSER", "alice", "#abc")))
            out.append(getuser(a, "alice"))
            u = s.conn()
            out.append(tag(u.cmd("AUTH", "alice", "p1")))
            out.append(tag(u.cmd("AUTH", "alice", "p3")))
            out.append(tag(u.cmd("ACL", "WHOAMI")))
            out.append(tag(a.cmd("ACL", "SETUSER", "alice", "!" + sha("p3"))))
            out.append(tag(a.cmd("ACL", "SETUSER", "alice", "!" + sha("p3"))))
            out.append(tag(s.conn().cmd("AUTH", "alice", "p3")))
            out.append(tag(s.conn().cmd("AUTH", "alice", "p2")))
            # nopass: any password; resetpass: none at all, not even nopass.
            out.append(tag(a.cmd("ACL", "SETUSER", "alice", "nopass")))
            out.append(getuser(a, "alice"))
            out.append(tag(s.conn().cmd("AUTH", "alice", "anything")))
            out.append(tag(a.cmd("ACL", "SETUSER", "alice", ">p4")))  # clears nopass
            out.append(getuser(a, "alice"))
            out.append(tag(a.cmd("ACL", "SETUSER", "alice", "resetpass")))
            out.append(getuser(a, "alice"))
            out.append(tag(s.conn().cmd("AUTH", "alice", "p4")))
            out.append(tag(a.cmd("ACL", "SETUSER", "alice", ">p5", "off")))
            out.append(tag(s.conn().cmd("AUTH", "alice", "p5")))  # disabled
            out.append(tag(u.cmd("ACL", "WHOAMI")))  # still logged in: off stops new AUTHs
            out.append(tag(a.cmd("ACL", "SETUSER", "alice", "on")))
            # HELLO 3 AUTH, and HELLO's error for a wrong password.
            h = s.conn()
            out.append(tag(h.cmd("HELLO", "3", "AUTH", "alice", "wrong")))
            hello = cmd3(h, "HELLO", "3", "AUTH", "alice", "p5", "SETNAME", "al")
            if isinstance(hello, dict):  # which server, its version and client id
                for k in (b"server", b"version", b"id"):
                    hello.pop(k, None)
            out.append(tag(hello))
            out.append(tag(cmd3(h, "ACL", "WHOAMI")))
            out.append(tag(cmd3(h, "CLIENT", "GETNAME")))
            out.append(tag(s.conn().cmd("HELLO", "2", "AUTH", "nosuch", "p")))
            # reset: back to a new user's state.
            out.append(tag(a.cmd("ACL", "SETUSER", "bob", "on", "nopass", "~b*", "&c",
                                 "+@all", "reset")))
            out.append(getuser_raw(a, "bob"))
            out.append(tag(a.cmd("ACL", "SETUSER", "carol", "on", "nopass", "allkeys",
                                 "allchannels", "allcommands", "-debug")))
            out.append(tag(a.cmd("ACL", "SETUSER", "dave", "on", "#" + sha("d"), "nocommands",
                                 "+ping")))
            out.append(acl_list(a))
            out.append(tag(a.cmd("ACL", "USERS")))
            d = login(s, "dave", "d")
            out.append(tag(d.cmd("ACL", "WHOAMI")))  # -@all: not even WHOAMI
            out.append(tag(d.cmd("PING")))
            out.append(tag(a.cmd("ACL", "DELUSER", "dave", "bob", "nosuch")))
            out.append(d.closed_by_server())  # deleting a user logs its connections out
            out.append(tag(a.cmd("ACL", "DELUSER", "default")))
            out.append(tag(a.cmd("ACL", "DELUSER", "carol", "default")))
            out.append(tag(a.cmd("ACL", "USERS")))
            out.append(tag(a.cmd("ACL", "DELUSER", "nosuch")))
            out.append(tag(a.cmd("ACL", "HELP")))
            seen.append(out)

        self.both(run)
        self.compare(seen)
        out = seen[0]
        self.assertEqual(out[0], b"default")
        self.assertIn(err("WRONGPASS invalid username-password pair or user is disabled."), out)
        self.assertIn(err("ERR The 'default' user cannot be removed"), out)
        self.assertIn({b"mode": b"standalone", b"modules": [], b"proto": 3, b"role": b"master"},
                      out)
        self.assertIn(b"user dave on #%s resetchannels -@all +ping" % sha("d").encode(),
                      out[out.index([b"alice", b"bob", b"carol", b"dave", b"default"]) - 1])


# Commands each user of CommandRulesTest runs: (args, whether to hide the
# success value, which differs between servers and runs).
COMMANDS = [
    (("GET", "k"), False), (("SET", "k", "v"), False), (("DEL", "k"), False),
    (("KEYS", "k"), False), (("FLUSHALL",), False),
    (("CONFIG", "GET", "maxmemory-samples"), False),
    (("CONFIG", "SET", "maxmemory-samples", "5"), False),
    (("CLIENT", "ID"), True), (("CLIENT", "KILL", "ID", "999999"), False),
    (("DEBUG", "SLEEP", "0"), False), (("INFO", "server"), True), (("PING",), False),
    (("EVAL", "return 1", "0"), False),
    (("MULTI",), False), (("FLUSHALL",), False), (("GET", "k"), False), (("EXEC",), False),
    (("DISCARD",), False), (("ACL", "WHOAMI"), False), (("CLIENT", "NOSUCH"), False),
    (("CONFIG", "NOSUCH"), False),
]

RULES = [
    ("nodanger", ["+@all", "-@dangerous"]),
    ("getset", ["-@all", "+get", "+set"]),
    ("reader", ["+@read"]),
    ("writer", ["+@write", "-del"]),
    ("clientid", ["+client|id"]),
    ("confignoset", ["+config", "-config|set"]),
    ("alldanger", ["-@all", "+@dangerous", "-flushall", "+@connection"]),
]


# Users whose GETUSER description Redis derives from commands cairn does
# not have yet (see test_command_rules_match_redis).
TABLE_DEPENDENT_DESCRIPTIONS = {"writer", "alldanger"}


def command_names(conn):
    """Every command and subcommand name (b"get", b"config|set") a server
    knows, from its COMMAND reply."""
    names = set()
    for info in conn.ok("COMMAND"):
        names.add(info[0])
        names.update(sub[0] for sub in info[9])
    return names


class CommandRulesTest(AclTestCase):
    def test_command_rules_match_redis(self):
        seen = []

        def run(s):
            a = s.conn()
            out = []
            for user, rules in RULES:
                out.append(tag(a.cmd("ACL", "SETUSER", user, "on", "nopass", "~*", "&*", *rules)))
                described = getuser(a, user)[b"commands"]
                # Redis re-describes rules by how many commands of each
                # category they allow, so the text depends on the whole
                # command table: where cairn lacks commands (streams, issue
                # 14; MIGRATE, RESTORE-ASKING) it may read differently. What
                # must hold everywhere is that the description means the
                # same permissions: applied to a fresh user it describes
                # itself again. The texts are compared below where the
                # tables agree.
                a.ok("ACL", "SETUSER", user + "-copy", "reset", *described.decode().split())
                out.append(getuser(a, user + "-copy")[b"commands"] == described)
                if user not in TABLE_DEPENDENT_DESCRIPTIONS:
                    out.append(described)
                a.ok("SET", "k", "v0")
                c = login(s, user)
                for args, volatile in COMMANDS:
                    r = c.cmd(*args)
                    if volatile and not isinstance(r, ServerError):
                        r = type(r).__name__
                    out.append((user, args[:2], tag(r)))
            seen.append(out)

        self.both(run, "--enable-debug-command", "yes")
        self.compare(seen)
        out = seen[0]
        self.assertIn(("nodanger", ("FLUSHALL",), err(
            "NOPERM this user has no permissions to run the 'flushall' command")), out)
        self.assertIn(("confignoset", ("CONFIG", "SET"), err(
            "NOPERM this user has no permissions to run the 'config|set' command")), out)
        self.assertIn(("clientid", ("CLIENT", "ID"), "int"), out)
        self.assertIn(("getset", ("GET", "k"), b"v0"), out)

    def test_acl_cat_matches_redis(self):
        seen = []
        known = command_names(self.cairn(self.newdir("cairn-commands")).conn())

        def run(s):
            c = s.conn()
            out = [c.ok("ACL", "CAT")]  # in Redis's own fixed order
            # Each category restricted to the commands cairn has (what it
            # lacks, it cannot list): the same commands in the same
            # categories as Redis, subcommands included.
            for cat in ("read", "dangerous", "keyspace", "pubsub", "scripting", "fast",
                        "connection", "admin", "blocking", "transaction"):
                out.append((cat, sorted(x for x in c.ok("ACL", "CAT", cat) if x in known)))
            out.append(sorted(x for x in c.ok("ACL", "CAT", "READ") if x in known))
            out += [tag(c.cmd("ACL", "CAT", "nosuch")), tag(c.cmd("ACL", "CAT", "read", "x"))]
            seen.append(out)

        self.both(run)
        self.compare(seen)
        out = seen[0]
        self.assertEqual(len(out[0]), 21)
        self.assertIn(b"flushall", dict(out[1:11])["dangerous"])
        self.assertIn(b"config|set", dict(out[1:11])["admin"])
        self.assertEqual(out[-2], err("ERR Unknown category 'nosuch'"))


class CategoryMatrixTest(AclTestCase):
    def test_every_category_denied_matches_redis(self):
        # For each category, a user with everything but it: every command
        # of the category (as cairn lists it) is refused and every command
        # outside it allowed, by ACL DRYRUN, the same verdict as Redis's for
        # each command both servers have.
        known = command_names(self.cairn(self.newdir("cairn-matrix")).conn())
        seen = []

        def run(s):
            a = s.conn()
            out = {}
            for cat in [c.decode() for c in a.ok("ACL", "CAT")]:
                user = "no-" + cat
                a.ok("ACL", "SETUSER", user, "on", "nopass", "~*", "&*", "+@all", "-@" + cat)
                for name in sorted(known):
                    cmd = name.decode().split("|")
                    # The fewest arguments the arity allows: DRYRUN checks it.
                    info = a.ok("COMMAND", "INFO", cmd[0])[0]
                    if info is None:
                        continue
                    if len(cmd) == 2:
                        subs = [x for x in info[9] if x[0] == name]
                        if not subs:
                            continue
                        arity = subs[0][1]
                    else:
                        arity = info[1]
                    argv = cmd + ["x"] * (abs(arity) - len(cmd))
                    r = a.cmd("ACL", "DRYRUN", user, *argv)
                    out[(cat, name)] = r if not isinstance(r, bytes) else r.decode()
            seen.append(out)

        self.both(run)
        redis, cairn = seen
        self.assertEqual(cairn, {k: v for k, v in redis.items() if k in cairn})
        self.assertEqual(set(cairn), set(redis) & set(cairn))
        self.assertTrue(any(str(v).startswith("This user has no permissions")
                            for v in cairn.values()))
        self.assertEqual(cairn[("dangerous", b"flushall")],
                         "This user has no permissions to run the 'flushall' command")


class KeyPatternsTest(AclTestCase):
    def test_key_patterns_match_redis(self):
        seen = []

        def run(s):
            a = s.conn()
            for k in ("foo1", "r1", "w1", "bar", "sel1"):
                a.ok("SET", k, "v-" + k)
            a.ok("RPUSH", "foolist", "a", "b")
            a.ok("RPUSH", "rlist", "c")
            out = [tag(a.cmd("ACL", "SETUSER", "ku", "on", "nopass", "+@all", "~foo*",
                             "%R~r*", "%W~w*"))]
            out.append(getuser_raw(a, "ku"))
            out.append(acl_list(a))
            c = login(s, "ku")
            script_get = "return redis.call('get', ARGV[1])"
            script_set = "return redis.call('set', KEYS[1], 'x')"
            for args in [
                ("GET", "foo1"), ("GET", "bar"), ("GET", "r1"), ("SET", "r1", "x"),
                ("GET", "w1"), ("SET", "w1", "x"), ("SET", "foo2", "y"),
                ("APPEND", "w1", "z"),           # a read-modify-write of a write-only key
                ("STRLEN", "w1"),
                ("MGET", "foo1", "foo2"), ("MGET", "foo1", "bar"), ("MGET", "foo1", "r1"),
                ("MSET", "foo3", "1", "w2", "2"), ("MSET", "foo3", "1", "r2", "2"),
                ("EXISTS", "bar"), ("EXISTS", "w1"), ("TYPE", "w1"), ("TTL", "r1"),
                ("RENAME", "foo2", "foo4"), ("RENAME", "foo4", "r2"), ("RENAME", "w1", "foo5"),
                ("RENAME", "r1", "foo5"),
                ("COPY", "foo4", "w3"), ("COPY", "r1", "foo6"), ("COPY", "w3", "foo7"),
                ("COPY", "foo4", "r3"),
                ("LMOVE", "foolist", "foolist2", "LEFT", "RIGHT"),
                ("LMOVE", "foolist", "wlist", "LEFT", "RIGHT"),
                ("LMOVE", "rlist", "foolist", "LEFT", "RIGHT"),
                ("LMOVE", "foolist", "rlist", "LEFT", "RIGHT"),
                ("DEL", "foo3", "w2"), ("DEL", "r1"), ("UNLINK", "w1"),
                ("EVAL", script_get, "0", "foo1"), ("EVAL", script_get, "0", "bar"),
                ("EVAL", script_get, "0", "w2"),
                ("EVAL", "return redis.call('get', KEYS[1])", "1", "bar"),  # EVAL's own keys
                ("EVAL", script_set, "1", "w9"),
                ("EVAL", "return redis.pcall('set', 'bar', 'x')", "0"),
                ("KEYS", "bar"), ("SCAN", "0", "MATCH", "bar", "COUNT", "1000"),
                ("RANDOMKEY",),  # no key to check in its arguments
                ("SORT", "foolist2", "ALPHA"), ("SORT", "foolist2", "BY", "bar*", "ALPHA"),
                ("OBJECT", "ENCODING", "bar"), ("DUMP", "bar"),
            ]:
                r = c.cmd(*args)
                if args[0] == "RANDOMKEY" and isinstance(r, bytes):
                    r = "a key"
                out.append((args, tag(r)))
            # resetkeys: nothing; allkeys (~*) after it: everything.
            out.append(tag(a.cmd("ACL", "SETUSER", "ku", "resetkeys")))
            out.append((tag(c.cmd("GET", "foo1")), tag(c.cmd("SET", "w1", "x"))))
            out.append(tag(a.cmd("ACL", "SETUSER", "ku", "allkeys")))
            out.append(getuser(a, "ku")[b"keys"])
            out.append((tag(c.cmd("GET", "bar")), tag(c.cmd("SET", "bar", "x"))))
            out.append(tag(a.cmd("ACL", "SETUSER", "ku", "resetkeys", "%RW~q*", "%R~q*",
                                 "~q*", "%W~z")))
            out.append(getuser(a, "ku")[b"keys"])
            seen.append(out)

        self.both(run)
        self.compare(seen)
        out = dict(x for x in seen[0] if isinstance(x, tuple) and len(x) == 2
                   and isinstance(x[0], tuple))
        self.assertEqual(out[("GET", "bar")], err("NOPERM this user has no permissions to access "
                                                  "one of the keys used as arguments"))
        self.assertEqual(out[("GET", "foo1")], b"v-foo1")
        self.assertEqual(out[("SET", "w1", "x")], "OK")
        # Refused inside the script: the script's error, not NOPERM.
        self.assertTrue(out[("EVAL", "return redis.call('get', ARGV[1])", "0", "bar")][1]
                        .startswith("ERR The user executing the script can't access at least "
                                    "one of the keys"))


class ChannelsTest(AclTestCase):
    def test_channel_patterns_match_redis(self):
        seen = []

        def run(s):
            a = s.conn()
            out = [tag(a.cmd("CONFIG", "GET", "acl-pubsub-default"))]
            out.append(tag(a.cmd("ACL", "SETUSER", "cu", "on", "nopass", "+@all", "~*",
                                 "&news.*", "&exact")))
            out.append(getuser_raw(a, "cu"))
            c = login(s, "cu")
            for args in [("PUBLISH", "news.1", "x"), ("PUBLISH", "sports", "x"),
                         ("PUBLISH", "exact", "x"), ("PUBLISH", "news.*", "x"),
                         ("SPUBLISH", "news.1", "x"), ("SPUBLISH", "sports", "x"),
                         ("PUBSUB", "NUMSUB", "sports"),  # introspection: not checked
                         ("EVAL", "return redis.call('publish', 'sports', 'x')", "0")]:
                out.append((args, tag(c.cmd(*args))))
            for args in [("SUBSCRIBE", "news.1"), ("SUBSCRIBE", "sports"),
                         ("SUBSCRIBE", "news.1", "sports"), ("PSUBSCRIBE", "news.*"),
                         ("PSUBSCRIBE", "news.1*"), ("PSUBSCRIBE", "news.[0-9]"),
                         ("PSUBSCRIBE", "*"), ("SSUBSCRIBE", "exact"),
                         ("SSUBSCRIBE", "other")]:
                sub = login(s, "cu")
                r = sub.cmd(*args)
                more = [sub.reply() for _ in args[2:]] if not isinstance(r, ServerError) else []
                out.append((args, tag(r), tag(more)))
                # A refused SUBSCRIBE subscribes to nothing: PING still works.
                if isinstance(r, ServerError):
                    out.append(tag(sub.cmd("PING")))
            # Subscribers to what is no longer allowed are disconnected.
            keep, drop, pdrop = login(s, "cu"), login(s, "cu"), login(s, "cu")
            keep.ok("SUBSCRIBE", "exact")
            drop.ok("SUBSCRIBE", "news.1")
            pdrop.ok("PSUBSCRIBE", "news.*")
            out.append(tag(a.cmd("ACL", "SETUSER", "cu", "resetchannels", "&exact")))
            out += [keep.closed_by_server(), drop.closed_by_server(), pdrop.closed_by_server()]
            out.append(tag(c.cmd("PUBLISH", "news.1", "x")))
            out.append(tag(a.cmd("ACL", "SETUSER", "cu", "allchannels")))
            out.append(getuser(a, "cu")[b"channels"])
            out.append(tag(c.cmd("PUBLISH", "sports", "x")))
            out.append(tag(a.cmd("ACL", "SETUSER", "cu", "resetchannels")))
            out.append(tag(c.cmd("PUBLISH", "exact", "x")))
            # acl-pubsub-default decides what a new (or reset) user starts with.
            out.append(tag(a.cmd("ACL", "SETUSER", "fresh1", "on")))
            out.append(tag(a.cmd("CONFIG", "SET", "acl-pubsub-default", "allchannels")))
            out.append(tag(a.cmd("ACL", "SETUSER", "fresh2", "on")))
            out.append(tag(a.cmd("ACL", "SETUSER", "cu", "reset")))
            out += [getuser(a, u)[b"channels"] for u in ("fresh1", "fresh2", "cu", "default")]
            out.append(acl_list(a))
            out.append(tag(a.cmd("CONFIG", "SET", "acl-pubsub-default", "resetchannels")))
            out.append(tag(a.cmd("ACL", "SETUSER", "fresh3", "on", "reset")))
            out.append(getuser(a, "fresh3")[b"channels"])
            out.append(tag(a.cmd("CONFIG", "SET", "acl-pubsub-default", "nosuch")))
            seen.append(out)

        self.both(run)
        self.compare(seen)
        out = seen[0]
        self.assertEqual(out[0], [b"acl-pubsub-default", b"resetchannels"])
        self.assertIn((("PUBLISH", "sports", "x"), err(
            "NOPERM this user has no permissions to access one of the channels used as "
            "arguments")), out)
        self.assertIn((("PSUBSCRIBE", "news.*"), [b"psubscribe", b"news.*", 1], []), out)
        self.assertIn((("PSUBSCRIBE", "news.1*"), err(
            "NOPERM this user has no permissions to access one of the channels used as "
            "arguments"), []), out)


class SelectorsTest(AclTestCase):
    def test_selectors_match_redis(self):
        seen = []

        def run(s):
            a = s.conn()
            a.ok("SET", "a1", "A")
            a.ok("SET", "sel1", "S")
            out = [tag(a.cmd("ACL", "SETUSER", "su", "on", "nopass", "+get", "~a*",
                             "(+set ~sel*)", "(+@read %R~x* &chan)"))]
            out.append(getuser_raw(a, "su"))
            out.append(acl_list(a))
            c = login(s, "su")
            probes = [("GET", "a1"), ("SET", "a1", "x"), ("SET", "sel1", "y"), ("GET", "sel1"),
                      ("GET", "x1"), ("SET", "x1", "z"), ("MGET", "a1", "x1"),
                      ("MGET", "a1", "sel1"), ("PUBLISH", "chan", "m"), ("DEL", "a1")]
            for args in probes:
                out.append((args, tag(c.cmd(*args))))
            # Selectors are kept apart from the root's rules, and added to.
            out.append(tag(a.cmd("ACL", "SETUSER", "su", "(+del ~a*)")))
            out.append(getuser(a, "su")[b"selectors"])
            out.append(tag(c.cmd("DEL", "a1")))
            out.append(tag(a.cmd("ACL", "SETUSER", "su", "clearselectors")))
            out.append(getuser_raw(a, "su"))
            for args in probes:
                out.append((args, tag(c.cmd(*args))))
            out.append(tag(a.cmd("ACL", "DRYRUN", "su", "SET", "sel1", "y")))
            # A selector's text can be one argument or split over several.
            out.append(tag(a.cmd("ACL", "SETUSER", "sv", "(+get", "~v*)", "(", "+set", ")")))
            out.append(getuser(a, "sv")[b"selectors"])
            for bad in ["(+get", "(+get ~x*", "(on)", "(nopass)", "(>pw)", "(+get (~x))",
                        "(reset)", "(clearselectors)", "(allkeys)", "()"]:
                out.append((bad, tag(a.cmd("ACL", "SETUSER", "sx", bad))))
            out.append(tag(a.cmd("ACL", "SETUSER", "sx", "(+get", "~x*")))
            out.append(tag(a.cmd("ACL", "USERS")))
            seen.append(out)

        self.both(run)
        self.compare(seen)
        out = seen[0]
        first = dict(out[3:13])  # the probes while the selectors are there
        self.assertEqual(first[("SET", "sel1", "y")], "OK")
        self.assertEqual(first[("GET", "sel1")], err(
            "NOPERM this user has no permissions to access one of the keys used as arguments"))
        self.assertIn(b"user su on nopass ~a* resetchannels -@all +get (~sel* resetchannels "
                      b"-@all +set) (%R~x* resetchannels &chan -@all +@read)", out[2])


class DryrunTest(AclTestCase):
    def test_dryrun_matches_redis(self):
        seen = []

        def run(s):
            a = s.conn()
            a.ok("ACL", "SETUSER", "du", "on", "nopass", "~foo*", "%R~r*", "&news",
                 "+get", "+set", "+publish", "+config|get", "+eval", "+multi")
            out = []
            for args in [("get", "foo"), ("GET", "foo"), ("set", "foo", "x"), ("get", "bar"),
                         ("set", "r1", "x"), ("get", "r1"), ("del", "foo"),
                         ("publish", "news", "m"), ("publish", "other", "m"),
                         ("config", "get", "port"), ("config", "set", "port", "1"),
                         ("config", "nosuch"), ("eval", "return 1", "1", "bar"),
                         ("eval", "return 1", "0"), ("multi",), ("nosuchcmd",), ("get",),
                         ("set", "foo"), ("ping",)]:
                out.append((args, tag(a.cmd("ACL", "DRYRUN", "du", *args))))
            out.append(tag(a.cmd("ACL", "DRYRUN", "nosuch", "get", "x")))
            out.append(tag(a.cmd("ACL", "DRYRUN", "du")))
            out.append(tag(a.cmd("ACL", "DRYRUN", "default", "flushall")))
            out.append(tag(a.ok("GET", "foo")))  # a dry run runs nothing
            out.append(acl_log(a))  # nor is a refused one logged
            seen.append(out)

        self.both(run)
        self.compare(seen)
        out = dict(x for x in seen[0] if isinstance(x, tuple))
        self.assertEqual(out[("get", "foo")], "OK")
        self.assertEqual(out[("del", "foo")],
                         b"This user has no permissions to run the 'del' command")
        self.assertEqual(out[("get", "bar")], b"This user has no permissions to access the "
                                              b"'bar' key")


class AclLogTest(AclTestCase):
    def test_acl_log_matches_redis(self):
        seen = []

        def run(s):
            a = s.conn()
            out = [acl_log(a)]
            a.ok("ACL", "SETUSER", "lg", "on", ">pw", "~k*", "&ch", "+get", "+publish",
                 "+multi", "+exec", "+eval", "+subscribe", "+config|get", "+auth")
            c = s.conn()
            c.ok("AUTH", "lg", "pw")
            c.cmd("SET", "k", "v")                # command
            c.cmd("GET", "other")                 # key
            c.cmd("GET", "other")                 # the same again: one entry, count 2
            c.cmd("PUBLISH", "nope", "m")         # channel
            c.cmd("SUBSCRIBE", "nope")
            c.cmd("CONFIG", "SET", "port", "1")   # subcommand
            c.cmd("AUTH", "lg", "bad")            # auth
            c.cmd("AUTH", "ghost", "x")
            c.cmd("MULTI")
            c.cmd("GET", "other2")                # refused while queuing
            c.cmd("EXEC")
            c.cmd("EVAL", "return redis.call('get', 'other3')", "0")   # inside a script
            c.cmd("EVAL", "return redis.call('set', 'k1', 'v')", "0")
            s.conn().cmd("HELLO", "2", "AUTH", "lg", "bad2")
            out.append(acl_log(a))
            out.append(acl_log(a, "1"))
            out.append(acl_log(a, "3"))
            out.append(acl_log(a, "0"))
            out += [acl_log(a, "-1"), acl_log(a, "x"), acl_log(a, "1", "2")]
            out.append(tag(a.cmd("ACL", "LOG", "RESET")))
            out.append(acl_log(a))
            out.append(tag(a.cmd("CONFIG", "SET", "acllog-max-len", "2")))
            for key in ("x1", "x2", "x3"):
                c.cmd("GET", key)
            out.append(acl_log(a))
            out.append(tag(a.cmd("ACL", "LOG", "reset")))
            seen.append(out)

        self.both(run)
        self.compare(seen)
        out = seen[0]
        self.assertEqual(out[0], [])
        self.assertIn([(b"count", 2), (b"reason", b"key"), (b"context", b"toplevel"),
                       (b"object", b"other"), (b"username", b"lg")], out[1])
        self.assertIn([(b"count", 1), (b"reason", b"auth"), (b"context", b"toplevel"),
                       (b"object", b"AUTH"), (b"username", b"ghost")], out[1])
        self.assertEqual(len(out[2]), 1)
        self.assertEqual(out[-4], [])
        self.assertEqual(len(out[-2]), 2)


class ClientKillUserTest(AclTestCase):
    def test_client_kill_user_matches_redis(self):
        # CLIENT KILL USER ends the connections of that user only.
        seen = []

        def run(s):
            a = s.conn()
            a.ok("ACL", "SETUSER", "kb", "on", ">p", "+@all", "~*")
            b1, b2, other = login(s, "kb", "p"), login(s, "kb", "p"), s.conn()
            out = [str(a.cmd("CLIENT", "KILL", "USER", "nobody")),
                   a.cmd("CLIENT", "KILL", "USER", "kb"),
                   b1.closed_by_server(), b2.closed_by_server(), other.closed_by_server(),
                   a.cmd("CLIENT", "KILL", "USER", "default", "SKIPME", "yes")]
            seen.append(out)

        self.both(run)
        self.compare(seen)
        self.assertEqual(seen[0][1:5], [2, True, True, False])


class MultiRecheckTest(AclTestCase):
    def test_rules_changed_before_exec_match_redis(self):
        # Queued while allowed, refused when EXEC runs it: Redis checks
        # again at EXEC, answering each refused command with the reason.
        seen = []

        def run(s):
            a = s.conn()
            a.ok("ACL", "SETUSER", "mu", "on", ">p", "+@all", "~*", "&*")
            b = login(s, "mu", "p")
            out = [b.ok("MULTI"), b.cmd("SET", "k", "1"), b.cmd("GET", "k"),
                   b.cmd("PUBLISH", "ch", "m"), b.cmd("GET", "k2")]
            a.ok("ACL", "SETUSER", "mu", "-set", "resetchannels", "resetkeys", "~k")
            out.append([tag(r) for r in b.cmd("EXEC")])
            out.append(acl_log(a, "3"))
            seen.append(out)

        self.both(run)
        self.compare(seen)
        self.assertEqual(seen[0][5][0][0], "-ERR")
        self.assertIn("no permission to execute the command", seen[0][5][0][1])


class SetuserErrorsTest(AclTestCase):
    def test_errors_and_arity_match_redis(self):
        seen = []

        def run(s):
            a = s.conn()
            out = []
            bad_rules = [
                ["-@nosuch"], ["+@nosuch"], ["+nosuchcmd"], ["-nosuchcmd"], ["+get|x"],
                ["+config|nosuch"], ["+@all|x"], ["-config|get"], ["+config|get|x"],
                ["+select|0"], ["+acl|setuser|x"], ["+get|"],
                ["~"], ["allkeys", "~foo"], ["~*", "~foo"], ["~foo", "allkeys"],
                ["%X~foo"], ["%~foo"], ["%R"], ["%RR~foo"], ["%r~foo"], ["%RW~*", "~x"],
                ["&"], ["allchannels", "&x"], ["&x", "allchannels"],
                ["nopass", ">pw"], [">pw", "nopass"], ["<"], ["#"], ["!"],
                ["#" + "g" * 64], ["!" + "0" * 64], ["#" + "0" * 63],
                ["bogus"], ["ON"], ["Off"], ["NOPASS"], ["+GET"], ["+@READ"], [""],
                ["on", "bogus"],  # refused as a whole: no user is made
                ["+@all", "-@all", "+get", "+@read", "-@write"],
            ]
            for i, rules in enumerate(bad_rules):
                name = "e%d" % i
                out.append((rules, tag(a.cmd("ACL", "SETUSER", name, *rules)),
                            getuser(a, name)))
            # A failed SETUSER leaves an existing user as it was.
            a.ok("ACL", "SETUSER", "keep", "on", ">pw", "~k*", "+get")
            before = getuser_raw(a, "keep")
            out.append(tag(a.cmd("ACL", "SETUSER", "keep", "off", "resetpass", "-@nosuch")))
            out.append(getuser_raw(a, "keep") == before)
            for name in ["a b", "a\0b", "", "u:x", "-u"]:
                out.append((name, tag(a.cmd("ACL", "SETUSER", name, "on"))))
            for args in [("ACL",), ("ACL", "SETUSER"), ("ACL", "GETUSER"),
                         ("ACL", "GETUSER", "a", "b"), ("ACL", "GETUSER", "nosuch"),
                         ("ACL", "DELUSER"), ("ACL", "WHOAMI", "x"), ("ACL", "LIST", "x"),
                         ("ACL", "USERS", "x"), ("ACL", "SAVE", "x"), ("ACL", "LOAD", "x"),
                         ("ACL", "CAT", "a", "b"), ("ACL", "GENPASS", "1", "2"),
                         ("ACL", "GENPASS", "0"), ("ACL", "GENPASS", "-5"),
                         ("ACL", "GENPASS", "4097"), ("ACL", "GENPASS", "x"),
                         ("ACL", "NOSUCH"), ("ACL", "HELP", "x"), ("ACL", "LOAD"),
                         ("ACL", "SAVE"), ("AUTH",), ("AUTH", "a", "b", "c"),
                         ("AUTH", "onlypw")]:
                out.append((args, tag(a.cmd(*args))))
            gen = []
            for args in [("ACL", "GENPASS"), ("ACL", "GENPASS", "5"), ("ACL", "GENPASS", "8"),
                         ("ACL", "GENPASS", "4096"), ("ACL", "GENPASS", "1")]:
                p = a.ok(*args)
                gen.append((args, len(p), bool(re.fullmatch(rb"[0-9a-f]*", p))))
            out.append(gen)
            out.append(a.ok("ACL", "GENPASS") != a.ok("ACL", "GENPASS"))
            out.append(tag(a.cmd("ACL", "USERS")))
            seen.append(out)

        self.both(run)
        self.compare(seen)
        out = seen[0]
        self.assertIn((["-@nosuch"], err("ERR Error in ACL SETUSER modifier '-@nosuch': Unknown "
                                         "command or category name in ACL"), None), out)
        self.assertIn((["bogus"], err("ERR Error in ACL SETUSER modifier 'bogus': Syntax "
                                      "error"), None), out)
        self.assertIn([(("ACL", "GENPASS"), 64, True), (("ACL", "GENPASS", "5"), 2, True),
                       (("ACL", "GENPASS", "8"), 2, True), (("ACL", "GENPASS", "4096"), 1024,
                                                            True),
                       (("ACL", "GENPASS", "1"), 1, True)], out)
        self.assertTrue(out[-2])


ACLFILE = """user alice on >pw ~a* +get
user bob off nopass ~* &* +@all -@dangerous
user default on nopass ~* &* +@all
"""


class AclFileTest(AclTestCase):
    def test_aclfile_load_and_save_match_redis(self):
        seen = []

        def prepare(d):
            path = os.path.join(d, "users.acl")
            with open(path, "w") as f:
                f.write(ACLFILE)
            return ["--aclfile", path]

        def run(s, d):
            path = os.path.join(d, "users.acl")

            def load():
                r = tag(s.conn().cmd("ACL", "LOAD"))
                return r if not isinstance(r, tuple) else err(r[1].replace(path, "<aclfile>"))

            def rewrite(text):
                with open(path, "w") as f:
                    f.write(text)

            a = s.conn()
            out = [acl_list(a), tag(a.cmd("CONFIG", "GET", "aclfile"))[0]]
            al = login(s, "alice", "pw")
            out.append(tag(al.cmd("GET", "a1")))
            out.append(tag(a.cmd("ACL", "SETUSER", "carol", "on", ">c", "~c*", "(+set ~s*)",
                                 "+@read", "-keys")))
            out.append(tag(a.cmd("ACL", "SETUSER", "alice", ">pw2")))
            out.append(tag(a.cmd("ACL", "SAVE")))
            with open(path) as f:
                out.append([norm_rules(line) for line in f.read().split("\n")])
            # What SAVE wrote, LOAD reads back to the same users.
            saved = acl_list(a)
            out += [load(), acl_list(a) == saved]
            # LOAD replaces every user; a user's connections are dropped.
            rewrite("user dave on nopass ~d* +@all\n\n   user alice on >pw3 ~a* +get   \n")
            out.append(load())
            out.append(acl_list(a))
            out.append(al.closed_by_server())
            out.append(tag(s.conn().cmd("AUTH", "alice", "pw3")))
            # A broken file changes nothing; the error says where and why.
            for text in ["user eve on >pw +nosuch\n", "usr eve on\n",
                         "user eve on\nuser eve off\n", "user eve bogus\n",
                         "user dave on\n# comment\n", "user\n", "user eve on ~\n",
                         "user eve (+get\n", "user e:v on\n"]:
                before = acl_list(a)
                rewrite(text)
                r = load()
                out.append((text, r, acl_list(a) == before))
            os.unlink(path)
            out.append(load())
            seen.append(out)

        self.both_in(run, prepare)
        self.compare(seen)
        out = seen[0]
        self.assertEqual(out[0], [b"user alice on #%s ~a* resetchannels -@all +get"
                                  % sha("pw").encode(),
                                  b"user bob off nopass ~* &* +@all -@dangerous",
                                  b"user default on nopass ~* &* +@all"])
        self.assertIn("user carol on #%s ~c* resetchannels -@all +@read -keys (~s* "
                      "resetchannels -@all +set)" % sha("c"), out[6])
        self.assertEqual(out[7:9], ["OK", True])
        self.assertTrue(out[11])  # alice's connection, closed by LOAD
        self.assertIn(("user eve on >pw +nosuch\n", err(
            "ERR <aclfile>:1: Error in applying operation '+nosuch': Unknown command or category "
            "name in ACL. WARNING: ACL errors detected, no change to the previously active ACL "
            "rules was performed"), True), out)

    def test_bad_aclfile_stops_the_start(self):
        # (file text or None for no file, what the log must say). The good
        # file first: a server that stopped because it knows no --aclfile
        # would pass the rest.
        cases = [("user alice on >pw ~* +@all\n", None),
                 ("user alice on +nosuch\n", "Unknown command or category name in ACL"),
                 ("user alice on\nuser alice off\n", "Duplicate user 'alice'"),
                 (None, "No such file or directory")]
        seen = []

        def prepare(text):
            def write(d):
                path = os.path.join(d, "users.acl")
                if text is not None:
                    with open(path, "w") as f:
                        f.write(text)
                return ["--aclfile", path]
            return write

        for text, why in cases:
            def run(s, d):
                if why is None:
                    wait_listening(s)
                    seen.append((text, tag(s.conn().cmd("ACL", "USERS"))))
                    return
                rc = s.wait_exit(timeout=5, expected="a bad aclfile")
                seen.append((text, rc != 0, why in s.log()))

            self.both_in(run, prepare(text), ready=False)
        self.assertEqual(seen[0::2], seen[1::2])
        self.assertEqual(seen[0::2], [(cases[0][0], [b"alice", b"default"])] +
                         [(text, True, True) for text, _ in cases[1:]])


class RequirepassTest(AclTestCase):
    def test_requirepass_matches_redis(self):
        seen = []

        def run(s, d):
            c = s.conn()
            out = [tag(c.cmd("GET", "k")), tag(c.cmd("PING")), tag(c.cmd("ACL", "WHOAMI")),
                   tag(c.cmd("AUTH", "wrong")), tag(c.cmd("AUTH", "default", "wrong")),
                   tag(c.cmd("HELLO", "2", "AUTH", "default", "wrong")),
                   tag(c.cmd("AUTH", "secret")), tag(c.cmd("ACL", "WHOAMI")),
                   tag(c.cmd("AUTH", "default", "secret"))]
            out.append(getuser_raw(c, "default"))
            out.append(acl_list(c))
            # requirepass is the default user's password: set anew it replaces
            # them all, set empty it makes the user nopass.
            out.append(tag(c.cmd("ACL", "SETUSER", "default", ">other")))
            out.append(tag(c.cmd("CONFIG", "SET", "requirepass", "third")))
            out.append(getuser(c, "default"))
            out.append(tag(s.conn().cmd("AUTH", "other")))
            out.append(tag(s.conn().cmd("AUTH", "third")))
            out.append(tag(c.cmd("CONFIG", "GET", "requirepass")))
            out.append(tag(c.cmd("CONFIG", "SET", "requirepass", "")))
            out.append(getuser(c, "default"))
            out.append(tag(s.conn().cmd("GET", "k")))
            out.append(tag(c.cmd("ACL", "SETUSER", "default", "resetpass")))
            fresh = s.conn()
            out.append(tag(fresh.cmd("GET", "k")))
            out.append(tag(fresh.cmd("AUTH", "x")))
            out.append(acl_log(c))
            seen.append(out)

        self.both_in(run, lambda d: ["--requirepass", "secret"])
        self.compare(seen)
        out = seen[0]
        self.assertEqual(out[0], err("NOAUTH Authentication required."))
        self.assertEqual(out[6], "OK")
        self.assertIn(b"user default on #%s ~* &* +@all" % sha("secret").encode(), out[10])


if __name__ == "__main__":
    ServerTestCase.cairn_binary = take_server_arg(__file__)
    unittest.main()
