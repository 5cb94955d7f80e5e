#!/bin/bash
# bench/soak: otad under a long device load (issue 7 "Load").  A fleet of
# simulated devices (bench/soak_devices) checks in and reports over HTTP for
# a while, console-style clients follow the plan's live events stream
# (server-sent events), and otad's memory is sampled.  Prints start, peak
# and end RSS, the request counts, and checks the plan counts against the
# job rows at the end.  Run by hand (never in make check):
#
#   bench/soak.sh [--fleet 100000] [--duration 600] [--threads 8] [--followers 3]
#
# Run from the build folder or set OTA_BUILDDIR.  Exits 1 on any 5xx, failed
# connection, inconsistent counts, or end RSS above 1.5 x the RSS after warm-up.
set -eu
FLEET=100000 DURATION=600 THREADS=8 FOLLOWERS=3
while [ $# -gt 0 ]; do
  case $1 in
    --fleet) FLEET=$2; shift 2 ;;
    --duration) DURATION=$2; shift 2 ;;
    --threads) THREADS=$2; shift 2 ;;
    --followers) FOLLOWERS=$2; shift 2 ;;
    *) echo "usage: $0 [--fleet N] [--duration S] [--threads T] [--followers F]" >&2; exit 2 ;;
  esac
done
BUILD=${OTA_BUILDDIR:-$(pwd)}
OTAD="$BUILD/server/otad" DRIVER="$BUILD/bench/soak_devices"
for b in "$OTAD" "$DRIVER"; do [ -x "$b" ] || { echo "bench/soak: $b not built (make first, or set OTA_BUILDDIR)" >&2; exit 2; }; done
for t in curl sqlite3; do
  command -v $t >/dev/null || { echo "bench/soak: needs $t (Debian package $t; ./quickstart installs it)" >&2; exit 2; }
done

T=$(mktemp -d "${TMPDIR:-/tmp}/ota-soak-XXXXXX")
PIDS=""
cleanup() { for p in $PIDS; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$T"; }
trap cleanup EXIT
rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$OTAD_PID/status"; }

ADM=$("$OTAD" token create --db "$T/ota.db" --role admin --name soak | tail -n 1)
# A port of our own choosing (warn-level logs do not print it), retried if taken.
for _ in 1 2 3 4 5; do
  PORT=$((20000 + RANDOM % 30000))
  "$OTAD" --listen "127.0.0.1:$PORT" --db "$T/ota.db" --log-level warn 2>>"$T/otad.log" &
  OTAD_PID=$!
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break; sleep 0.05; done
  curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
  kill "$OTAD_PID" 2>/dev/null || true; wait "$OTAD_PID" 2>/dev/null || true; OTAD_PID=""
done
[ -n "$OTAD_PID" ] || { echo "bench/soak: otad did not start:"; cat "$T/otad.log"; exit 1; }
PIDS="$PIDS $OTAD_PID"
API="http://127.0.0.1:$PORT/api/v1" AUTH="Authorization: Bearer $ADM" JSON='Content-Type: application/json'

DKEY=$(curl -sf -H "$AUTH" -H "$JSON" -d '{"key":"soak","name":"Soak meter"}' "$API/products" |
       sed -n 's/.*"device_key": *"\([^"]*\)".*/\1/p')
start=$(date +%s)
for ((from = 1; from <= FLEET; from += 20000)); do
  to=$((from + 19999 < FLEET ? from + 19999 : FLEET))
  awk -v a=$from -v b=$to 'BEGIN { printf "["; for (i = a; i <= b; i++) printf "%s{\"id\":\"dev-%07d\",\"versions\":{\"module\":\"1.1.0\"}}", (i > a ? "," : ""), i; print "]" }' >"$T/devs.json"
  curl -sf -H "$AUTH" -H "$JSON" --data-binary @"$T/devs.json" "$API/products/soak/devices" >/dev/null
done
echo "fleet: $FLEET devices imported in $(( $(date +%s) - start )) s"
head -c 65536 /dev/urandom >"$T/fw.bin"
PKG=$(curl -sf -H "$AUTH" -F 'meta={"component":"module","kind":"full","target_version":"1.2.0"}' -F "file=@$T/fw.bin" "$API/packages" |
      grep -o '"id": *[0-9]*' | head -n 1 | grep -o '[0-9]*$')
WS=$(date -u -d '-1 hour' +%Y-%m-%dT%H:%M:%SZ); WE=$(date -u -d '+2 days' +%Y-%m-%dT%H:%M:%SZ)
PLAN=$(curl -sf -H "$AUTH" -H "$JSON" -d "{\"name\":\"soak\",\"product\":\"soak\",\"mode\":\"silent\",\"strategy\":{\"retries\":2},\"window\":{\"start\":\"$WS\",\"end\":\"$WE\"},\"components\":[{\"component\":\"module\",\"package_id\":$PKG}]}" "$API/plans" |
       grep -o '"id": *[0-9]*' | head -n 1 | grep -o '[0-9]*$')
curl -sf -X POST -H "$AUTH" "$API/plans/$PLAN/activate" >/dev/null
echo "plan $PLAN active; package $PKG; otad pid $OTAD_PID on port $PORT"

for i in $(seq "$FOLLOWERS"); do
  curl -sN -H "$AUTH" -H 'Accept: text/event-stream' "$API/plans/$PLAN/events" >"$T/sse-$i.log" 2>&1 &
  PIDS="$PIDS $!"
done
RSS0=$(rss); PEAK=$RSS0
echo "rss at start: $RSS0 kB"
"$DRIVER" "$PORT" "$DKEY" soak "$FLEET" "$DURATION" "$THREADS" &
DRV=$!
WARM="" t=0
while kill -0 "$DRV" 2>/dev/null; do
  sleep 10; t=$((t + 10))
  r=$(rss); [ "$r" -gt "$PEAK" ] && PEAK=$r
  if [ -z "$WARM" ] && [ "$t" -ge $((DURATION / 5)) ]; then WARM=$r; echo "rss after warm-up (${t} s): $WARM kB"; fi
  [ $((t % 60)) -eq 0 ] && echo "rss at ${t} s: $r kB"
done
rc=0; wait "$DRV" || rc=1
RSS1=$(rss)
echo "rss: start $RSS0 kB, peak $PEAK kB, end $RSS1 kB"
for i in $(seq "$FOLLOWERS"); do echo "events follower $i: $(grep -c '^data:' "$T/sse-$i.log") events received"; done

STATUS=$(curl -sf -H "$AUTH" "$API/plans/$PLAN/status")
api_sum=$(echo "$STATUS" | grep -o '"counts":{[^}]*}' | grep -o ':[0-9][0-9]*' | tr -d : | awk '{ s += $1 } END { print s + 0 }')
db_sum=$(sqlite3 "$T/ota.db" "SELECT count(*) FROM jobs WHERE plan = $PLAN")
echo "plan counts: API total $api_sum, job rows $db_sum  ($STATUS)"
[ "$api_sum" = "$db_sum" ] || { echo "bench/soak: plan counts disagree with the job rows"; rc=1; }
bad=$(sqlite3 "$T/ota.db" "SELECT count(*) FROM plan_counts pc WHERE pc.n != (SELECT count(*) FROM jobs j WHERE j.plan = pc.plan AND j.state = pc.state)")
[ "$bad" = 0 ] || { echo "bench/soak: $bad plan_counts rows disagree"; rc=1; }
[ -n "$WARM" ] && [ "$RSS1" -gt $((WARM * 3 / 2)) ] && { echo "bench/soak: memory grew from $WARM to $RSS1 kB"; rc=1; }
grep -E ' (error|warn) ' "$T/otad.log" | tail -5 || true
[ $rc -eq 0 ] && echo "soak: ok" || echo "soak: FAILED"
exit $rc
