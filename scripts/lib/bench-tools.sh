# Sourced by scripts/bench.sh, scripts/compare-servers.sh and scripts/idle-memory.sh: installs,
# on a fresh Debian machine (as root), the tools they run beside ours: openssl, python3, bc, and
# matplotlib for the PNG (pip; the figures are still printed if it cannot be installed;
# `ensure_bench_tools --no-plot`: not wanted).
ensure_bench_tools() {
    local need=()
    command -v openssl >/dev/null || need+=(openssl)
    command -v python3 >/dev/null || need+=(python3 python3-pip)
    command -v bc >/dev/null || need+=(bc)
    if [ ${#need[@]} -gt 0 ]; then
        if [ "$(id -u)" -ne 0 ]; then echo "need root to install: ${need[*]}" >&2; exit 1; fi
        echo "== installing ${need[*]}" >&2
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq "${need[@]}" >/dev/null
    fi
    if [ "${1:-}" != --no-plot ] && ! python3 -c 'import matplotlib' 2>/dev/null; then
        echo "== pip install matplotlib (for the PNG)" >&2
        python3 -m pip install -q matplotlib >&2 || echo "warning: matplotlib not installed: no PNG" >&2
    fi
}

# Sourced by scripts/compare-servers.sh and scripts/idle-memory.sh: nginx (Debian's
# nginx-light) for the four-server loopback comparisons, installed as root if missing.
ensure_nginx() {
    command -v nginx >/dev/null && return 0
    [ -x /usr/sbin/nginx ] && return 0
    if [ "$(id -u)" -ne 0 ]; then echo "need root to install: nginx-light" >&2; exit 1; fi
    echo "== installing nginx-light" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq nginx-light >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq nginx-light >/dev/null; }
}
