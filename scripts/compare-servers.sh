#!/usr/bin/env bash
# Loopback comparison of four HTTPS servers with the same ECDSA P-256 certificate and the same
# clients (issue 17):
#   rtls     `rtls server --www` (ours),
#   openssl  `openssl s_server -www`,
#   nginx    Debian's nginx-light, `master_process off`, one worker, `ssl_session_tickets on`,
#            `return 200 "ok\n"`,
#   nio-ssl  Benchmarks/NIOSSLServer: swift-nio-ssl 2.37.6 + NIOHTTP1, one event loop.
# Clients:
#   - openssl s_time -new and -reuse over TLS 1.3 and over TLS 1.2 (-www / so s_time reads the
#     response, and with it the TLS 1.3 tickets; TLS 1.2 reuse resumes by ticket),
#   - a Python `ssl` client doing N full then N resumed handshakes (each: GET /, read to EOF).
# Each round also measures two floors with `tcp-floor client` (test `tcp-floor`, the byte pattern
# of a resumed TLS 1.2 connection, no TLS, no HTTP): `tcp-floor` (blocking C sockets: the kernel's
# share of any server) and `nio-floor` (SwiftNIO with one byte-counting handler: what the NIO
# channel costs before TLS and HTTP), printed beside the servers, not plotted.
# The servers are interleaved: for each round, for each server, every client test. Per server
# and test: connections/s seen by the client and server CPU time per connection from
# /proc/PID/stat (utime+stime delta / connections, read once the server is idle again; 10 ms
# clock ticks), the best round (lowest CPU per connection) kept, and the ratios ours/peer.
#
# Usage: scripts/compare-servers.sh [-t SECONDS] [-n COUNT] [-o OUTDIR] [--rounds R] [--no-build]
#        (RTLS_BIN=path: that rtls; NIO_SSL_BIN=path: that nio-ssl-server)
#   -t  seconds per s_time run (default 5)   -n  Python handshakes of each kind (default 300)
#   -o  where to put compare-servers.json (and, for older readers, the same as
#       compare-openssl.json) and the logs (default .build/bench)
#   --rounds  rounds of the interleaved servers (default 3)
#   --no-build  use the release builds already there (rtls, and nio-ssl-server in
#       Benchmarks/NIOSSLServer/.build)
# All servers run on 127.0.0.1 (rtls and nio-ssl on an OS-chosen port, s_server and nginx on a
# free port found by binding port 0) and are stopped on exit; scripts/lib/servers.sh starts and
# stops them (for scripts/idle-memory.sh too). Client and servers share the machine's cores.
# As root it installs openssl, python3, bc, matplotlib and nginx-light if missing.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/bench-tools.sh
. scripts/lib/servers.sh
ensure_bench_tools
ensure_nginx

TIME=5
COUNT=300
OUT=.build/bench
BUILD=1
ROUNDS=3
usage() { echo "usage: $0 [-t SECONDS] [-n COUNT] [-o OUTDIR] [--rounds R] [--no-build]" >&2; exit 2; }
while [ $# -gt 0 ]; do
    case "$1" in
        -t) TIME=$2; shift 2 ;;
        -n) COUNT=$2; shift 2 ;;
        -o) OUT=$2; shift 2 ;;
        --rounds) ROUNDS=$2; shift 2 ;;
        --no-build) BUILD=0; shift ;;
        *) usage ;;
    esac
done
[[ "$ROUNDS" =~ ^[1-9][0-9]*$ ]] || usage
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

# One build at a time: ours, then the swift-nio-ssl server's own package.
if [ "$BUILD" = 1 ]; then build_server_binaries; fi
find_server_binaries rtls openssl nginx nio-ssl nio-floor

SERVERS=(rtls openssl nginx nio-ssl)
FLOORS=(tcp-floor nio-floor)
begin_server_run "$OUT"

make_server_certificate
for name in "${SERVERS[@]}" "${FLOORS[@]}"; do start_server "$name"; done

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
sys_ticks() { awk '{print $15}' "/proc/$1/stat"; }   # the kernel's share (system calls, TCP)
CLK_TCK=$(getconf CLK_TCK)
# After a client run, wait until the server's CPU time stops moving (unchanged over 2.5 s; at most
# 20 s), so work a server defers past the last connection (seen: swift-nio-ssl's process uses
# 10-30 ms of CPU a second for about 5 s after a burst, starting about 1 s after it) is counted in
# the test that caused it, not the next one.
settle() { # pid
    local prev cur flat=0
    prev=$(cpu_ticks "$1")
    for _ in $(seq 80); do
        sleep 0.25
        cur=$(cpu_ticks "$1")
        if [ "$cur" = "$prev" ]; then flat=$((flat + 1)); [ "$flat" -ge 10 ] && return 0; else flat=0; fi
        prev=$cur
    done
}

# s_time: -new and -reuse, TLS 1.3 then TLS 1.2. The client asks for AES-128-GCM so all servers
# run the same suite (OpenSSL would otherwise honour the client's AES-256 preference).
RESULTS="$TMP/results.tsv"
: >"$RESULTS"
run_stime() { # round server-name mode version(13|12)
    local round=$1 name=$2 mode=$3 version=$4 before after start end log sys_before sys_after suite
    local pid=${PID[$name]} port=${PORT[$name]}
    local test="s_time-$mode"
    if [ "$version" = 12 ]; then
        test="s_time-$mode-tls12"
        suite=(-tls1_2 -cipher ECDHE-ECDSA-AES128-GCM-SHA256)
    else
        suite=(-tls1_3 -ciphersuites TLS_AES_128_GCM_SHA256)
    fi
    log="$OUT/$test-$name.log"
    before=$(cpu_ticks "$pid")
    sys_before=$(sys_ticks "$pid")
    start=$(date +%s.%N)
    timeout $((TIME * 4 + 30)) openssl s_time -connect "127.0.0.1:$port" -"$mode" -time "$TIME" -www / "${suite[@]}" >"$log" 2>&1 || true
    end=$(date +%s.%N)
    settle "$pid"
    after=$(cpu_ticks "$pid")
    sys_after=$(sys_ticks "$pid")
    # "N connections in T real seconds": the last such line is the timed phase.
    local conns
    conns=$(sed -n 's/^\([0-9]*\) connections in [0-9.]* real seconds.*/\1/p' "$log" | tail -1)
    [ -n "$conns" ] || conns=0
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$test" "$name" "$conns" "$(echo "$end - $start" | bc -l)" \
        "$(echo "($after - $before) / $CLK_TCK" | bc -l)" "$(echo "($sys_after - $sys_before) / $CLK_TCK" | bc -l)" >>"$RESULTS"
}

# The floors: `tcp-floor client` for TIME seconds against a floor server.
run_floor() { # round floor-name
    local round=$1 name=$2 before after start end log sys_before sys_after conns
    local pid=${PID[$name]} port=${PORT[$name]}
    log="$OUT/tcp-floor-$name.log"
    before=$(cpu_ticks "$pid")
    sys_before=$(sys_ticks "$pid")
    start=$(date +%s.%N)
    timeout $((TIME * 4 + 30)) "$TMP/tcp-floor" client "$port" "$TIME" >"$log" 2>&1 || true
    end=$(date +%s.%N)
    settle "$pid"
    after=$(cpu_ticks "$pid")
    sys_after=$(sys_ticks "$pid")
    conns=$(sed -n 's/^\([0-9]*\) connections$/\1/p' "$log" | tail -1)
    [ -n "$conns" ] || { echo "warning: $name: tcp-floor client failed (see $log)" >&2; return 0; }
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$round" tcp-floor "$name" "$conns" "$(echo "$end - $start" | bc -l)" \
        "$(echo "($after - $before) / $CLK_TCK" | bc -l)" "$(echo "($sys_after - $sys_before) / $CLK_TCK" | bc -l)" >>"$RESULTS"
}

# Python ssl client: N full, then N resumed (each resumes with the latest ticket received).
cat >"$TMP/client.py" <<'EOF'
import socket, ssl, sys, time
host, port, count, cafile = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.minimum_version = ssl.TLSVersion.TLSv1_3
ctx.load_verify_locations(cafile)
def one(session):
    with socket.create_connection((host, port)) as raw:
        with ctx.wrap_socket(raw, server_hostname="localhost", session=session) as tls:
            tls.sendall(b"GET / HTTP/1.0\r\n\r\n")
            while tls.recv(65536):
                pass
            return tls.session, tls.session_reused
def phase(resume):
    session, reused = one(None)  # the session to start resuming from (untimed)
    start = time.perf_counter(); hits = 0
    for _ in range(count):
        s, r = one(session if resume else None)
        hits += r
        if resume: session = s
    return time.perf_counter() - start, hits
mode = sys.argv[5]
elapsed, hits = phase(mode == "resumed")
print(f"{count}\t{elapsed}\t{hits}")
EOF
run_python() { # round server-name mode
    local round=$1 name=$2 mode=$3 before after line sys_before sys_after
    local pid=${PID[$name]} port=${PORT[$name]}
    before=$(cpu_ticks "$pid")
    sys_before=$(sys_ticks "$pid")
    line=$(timeout $((COUNT + 60)) python3 "$TMP/client.py" 127.0.0.1 "$port" "$COUNT" "$TMP/cert.pem" "$mode" 2>>"$OUT/python-$name.log") \
        || { echo "warning: $name: python $mode client failed (see $OUT/python-$name.log)" >&2; return 0; }
    settle "$pid"
    after=$(cpu_ticks "$pid")
    sys_after=$(sys_ticks "$pid")
    local n elapsed hits
    IFS=$'\t' read -r n elapsed hits <<<"$line"
    if [ "$mode" = resumed ] && [ "$hits" != "$n" ]; then echo "warning: $name: only $hits of $n resumed" >&2; fi
    if [ "$mode" = full ] && [ "$hits" != 0 ]; then echo "warning: $name: $hits of $n full handshakes resumed" >&2; fi
    # The untimed priming connection is in the CPU delta too: N + 1 connections.
    printf '%s\tpython-%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$mode" "$name" "$((n + 1))" "$elapsed" \
        "$(echo "($after - $before) / $CLK_TCK" | bc -l)" "$(echo "($sys_after - $sys_before) / $CLK_TCK" | bc -l)" >>"$RESULTS"
}

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
for round in $(seq "$ROUNDS"); do
    for name in "${SERVERS[@]}"; do
        echo "== round $round/$ROUNDS: $name" >&2
        settle "${PID[$name]}"
        for version in 13 12; do
            for mode in new reuse; do
                run_stime "$round" "$name" "$mode" "$version"
            done
        done
        for mode in full resumed; do
            run_python "$round" "$name" "$mode"
        done
    done
    for name in "${FLOORS[@]}"; do
        echo "== round $round/$ROUNDS: $name" >&2
        settle "${PID[$name]}"
        run_floor "$round" "$name"
    done
done

LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
python3 - "$RESULTS" "$OUT/compare-servers.json" "$LOAD_BEFORE" "$LOAD" "$TIME" "$COUNT" "$ROUNDS" "${FLOORS[*]}" "${SERVERS[@]}" <<'EOF'
import json, sys
results_path, json_path, load_before, load, stime_s, count, rounds, floors = sys.argv[1:9]
floors = floors.split()
servers = sys.argv[9:]
targets = {"openssl": 0.5, "nginx": 0.85, "nio-ssl": 0.85}
rows = [l.rstrip("\n").split("\t") for l in open(results_path) if l.strip()]
per_round = {}
for rnd, test, server, conns, wall, cpu, sys_cpu in rows:
    conns, wall, cpu, sys_cpu = int(conns), float(wall), float(cpu), float(sys_cpu)
    per_round.setdefault(test, {}).setdefault(server, []).append({
        "round": int(rnd), "connections": conns, "seconds": wall,
        "connections_per_s": conns / wall if wall else 0,
        "server_cpu_s": cpu,
        "server_cpu_us_per_connection": cpu / conns * 1e6 if conns else None,
        "server_system_cpu_us_per_connection": sys_cpu / conns * 1e6 if conns else None,
    })
# Each server's best round per test: the lowest server CPU per connection.
data = {}
for test, by_server in per_round.items():
    for server, runs in by_server.items():
        ok = [r for r in runs if r["server_cpu_us_per_connection"] is not None]
        best = dict(min(ok, key=lambda r: r["server_cpu_us_per_connection"]) if ok else runs[0])
        best["rounds_cpu_us_per_connection"] = [r["server_cpu_us_per_connection"] for r in runs]
        data.setdefault(test, {})[server] = best
nan = float("nan")
print(f"load average before: {load_before}  after: {load}  (s_time -time {stime_s}, python N={count}, {rounds} interleaved rounds, best round per server)")
print(f"{'test':19} {'server':8} {'round':>5} {'conns':>6} {'conn/s':>9} {'server CPU us/conn':>19} {'of it kernel':>13}  all rounds (CPU us/conn)")
for test, by_server in data.items():
    for server in servers + floors:
        r = by_server.get(server)
        if not r: continue
        cpu = r["server_cpu_us_per_connection"]
        kernel = r["server_system_cpu_us_per_connection"]
        rounds_list = " ".join(f"{c:.0f}" if c is not None else "-" for c in r["rounds_cpu_us_per_connection"])
        print(f"{test:19} {server:8} {r['round']:5d} {r['connections']:6d} {r['connections_per_s']:9.1f} {cpu if cpu is not None else nan:19.1f} {kernel if kernel is not None else nan:13.1f}  {rounds_list}")
    a = by_server.get("rtls")
    for peer in servers[1:]:
        b = by_server.get(peer)
        if a and b and a["server_cpu_us_per_connection"] and b["server_cpu_us_per_connection"]:
            ratio_cpu = a["server_cpu_us_per_connection"] / b["server_cpu_us_per_connection"]
            ratio_rate = a["connections_per_s"] / b["connections_per_s"] if b["connections_per_s"] else nan
            by_server[f"ratio_rtls_over_{peer}"] = {"server_cpu_per_connection": ratio_cpu, "connections_per_s": ratio_rate}
            target = targets.get(peer)
            note = f"CPU target <= {target}" if target else ""
            print(f"{'':19} {'ours/' + peer:14} {'':6} {ratio_rate:9.2f} {ratio_cpu:19.2f}   ({note})")
out = {"load_average": load, "load_average_before": load_before, "s_time_seconds": float(stime_s),
       "python_count": int(count), "rounds": int(rounds), "servers": servers, "floors": floors, "results": data,
       "all_rounds": per_round}
json.dump(out, open(json_path, "w"), indent=2, sort_keys=True)
print(f"written {json_path}")
EOF
# The name the two-server script wrote, for readers of older runs.
cp "$OUT/compare-servers.json" "$OUT/compare-openssl.json"

# A PNG of connections/s and server CPU per connection, the four servers side by side (if matplotlib).
if python3 -c 'import matplotlib' 2>/dev/null; then
    python3 - "$OUT/compare-servers.json" "$OUT/handshakes.png" <<'EOF'
import json, sys
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
data = json.load(open(sys.argv[1]))
servers = data["servers"]
labels = {"rtls": "rtls server", "openssl": "openssl s_server", "nginx": "nginx", "nio-ssl": "swift-nio-ssl"}
tests = [t for t in ("s_time-new", "s_time-reuse", "s_time-new-tls12", "s_time-reuse-tls12", "python-full", "python-resumed") if t in data["results"]]
fig, axes = plt.subplots(1, 2, figsize=(13, 4.5))
width = 0.8 / len(servers)
for ax, key, title in ((axes[0], "connections_per_s", "connections/s (client view, loopback)"),
                       (axes[1], "server_cpu_us_per_connection", "server CPU µs per connection (lower is better)")):
    for i, server in enumerate(servers):
        values = [data["results"][t].get(server, {}).get(key) or 0 for t in tests]
        ax.bar([x + (i - (len(servers) - 1) / 2) * width for x in range(len(tests))], values, width,
               label=labels.get(server, server))
    ax.set_xticks(range(len(tests)))
    ax.set_xticklabels(tests, rotation=15)
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8)
fig.suptitle(f"TLS 1.3 and 1.2 (-tls12 rows), ECDSA P-256, 127.0.0.1, best of {data['rounds']} rounds; load average {data['load_average']}", fontsize=10)
fig.tight_layout()
fig.savefig(sys.argv[2], dpi=110)
print(f"written {sys.argv[2]}")
EOF
else
    echo "matplotlib not available (pip install matplotlib): no PNG" >&2
fi
