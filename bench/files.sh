#!/usr/bin/env bash
# Untrusted files (issue 10 §1): peak RSS above idle and wall time of `vanguard import
# members` while each hostile file is refused, and while 20,000 rows import.
#
#   bench/files.sh          build (release), make a demo district, write the files, measure
#   BENCH_PROFILE=debug bench/files.sh   use target/debug/vanguard as it is (no build)
#
# Idle is the same command on a one-row CSV (opening the database, the key, the rules):
# "above idle" = peak RSS (VmHWM, from /usr/bin/time) of the run − that of the idle run.
# Then the same files are uploaded to a running server (POST /api/v1/imports/members, then
# commit for the 20k rows): "above idle" = the server's VmHWM during the upload (the peak
# is reset before each through /proc/PID/clear_refs) − its VmRSS before it; last, every
# hostile file four times at once (before the 20k rows, whose heap the allocator keeps),
# to show that the room for uploads in flight and the parse semaphore bound the sum.
# Targets: each hostile file < 100 MB above idle and < 1 s; 20k rows < 150 MB above idle.
# Nothing asserts; the tables are printed and written to bench-data/files/summary.txt.
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

# ---------------------------------------------------------------- the server process
SERVE_DATA="$OUT/data-serve"
rm -rf "$SERVE_DATA"
log "server: a second demo district, served"
"$BIN" demo --scale district --data-dir "$SERVE_DATA" >/dev/null 2>&1
PORT=${BENCH_FILES_PORT:-28190}
while (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; do PORT=$((PORT + 1)); done
"$BIN" serve --data-dir "$SERVE_DATA" --addr "127.0.0.1:$PORT" --daily-check off >"$OUT/serve.log" 2>&1 &
SERVE_PID=$!
trap 'kill -INT $SERVE_PID 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do curl -fs -o /dev/null "http://127.0.0.1:$PORT/healthz" && break; sleep 0.2; done
TOKEN=$(curl -fs -H 'Content-Type: application/json' -d '{"login":"orgadmin","password":"Demo@2026"}' \
    "http://127.0.0.1:$PORT/api/v1/auth/login" | grep -o '"token":"[0-9a-f]*"' | cut -d'"' -f4)
[ -n "$TOKEN" ] || { echo "bench: login to the server failed" >&2; exit 1; }
kb() { awk -v k="$1:" '$1==k{print $2}' "/proc/$SERVE_PID/status"; }
# upload FILE → "seconds http_status added_kb alive peak_kb"
upload() {
    local f=$1 before secs code
    echo 5 >"/proc/$SERVE_PID/clear_refs"
    before=$(kb VmRSS)
    read -r code secs < <(curl -s -o "$OUT/last.json" -w '%{http_code} %{time_total}\n' --max-time 120 \
        -H "Authorization: Bearer $TOKEN" --data-binary @"$f" \
        "http://127.0.0.1:$PORT/api/v1/imports/members?filename=$(basename "$f")")
    local alive=yes
    curl -fs -o /dev/null --max-time 5 "http://127.0.0.1:$PORT/healthz" || alive=NO
    echo "$secs $code $(( $(kb VmHWM) - before )) $alive $(kb VmHWM)"
}
{
    echo
    SERVE_IDLE=$(kb VmRSS)
    printf 'server (pid %s, district): idle VmRSS %.1f MB; "added" = peak during the request − RSS before it,\n' "$SERVE_PID" "$(echo "$SERVE_IDLE / 1024" | bc -l)"
    printf '"peak" = the server'"'"'s VmHWM since the previous request (absolute; minus idle gives the figure above idle)\n'
    printf '%-20s %8s %6s %9s %9s %6s  %s\n' file time_s http added_MB peak_MB alive "answer"
    for f in dimension.xlsx shared-strings.xlsx many-rows.xlsx zip-bomb.xlsx bad.xls huge-line.csv; do
        read -r secs code above alive peak < <(upload "$OUT/in/$f")
        msg=$(grep -o '"message":"[^"]*"' "$OUT/last.json" | head -1 | cut -c1-80)
        printf '%-20s %8.2f %6s %9.1f %9.1f %6s  %s\n' "$f" "$secs" "$code" "$(echo "$above / 1024" | bc -l)" "$(echo "$peak / 1024" | bc -l)" "$alive" "$msg"
    done
    echo 5 >"/proc/$SERVE_PID/clear_refs"
    before=$(kb VmRSS)
    t0=$(date +%s.%N)
    for _ in 1 2 3 4; do
        for f in dimension.xlsx shared-strings.xlsx many-rows.xlsx zip-bomb.xlsx bad.xls huge-line.csv; do
            curl -s -o /dev/null --max-time 120 -H "Authorization: Bearer $TOKEN" --data-binary @"$OUT/in/$f" \
                "http://127.0.0.1:$PORT/api/v1/imports/members?filename=$f" &
        done
    done
    wait
    t1=$(date +%s.%N)
    alive=yes; curl -fs -o /dev/null --max-time 5 "http://127.0.0.1:$PORT/healthz" || alive=NO
    printf '%-20s %8.2f %6s %9.1f %9.1f %6s  %s\n' "24 at once" "$(echo "$t1 - $t0" | bc -l)" "-" \
        "$(echo "($(kb VmHWM) - $before) / 1024" | bc -l)" "$(echo "$(kb VmHWM) / 1024" | bc -l)" "$alive" "six hostile files, four uploads each, concurrently"
    read -r secs code above alive peak < <(upload "$OUT/in/roster-20k.xlsx")
    BATCH=$(grep -o '"batch_id":[0-9]*' "$OUT/last.json" | head -1 | cut -d: -f2)
    printf '%-20s %8.2f %6s %9.1f %9.1f %6s  %s\n' "20k rows: preview" "$secs" "$code" "$(echo "$above / 1024" | bc -l)" "$(echo "$peak / 1024" | bc -l)" "$alive" "batch ${BATCH:-?}"
    if [ -n "$BATCH" ]; then
        echo 5 >"/proc/$SERVE_PID/clear_refs"
        before=$(kb VmRSS)
        read -r code secs < <(curl -s -o "$OUT/last.json" -w '%{http_code} %{time_total}\n' --max-time 300 -X POST \
            -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT/api/v1/imports/$BATCH/commit")
        printf '%-20s %8.2f %6s %9.1f %9.1f %6s  %s\n' "20k rows: commit" "$secs" "$code" "$(echo "($(kb VmHWM) - $before) / 1024" | bc -l)" "$(echo "$(kb VmHWM) / 1024" | bc -l)" "-" \
            "$(grep -o '"created_total":[0-9]*' "$OUT/last.json" | head -1)"
    fi
} | tee -a "$SUMMARY"
