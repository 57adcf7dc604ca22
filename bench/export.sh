#!/usr/bin/env bash
# The roster export at scale (issue 10 §1: exports stream with bounded memory): the server's
# idle RSS, then GET /api/v1/members/export.xlsx of the whole roster as 组织部管理员
# (masked, then with full numbers), each with its time to the first byte (the server
# reading the members and writing the workbook), total time, size, rows, and the
# server's peak RSS (VmHWM) after it.
#
#   bench/export.sh                 city (500,000 members): bench-data/city, generated if missing
#   bench/export.sh --scale district   the demo district (20,000 members): bench-data/district
#   bench/export.sh --no-build      use target/release/vanguard as it is
#
# Prints a summary and writes it to bench-data/export-<scale>.txt. Never fails on a missed
# target; exits non-zero only when a step cannot run. Targets 127.0.0.1 only.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT="$ROOT/bench-data"
BIN="$ROOT/target/release/vanguard"
PORT=${BENCH_PORT:-28080}
SCALE=city
BUILD=1
while [ $# -gt 0 ]; do
    case "$1" in
        --scale) SCALE=${2:-}; shift 2 ;;
        --no-build) BUILD=0; shift ;;
        -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
        *) echo "unknown option: $1" >&2; exit 2 ;;
    esac
done
case "$SCALE" in city|district) ;; *) echo "--scale is city or district" >&2; exit 2 ;; esac
DATA="$OUT/$SCALE"

log() { printf '\n== %s\n' "$*" >&2; }
die() { echo "bench: $*" >&2; exit 1; }
command -v curl >/dev/null || die "curl missing: apt-get install -y curl"
command -v python3 >/dev/null || die "python3 missing"

mkdir -p "$OUT"
if [ "$BUILD" = 1 ]; then
    log "building (cargo build --release -p vanguard)"
    (cd "$ROOT" && cargo build --release -p vanguard) >&2
fi
[ -x "$BIN" ] || die "no $BIN: run without --no-build"

if [ ! -s "$DATA/vanguard.sqlite3" ] || [ ! -s "$DATA/vanguard.key" ]; then
    log "generating the demo $SCALE in $DATA"
    rm -rf "$DATA"
    "$BIN" demo --scale "$SCALE" --data-dir "$DATA" 2>"$OUT/export-demo.log" ||
        { cat "$OUT/export-demo.log" >&2; die "demo generation failed"; }
fi

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for p in $(seq "$PORT" $((PORT + 49))); do port_free "$p" && { PORT=$p; break; }; done
port_free "$PORT" || die "no free port near $PORT (set BENCH_PORT)"

SERVE_PID=""
cleanup() { [ -n "$SERVE_PID" ] && kill -INT "$SERVE_PID" 2>/dev/null || true; }
trap cleanup EXIT

log "vanguard serve on 127.0.0.1:$PORT"
"$BIN" serve --data-dir "$DATA" --addr "127.0.0.1:$PORT" --daily-check off 2>"$OUT/export-serve.log" &
SERVE_PID=$!
end=$((SECONDS + 60))
until curl -fs -o /dev/null --max-time 2 "http://127.0.0.1:$PORT/healthz"; do
    [ $SECONDS -lt $end ] || { cat "$OUT/export-serve.log" >&2; die "server did not start"; }
    sleep 0.3
done

LOGIN=$(curl -fs --max-time 10 -H 'Content-Type: application/json' \
    -d '{"login":"orgadmin","password":"Demo@2026"}' "http://127.0.0.1:$PORT/api/v1/auth/login") ||
    die "login as orgadmin failed"
TOKEN=$(echo "$LOGIN" | grep -o '"token":"[0-9a-f]*"' | cut -d'"' -f4)
[ -n "$TOKEN" ] || die "no token in the login response"
AUTH="Authorization: Bearer $TOKEN"

kb() { awk -v k="$1:" '$1==k{print $2}' "/proc/$SERVE_PID/status"; }
mb() { awk -v v="$1" 'BEGIN{printf "%.0f", v/1024}'; }
# Idle: after the first roster page (caches and pools warm, no export yet).
curl -fs --max-time 60 -o /dev/null -H "$AUTH" "http://127.0.0.1:$PORT/api/v1/members?limit=20" || die "GET /api/v1/members failed"
TOTAL=$(curl -fs --max-time 60 -H "$AUTH" "http://127.0.0.1:$PORT/api/v1/members?limit=1" | grep -o '"total":[0-9]*' | cut -d: -f2)
sleep 1
IDLE_RSS=$(kb VmRSS) IDLE_HWM=$(kb VmHWM)

# Rows of the first sheet, counted while streaming the zip (the file is not loaded whole).
rows() {
    python3 - "$1" <<'PY'
import sys, zipfile
n, tail = 0, b""
with zipfile.ZipFile(sys.argv[1]) as z, z.open("xl/worksheets/sheet1.xml") as f:
    while True:
        chunk = f.read(1 << 20)
        if not chunk:
            break
        buf = tail + chunk
        n += buf.count(b"<row ")
        tail = buf[-4:]
print(n - 1)  # less the heading row
PY
}

RESULTS=()
for reveal in false true; do
    log "GET /api/v1/members/export.xlsx?reveal=$reveal ($TOTAL members)"
    FILE="$OUT/export-$SCALE-$reveal.xlsx"
    W=$(curl -sS --max-time 1800 -o "$FILE" -w '%{http_code} %{time_starttransfer} %{time_total} %{size_download}' \
        -H "$AUTH" "http://127.0.0.1:$PORT/api/v1/members/export.xlsx?reveal=$reveal") || die "export failed"
    read -r CODE TTFB TOTAL_S SIZE <<<"$W"
    [ "$CODE" = 200 ] || { head -c 500 "$FILE" >&2; die "export answered $CODE"; }
    N=$(rows "$FILE")
    HWM=$(kb VmHWM) RSS=$(kb VmRSS)
    RESULTS+=("$reveal $TTFB $TOTAL_S $SIZE $N $HWM $RSS")
    rm -f "$FILE"
done
LEFT=$(find "$DATA/tmp" -type f 2>/dev/null | wc -l)

{
    echo "Roster export at $SCALE scale — $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPU, $TOTAL members, orgadmin (whole roster)"
    printf '%-26s | %-10s | %-10s | %-9s | %-9s | %-22s | %-20s | %s\n' \
        "export" "first byte" "total" "size" "rows" "server peak RSS" "peak above idle" "target"
    printf -- '-%.0s' $(seq 1 130); echo
    printf '%-26s | %-10s | %-10s | %-9s | %-9s | %-22s | %-20s | %s\n' \
        "(idle, after one page)" "-" "-" "-" "-" "$(mb "$IDLE_RSS") MB (HWM $(mb "$IDLE_HWM"))" "-" "-"
    for r in "${RESULTS[@]}"; do
        read -r reveal ttfb total size n hwm rss <<<"$r"
        what="masked"; [ "$reveal" = true ] && what="full numbers (reveal)"
        printf '%-26s | %-10s | %-10s | %-9s | %-9s | %-22s | %-20s | %s\n' \
            "$what" "${ttfb} s" "${total} s" "$(awk -v s="$size" 'BEGIN{printf "%.1f MB", s/1048576}')" "$n" \
            "$(mb "$hwm") MB" "$(mb $((hwm - IDLE_RSS))) MB" "bounded: < 100 MB above idle"
    done
    echo "Files left in $SCALE/tmp after the exports: $LEFT (expected 0: spooled files are unlinked)"
} | tee "$OUT/export-$SCALE.txt"
