#!/usr/bin/env bash
# Untrusted files (issue 10 §1): peak RSS above idle and wall time of `vanguard import
# members` while each hostile file is refused, and while 20,000 rows import.
#
#   bench/files.sh          build (release), make a demo district, write the files, measure
#   BENCH_PROFILE=debug bench/files.sh   use target/debug/vanguard as it is (no build)
#
# Idle is the same command on a one-row CSV (opening the database, the key, the rules):
# "above idle" = peak RSS (VmHWM, from /usr/bin/time) of the run − that of the idle run.
# Targets: each hostile file < 100 MB above idle and < 1 s; 20k rows < 150 MB above idle.
# Nothing asserts; the table is printed and written to bench-data/files/summary.txt.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT="$ROOT/bench-data/files"
DATA="$OUT/data"
PROFILE=${BENCH_PROFILE:-release}
BIN="$ROOT/target/$PROFILE/vanguard"
log() { printf '\n== %s\n' "$*" >&2; }

[ -x /usr/bin/time ] || { apt-get install -y time >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y time >/dev/null; }; }
if [ "$PROFILE" = release ]; then
    log "building (cargo build --release -p vanguard)"
    (cd "$ROOT" && cargo build --release -p vanguard) >&2
fi

# A fresh demo district each run (the 20k rows import into it); the files are written
# once (BENCH_FILES_FRESH=1 writes them again).
rm -rf "$DATA" && mkdir -p "$OUT"
log "demo district"
"$BIN" demo --scale district --data-dir "$DATA" >/dev/null 2>&1
if [ ! -f "$OUT/in/roster-20k.xlsx" ] || [ "${BENCH_FILES_FRESH:-0}" = 1 ]; then
    log "writing files"
    python3 "$ROOT/bench/files_gen.py" "$OUT/in" "$DATA/vanguard.sqlite3" >&2
fi

# run FILE [ARGS…] → "seconds maxrss_kb exit"
run() {
    local f=$1; shift
    local t="$OUT/time.txt"
    set +e
    env -u RUST_BACKTRACE -u RUST_LIB_BACKTRACE /usr/bin/time -f '%e %M' -o "$t" "$BIN" import members "$f" --data-dir "$DATA" "$@" >"$OUT/last.out" 2>"$OUT/last.err"
    local rc=$?
    set -e
    echo "$(tail -1 "$t") $rc"
}

read -r _ IDLE _ < <(run "$OUT/in/tiny.csv" --dry-run)
SUMMARY="$OUT/summary.txt"
{
    printf '%-20s %10s %8s %12s %8s  %s\n' file size_KB time_s peak_MB above_idle_MB "answer"
    for f in dimension.xlsx shared-strings.xlsx many-rows.xlsx zip-bomb.xlsx bad.xls huge-line.csv; do
        read -r secs rss rc < <(run "$OUT/in/$f" --dry-run)
        msg=$(grep -v '^\s*$' "$OUT/last.err" | tail -1 | cut -c1-90)
        printf '%-20s %10d %8.2f %12.1f %8.1f  %s\n' "$f" $(( $(stat -c %s "$OUT/in/$f") / 1024 )) "$secs" \
            "$(echo "$rss / 1024" | bc -l)" "$(echo "($rss - $IDLE) / 1024" | bc -l)" "exit $rc: $msg"
    done
    read -r secs rss rc < <(run "$OUT/in/roster-20k.xlsx")
    printf '%-20s %10d %8.2f %12.1f %8.1f  %s\n' roster-20k.xlsx $(( $(stat -c %s "$OUT/in/roster-20k.xlsx") / 1024 )) "$secs" \
        "$(echo "$rss / 1024" | bc -l)" "$(echo "($rss - $IDLE) / 1024" | bc -l)" "exit $rc: $(grep 导入完成 "$OUT/last.out" | cut -c1-80)"
    printf 'idle (one-row CSV, dry run): %.1f MB; binary: %s\n' "$(echo "$IDLE / 1024" | bc -l)" "$PROFILE"
} | tee "$SUMMARY"
