#!/bin/bash
# otad --threads N: a pool of N threads (poll).  Server-sent event streams
# are suspended while idle, so more streams than pool threads stay open and
# the server still answers; each stream gets its events and heartbeats,
# concurrent check-ins all commit, and SIGTERM ends the streams cleanly.
. "$OTA_SRCDIR/tests/http/otad_lib.sh"
need sqlite3 sqlite3

ADM=$(token admin adm)
VIEW=$(token viewer view)
# Heartbeats every 3 s: a stream that blocked its pool thread between them
# would hold /healthz and the check-ins up for seconds.
otad_start --threads 2 --sse_heartbeat 3 --sse_poll_ms 50
quick() {  # quick "desc": /healthz answers within 1.5 s
  local c; c=$(curl -s -m 1.5 -o /dev/null -w '%{http_code}' "$BASE/healthz")
  is "/healthz answers at once ($1)" "$c" 200
}

jcall "$ADM" POST /products '{"key":"meter","name":"Meter"}'
DKEY=$(jq_ .device_key)
DEVS=$(for i in $(seq 20); do printf '%s{"id":"dev-%d","versions":{"module":"1.1.0"}}' "$([ "$i" = 1 ] || echo ,)" "$i"; done)
jcall "$ADM" POST /products/meter/devices "[$DEVS]"
is "fleet imported" "$(jq_ .added)" 20
head -c 20000 /dev/urandom >"$TMP/fw.bin"
acall "$ADM" POST /packages -F 'meta={"component":"module","kind":"full","target_version":"1.2.0"}' -F "file=@$TMP/fw.bin"
PKG=$(jq_ .id)
jcall "$ADM" POST /plans "$(printf '{"name":"pool","product":"meter","mode":"silent","window":%s,"components":[{"component":"module","package_id":%s}]}' "$(window_json)" "$PKG")"
PID=$(jq_ .id)
acall "$ADM" POST "/plans/$PID/activate"
is "plan active" "$(jq_ .state)" active

# Six streams on a pool of two threads.
SSES=""
for s in 1 2 3 4 5 6; do
  curl -s -N -m 60 -H "Authorization: Bearer $VIEW" -H 'Accept: text/event-stream' \
    "$API/plans/$PID/events" >"$TMP/sse.$s" 2>/dev/null &
  SSES="$SSES $!"
  on_exit "kill $! 2>/dev/null"
done
all_show() {  # all_show REGEX: every stream shows it (bounded wait)
  local i=0 s miss
  while [ $i -lt 200 ]; do
    miss=0
    for s in 1 2 3 4 5 6; do grep -Eq "$1" "$TMP/sse.$s" || miss=1; done
    [ $miss = 0 ] && return 0
    sleep 0.05; i=$((i+1))
  done
  return 1
}
ok "six streams open on two pool threads" all_show 'stream open'
quick "six idle streams on two threads"
quick "again"

# Twenty check-ins at once: each gets its job, and every stream sees them.
T0=$(date +%s%N)
for i in $(seq 20); do
  curl -s -m 30 -H "X-Device-Key: $DKEY" -H 'Content-Type: application/json' \
    -d "{\"device\":\"dev-$i\",\"product\":\"meter\",\"versions\":{\"module\":\"1.1.0\"}}" \
    "$API/device/checkin" >"$TMP/burst.$i" &
done
wait_bursts() { local i=0; while [ $i -lt 600 ] && [ "$(cat "$TMP"/burst.* | jq -r '.job.id' 2>/dev/null | grep -c '^[0-9]')" -lt 20 ]; do sleep 0.05; i=$((i+1)); done; }
wait_bursts
ok "the burst was served within 5 s" test $(( ($(date +%s%N) - T0) / 1000000 )) -lt 5000
is "20 concurrent check-ins: 20 distinct jobs" "$(cat "$TMP"/burst.* | jq -r '.job.id' | sort -u | grep -c '^[0-9]')" 20
ok "every stream sees the last device's job" all_show '"device":"dev-20"'
ok "every stream gets heartbeats" all_show '^: heartbeat'
is "stream 3 carries all 20 offers" "$(grep -c '^event: job' "$TMP/sse.3")" 20
quick "after the burst"

# SIGTERM while new devices' first check-ins (writes, queued for the
# committer) are in flight: every one answered 200 is in the database; the
# others arrived after the signal (503 "server is shutting down", a device
# retries) or found no listener.
for i in $(seq 21 40); do
  curl -s -m 30 -o "$TMP/term.$i" -w '%{http_code}' -H "X-Device-Key: $DKEY" -H 'Content-Type: application/json' \
    -d "{\"device\":\"dev-$i\",\"product\":\"meter\",\"versions\":{\"module\":\"1.1.0\"}}" \
    "$API/device/checkin" >"$TMP/term.$i.code" &
done
otad_stop
is "SIGTERM with six streams open and check-ins in flight: clean exit" "$OTAD_RC" 0
wait_codes() { local i=0; while [ $i -lt 600 ] && [ "$(cat "$TMP"/term.*.code 2>/dev/null | wc -c)" -lt 60 ]; do sleep 0.05; i=$((i+1)); done; }
wait_codes
is "each check-in answered 200, 503 or found no listener" "$(for f in "$TMP"/term.*.code; do cat "$f"; echo; done | grep -v '^\(200\|503\|000\)$' | sort | uniq -c | tr -s ' ')" ""
ACKED=$(for i in $(seq 21 40); do [ "$(cat "$TMP/term.$i.code")" = 200 ] && jq -r .job.id "$TMP/term.$i"; done | paste -sd, -)
N_ACKED=$(echo "$ACKED" | tr ',' '\n' | grep -c '^[0-9]')
is "every acknowledged job is in the database ($N_ACKED acknowledged)" \
  "$(sqlite3 "$DB" "SELECT COUNT(*) FROM jobs WHERE id IN (${ACKED:-0})")" "$N_ACKED"
i=0; while [ $i -lt 100 ] && kill -0 ${SSES##* } 2>/dev/null; do sleep 0.05; i=$((i+1)); done
n=0; for p in $SSES; do kill -0 "$p" 2>/dev/null && n=$((n+1)); done
is "every SSE client saw its stream end" "$n" 0
done_testing
