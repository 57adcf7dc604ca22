#!/usr/bin/env bash
# Vanguard benchmarks at city scale (see bench/README.md and the spec's performance.md).
#
#   bench/run.sh            generate a fresh city (timed), then run every benchmark
#   bench/run.sh --reuse    reuse bench-data/city when it holds a generated city
#   bench/run.sh --fresh    the default, spelled out
#   bench/run.sh --no-build use target/release/vanguard as it is
#
# Prints a summary table (figure, ceiling measured in the same run, ratio, target) and
# writes it to bench-data/summary.txt. Benchmarks never fail on a missed target; the
# script exits non-zero only when a step cannot run. Everything targets 127.0.0.1 and
# every wait and load is bounded in time.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT="$ROOT/bench-data"
CITY="$OUT/city"
BIN="$ROOT/target/release/vanguard"
PORT=${BENCH_PORT:-28080}
HELLO_PORT=${BENCH_HELLO_PORT:-28091}
WRK_SECONDS=${BENCH_WRK_SECONDS:-10}
DISTRICT=${BENCH_DISTRICT:-江北区}
FRESH=1
BUILD=1
for a in "$@"; do
    case "$a" in
        --fresh) FRESH=1 ;;
        --reuse) FRESH=0 ;;
        --no-build) BUILD=0 ;;
        -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
        *) echo "unknown option: $a" >&2; exit 2 ;;
    esac
done

log() { printf '\n== %s\n' "$*" >&2; }
die() { echo "bench: $*" >&2; exit 1; }

# ---------------------------------------------------------------- tools
need_pkg() { # command package
    command -v "$1" >/dev/null 2>&1 && return 0
    [ "$(id -u)" = 0 ] || die "$1 missing: apt-get install -y $2"
    log "installing $2"
    apt-get install -y "$2" >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y "$2" >/dev/null; }
}
need_pkg wrk wrk
need_pkg curl curl
[ -x /usr/bin/time ] || need_pkg /usr/bin/time time

mkdir -p "$OUT"
if [ "$BUILD" = 1 ]; then
    log "building (cargo build --release -p vanguard)"
    (cd "$ROOT" && cargo build --release -p vanguard) >&2
fi
[ -x "$BIN" ] || die "no $BIN: run without --no-build"

# ---------------------------------------------------------------- cleanup
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill -INT "$p" 2>/dev/null || true; done
}
trap cleanup EXIT

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
first_free_port() { # from; tries 50 ports
    local p
    for p in $(seq "$1" $(($1 + 49))); do port_free "$p" && { echo "$p"; return 0; }; done
    return 1
}
wait_http() { # url seconds
    local end=$((SECONDS + $2))
    while [ $SECONDS -lt $end ]; do
        curl -fs -o /dev/null --max-time 2 "$1" && return 0
        sleep 0.3
    done
    return 1
}
# ms value of a wrk duration ("812.00us", "3.41ms", "1.02s", "2.00m")
to_ms() { awk -v v="$1" 'BEGIN{ n=v+0; if (v ~ /us$/) n/=1000; else if (v ~ /ms$/) n=n; else if (v ~ /m$/) n*=60000; else if (v ~ /s$/) n*=1000; printf "%.2f", n }'; }
wrk_rps() { awk '/^Requests\/sec:/{print $2}' "$1"; }
wrk_p99() { to_ms "$(awk '$1=="99%"{print $2}' "$1")"; }
wrk_errors() { # non-2xx + socket errors
    awk '/Non-2xx or 3xx responses:/{n+=$NF} /Socket errors:/{gsub(/,/,""); n+=$4+$6+$8+$10} END{print n+0}' "$1"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (b+0 == 0) print "n/a"; else printf "%.2f", a/b }'; }
met() { # expression using x
    awk -v x="$1" "BEGIN{ print (($2) ? \"yes\" : \"NO\") }"
}

# ---------------------------------------------------------------- 1. city generation
GEN_S="" GEN_RSS_MB="" GEN_NOTE=""
if [ "$FRESH" = 0 ] && [ -s "$CITY/vanguard.sqlite3" ] && [ -s "$CITY/vanguard.key" ]; then
    log "1. reusing $CITY (generation not timed; run without --reuse to time it)"
    GEN_NOTE="reused"
else
    log "1. vanguard demo --scale city (fresh $CITY)"
    rm -rf "$CITY"
    t0=$(date +%s.%N)
    /usr/bin/time -v -o "$OUT/demo.time" "$BIN" demo --scale city --data-dir "$CITY" 2>"$OUT/demo.log" ||
        { cat "$OUT/demo.log" >&2; die "demo generation failed"; }
    t1=$(date +%s.%N)
    GEN_S=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.1f", b-a}')
    GEN_RSS_MB=$(awk -F: '/Maximum resident set size/{printf "%.0f", $2/1024}' "$OUT/demo.time")
    grep -m1 '已生成' "$OUT/demo.log" >&2 || true
    echo "generation: ${GEN_S} s, peak RSS ${GEN_RSS_MB} MB" >&2
fi
DB_MB=$(du -cm "$CITY"/vanguard.sqlite3* | awk 'END{print $1}')

# ---------------------------------------------------------------- 2. roster, in process
log "2. district roster: Scoped::list_members vs bare subtree COUNT(*)"
"$BIN" bench roster --data-dir "$CITY" --district "$DISTRICT" --seconds 15 | tee "$OUT/roster.txt" >&2
R=$(grep '^RESULT ' "$OUT/roster.txt") || die "roster benchmark printed no result"
rv() { echo "$R" | tr ' ' '\n' | awk -F= -v k="$1" '$1==k{print $2}'; }
ROSTER_P50=$(rv roster_p50_ms) ROSTER_P95=$(rv roster_p95_ms) ROSTER_P99=$(rv roster_p99_ms)
COUNT_P50=$(rv ceiling_p50_ms) ROSTER_RATIO=$(rv ratio)

# ---------------------------------------------------------------- 3a. hello-world ceiling
HELLO_PORT=$(first_free_port "$HELLO_PORT") || die "no free port near $HELLO_PORT (set BENCH_HELLO_PORT)"
PORT=$(first_free_port "$PORT") || die "no free port near $PORT (set BENCH_PORT)"
log "3a. axum hello-world on 127.0.0.1:$HELLO_PORT"
"$BIN" bench hello --addr "127.0.0.1:$HELLO_PORT" 2>"$OUT/hello.log" &
HELLO_PID=$!
PIDS+=("$HELLO_PID")
wait_http "http://127.0.0.1:$HELLO_PORT/" 20 || die "hello-world did not start"
wrk -t1 -c64 -d2s "http://127.0.0.1:$HELLO_PORT/" >/dev/null # warm-up
wrk -t1 -c64 -d"${WRK_SECONDS}s" --latency "http://127.0.0.1:$HELLO_PORT/" | tee "$OUT/wrk-hello.txt" >&2
kill -INT "$HELLO_PID"; wait "$HELLO_PID" 2>/dev/null || true
HELLO_RPS=$(wrk_rps "$OUT/wrk-hello.txt") HELLO_P99=$(wrk_p99 "$OUT/wrk-hello.txt")

# ---------------------------------------------------------------- 3b. the API
log "3b. vanguard serve on 127.0.0.1:$PORT (under /usr/bin/time -v)"
/usr/bin/time -v -o "$OUT/serve.time" "$BIN" serve --data-dir "$CITY" --addr "127.0.0.1:$PORT" --daily-check off 2>"$OUT/serve.log" &
TIME_PID=$!
PIDS+=("$TIME_PID")
SERVE_PID=""
for _ in $(seq 1 50); do
    SERVE_PID=$(cat "/proc/$TIME_PID/task/$TIME_PID/children" 2>/dev/null | awk '{print $1}')
    [ -n "$SERVE_PID" ] || SERVE_PID=$(pgrep -P "$TIME_PID" 2>/dev/null | head -1)
    [ -n "$SERVE_PID" ] && break
    sleep 0.1
done
[ -n "$SERVE_PID" ] || die "server process not found"
PIDS+=("$SERVE_PID")
wait_http "http://127.0.0.1:$PORT/healthz" 60 || { cat "$OUT/serve.log" >&2; die "server did not start"; }

LOGIN=$(curl -fs --max-time 10 -H 'Content-Type: application/json' \
    -d '{"login":"orgadmin","password":"Demo@2026"}' "http://127.0.0.1:$PORT/api/v1/auth/login") ||
    die "login as orgadmin failed"
TOKEN=$(echo "$LOGIN" | grep -o '"token":"[0-9a-f]*"' | cut -d'"' -f4)
[ -n "$TOKEN" ] || die "no token in the login response"
AUTH="Authorization: Bearer $TOKEN"
IDS=$(curl -fs --max-time 30 -H "$AUTH" "http://127.0.0.1:$PORT/api/v1/members?per_page=100" |
    grep -o '{"id":[0-9]*' | cut -d: -f2 | sed 's/.*/"&"/' | paste -sd, -)
[ -n "$IDS" ] || die "no member ids from GET /api/v1/members"
echo "member ids: $(echo "$IDS" | tr ',' '\n' | wc -l)" >&2
FIRST_ID=$(echo "$IDS" | cut -d, -f1 | tr -d '"')
curl -fs --max-time 10 -o /dev/null -H "$AUTH" "http://127.0.0.1:$PORT/api/v1/members/$FIRST_ID" || die "GET /api/v1/members/{id} failed"

cat >"$OUT/member.lua" <<EOF
-- ids as strings: LuaJIT numbers would print 15-digit ids as 3.7578604584166e+14
local ids = { $IDS }
local i = 0
request = function()
    i = i % #ids + 1
    return wrk.format("GET", "/api/v1/members/" .. ids[i])
end
EOF
# The whole city's roster as orgadmin: the first page, the next 49 reached by following
# `next` cursors, and jumps to deep pages by number (through the branch counters).
python3 - "$PORT" "$TOKEN" >"$OUT/roster-urls.txt" <<'PY'
import json, sys, urllib.request
port, token = sys.argv[1], sys.argv[2]
def get(path):
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers={"Authorization": f"Bearer {token}"})
    return json.load(urllib.request.urlopen(req, timeout=30))
urls, path = [], "/api/v1/members?limit=20"
for _ in range(50):
    urls.append(path)
    nxt = get(path).get("next")
    if not nxt:
        break
    path = "/api/v1/members?limit=20&cursor=" + nxt
for page in (100, 1000, 5000, 10000, 20000, 24000):
    urls.append(f"/api/v1/members?limit=20&page={page}")
print("\n".join(urls))
PY
[ -s "$OUT/roster-urls.txt" ] || die "could not walk the roster's pages"
{
    echo "local urls = {"
    sed 's/.*/  "&",/' "$OUT/roster-urls.txt"
    echo "}"
    echo 'local i = 0'
    echo 'request = function() i = i % #urls + 1; return wrk.format("GET", urls[i]) end'
} >"$OUT/roster.lua"

log "3b. wrk GET /api/v1/members/{id} (100 ids rotating)"
wrk -t1 -c64 -d2s -H "$AUTH" -s "$OUT/member.lua" "http://127.0.0.1:$PORT" >/dev/null # warm-up
wrk -t1 -c64 -d"${WRK_SECONDS}s" --latency -H "$AUTH" -s "$OUT/member.lua" "http://127.0.0.1:$PORT" | tee "$OUT/wrk-member.txt" >&2
MEMBER_RPS=$(wrk_rps "$OUT/wrk-member.txt") MEMBER_P99=$(wrk_p99 "$OUT/wrk-member.txt")
MEMBER_ERR=$(wrk_errors "$OUT/wrk-member.txt")

# ---------------------------------------------------------------- 4. roster load, peak RSS
log "4. wrk GET /api/v1/members (whole city, orgadmin): 50 pages by cursor and 6 deep jumps"
wrk -t1 -c64 -d2s -H "$AUTH" -s "$OUT/roster.lua" "http://127.0.0.1:$PORT" >/dev/null # warm-up
wrk -t1 -c64 -d"${WRK_SECONDS}s" --timeout 10s --latency -H "$AUTH" -s "$OUT/roster.lua" "http://127.0.0.1:$PORT" | tee "$OUT/wrk-roster.txt" >&2
ROSTER_RPS=$(wrk_rps "$OUT/wrk-roster.txt") ROSTER_HTTP_P99=$(wrk_p99 "$OUT/wrk-roster.txt")
ROSTER_ERR=$(wrk_errors "$OUT/wrk-roster.txt")
HWM_MB=$(awk '/^VmHWM:/{printf "%.0f", $2/1024}' "/proc/$SERVE_PID/status")
kill -INT "$SERVE_PID"
for _ in $(seq 1 100); do kill -0 "$TIME_PID" 2>/dev/null || break; sleep 0.1; done
wait "$TIME_PID" 2>/dev/null || true
SERVE_RSS_MB=$(awk -F: '/Maximum resident set size/{printf "%.0f", $2/1024}' "$OUT/serve.time" 2>/dev/null)
SERVE_RSS_MB=${SERVE_RSS_MB:-$HWM_MB}

# ---------------------------------------------------------------- 3c. one-read ceiling
log "3c. axum + one indexed SQLite read (vanguard bench one-read), same ids"
ONE_PORT=$(first_free_port $((HELLO_PORT + 1))) || die "no free port near $((HELLO_PORT + 1))"
"$BIN" bench one-read --data-dir "$CITY" --addr "127.0.0.1:$ONE_PORT" 2>"$OUT/one-read.log" &
ONE_PID=$!
PIDS+=("$ONE_PID")
wait_http "http://127.0.0.1:$ONE_PORT/m/$FIRST_ID" 60 || { cat "$OUT/one-read.log" >&2; die "one-read server did not start"; }
sed 's#/api/v1/members/#/m/#' "$OUT/member.lua" >"$OUT/one-read.lua"
wrk -t1 -c64 -d2s -s "$OUT/one-read.lua" "http://127.0.0.1:$ONE_PORT" >/dev/null # warm-up
wrk -t1 -c64 -d"${WRK_SECONDS}s" --latency -s "$OUT/one-read.lua" "http://127.0.0.1:$ONE_PORT" | tee "$OUT/wrk-one-read.txt" >&2
kill -INT "$ONE_PID"; wait "$ONE_PID" 2>/dev/null || true
ONE_RPS=$(wrk_rps "$OUT/wrk-one-read.txt") ONE_P99=$(wrk_p99 "$OUT/wrk-one-read.txt")
ONE_ERR=$(wrk_errors "$OUT/wrk-one-read.txt")

# ---------------------------------------------------------------- summary
MEMBER_RATIO=$(ratio "$MEMBER_RPS" "$HELLO_RPS")
MEMBER_ONE_RATIO=$(ratio "$MEMBER_RPS" "$ONE_RPS")
ONE_RATIO=$(ratio "$ONE_RPS" "$HELLO_RPS")
ROSTER_HTTP_RATIO=$(ratio "$ROSTER_RPS" "$ONE_RPS")
{
    echo "Vanguard benchmarks — $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPU, city DB ${DB_MB} MB"
    printf '%-44s | %-22s | %-26s | %-7s | %-18s | %s\n' "what" "figure" "ceiling (same run)" "ratio" "target" "met?"
    printf -- '-%.0s' $(seq 1 140); echo
    if [ -n "$GEN_S" ]; then
        printf '%-44s | %-22s | %-26s | %-7s | %-18s | %s\n' "1. demo --scale city (SQLite), wall time" "${GEN_S} s" "-" "-" "< 60 s" "$(met "$GEN_S" 'x < 60')"
        printf '%-44s | %-22s | %-26s | %-7s | %-18s | %s\n' "1. demo --scale city, peak RSS" "${GEN_RSS_MB} MB" "-" "-" "(report)" "-"
    else
        printf '%-44s | %-22s | %-26s | %-7s | %-18s | %s\n' "1. demo --scale city (SQLite)" "$GEN_NOTE" "-" "-" "< 60 s" "not timed"
    fi
    printf '%-44s | %-22s | %-26s | %-7s | %-18s | %s\n' "2. district list_members p50 (in-process)" "${ROSTER_P50} ms" "COUNT(*) subtree ${COUNT_P50} ms" "$ROSTER_RATIO" "p50 < 5 ms" "$(met "$ROSTER_P50" 'x < 5')"
    printf '%-44s | %-22s | %-26s | %-7s | %-18s | %s\n' "2. district list_members p95 / p99" "${ROSTER_P95} / ${ROSTER_P99} ms" "" "" "(report)" "-"
    printf '%-44s | %-22s | %-26s | %-7s | %-18s | %s\n' "3. GET /api/v1/members/{id}, wrk -t1 -c64" "${MEMBER_RPS} req/s" "hello ${HELLO_RPS} req/s" "$MEMBER_RATIO" ">= 0.3 x hello" "$(met "$MEMBER_RATIO" 'x >= 0.3')"
    printf '%-44s | %-22s | %-26s | %-7s | %-18s | %s\n' "3. GET /api/v1/members/{id} p99" "${MEMBER_P99} ms" "hello p99 ${HELLO_P99} ms" "" "(report)" "-"
    printf '%-44s | %-22s | %-26s | %-7s | %-18s | %s\n' "3. same vs one-read ceiling (spec's target)" "${MEMBER_RPS} req/s" "one-read ${ONE_RPS} req/s" "$MEMBER_ONE_RATIO" ">= 0.3 x one-read" "$(met "$MEMBER_ONE_RATIO" 'x >= 0.3')"
    printf '%-44s | %-22s | %-26s | %-7s | %-18s | %s\n' "3. (ceiling) axum + 1 indexed SQLite read" "${ONE_RPS} req/s, p99 ${ONE_P99} ms" "hello ${HELLO_RPS} req/s" "$ONE_RATIO" "(report)" "-"
    printf '%-44s | %-22s | %-26s | %-7s | %-18s | %s\n' "4. GET /api/v1/members (whole city, keyset)" "${ROSTER_RPS} req/s, p99 ${ROSTER_HTTP_P99} ms" "one-read ${ONE_RPS} req/s" "$ROSTER_HTTP_RATIO" ">= 0.1 x one-read" "$(met "$ROSTER_HTTP_RATIO" 'x >= 0.1')"
    printf '%-44s | %-22s | %-26s | %-7s | %-18s | %s\n' "4. server peak RSS at city scale" "${SERVE_RSS_MB} MB" "VmHWM ${HWM_MB} MB" "-" "< 300 MB" "$(met "$SERVE_RSS_MB" 'x < 300')"
    if [ "$MEMBER_ERR" != 0 ] || [ "$ROSTER_ERR" != 0 ] || [ "$ONE_ERR" != 0 ]; then
        echo "WARNING: errors under load — member: $MEMBER_ERR, roster: $ROSTER_ERR, one-read: $ONE_ERR (see bench-data/wrk-*.txt)"
    fi
    echo "Details: bench-data/{roster.txt,wrk-hello.txt,wrk-member.txt,wrk-roster.txt,wrk-one-read.txt,demo.time,serve.time}"
} | tee "$OUT/summary.txt"
