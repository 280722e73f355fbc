#!/usr/bin/python3
"""Prints command-table entries (engine/command_table.h's designated
initializers) for commands as redis-server 7.0 describes them in COMMAND
INFO and COMMAND DOCS, so that Cairn's COMMAND output matches Redis's: the
interface data is copied from the oracle, the handlers are ours.

    scripts/command_entries.py hset:HSet hget:HGet ...

Starts Debian's redis-server on a free loopback port (stopped at exit) and
prints one entry per NAME:Handler to stdout, to paste into the family's
Register function. Standard library only.
"""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

FLAGS = {
    "write": "kWrite", "readonly": "kReadonly", "denyoom": "kDenyOom", "admin": "kAdmin",
    "pubsub": "kPubsub", "noscript": "kNoScript", "blocking": "kBlocking",
    "loading": "kLoading", "stale": "kStale", "skip_monitor": "kSkipMonitor",
    "skip_slowlog": "kSkipSlowlog", "asking": "kAsking", "fast": "kFast",
    "no_auth": "kNoAuth", "no_mandatory_keys": "kNoMandatoryKeys",
    "no_async_loading": "kNoAsyncLoading", "no_multi": "kNoMulti",
    "movablekeys": "kMovableKeys", "allow_busy": "kAllowBusy",
}
ACL = {
    "keyspace": "kKeyspace", "read": "kRead", "write": "kWrite", "set": "kSet",
    "sortedset": "kSortedSet", "list": "kList", "hash": "kHash", "string": "kString",
    "bitmap": "kBitmap", "hyperloglog": "kHyperLogLog", "geo": "kGeo", "stream": "kStream",
    "pubsub": "kPubsub", "admin": "kAdmin", "fast": "kFast", "slow": "kSlow",
    "blocking": "kBlocking", "dangerous": "kDangerous", "connection": "kConnection",
    "transaction": "kTransaction", "scripting": "kScripting",
}
KS = {
    "RO": "kRO", "RW": "kRW", "OW": "kOW", "RM": "kRM", "access": "kAccess",
    "update": "kUpdate", "insert": "kInsert", "delete": "kDelete", "not_key": "kNotKey",
    "incomplete": "kIncomplete", "variable_flags": "kVariableFlags",
}
ARG_FLAGS = {"optional": "kArgOptional", "multiple": "kArgMultiple",
             "multiple_token": "kArgMultipleToken"}


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


class Conn:
    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port))
        self.buf = b""

    def cmd(self, *args):
        out = b"*%d\r\n" % len(args)
        for a in args:
            a = a.encode()
            out += b"$%d\r\n%s\r\n" % (len(a), a)
        self.s.sendall(out)
        return self.reply()

    def line(self):
        while b"\r\n" not in self.buf:
            self.buf += self.s.recv(65536)
        l, self.buf = self.buf.split(b"\r\n", 1)
        return l

    def reply(self):
        l = self.line()
        t, rest = l[:1], l[1:]
        if t in (b"+", b"-"):
            return rest.decode()
        if t == b":":
            return int(rest)
        if t == b"$":
            n = int(rest)
            if n < 0:
                return None
            while len(self.buf) < n + 2:
                self.buf += self.s.recv(65536)
            v, self.buf = self.buf[:n], self.buf[n + 2:]
            return v.decode()
        if t == b"*":
            n = int(rest)
            return None if n < 0 else [self.reply() for _ in range(n)]
        raise ValueError(l)


def pairs(lst):
    return dict(zip(lst[0::2], lst[1::2]))


def q(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def implied(flags, cats):
    a = set(cats)
    out = set()
    if "write" in flags:
        out.add("write")
    if "readonly" in flags and "scripting" not in a:
        out.add("read")
    if "admin" in flags:
        out |= {"admin", "dangerous"}
    if "pubsub" in flags:
        out.add("pubsub")
    if "fast" in flags:
        out.add("fast")
    if "blocking" in flags:
        out.add("blocking")
    if "fast" not in a:
        out.add("slow")
    return out


def args_cpp(args, indent):
    items = []
    for a in args:
        d = pairs(a)
        fields = [".name = " + q(d.pop("name")), ".type = " + q(d.pop("type"))]
        if "token" in d:
            fields.append(".token = " + q(d.pop("token")))
        if "since" in d:
            fields.append(".since = " + q(d.pop("since")))
        if "deprecated_since" in d:
            fields.append(".deprecated_since = " + q(d.pop("deprecated_since")))
        if "flags" in d:
            fields.append(".flags = " + " | ".join(ARG_FLAGS[f] for f in d.pop("flags")))
        if "key_spec_index" in d:
            fields.append(".key_spec_index = %d" % d.pop("key_spec_index"))
        if "arguments" in d:
            fields.append(".arguments = " + args_cpp(d.pop("arguments"), indent + 2))
        d.pop("display_text", None)
        if d:
            raise SystemExit("unhandled argument fields: %r" % d)
        items.append("{" + ", ".join(fields) + "}")
    return "{" + (",\n" + " " * indent).join(items) + "}"


def entry(info, docs, handler):
    name, arity, flags, first, last, step, cats, tips, key_specs = info[:9]
    cats = [c.lstrip("@") for c in cats]
    explicit = [c for c in cats if c not in implied(flags, cats)]
    d = pairs(docs)
    out = ["{.name = %s, .arity = %d" % (q(name), arity)]
    if flags:
        out.append(", .flags = " + " | ".join(FLAGS[f] for f in flags))
    if first or last or step:
        out.append(", .keys = {%d, %d, %d}" % (first, last, step))
    if explicit:
        out.append(",\n .acl = " + " | ".join("acl::" + ACL[c] for c in explicit))
    out.append(", .handler = %s" % handler)
    doc = [".summary = " + q(d.pop("summary")), ".since = " + q(d.pop("since")),
           ".group = " + q(d.pop("group")), ".complexity = " + q(d.pop("complexity", ""))]
    if "doc_flags" in d:
        doc.append(".doc_flags = {" + ", ".join(q(f) for f in d.pop("doc_flags")) + "}")
    if "deprecated_since" in d:
        doc.append(".deprecated_since = " + q(d.pop("deprecated_since")))
    if "replaced_by" in d:
        doc.append(".replaced_by = " + q(d.pop("replaced_by")))
    if "history" in d:
        doc.append(".history = {" + ", ".join(
            "{%s, %s}" % (q(v), q(t)) for v, t in d.pop("history")) + "}")
    if "arguments" in d:
        doc.append(".arguments = " + args_cpp(d.pop("arguments"), 8))
    if d:
        raise SystemExit("unhandled doc fields for %s: %r" % (name, d))
    out.append(",\n .doc = {" + ",\n         ".join(doc) + "}")
    specs = []
    for ks in key_specs:
        k = pairs(ks)
        f = [".flags = " + " | ".join("ks::" + KS[x] for x in k.pop("flags"))]
        if "notes" in k:
            f.insert(0, ".notes = " + q(k.pop("notes")))
        bs = pairs(k.pop("begin_search"))
        spec = pairs(bs["spec"]) if bs["spec"] else {}
        if bs["type"] == "unknown":
            k.pop("find_keys")
            f.append(".unknown = true")
            specs.append("{" + ", ".join(f) + "}")
            continue
        if bs["type"] == "index":
            f.append(".index = %d" % spec["index"])
        else:
            f.append(".keyword = %s, .startfrom = %d" % (q(spec["keyword"]), spec["startfrom"]))
        fk = pairs(k.pop("find_keys"))
        fspec = pairs(fk["spec"])
        if fk["type"] == "range":
            if fspec["lastkey"] != 0:
                f.append(".lastkey = %d" % fspec["lastkey"])
            if fspec["keystep"] != 1:
                f.append(".keystep = %d" % fspec["keystep"])
            if fspec["limit"] != 0:
                f.append(".limit = %d" % fspec["limit"])
        else:
            f.append(".keynum = true, .keynumidx = %d, .firstkey = %d" %
                     (fspec["keynumidx"], fspec["firstkey"]))
            if fspec["keystep"] != 1:
                f.append(".keystep = %d" % fspec["keystep"])
        if k:
            raise SystemExit("unhandled key spec fields for %s: %r" % (name, k))
        specs.append("{" + ", ".join(f) + "}")
    if specs:
        out.append(",\n .key_specs = {" + ",\n               ".join(specs) + "}")
    if tips:
        out.append(",\n .tips = {" + ", ".join(q(t) for t in tips) + "}")
    out.append("},")
    return "".join(out)


def main():
    wanted = [a.split(":") for a in sys.argv[1:]]
    port = free_port()
    d = tempfile.mkdtemp()
    srv = subprocess.Popen([shutil.which("redis-server"), "--port", str(port), "--bind",
                            "127.0.0.1", "--dir", d, "--save", ""],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                c = Conn(port)
                break
            except OSError:
                time.sleep(0.05)
        for name, handler in wanted:
            info = c.cmd("COMMAND", "INFO", name)[0]
            docs = c.cmd("COMMAND", "DOCS", name)
            print(entry(info, docs[1], handler))
    finally:
        srv.terminate()
        srv.wait()
        shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    main()
