#!/usr/bin/env bash
# 组织生活 benchmarks at city scale: the rules engine and the cockpit (see bench/README.md).
#
#   bench/orglife.sh            generate a fresh city with a year of organizational life (timed),
#                               then measure everything below
#   bench/orglife.sh --reuse    reuse bench-data/orglife-city when it holds a generated city
#
# Measured, each next to the ceiling measured in the same run (shared/spec/performance.md):
#   1. `vanguard demo --scale city --history` on SQLite: wall time, peak RSS; the history's load and
#      recompute seconds (and the district demo, which always includes its year)
#   2. full recompute of every finding and compliance row at city scale (cold: tables emptied first;
#      then again over unchanged facts)                                                target < 60 s
#   3. findings::refresh_after_meeting after saving one meeting (a 主题党日 with its whole branch
#      present, in the district; written, refreshed and rolled back), p50/p95 over N meetings
#                                                                          target < 5 ms; ceiling: one write tx
#   4. the cockpit of the city root and of one district (in process)   target p50 < 100 ms / < 20 ms;
#      ceilings: every org of the city from per-branch aggregates / the district's subtree filter
# Prints a summary and writes it to bench-data/orglife-summary.txt. Never fails on a missed target.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT="$ROOT/bench-data"
CITY="$OUT/orglife-city"
DISTRICT_DIR="$OUT/orglife-district"
BIN="$ROOT/target/release/vanguard"
DISTRICT=${BENCH_DISTRICT:-江北区}
MEETINGS=${BENCH_MEETINGS:-200}
REQUESTS=${BENCH_REQUESTS:-40}
FRESH=1
for a in "$@"; do
    case "$a" in
        --fresh) FRESH=1 ;;
        --reuse) FRESH=0 ;;
        -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
        *) echo "unknown option: $a" >&2; exit 2 ;;
    esac
done

log() { printf '\n== %s\n' "$*" >&2; }
die() { echo "bench: $*" >&2; exit 1; }
[ -x /usr/bin/time ] || { [ "$(id -u)" = 0 ] && apt-get install -y time >/dev/null 2>&1; } || die "/usr/bin/time missing: apt-get install -y time"

mkdir -p "$OUT"
log "building (cargo build --release -p vanguard)"
(cd "$ROOT" && cargo build --release -p vanguard) >&2

secs() { awk -F': ' '/Elapsed \(wall clock\)/{n=split($2,t,":"); s=0; for(i=1;i<=n;i++) s=s*60+t[i]; printf "%.1f", s}' "$1"; }
rss_mb() { awk -F': ' '/Maximum resident set size/{printf "%.0f", $2/1024}' "$1"; }

# ---------------------------------------------------------------- 1. generation
GEN_S="" GEN_RSS="" HIST_LINE="" DIST_S=""
if [ "$FRESH" = 0 ] && [ -s "$CITY/vanguard.sqlite3" ] && [ -s "$CITY/vanguard.key" ]; then
    log "reusing $CITY"
else
    rm -rf "$CITY" "$DISTRICT_DIR"
    mkdir -p "$CITY" "$DISTRICT_DIR"
    log "generating the district (its year of organizational life included)"
    /usr/bin/time -v "$BIN" demo --data-dir "$DISTRICT_DIR" --scale district 2>"$OUT/orglife-district.log" >/dev/null \
        || { tail -20 "$OUT/orglife-district.log" >&2; die "district generation failed"; }
    DIST_S=$(secs "$OUT/orglife-district.log")
    log "generating the city with --history (takes a few minutes)"
    /usr/bin/time -v "$BIN" demo --data-dir "$CITY" --scale city --history 2>"$OUT/orglife-gen.log" >/dev/null \
        || { tail -20 "$OUT/orglife-gen.log" >&2; die "city generation failed"; }
    GEN_S=$(secs "$OUT/orglife-gen.log")
    GEN_RSS=$(rss_mb "$OUT/orglife-gen.log")
    HIST_LINE=$(grep -E '^已生成自' "$OUT/orglife-gen.log" || true)
    BASE_LINE=$(grep -E '^已生成“' "$OUT/orglife-gen.log" || true)
fi

# ---------------------------------------------------------------- 2-4. in-process figures
log "measuring (vanguard bench orglife)"
/usr/bin/time -v "$BIN" bench orglife --data-dir "$CITY" --district "$DISTRICT" --meetings "$MEETINGS" \
    --requests "$REQUESTS" --cold >"$OUT/orglife.txt" 2>"$OUT/orglife-bench.log" \
    || { tail -20 "$OUT/orglife-bench.log" >&2; die "bench orglife failed"; }
BENCH_RSS=$(rss_mb "$OUT/orglife-bench.log")

p50() { awk -v k="$1" '$1=="RESULT" && $2==k {print $3}' "$OUT/orglife.txt"; }
p95() { awk -v k="$1" '$1=="RESULT" && $2==k {print $4}' "$OUT/orglife.txt"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (b+0 == 0) print "n/a"; else printf "%.2f", a/b }'; }
met() { awk -v x="$1" "BEGIN{ print (($2) ? \"yes\" : \"NO\") }"; }
recompute() { awk -v p="$1" '$1=="RECOMPUTE" && $2==p {for(i=3;i<=NF;i++){split($i,kv,"="); if(kv[1]=="seconds") print kv[2]}}' "$OUT/orglife.txt"; }

SCALE=$(grep '^SCALE' "$OUT/orglife.txt" | cut -d' ' -f2-)
COLD=$(recompute first)
WARM=$(recompute again)
REFRESH50=$(p50 refresh_after_meeting) REFRESH95=$(p95 refresh_after_meeting)
WRITE50=$(p50 ceiling_one_write_tx)
WHOLE50=$(p50 meeting_write_plus_refresh)
CITY50=$(p50 cockpit_city_root) CITY95=$(p95 cockpit_city_root)
PRE50=$(p50 ceiling_city_preaggregate)
DIST50=$(p50 cockpit_district) DIST95=$(p95 cockpit_district)
SUB50=$(p50 ceiling_district_subtree_filter)

{
    echo "组织生活 benchmarks — $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) vCPU, SQLite"
    echo "scale: $SCALE"
    [ -n "$GEN_S" ] && echo "city generation with --history: ${GEN_S} s wall, peak RSS ${GEN_RSS} MB"
    [ -n "${BASE_LINE:-}" ] && echo "  $BASE_LINE"
    [ -n "$HIST_LINE" ] && echo "  $HIST_LINE"
    [ -n "$DIST_S" ] && echo "district generation (history included): ${DIST_S} s wall"
    echo
    printf '%-46s %12s %12s %24s %8s %10s\n' "figure" "p50/value" "p95" "ceiling (same run)" "ratio" "target met"
    printf '%-46s %12s %12s %24s %8s %10s\n' "full recompute, city, cold (s)" "$COLD" "-" "-" "-" "$(met "$COLD" 'x < 60')"
    printf '%-46s %12s %12s %24s %8s %10s\n' "full recompute, city, unchanged facts (s)" "$WARM" "-" "-" "-" "$(met "$WARM" 'x < 60')"
    printf '%-46s %12s %12s %24s %8s %10s\n' "refresh_after_meeting (ms)" "$REFRESH50" "$REFRESH95" "write tx p50 $WRITE50" \
        "$(ratio "$REFRESH50" "$WRITE50")" "$(met "$REFRESH95" 'x < 5')"
    printf '%-46s %12s %12s %24s %8s %10s\n' "meeting insert + refresh, before commit (ms)" "$WHOLE50" "$(p95 meeting_write_plus_refresh)" "-" "-" "-"
    printf '%-46s %12s %12s %24s %8s %10s\n' "cockpit, city root (ms)" "$CITY50" "$CITY95" "pre-aggregate p50 $PRE50" \
        "$(ratio "$CITY50" "$PRE50")" "$(met "$CITY50" 'x < 100')"
    printf '%-46s %12s %12s %24s %8s %10s\n' "cockpit, district (ms)" "$DIST50" "$DIST95" "subtree filter p50 $SUB50" \
        "$(ratio "$DIST50" "$SUB50")" "$(met "$DIST50" 'x < 20')"
    for k in cockpit_city_root_year trend_city_root trend_district drilldown_branches_district drilldown_members_district todo_district; do
        printf '%-46s %12s %12s %24s %8s %10s\n' "$k (ms)" "$(p50 $k)" "$(p95 $k)" "-" "-" "-"
    done
    echo
    echo "bench process peak RSS: ${BENCH_RSS} MB; raw figures: bench-data/orglife.txt"
} | tee "$OUT/orglife-summary.txt"
