#!/usr/bin/env bash
# The test command: on a fresh Debian machine, installs every peer the tests need and runs the
# whole suite. Usage: scripts/test.sh   (FUZZ_SECONDS=N also sets how long each fuzz target runs)
set -euo pipefail
cd "$(dirname "$0")/.."

# --- peers and tools the tests talk to (every interop test fails, never skips, without them) ---
need_install=()
command -v openssl >/dev/null || need_install+=(openssl)
command -v gnutls-cli >/dev/null || need_install+=(gnutls-bin)
command -v redis-server >/dev/null || need_install+=(redis-server)
# redis-cli builds the Redis Cluster the cluster tests start (redis-cli --cluster create).
command -v redis-cli >/dev/null || need_install+=(redis-tools)
command -v python3 >/dev/null || need_install+=(python3)
command -v curl >/dev/null || need_install+=(curl)   # scrapes `rtls server --metrics`
if [ ${#need_install[@]} -gt 0 ]; then
    if [ "$(id -u)" -ne 0 ]; then echo "need root to install: ${need_install[*]}" >&2; exit 1; fi
    echo "== installing ${need_install[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${need_install[@]}" >/dev/null
fi
python3 -c 'import ssl, json; print("python", ssl.OPENSSL_VERSION)'
openssl version
gnutls-cli --version | head -1

# --- the suite ---
echo "== swift build"
swift build --build-tests
echo "== swift test"
swift test --skip-build --skip ReadmeLibraryExampleTests --skip RedisFaultRunTests
# The Redis fault run times every store lookup against its bound (issue 18); among ninety suites
# starting at once on two cores, the scheduler alone can hold a lookup's continuation for
# seconds, so it runs on its own, after them.
echo "== swift test (the Redis fault run, alone)"
swift test --skip-build --filter RedisFaultRunTests
# The README's library example runs as a user runs it, with the library's default 10 s handshake
# timeout and chain verification on the Swift concurrency pool; among the interop tests, whose
# socket drivers block pool threads while they wait for their peers, it can miss that timeout.
# It runs on its own, after them.
echo "== swift test (the README library example, alone)"
swift test --skip-build --filter ReadmeLibraryExampleTests

# --- the session cache under many threads, with ThreadSanitizer (own build folder) ---
echo "== swift test --sanitize=thread (session cache stress, concurrent resumptions from one session)"
swift test --sanitize=thread --scratch-path .build-tsan --filter "SessionCacheStressTests|concurrentResumptionsFromOneSession"

# --- fuzz targets, briefly (scripts/fuzz.sh builds them with -sanitize=fuzzer,address) ---
if [ -x scripts/fuzz.sh ]; then
    echo "== fuzz (${FUZZ_SECONDS:-30}s per target)"
    scripts/fuzz.sh "${FUZZ_SECONDS:-30}"
fi
# --- the DocC documentation builds without a warning (issue 15) ---
echo "== docs"
bash scripts/docs.sh > .build/docs-run.log 2>&1 || { tail -40 .build/docs-run.log; exit 1; }
tail -2 .build/docs-run.log

echo "== all tests passed"
