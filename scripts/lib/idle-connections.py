#!/usr/bin/env python3
"""Idle TLS 1.3 connections against one server, and the server's memory for them (issue 17).

Run by scripts/idle-memory.sh, once per server and round:

    idle-connections.py --port PORT --pid SERVER_PID --cafile CERT.pem [-n 1000] [--idle 2]

1. A warm-up connection: TLS 1.3 handshake, `GET / HTTP/1.0`, the answer read to its end,
   closed. Then 1 s of quiet and the baseline: the server's RSS (/proc/PID/smaps_rollup `Rss`,
   else /proc/PID/status `VmRSS`) and its open sockets (/proc/PID/fd).
2. N connections, at most --window at a time in their TCP and TLS handshakes (non-blocking,
   one thread, `selectors`), TCP_NODELAY, TLS 1.3 only, the server's certificate checked
   against --cafile for the name localhost. Each established connection then sends nothing and
   reads nothing: it is held idle. The phase ends when every connection is established or
   failed, or when no handshake completed for --stall seconds (a server that serves one
   connection at a time, as `openssl s_server` does, stalls there): what is still in flight
   then counts as stalled and what was never started as not started. A handshake older than
   --handshake-timeout fails. The whole phase is bounded by --deadline.
3. --idle seconds of quiet, then the server's RSS and sockets again.
4. Every held connection is checked: one the server closed (EOF, close_notify or an error when
   read) counts as closed, not held; what the server sent meanwhile (NewSessionTickets) is read
   and dropped.

Prints one JSON object on stdout: the counts, both readings and, only if all N connections
were established and still open after the idle time, bytes_per_connection =
(Rss_after - Rss_baseline) / N. Exits 0 whenever it could measure (check `complete`), 1 if the
warm-up connection failed.
"""
import argparse
import collections
import errno
import json
import os
import resource
import selectors
import socket
import ssl
import sys
import time


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--pid", type=int, required=True, help="the server's process, for /proc/PID")
    p.add_argument("--cafile", required=True)
    p.add_argument("--server-name", default="localhost")
    p.add_argument("-n", "--count", type=int, default=1000)
    p.add_argument("--idle", type=float, default=2.0, help="seconds idle before the second reading")
    p.add_argument("--window", type=int, default=32, help="most connections in their handshakes at once")
    p.add_argument("--stall", type=float, default=5.0, help="seconds without a completed handshake that end the phase")
    p.add_argument("--handshake-timeout", type=float, default=10.0)
    p.add_argument("--deadline", type=float, default=0.0, help="seconds for the whole phase (0: 60 + N/20)")
    return p.parse_args()


def raise_file_limit(need):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < need:
        target = need if hard == resource.RLIM_INFINITY else min(need, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        soft = target
    return soft


def memory_kib(pid):
    """(Rss, Anonymous) in KiB: smaps_rollup if the kernel has it, else VmRSS and RssAnon."""
    fields = {}
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                parts = line.split()
                if len(parts) >= 3 and parts[0] in ("Rss:", "Anonymous:"):
                    fields[parts[0][:-1]] = int(parts[1])
        return fields["Rss"], fields.get("Anonymous"), "smaps_rollup"
    except (OSError, KeyError):
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                parts = line.split()
                if parts and parts[0] in ("VmRSS:", "RssAnon:"):
                    fields[parts[0][:-1]] = int(parts[1])
        return fields["VmRSS"], fields.get("RssAnon"), "status"


def socket_count(pid):
    count = 0
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            if os.readlink(f"/proc/{pid}/fd/{fd}").startswith("socket:"):
                count += 1
        except OSError:
            pass
    return count


def warm_up(args, ctx):
    with socket.create_connection((args.host, args.port), timeout=10) as raw:
        raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with ctx.wrap_socket(raw, server_hostname=args.server_name) as tls:
            tls.sendall(b"GET / HTTP/1.0\r\nHost: localhost\r\n\r\n")
            received = 0
            while True:
                try:
                    data = tls.recv(65536)
                except (ssl.SSLZeroReturnError, ssl.SSLEOFError):
                    break
                if not data:
                    break
                received += len(data)
            return tls.version(), received


class Pending:
    """One connection on its way: TCP connect, then the TLS handshake."""

    def __init__(self, index, sock, started):
        self.index = index
        self.sock = sock
        self.tls = None
        self.started = started


def open_connections(args, ctx):
    addr = (args.host, args.port)
    sel = selectors.DefaultSelector()
    waiting = collections.deque(range(args.count))
    in_flight = {}
    established = []
    failures = collections.Counter()
    start = time.monotonic()
    deadline = start + (args.deadline or 60 + args.count / 20)
    last_progress = start
    stalled = 0
    ended = "all attempted"

    def fail(p, reason):
        failures[reason] += 1
        sel.unregister(p.sock if p.tls is None else p.tls)
        in_flight.pop(p.index, None)
        (p.tls or p.sock).close()

    def step_handshake(p):
        nonlocal last_progress
        try:
            p.tls.do_handshake()
        except ssl.SSLWantReadError:
            sel.modify(p.tls, selectors.EVENT_READ, p)
            return
        except ssl.SSLWantWriteError:
            sel.modify(p.tls, selectors.EVENT_WRITE, p)
            return
        except (ssl.SSLError, OSError) as e:
            fail(p, f"handshake: {type(e).__name__}: {getattr(e, 'reason', None) or e}")
            return
        if p.tls.version() != "TLSv1.3":
            fail(p, f"negotiated {p.tls.version()}")
            return
        sel.unregister(p.tls)
        del in_flight[p.index]
        established.append(p.tls)
        last_progress = time.monotonic()

    while waiting or in_flight:
        now = time.monotonic()
        if now > deadline:
            ended = "deadline"
            break
        if in_flight and now - last_progress > args.stall:
            ended = f"stalled: no handshake completed for {args.stall:g} s"
            break
        while waiting and len(in_flight) < args.window:
            index = waiting.popleft()
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            sock.setblocking(False)
            err = sock.connect_ex(addr)
            p = Pending(index, sock, time.monotonic())
            if err not in (0, errno.EINPROGRESS):
                failures[f"connect: {errno.errorcode.get(err, err)}"] += 1
                sock.close()
                continue
            if not in_flight:
                last_progress = p.started   # the stall clock runs only while something is in flight
            in_flight[index] = p
            sel.register(sock, selectors.EVENT_WRITE, p)
        for key, _ in sel.select(timeout=0.2):
            p = key.data
            if p.index not in in_flight:
                continue
            if p.tls is None:
                err = p.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if err:
                    fail(p, f"connect: {errno.errorcode.get(err, err)}")
                    continue
                sel.unregister(p.sock)
                try:
                    p.tls = ctx.wrap_socket(p.sock, server_hostname=args.server_name, do_handshake_on_connect=False)
                except (ssl.SSLError, OSError) as e:
                    failures[f"wrap: {e}"] += 1
                    del in_flight[p.index]
                    p.sock.close()
                    continue
                sel.register(p.tls, selectors.EVENT_WRITE, p)
            step_handshake(p)
        now = time.monotonic()
        for p in [p for p in in_flight.values() if now - p.started > args.handshake_timeout]:
            fail(p, f"handshake timeout ({args.handshake_timeout:g} s)")
    for p in list(in_flight.values()):
        stalled += 1
        sel.unregister(p.sock if p.tls is None else p.tls)
        (p.tls or p.sock).close()
    sel.close()
    return established, failures, stalled, len(waiting), time.monotonic() - start, ended


def still_open(conns):
    """Held connections the server has not closed; reads and drops what it sent (tickets)."""
    alive, closed, unexpected_data = [], collections.Counter(), 0
    sel = selectors.DefaultSelector()
    for c in conns:
        c.setblocking(False)
        sel.register(c, selectors.EVENT_READ)
    readable = {key.fileobj for key, _ in sel.select(timeout=0)}
    sel.close()
    for c in conns:
        if c not in readable and not c.pending():
            alive.append(c)
            continue
        state = "open"
        for _ in range(64):
            try:
                data = c.recv(65536)
            except ssl.SSLWantReadError:
                break
            except ssl.SSLZeroReturnError:
                state = "close_notify"
                break
            except (ssl.SSLError, OSError) as e:
                state = f"{type(e).__name__}"
                break
            if not data:
                state = "EOF"
                break
            unexpected_data += len(data)
        if state == "open":
            alive.append(c)
        else:
            closed[state] += 1
    return alive, closed, unexpected_data


def main():
    args = parse_args()
    limit = raise_file_limit(args.count + 64)
    if limit < args.count + 16:
        print(f"open-file limit {limit} is too low for {args.count} connections", file=sys.stderr)
        return 2
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    ctx.maximum_version = ssl.TLSVersion.TLSv1_3
    ctx.load_verify_locations(args.cafile)

    try:
        version, answer = warm_up(args, ctx)
    except (OSError, ssl.SSLError) as e:
        print(f"warm-up connection failed: {e}", file=sys.stderr)
        return 1
    time.sleep(1.0)
    base_rss, base_anon, source = memory_kib(args.pid)
    base_sockets = socket_count(args.pid)

    conns, failures, stalled, not_started, seconds, ended = open_connections(args, ctx)
    time.sleep(args.idle)
    rss, anon, _ = memory_kib(args.pid)
    sockets = socket_count(args.pid)
    alive, closed, unexpected = still_open(conns)

    complete = len(conns) == args.count and len(alive) == args.count
    delta = (rss - base_rss) * 1024
    result = {
        "requested": args.count,
        "established": len(conns),
        "failed": sum(failures.values()),
        "failures": dict(failures),
        "stalled": stalled,
        "not_started": not_started,
        "phase_end": ended,
        "handshake_phase_s": round(seconds, 3),
        "idle_s": args.idle,
        "open_after_idle": len(alive),
        "closed_by_server": dict(closed),
        "unexpected_bytes_read": unexpected,
        "warm_up": {"version": version, "answer_bytes": answer},
        "memory_source": source,
        "rss_baseline_kib": base_rss,
        "rss_after_kib": rss,
        "anon_baseline_kib": base_anon,
        "anon_after_kib": anon,
        "server_sockets_baseline": base_sockets,
        "server_sockets_after": sockets,
        "complete": complete,
        "bytes_per_connection": delta / args.count if complete else None,
        "bytes_per_established_connection": delta / len(conns) if conns else None,
    }
    print(json.dumps(result))
    for c in conns:
        c.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
