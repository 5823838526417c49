#!/usr/bin/env bash
# Builds the libFuzzer targets (Fuzz/) with -sanitize=fuzzer,address and runs each one for a
# while on a copy of its seed corpus (Fuzz/corpus/<target>, from the RFC 8448 traces).
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]
#
# SECONDS per target, default 30; TARGETs default to all three (FuzzRecordLayer,
# FuzzHandshakeMessages, FuzzExtensions). Prints each target's executions and exits non-zero
# if any target failed (crash, property violation, leak, timeout, OOM: libFuzzer's exit code);
# the failing input is kept in fuzz-out/<target>/ (git-ignored) and its path printed.
#
# Environment:
#   FUZZ_MAX_LEN     -max_len (default 20000)
#   FUZZ_WORK_DIR    where corpora and logs go (default: a new temp dir, removed when all pass)
#   FUZZ_NO_BUILD=1  skip the build (reuse .build-fuzz)
#   FUZZ_ARGS        extra libFuzzer flags, e.g. "-jobs=2" or "-runs=1000000"
#
# Build notes: the scratch path is .build-fuzz (git-ignored, kept between runs: the first build
# compiles swift-crypto and swift-certificates with sanitizers and takes several minutes).
# The link uses lld (-use-ld=lld, shipped with the toolchain as ld.lld): the default ld.gold
# crashes linking the sanitized objects ("internal error in format_file_lineno, at
# ../../gold/dwarf_reader.cc", after "Cannot export local symbol '__asan_extra_spill_area'").
# SwiftPM links an executable with main aliased to <target>_main; each target defines that
# symbol (@_cdecl) under -DFUZZING and calls LLVMFuzzerRunDriver.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
DURATION=${1:-30}
shift || true
ALL_TARGETS=(FuzzRecordLayer FuzzHandshakeMessages FuzzExtensions FuzzSessionDecoder FuzzTLS12Messages)
if [ $# -gt 0 ]; then TARGETS=("$@"); else TARGETS=("${ALL_TARGETS[@]}"); fi
for t in "${TARGETS[@]}"; do
    case " ${ALL_TARGETS[*]} " in *" $t "*) ;; *) echo "unknown target $t (known: ${ALL_TARGETS[*]})" >&2; exit 2 ;; esac
done
case $DURATION in ''|*[!0-9]*) echo "usage: $0 [SECONDS] [TARGET...]" >&2; exit 2 ;; esac

BUILD_FLAGS=(
    -c release --scratch-path "$ROOT/.build-fuzz"
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING
    -Xswiftc -use-ld=lld
)

if [ "${FUZZ_NO_BUILD:-0}" != 1 ]; then
    for t in "${TARGETS[@]}"; do
        echo "== building $t"
        swift build "${BUILD_FLAGS[@]}" --product "$t"
    done
fi
BIN=$(swift build "${BUILD_FLAGS[@]}" --show-bin-path)

WORK=${FUZZ_WORK_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/rtls-fuzz.XXXXXX")}
mkdir -p "$WORK"
export SWIFT_BACKTRACE=enable=no
export ASAN_OPTIONS=${ASAN_OPTIONS:-}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
# swift-certificates' process-wide system trust roots are not a leak (Fuzz/lsan-suppressions.txt).
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$ROOT/Fuzz/lsan-suppressions.txt}

status=0
summary=()
for t in "${TARGETS[@]}"; do
    dir=$WORK/$t
    rm -rf "$dir"
    mkdir -p "$dir/corpus" "$dir/artifacts"
    cp "$ROOT/Fuzz/corpus/$t/"* "$dir/corpus/"
    echo "== running $t for ${DURATION}s (corpus and log in $dir)"
    set +e
    # shellcheck disable=SC2086
    "$BIN/$t" "$dir/corpus" \
        -max_total_time="$DURATION" -rss_limit_mb=2048 -max_len="${FUZZ_MAX_LEN:-20000}" \
        -timeout=10 -print_final_stats=1 -artifact_prefix="$dir/artifacts/" ${FUZZ_ARGS:-} \
        >"$dir/log" 2>&1
    rc=$?
    set -e
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/log" | tail -1)
    [ -n "$runs" ] || runs=$(grep -o '^#[0-9]*' "$dir/log" | tail -1 | tr -d '#')
    secs=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$dir/log" | tail -1)
    if [ $rc -eq 0 ]; then
        summary+=("$t: ok, ${runs:-?} executions in ${secs:-$DURATION}s")
    else
        status=1
        mkdir -p "$ROOT/fuzz-out/$t"
        kept=()
        for a in "$dir/artifacts/"*; do
            [ -e "$a" ] || continue
            cp "$a" "$ROOT/fuzz-out/$t/"
            kept+=("fuzz-out/$t/$(basename "$a")")
        done
        cp "$dir/log" "$ROOT/fuzz-out/$t/log"
        summary+=("$t: FAILED (libFuzzer exit $rc) after ${runs:-?} executions; input: ${kept[*]:-none}; log: fuzz-out/$t/log")
        grep -E -m 20 'ERROR|Fatal error|fatalError|SUMMARY|==[0-9]+==|Test unit written' "$dir/log" >&2 || true
    fi
done

echo "== summary"
printf '%s\n' "${summary[@]}"
if [ $status -eq 0 ] && [ -z "${FUZZ_WORK_DIR:-}" ]; then
    rm -rf "$WORK"
else
    echo "work dir kept: $WORK"
fi
exit $status
