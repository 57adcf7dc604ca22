#!/usr/bin/env bash
# The workbench roster page for a 20,000-member district (issue 3): server time and page size.
#
#   bench/pages.sh     build release, generate the demo district, serve it, and time
#                      GET /members (filtered, paged) as 组织部管理员 of the whole district
#
# Prints p50/p95 of the request time on loopback (an upper bound of the server time) and the
# size of the rendered HTML, next to /healthz (the no-work ceiling) measured in the same run.
# Targets: p50 < 20 ms, page < 100 KB. Never fails on a missed target.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT="${BENCH_PAGES_PORT:-28600}"
DATA="bench-data/pages-district"
cargo build --release -p vanguard >/dev/null
rm -rf "$DATA"
target/release/vanguard demo --data-dir "$DATA" >/dev/null 2>&1
target/release/vanguard serve --data-dir "$DATA" --addr "127.0.0.1:$PORT" --login-burst 1000 --daily-check off >/dev/null 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 1 60); do curl -sf -o /dev/null "http://127.0.0.1:$PORT/healthz" && break; sleep 0.5; done
B="http://127.0.0.1:$PORT"
JAR="$(mktemp)"
curl -s -c "$JAR" -o /dev/null -d "login=orgadmin&password=Demo@2026" "$B/login"
stats() { sort -n | awk '{t[NR]=$1; if ($2>max) max=$2; if ($3!=200) bad++} END {printf "n=%d p50=%.2f ms p95=%.2f ms largest=%d bytes non-200=%d\n", NR, t[int((NR+1)/2)]*1000, t[int(NR*0.95)]*1000, max, bad}'; }
for i in $(seq 1 40); do curl -s -o /dev/null -w "%{time_total} %{size_download} %{http_code}\n" "$B/healthz"; done | stats | sed 's/^/ceiling  GET \/healthz            /'
for f in "" "category=formal" "flow=out" "q=%E7%8E%8B" "category=probationary"; do
  for p in 1 2 3 5 8 13 21 34; do
    curl -s -b "$JAR" -o /dev/null -w "%{time_total} %{size_download} %{http_code}\n" "$B/members?$f&page=$p"
  done
done | stats | sed 's/^/roster   GET \/members?filter&page /'
echo "targets: p50 < 20 ms, page < 100 KB (htmx 17 KB gzipped and the stylesheet are cached after the first page)"
