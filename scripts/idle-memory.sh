#!/usr/bin/env bash
# Server memory per idle established TLS 1.3 connection (issue 17, target 5: ours ≤ 8 KiB), for
# the four HTTPS servers of scripts/compare-servers.sh with the same ECDSA P-256 certificate on
# 127.0.0.1 (started and stopped by scripts/lib/servers.sh):
#   rtls     `rtls server --www` (ours),          openssl  `openssl s_server -www`,
#   nginx    Debian's nginx-light, `master_process off`, one worker, `ssl_session_tickets on`,
#            `return 200 "ok\n"`, worker_connections 2 x (N + 50) (see scripts/lib/servers.sh),
#   nio-ssl  Benchmarks/NIOSSLServer (swift-nio-ssl + NIOHTTP1, one event loop).
# Per round, per server, each server started fresh, scripts/lib/idle-connections.py (Python 3
# `ssl`, no packages):
#   1. one warm-up connection (handshake, GET /, answer read, closed), 1 s quiet, then the
#      baseline: the server's RSS (/proc/PID/smaps_rollup Rss) and its sockets;
#   2. N connections, TLS 1.3 handshakes (32 at a time, TCP_NODELAY, certificate checked), then
#      held open sending and reading nothing;
#   3. --idle seconds of quiet, the RSS again; (RSS_after - RSS_baseline) / N is the figure;
#   4. every held connection checked still open: a server that closed some, or could not
#      complete all N handshakes (`openssl s_server` serves one connection at a time: its other
#      handshakes stall until the client gives up after 5 s without progress), is reported as
#      incomplete with its counts, and gets no figure.
# Each server keeps its lowest figure over the rounds. Prints a table; writes every round to
# OUTDIR/idle-memory.json.
#
# Usage: scripts/idle-memory.sh [-n COUNT] [-o OUTDIR] [--rounds R] [--idle SECONDS]
#                               [--servers LIST] [--no-build]
#        (RTLS_BIN=path: that rtls; NIO_SSL_BIN=path: that nio-ssl-server)
#   -n  connections held per server (default 1000)   --rounds  rounds (default 2)
#   -o  where idle-memory.json and the logs go (default .build/bench; logs in OUTDIR/idle-memory/)
#   --idle  seconds idle before the second reading (default 2)
#   --servers  comma-separated subset of rtls,openssl,nginx,nio-ssl (default all four, in that order)
#   --no-build  use the release builds already there (rtls, and nio-ssl-server in
#       Benchmarks/NIOSSLServer/.build)
# The open-file limit is raised (`ulimit -n`, and the client's own) to fit N connections on
# both sides. As root it installs openssl, python3, bc and nginx-light if missing. About
# 20 s per server and round at the defaults, plus the builds.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/bench-tools.sh
. scripts/lib/servers.sh
ensure_bench_tools --no-plot
ensure_nginx

COUNT=1000
OUT=.build/bench
BUILD=1
ROUNDS=2
IDLE=2
SERVER_LIST=rtls,openssl,nginx,nio-ssl
usage() { echo "usage: $0 [-n COUNT] [-o OUTDIR] [--rounds R] [--idle SECONDS] [--servers LIST] [--no-build]" >&2; exit 2; }
while [ $# -gt 0 ]; do
    case "$1" in
        -n) COUNT=${2:-}; shift 2 || usage ;;
        -o) OUT=${2:-}; shift 2 || usage ;;
        --rounds) ROUNDS=${2:-}; shift 2 || usage ;;
        --idle) IDLE=${2:-}; shift 2 || usage ;;
        --servers) SERVER_LIST=${2:-}; shift 2 || usage ;;
        --no-build) BUILD=0; shift ;;
        *) usage ;;
    esac
done
[[ "$COUNT" =~ ^[1-9][0-9]*$ ]] || usage
[[ "$ROUNDS" =~ ^[1-9][0-9]*$ ]] || usage
[[ "$IDLE" =~ ^[0-9]+(\.[0-9]+)?$ ]] || usage
IFS=, read -r -a SERVERS <<<"$SERVER_LIST"
for name in "${SERVERS[@]}"; do
    case "$name" in rtls | openssl | nginx | nio-ssl) ;; *) echo "unknown server: $name" >&2; usage ;; esac
done
mkdir -p "$OUT/idle-memory"
OUT=$(cd "$OUT" && pwd)

# Room for N sockets in each server (and the client raises its own): N + 100, or more if
# already allowed; the hard limit caps it.
NEED_FILES=$((COUNT + 100))
if [ "$(ulimit -Sn)" != unlimited ] && [ "$(ulimit -Sn)" -lt "$NEED_FILES" ]; then
    HARD=$(ulimit -Hn)
    if [ "$HARD" != unlimited ] && [ "$HARD" -lt "$NEED_FILES" ]; then
        echo "the open-file hard limit ($HARD) is below $NEED_FILES: lower -n or raise it" >&2
        exit 1
    fi
    ulimit -Sn "$NEED_FILES"
fi

# One build at a time: ours, then the swift-nio-ssl server's own package.
if [ "$BUILD" = 1 ]; then build_server_binaries; fi
find_server_binaries "${SERVERS[@]}"

begin_server_run "$OUT/idle-memory"
make_server_certificate

RESULTS="$TMP/rounds.jsonl"
: >"$RESULTS"
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
for round in $(seq "$ROUNDS"); do
    for name in "${SERVERS[@]}"; do
        echo "== round $round/$ROUNDS: $name, $COUNT idle connections" >&2
        start_server "$name" $((COUNT + 50))
        # The client bounds itself (5 s without progress, 60 + N/20 s in all); timeout is a backstop.
        line=$(timeout $((COUNT / 10 + 120)) python3 scripts/lib/idle-connections.py --port "${PORT[$name]}" \
            --pid "${PID[$name]}" --cafile "$TMP/cert.pem" -n "$COUNT" --idle "$IDLE" \
            2>>"$SERVER_LOG_DIR/client-$name.log") || line=""
        if ! kill -0 "${PID[$name]}" 2>/dev/null; then
            echo "warning: $name exited during the run (see $SERVER_LOG_DIR/$name-server.log)" >&2
        fi
        stop_server "$name"
        if [ "$name" = nginx ]; then cp "$TMP/nginx/error.log" "$SERVER_LOG_DIR/nginx-error.log" 2>/dev/null || true; fi
        if [ -z "$line" ]; then
            echo "warning: $name: the client failed (see $SERVER_LOG_DIR/client-$name.log)" >&2
            line='{"error": "client failed"}'
        fi
        printf '{"round": %d, "server": "%s", "result": %s}\n' "$round" "$name" "$line" >>"$RESULTS"
    done
done
LOAD=$(cut -d' ' -f1-3 /proc/loadavg)

python3 - "$RESULTS" "$OUT/idle-memory.json" "$LOAD_BEFORE" "$LOAD" "$COUNT" "$ROUNDS" "$IDLE" \
    "$("$NGINX" -v 2>&1 | sed 's/.*nginx\///' || true)" "$(openssl version)" "${SERVERS[@]}" <<'EOF'
import json, sys
path, json_path, load_before, load, count, rounds, idle, nginx_version, openssl_version = sys.argv[1:10]
servers = sys.argv[10:]
target_bytes = 8 * 1024   # issue 17, target 5: ours
runs = [json.loads(l) for l in open(path) if l.strip()]
by_server = {s: [r for r in runs if r["server"] == s] for s in servers}
best = {}
for server, rs in by_server.items():
    done = [r for r in rs if r["result"].get("complete")]
    if done:
        best[server] = min(done, key=lambda r: r["result"]["bytes_per_connection"])

def counts(res):
    if "error" in res:
        return res["error"]
    text = f"{res['established']}/{res['requested']} established, {res['open_after_idle']} open after idle"
    extra = []
    if res["failed"]: extra.append(f"{res['failed']} failed {res['failures']}")
    if res["stalled"]: extra.append(f"{res['stalled']} stalled")
    if res["not_started"]: extra.append(f"{res['not_started']} not started ({res['phase_end']})")
    if res["closed_by_server"]: extra.append(f"closed by the server: {res['closed_by_server']}")
    return text + ("; " + "; ".join(extra) if extra else "")

print(f"load average before: {load_before}  after: {load}  (N={count} idle TLS 1.3 connections, "
      f"{idle} s idle, {rounds} rounds, each server's lowest complete round)")
print(f"{'server':8} {'bytes/conn':>10} {'KiB/conn':>9} {'RSS base KiB':>12} {'RSS held KiB':>12} {'sockets':>8}  all rounds (bytes/conn)")
for server in servers:
    rs = by_server[server]
    rounds_text = " ".join(f"{r['result']['bytes_per_connection']:.0f}" if r["result"].get("complete") else "-" for r in rs)
    b = best.get(server)
    if b:
        res = b["result"]
        note = ""
        if server == "rtls":
            note = "  (target <= 8 KiB: " + ("met" if res["bytes_per_connection"] <= target_bytes else "not met") + ")"
        print(f"{server:8} {res['bytes_per_connection']:10.0f} {res['bytes_per_connection'] / 1024:9.1f} "
              f"{res['rss_baseline_kib']:12d} {res['rss_after_kib']:12d} "
              f"{res['server_sockets_after'] - res['server_sockets_baseline']:8d}  {rounds_text}{note}")
    else:
        last = rs[-1]["result"] if rs else {"error": "not run"}
        print(f"{server:8} {'n/a':>10} {'n/a':>9}  incomplete: {counts(last)}")
        if last.get("bytes_per_established_connection") is not None and last.get("established"):
            print(f"{'':8} {'':>10} {'':>9}  (RSS growth with the {last['established']} held: "
                  f"{(last['rss_after_kib'] - last['rss_baseline_kib'])} KiB)")
for server in servers:
    for r in by_server[server]:
        res = r["result"]
        if res.get("complete") and (res["failed"] or res["closed_by_server"]):
            print(f"note: {server} round {r['round']}: {counts(res)}")
out = {
    "load_average_before": load_before, "load_average": load, "count": int(count), "rounds": int(rounds),
    "idle_seconds": float(idle), "servers": servers, "nginx_version": nginx_version,
    "openssl_version": openssl_version, "target_bytes_per_connection_rtls": target_bytes,
    "best": {s: {"round": b["round"], **b["result"]} for s, b in best.items()},
    "all_rounds": runs,
}
json.dump(out, open(json_path, "w"), indent=2, sort_keys=True)
print(f"written {json_path}")
EOF
