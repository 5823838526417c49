#!/usr/bin/env bash
# Loopback comparison of `rtls server --www` with `openssl s_server -www`, same ECDSA
# P-256 certificate, same clients:
#   - openssl s_time -new and -reuse over TLS 1.3 and over TLS 1.2 (-www / so s_time reads the
#     response, and with it the TLS 1.3 tickets; TLS 1.2 reuse resumes by ticket),
#   - a Python `ssl` client doing N full then N resumed handshakes (each: GET /, read to EOF).
# For each server: connections/s seen by the client and server CPU time per connection from
# /proc/PID/stat (utime+stime delta / connections; 10 ms clock ticks), and the ratio ours/OpenSSL.
#
# Usage: scripts/compare-openssl.sh [-t SECONDS] [-n COUNT] [-o OUTDIR] [--no-build]   (RTLS_BIN=path: that rtls)
#   -t  seconds per s_time run (default 5)   -n  Python handshakes of each kind (default 300)
#   -o  where to put compare-openssl.json and the logs (default .build/bench)
# Both servers run on 127.0.0.1 (ours on an OS-chosen port, OpenSSL's on a free port found by
# binding port 0) and are stopped on exit. Client and servers share the machine's cores.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/bench-tools.sh
ensure_bench_tools

TIME=5
COUNT=300
OUT=.build/bench
BUILD=1
while [ $# -gt 0 ]; do
    case "$1" in
        -t) TIME=$2; shift 2 ;;
        -n) COUNT=$2; shift 2 ;;
        -o) OUT=$2; shift 2 ;;
        --no-build) BUILD=0; shift ;;
        *) echo "usage: $0 [-t SECONDS] [-n COUNT] [-o OUTDIR] [--no-build]" >&2; exit 2 ;;
    esac
done
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

if [ "$BUILD" = 1 ]; then
    swift build -c release --product rtls 2>&1 | grep -E 'error|warning: ' || true
fi
# RTLS_BIN=path runs another build of rtls (e.g. an older commit's) against the same clients.
RTLS="${RTLS_BIN:-$(swift build -c release --show-bin-path)/rtls}"
[ -x "$RTLS" ] || { echo "no release rtls at $RTLS" >&2; exit 1; }

TMP=$(mktemp -d)
RTLS_PID=""
OSSL_PID=""
cleanup() {
    set +e
    if [ -n "$RTLS_PID" ]; then kill "$RTLS_PID" 2>/dev/null; wait "$RTLS_PID" 2>/dev/null; fi
    if [ -n "$OSSL_PID" ]; then kill "$OSSL_PID" 2>/dev/null; wait "$OSSL_PID" 2>/dev/null; fi
    rm -rf "$TMP"
}
trap 'status=$?; cleanup; exit $status' EXIT

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
    -subj /CN=localhost -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
    -keyout "$TMP/key.pem" -out "$TMP/cert.pem" 2>/dev/null

# Ours: port 0, the OS chooses; read it back from "ACCEPT 127.0.0.1:PORT".
# --log-level notice: no line per handshake, as s_server runs -quiet (the clients below check
# that every resumption happened).
"$RTLS" server --port 0 --cert "$TMP/cert.pem" --key "$TMP/key.pem" --www --log-level notice >"$TMP/rtls.out" 2>"$OUT/rtls-server.log" &
RTLS_PID=$!
for _ in $(seq 100); do grep -q '^ACCEPT' "$TMP/rtls.out" 2>/dev/null && break; sleep 0.1; done
RTLS_PORT=$(sed -n 's/^ACCEPT 127.0.0.1:\([0-9]*\).*/\1/p' "$TMP/rtls.out" | head -1)
[ -n "$RTLS_PORT" ] || { echo "rtls server did not start" >&2; cat "$OUT/rtls-server.log" >&2; exit 1; }

# OpenSSL's: a free port (bind 0, read it, release it).
OSSL_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
openssl s_server -accept "127.0.0.1:$OSSL_PORT" -cert "$TMP/cert.pem" -key "$TMP/key.pem" -www -quiet \
    >"$OUT/openssl-server.log" 2>&1 &
OSSL_PID=$!
for _ in $(seq 100); do
    python3 -c "import socket,sys; socket.create_connection(('127.0.0.1',$OSSL_PORT),0.2).close()" 2>/dev/null && break
    sleep 0.1
done

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
sys_ticks() { awk '{print $15}' "/proc/$1/stat"; }   # the kernel's share (system calls, TCP)
CLK_TCK=$(getconf CLK_TCK)

# s_time: both servers, -new and -reuse, TLS 1.3 then TLS 1.2. The client asks for AES-128-GCM
# so both servers run the same suite (OpenSSL would otherwise honour the client's AES-256
# preference).
RESULTS="$TMP/results.tsv"
: >"$RESULTS"
run_stime() { # server-name pid port mode version(13|12)
    local name=$1 pid=$2 port=$3 mode=$4 version=$5 before after start end log sys_before sys_after suite
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
    openssl s_time -connect "127.0.0.1:$port" -"$mode" -time "$TIME" -www / "${suite[@]}" >"$log" 2>&1 || true
    end=$(date +%s.%N)
    after=$(cpu_ticks "$pid")
    sys_after=$(sys_ticks "$pid")
    # "N connections in T real seconds": the last such line is the timed phase.
    local conns
    conns=$(sed -n 's/^\([0-9]*\) connections in [0-9.]* real seconds.*/\1/p' "$log" | tail -1)
    [ -n "$conns" ] || conns=0
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$test" "$name" "$conns" "$(echo "$end - $start" | bc -l)" \
        "$(echo "($after - $before) / $CLK_TCK" | bc -l)" "$(echo "($sys_after - $sys_before) / $CLK_TCK" | bc -l)" >>"$RESULTS"
}

for version in 13 12; do
    for mode in new reuse; do
        run_stime rtls "$RTLS_PID" "$RTLS_PORT" "$mode" "$version"
        run_stime openssl "$OSSL_PID" "$OSSL_PORT" "$mode" "$version"
    done
done

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
run_python() { # server-name pid port mode
    local name=$1 pid=$2 port=$3 mode=$4 before after line sys_before sys_after
    before=$(cpu_ticks "$pid")
    sys_before=$(sys_ticks "$pid")
    line=$(python3 "$TMP/client.py" 127.0.0.1 "$port" "$COUNT" "$TMP/cert.pem" "$mode")
    after=$(cpu_ticks "$pid")
    sys_after=$(sys_ticks "$pid")
    local n elapsed hits
    IFS=$'\t' read -r n elapsed hits <<<"$line"
    if [ "$mode" = resumed ] && [ "$hits" != "$n" ]; then echo "warning: $name: only $hits of $n resumed" >&2; fi
    if [ "$mode" = full ] && [ "$hits" != 0 ]; then echo "warning: $name: $hits of $n full handshakes resumed" >&2; fi
    # The untimed priming connection is in the CPU delta too: N + 1 connections.
    printf 'python-%s\t%s\t%s\t%s\t%s\t%s\n' "$mode" "$name" "$((n + 1))" "$elapsed" \
        "$(echo "($after - $before) / $CLK_TCK" | bc -l)" "$(echo "($sys_after - $sys_before) / $CLK_TCK" | bc -l)" >>"$RESULTS"
}
for mode in full resumed; do
    run_python rtls "$RTLS_PID" "$RTLS_PORT" "$mode"
    run_python openssl "$OSSL_PID" "$OSSL_PORT" "$mode"
done

LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
python3 - "$RESULTS" "$OUT/compare-openssl.json" "$LOAD" "$TIME" "$COUNT" <<'EOF'
import json, sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
data = {}
for test, server, conns, wall, cpu, sys_cpu in rows:
    conns, wall, cpu, sys_cpu = int(conns), float(wall), float(cpu), float(sys_cpu)
    data.setdefault(test, {})[server] = {
        "connections": conns, "seconds": wall,
        "connections_per_s": conns / wall if wall else 0,
        "server_cpu_s": cpu,
        "server_cpu_us_per_connection": cpu / conns * 1e6 if conns else None,
        "server_system_cpu_us_per_connection": sys_cpu / conns * 1e6 if conns else None,
    }
print(f"load average at end: {sys.argv[3]}  (s_time -time {sys.argv[4]}, python N={sys.argv[5]})")
print(f"{'test':19} {'server':8} {'conns':>6} {'conn/s':>9} {'server CPU us/conn':>19} {'of it kernel':>13}")
for test, servers in data.items():
    for server in ("rtls", "openssl"):
        r = servers.get(server)
        if not r: continue
        cpu = r["server_cpu_us_per_connection"]
        kernel = r["server_system_cpu_us_per_connection"]
        nan = float('nan')
        print(f"{test:19} {server:8} {r['connections']:6d} {r['connections_per_s']:9.1f} {cpu if cpu is not None else nan:19.1f} {kernel if kernel is not None else nan:13.1f}")
    a, b = servers.get("rtls"), servers.get("openssl")
    if a and b and a["server_cpu_us_per_connection"] and b["server_cpu_us_per_connection"]:
        ratio_cpu = a["server_cpu_us_per_connection"] / b["server_cpu_us_per_connection"]
        ratio_rate = a["connections_per_s"] / b["connections_per_s"] if b["connections_per_s"] else float("nan")
        servers["ratio_rtls_over_openssl"] = {"server_cpu_per_connection": ratio_cpu, "connections_per_s": ratio_rate}
        print(f"{'':19} {'ratio':8} {'':6} {ratio_rate:9.2f} {ratio_cpu:19.2f}   (ours/OpenSSL; CPU target <= 0.5)")
json.dump({"load_average": sys.argv[3], "s_time_seconds": float(sys.argv[4]), "python_count": int(sys.argv[5]), "results": data},
          open(sys.argv[2], "w"), indent=2, sort_keys=True)
print(f"written {sys.argv[2]}")
EOF

# A PNG of connections/s and server CPU per connection, ours beside OpenSSL's (if matplotlib).
if python3 -c 'import matplotlib' 2>/dev/null; then
    python3 - "$OUT/compare-openssl.json" "$OUT/handshakes.png" <<'EOF'
import json, sys
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
data = json.load(open(sys.argv[1]))
tests = [t for t in ("s_time-new", "s_time-reuse", "s_time-new-tls12", "s_time-reuse-tls12", "python-full", "python-resumed") if t in data["results"]]
fig, axes = plt.subplots(1, 2, figsize=(11, 4))
for ax, key, title in ((axes[0], "connections_per_s", "connections/s (client view, loopback)"),
                       (axes[1], "server_cpu_us_per_connection", "server CPU µs per connection (lower is better)")):
    for i, server in enumerate(("rtls", "openssl")):
        values = [data["results"][t].get(server, {}).get(key) or 0 for t in tests]
        ax.bar([x + (i - 0.5) * 0.38 for x in range(len(tests))], values, 0.38,
               label="rtls server" if server == "rtls" else "openssl s_server")
    ax.set_xticks(range(len(tests)))
    ax.set_xticklabels(tests, rotation=15)
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8)
fig.suptitle(f"TLS 1.3 and 1.2 (-tls12 rows), ECDSA P-256, 127.0.0.1; load average {data['load_average']}", fontsize=10)
fig.tight_layout()
fig.savefig(sys.argv[2], dpi=110)
print(f"written {sys.argv[2]}")
EOF
else
    echo "matplotlib not available (pip install matplotlib): no PNG" >&2
fi
