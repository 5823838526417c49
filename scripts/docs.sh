#!/usr/bin/env bash
# Builds the DocC documentation of ResumableTLS, NIOResumableTLS and ResumableTLSRedis with swift-docc-plugin and
# fails if DocC, or the build it needs, prints any warning. Works on a fresh clone (the first
# run resolves the packages and builds the targets).
#
# Usage: scripts/docs.sh
# Output: .build/plugins/Swift-DocC/outputs/{ResumableTLS,NIOResumableTLS}.doccarchive
#         and the full log in .build/docs.log
set -euo pipefail
cd "$(dirname "$0")/.."

log=.build/docs.log
mkdir -p .build
start=$(date +%s)

status=0
swift package --disable-sandbox generate-documentation \
    --target ResumableTLS --target NIOResumableTLS --target ResumableTLSRedis 2>&1 | tee "$log" || status=$?

elapsed=$(( $(date +%s) - start ))
warnings=$(grep -c 'warning:' "$log" || true)
echo "== docs: ${elapsed}s, ${warnings} warning(s), log in $log"

if [ "$status" -ne 0 ]; then
    echo "== docs: generate-documentation failed (exit $status)" >&2
    exit "$status"
fi
if [ "$warnings" -ne 0 ]; then
    echo "== docs: warnings found:" >&2
    grep 'warning:' "$log" >&2
    exit 1
fi
echo "== docs: no warnings"
