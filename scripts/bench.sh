#!/usr/bin/env bash
# Builds rtls and rtls-allocations in release, runs `rtls bench` (speed), `rtls-allocations`
# (allocations per handshake side, per record and per cache operation, counted by a malloc
# interposer in that process only), then `openssl speed` for the three TLS 1.3 AEADs, and prints
# our figures with OpenSSL's beside them and the ratios.
#
# Usage: scripts/bench.sh [-s SECONDS] [-S OPENSSL_SECONDS] [-o OUTDIR] [--no-build] [-- RTLS_BENCH_ARGS...]
#   -s  seconds per rtls benchmark (default 2)   -S  seconds per openssl speed run (default 3)
#   -o  where to put rtls-bench.json, rtls-allocations.json, openssl-speed-*.txt and bench-summary.json
#       (default .build/bench)
# Ours: RecordProtection.seal/open (header, type byte, tag, nonce; TLS record work).
# OpenSSL: `openssl speed -evp CIPHER -bytes N` (encrypt) and with -decrypt: the bare EVP AEAD.
# The machine may be shared: the load average is recorded next to the figures.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/bench-tools.sh
ensure_bench_tools

SECS=2
OSSL_SECS=3
OUT=.build/bench
BUILD=1
while [ $# -gt 0 ]; do
    case "$1" in
        -s) SECS=$2; shift 2 ;;
        -S) OSSL_SECS=$2; shift 2 ;;
        -o) OUT=$2; shift 2 ;;
        --no-build) BUILD=0; shift ;;
        --) shift; break ;;
        *) echo "usage: $0 [-s SECONDS] [-S OPENSSL_SECONDS] [-o OUTDIR] [--no-build] [-- RTLS_BENCH_ARGS...]" >&2; exit 2 ;;
    esac
done
mkdir -p "$OUT"

if [ "$BUILD" = 1 ]; then
    for product in rtls rtls-allocations; do
        swift build -c release --product "$product" 2>&1 | grep -E 'error|warning: ' || true
    done
fi
BIN="$(swift build -c release --show-bin-path)"
RTLS="$BIN/rtls"
for exe in "$RTLS" "$BIN/rtls-allocations"; do
    [ -x "$exe" ] || { echo "no release build at $exe" >&2; exit 1; }
done

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
"$RTLS" bench --seconds "$SECS" --json "$@" >"$OUT/rtls-bench.json"
echo "rtls-allocations..." >&2
"$BIN/rtls-allocations" --seconds 0.5 --json "$@" >"$OUT/rtls-allocations.json"

for cipher in aes-128-gcm aes-256-gcm chacha20-poly1305; do
    for bytes in 16384 1024; do
        echo "openssl speed $cipher $bytes..." >&2
        openssl speed -evp "$cipher" -bytes "$bytes" -seconds "$OSSL_SECS" >"$OUT/openssl-speed-$cipher-$bytes-enc.txt" 2>/dev/null
        openssl speed -evp "$cipher" -bytes "$bytes" -seconds "$OSSL_SECS" -decrypt >"$OUT/openssl-speed-$cipher-$bytes-dec.txt" 2>/dev/null
        # -aead: the TLS-like sequence per buffer (IV, 13 bytes of AAD, data, tag), closer to a record.
        openssl speed -aead -evp "$cipher" -bytes "$bytes" -seconds "$OSSL_SECS" >"$OUT/openssl-speed-$cipher-$bytes-aead-enc.txt" 2>/dev/null
        openssl speed -aead -evp "$cipher" -bytes "$bytes" -seconds "$OSSL_SECS" -decrypt >"$OUT/openssl-speed-$cipher-$bytes-aead-dec.txt" 2>/dev/null
    done
done

python3 - "$OUT" "$(cut -d' ' -f1-3 /proc/loadavg)" <<'EOF'
import json, re, sys, os
out, load_end = sys.argv[1], sys.argv[2]
report = json.load(open(os.path.join(out, "rtls-bench.json")))
allocs = {(f["group"], f["name"]): f["details"] for f in json.load(open(os.path.join(out, "rtls-allocations.json")))["figures"]}
def alloc(f, k, fmt="{:.1f}"):
    v = allocs.get((f["group"], f["name"]), {}).get(k)
    return fmt.format(v) if v is not None else "-"
print(f"rtls bench {report['version']} on {report['cpuCount']} x {report['cpuModel']}")
print(f"load average: before rtls bench {report['loadAverageBefore']}, after it {report['loadAverageAfter']}, after openssl speed {load_end}")
print()
def detail(f, k, fmt="{:.1f}"):
    v = f["details"].get(k)
    return fmt.format(v) if v is not None else "-"
print("== handshakes (in memory, one thread; allocations from rtls-allocations)")
print(f"{'mode':32} {'hs/s':>9} {'server us/hs':>13} {'client us/hs':>13} {'proc CPU us/hs':>15} {'server allocs/hs':>17} {'client allocs/hs':>17}")
for f in report["figures"]:
    if f["group"] != "handshake": continue
    print(f"{f['name']:32} {f['value']:9.1f} {detail(f,'server_us_per_hs'):>13} {detail(f,'client_us_per_hs'):>13} "
          f"{detail(f,'process_cpu_us_per_hs'):>15} {alloc(f,'server_allocs_per_hs'):>17} {alloc(f,'client_allocs_per_hs'):>17}")
print()
names = {"aes128gcm": "aes-128-gcm", "aes256gcm": "aes-256-gcm", "chacha20poly1305": "chacha20-poly1305"}
def openssl_mbs(cipher, size, direction):
    path = os.path.join(out, f"openssl-speed-{cipher}-{size}-{direction}.txt")
    try:
        text = open(path).read()
    except OSError:
        return None
    m = re.findall(r"^\S+\s+([\d.]+)k\s*$", text, re.M)
    return float(m[-1]) / 1000 if m else None  # 1000s of bytes/s -> 10^6 bytes/s
rows = []
print("== record layer vs openssl speed (MB/s = 10^6 B/s; ratio = ours/OpenSSL; target seal >= 0.9 for AES-GCM)")
print("   OpenSSL: `speed -evp` (the issue's reference) and `speed -aead -evp` (IV, AAD, data, tag per buffer)")
print("   (name)-sealedbox: the same record through swift-crypto's public SealedBox API, for comparison")
print(f"{'record':36} {'ours MB/s':>10} {'OpenSSL -evp':>13} {'ratio':>7} {'OpenSSL -aead':>14} {'ratio':>7} {'allocs/rec':>11} {'bytes/rec':>10}")
for f in report["figures"]:
    if f["group"] != "record": continue
    m = re.match(r"(seal|open)-(\w+)-(\d+)k", f["name"])
    if not m: continue
    op, suite, kib = m.group(1), m.group(2), int(m.group(3))
    theirs = openssl_mbs(names[suite], kib * 1024, "enc" if op == "seal" else "dec")
    aead = openssl_mbs(names[suite], kib * 1024, "aead-enc" if op == "seal" else "aead-dec")
    ratio = f["value"] / theirs if theirs else None
    aead_ratio = f["value"] / aead if aead else None
    rows.append({"name": f["name"], "ours_MBps": f["value"], "openssl_MBps": theirs, "ratio": ratio,
                 "openssl_aead_MBps": aead, "aead_ratio": aead_ratio})
    nan = float('nan')
    print(f"{f['name']:36} {f['value']:10.1f} {theirs or nan:13.1f} {ratio or nan:7.2f} {aead or nan:14.1f} {aead_ratio or nan:7.2f} "
          f"{alloc(f,'allocs_per_record','{:.2f}'):>11} {alloc(f,'alloc_bytes_per_record'):>10}")
print()
print("== session cache (SessionCache; target >= 5 M lookups/s on 2 cores, <= 300 B/session)")
for f in report["figures"]:
    if f["group"] != "cache": continue
    extra = " ".join(f"{k}={v:.0f}" for k, v in sorted(f["details"].items()))
    a = allocs.get(("cache", f["name"]), {})
    extra += " " + " ".join(f"{k}={v:.2f}" for k, v in sorted(a.items()) if k.startswith("alloc"))
    value = f"{f['value']:.1f}" if f["unit"] == "bytes/session" else f"{f['value']/1e6:.2f} M"
    print(f"{f['name']:28} {value:>12} {f['unit']:14} {extra}")
json.dump({"rtls": report, "allocations": json.load(open(os.path.join(out, "rtls-allocations.json"))),
           "record_vs_openssl": rows, "load_average_end": load_end},
          open(os.path.join(out, "bench-summary.json"), "w"), indent=2, sort_keys=True)
print(f"\nwritten {os.path.join(out, 'bench-summary.json')}")
EOF
