#!/bin/bash
# A full device flow over HTTP (check-in -> job -> confirm -> downloading
# -> installing -> succeeded) with the plan's status following, and a
# server-sent event client watching it live, resuming with Last-Event-ID.
. "$OTA_SRCDIR/tests/http/otad_lib.sh"

ADM=$(token admin adm)
OPS=$(token operator ops)
VIEW=$(token viewer view)
cat >"$TMP/otad.conf" <<EOF
# short heartbeat so the test sees one quickly
sse_heartbeat = 1
sse_poll_ms = 50
log_level = info
EOF
otad_start --config "$TMP/otad.conf"

jcall "$ADM" POST /products '{"key":"meter","name":"Meter"}'
DKEY=$(jq_ .device_key)
jcall "$ADM" POST /products/meter/devices \
  '[{"id":"dev-1","versions":{"module":"1.1.0"}},{"id":"dev-2","versions":{"module":"1.1.0"}},{"id":"dev-3","versions":{"module":"1.1.0"}}]'
is "fleet imported" "$(jq_ .added)" 3
head -c 50000 /dev/urandom >"$TMP/fw.bin"
SUM=$(sha256sum "$TMP/fw.bin" | cut -d' ' -f1)
acall "$OPS" POST /packages -F 'meta={"component":"module","kind":"full","target_version":"1.2.0"}' -F "file=@$TMP/fw.bin"
PKG=$(jq_ .id)
jcall "$OPS" POST /plans "$(printf '{"name":"flow","product":"meter","mode":"confirm","strategy":{"retries":1,"min_rsrp":-120,"min_battery":10},"window":%s,"components":[{"component":"module","package_id":%s}]}' "$(window_json)" "$PKG")"
PID=$(jq_ .id)
acall "$OPS" POST "/plans/$PID/activate"
is "plan active" "$(jq_ .state)" active

# The live watcher, bounded in time.
curl -s -N -m 60 -H "Authorization: Bearer $VIEW" -H 'Accept: text/event-stream' \
  -D "$TMP/sse.hdrs" "$API/plans/$PID/events" >"$TMP/sse.out" 2>/dev/null &
SSE=$!
on_exit "kill $SSE 2>/dev/null"

dev() {  # dev METHOD PATH JSON: a device call with the product's key
  call "$1" "$2" -H "X-Device-Key: $DKEY" -H 'Content-Type: application/json' --data "$3"
}
status() { acall "$VIEW" GET "/plans/$PID/status"; }
wait_sse() {  # wait_sse REGEX: until the stream shows it (bounded)
  local i=0
  while [ $i -lt 200 ] && ! grep -Eq "$1" "$TMP/sse.out"; do sleep 0.05; i=$((i+1)); done
  grep -Eq "$1" "$TMP/sse.out"
}

CHECKIN='{"device":"dev-1","product":"meter","versions":{"module":"1.1.0"},"rsrp":-95,"battery":80}'
dev POST /device/checkin "$CHECKIN"
is "check-in 200" "$CODE" 200
JOB=$(jq_ .job.id)
like "a job is offered" "$JOB" '^[0-9]+$'
is "job mode confirm" "$(jq_ .job.mode)" confirm
is "job plan" "$(jq_ .job.plan_id)" "$PID"
is "job component version" "$(jq_ '.job.components[0].version')" 1.2.0
is "job file sha256" "$(jq_ '.job.components[0].files[0].sha256')" "$SUM"
URL=$(jq_ '.job.components[0].files[0].url')
is "job file url" "$URL" "/api/v1/packages/$PKG/files/fw.bin"
status
is "status: awaiting confirmation" "$(jq_ .counts.awaiting_confirmation)" 1
ok "SSE stream sees the offer" wait_sse '"to":"awaiting_confirmation"'

# A check-in that changes nothing is answered without a write (outside the
# group commit); one with new telemetry writes.
writes() { call GET //metrics; sed -n 's/^ota_checkin_writes_total //p' "$TMP/body"; }
W0=$(writes)
like "metrics count check-ins that wrote" "$W0" '^[1-9][0-9]*$'
dev POST /device/checkin "$CHECKIN"
is "the same check-in again: 200" "$CODE" 200
is "  re-sends the same job" "$(jq_ .job.id)/$(jq_ .job.mode)/$(jq_ ".job.components[0].files[0].sha256")" "$JOB/confirm/$SUM"
is "  wrote nothing" "$(writes)" "$W0"
dev POST /device/checkin '{"device":"dev-1","product":"meter","versions":{"module":"1.1.0"},"rsrp":-95,"battery":79}'
is "new telemetry: the same job" "$(jq_ .job.id)" "$JOB"
is "  written" "$(writes)" "$((W0 + 1))"

call GET "//${URL#/}" -H "X-Device-Key: $DKEY"
is "device downloads with its key" "$(sha256sum <"$TMP/body" | cut -d' ' -f1)" "$SUM"

dev POST "/device/jobs/$JOB/report" '{"state":"succeeded","progress":100}'
expect_err "succeeded before downloading" 409 invalid_transition
call POST "/device/jobs/$JOB/confirm" -H "X-Device-Key: 0000" -H 'Content-Type: application/json' --data '{}'
expect_err "confirm with a wrong key" 401 unauthorized
dev POST "/device/jobs/$JOB/confirm" '{"device":"dev-1"}'
is "confirm 200" "$CODE" 200
is "job downloading" "$(jq_ .state)" downloading
status
is "status: downloading" "$(jq_ .counts.downloading)" 1
is "plan upgrading once a device started" "$(jq_ .state)" upgrading
dev POST "/device/jobs/$JOB/report" '{"state":"downloading","progress":50}'
is "progress report" "$(jq_ .progress)" 50
dev POST "/device/jobs/$JOB/report" '{"state":"installing","progress":100}'
is "installing" "$(jq_ .state)" installing
status
is "status: installing" "$(jq_ .counts.installing)" 1
dev POST "/device/jobs/$JOB/report" '{"state":"succeeded","progress":100}'
is "succeeded" "$(jq_ .state)" succeeded
status
is "status: succeeded" "$(jq_ .counts.succeeded)" 1
is "status: nothing in flight" "$(jq_ '.counts.downloading + .counts.installing')" 0
dev POST "/device/jobs/$JOB/report" '{"state":"installing"}'
expect_err "report after success" 409 invalid_transition
dev POST "/device/jobs/$JOB/report" '{"state":"rebooting"}'
expect_err "unknown report state" 422 validation_failed
dev POST "/device/jobs/$JOB/report" '{"state":"installing","progress":"half"}'
expect_err "report with a wrong type" 400 bad_request
dev POST /device/checkin '{"device":"dev-1","product":"meter","versions":{"module":"1.2.0"}}'
is "upgraded device gets no job" "$(jq_ .job)" null
acall "$VIEW" GET "/plans/$PID/devices?state=succeeded"
is "job row of dev-1" "$(jq_ '.items[0].device + "/" + .items[0].state')" "dev-1/succeeded"

# A failure with a retry left goes back to pending.
dev POST /device/checkin '{"device":"dev-2","product":"meter","versions":{"module":"1.1.0"},"rsrp":-90,"battery":50}'
J2=$(jq_ .job.id)
dev POST "/device/jobs/$J2/confirm" '{}'
dev POST "/device/jobs/$J2/report" '{"state":"failed","error":"flash write error"}'
is "failed report 200" "$CODE" 200
acall "$VIEW" GET "/plans/$PID/devices?state=pending"
like "dev-2 retried: pending, attempt 2" "$(jq_ '[.items[] | select(.device=="dev-2") | "\(.state)/\(.attempt)"] | join(",")')" 'pending/2'

ok "SSE: downloading event" wait_sse '"device":"dev-1".*"to":"downloading"'
ok "SSE: installing event" wait_sse '"to":"installing"'
ok "SSE: succeeded event" wait_sse '"device":"dev-1".*"to":"succeeded"'
ok "SSE: the plan's own change" wait_sse '"device":null.*"to":"upgrading"'
ok "SSE: heartbeat comments" wait_sse '^: heartbeat'
is "SSE content type" "$(sed -n 's/^Content-Type: //Ip' "$TMP/sse.hdrs" | tr -d '\r')" text/event-stream
ok "SSE events carry ids" grep -Eq '^id: [0-9]+$' "$TMP/sse.out"
ok "SSE job events are named" grep -q '^event: job$' "$TMP/sse.out"

# Resume: a client that saw up to the 2nd event gets only what came after.
SECOND=$(sed -n 's/^id: //p' "$TMP/sse.out" | sed -n 2p)
LAST=$(sed -n 's/^id: //p' "$TMP/sse.out" | tail -n 1)
: >"$TMP/sse2.out"
curl -s -N -m 30 -H "Authorization: Bearer $VIEW" -H 'Accept: text/event-stream' -H "Last-Event-ID: $SECOND" \
  "$API/plans/$PID/events" >"$TMP/sse2.out" 2>/dev/null &
SSE2=$!
i=0; while [ $i -lt 200 ] && ! grep -q "^id: $LAST\$" "$TMP/sse2.out"; do sleep 0.05; i=$((i+1)); done
kill $SSE2 2>/dev/null; wait $SSE2 2>/dev/null
is "resume starts right after Last-Event-ID" "$(sed -n 's/^id: //p' "$TMP/sse2.out" | head -n 1)" "$(sed -n 's/^id: //p' "$TMP/sse.out" | sed -n 3p)"
is "resume delivers the rest" "$(sed -n 's/^id: //p' "$TMP/sse2.out" | wc -l)" "$(( $(sed -n 's/^id: //p' "$TMP/sse.out" | wc -l) - 2 ))"

# The paged list agrees with the stream.
acall "$VIEW" GET "/plans/$PID/events?since=$SECOND&limit=2"
is "events page after since" "$(jq_ '.events[0].seq')" "$(sed -n 's/^id: //p' "$TMP/sse.out" | sed -n 3p)"
is "events page limit" "$(jq_ '.events | length')" 2

# Terminate: waiting devices fail; the stream says so.
dev POST /device/checkin '{"device":"dev-3","product":"meter","versions":{"module":"1.1.0"},"rsrp":-90,"battery":50}'
acall "$OPS" POST "/plans/$PID/terminate"
is "terminated" "$(jq_ .state)" terminated
status
is "terminate fails waiting devices" "$(jq_ .counts.failed)" 2
ok "SSE: plan terminated" wait_sse '"to":"terminated"'
call GET "/plans/$PID/events" -H "Authorization: Bearer $VIEW" -H 'Accept: text/event-stream' -H 'Last-Event-ID: x'
expect_err "bad Last-Event-ID" 400 bad_request
acall "$VIEW" GET /plans/999/events -H 'Accept: text/event-stream'
expect_err "SSE on an unknown plan" 404 not_found

# Concurrent check-ins share transactions (group commit): each still gets
# its own job, and every one is committed.
devs=$(for i in $(seq -w 1 20); do printf '{"id":"dev-c%s","versions":{"module":"1.1.0"}},' "$i"; done)
jcall "$ADM" POST /products/meter/devices "[${devs%,}]"
jcall "$OPS" POST /plans "$(printf '{"name":"burst","product":"meter","mode":"silent","whitelist":[%s],"window":%s,"components":[{"component":"module","package_id":%s}]}' \
  "$(seq -w 1 20 | sed 's/.*/"dev-c&"/' | paste -sd,)" "$(window_json)" "$PKG")"
P2=$(jq_ .id)
acall "$OPS" POST "/plans/$P2/activate"
for i in $(seq -w 1 20); do
  curl -s -m 30 -H "X-Device-Key: $DKEY" -H 'Content-Type: application/json' \
    --data "{\"device\":\"dev-c$i\",\"product\":\"meter\",\"versions\":{\"module\":\"1.1.0\"}}" \
    "$API/device/checkin" >"$TMP/burst.$i" &
done
wait_n=0; for i in $(seq -w 1 20); do while [ ! -s "$TMP/burst.$i" ] && [ $wait_n -lt 600 ]; do sleep 0.05; wait_n=$((wait_n+1)); done; done
is "20 concurrent check-ins: 20 distinct jobs" "$(cat "$TMP"/burst.* | jq -r '.job.id' | sort -u | grep -c '^[0-9]')" 20
is "each job is the device's plan" "$(cat "$TMP"/burst.* | jq -r '.job.plan_id' | sort -u)" "$P2"
acall "$VIEW" GET "/plans/$P2/status"
is "all 20 committed" "$(jq_ .counts.offered)" 20

# SIGTERM with a stream open: it ends and the server exits cleanly.
otad_stop
is "SIGTERM with an open SSE stream: clean exit" "$OTAD_RC" 0
i=0; while [ $i -lt 100 ] && kill -0 $SSE 2>/dev/null; do sleep 0.05; i=$((i+1)); done
fails "the SSE client saw the stream end" kill -0 $SSE
done_testing
