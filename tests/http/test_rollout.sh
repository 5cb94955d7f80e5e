#!/bin/bash
# Staged rollouts over REST against a real otad: a plan with two waves
# (2 of 4 devices, then 100%, manual advance), devices outside the open
# wave pending with reason wave, an operator's advance opening the next,
# the failure brake pausing the plan (paused_reason, an audit row by the
# engine), resume clearing it; the offer rate limit; 422s naming the
# rollout and maintenance fields; and the new /metrics series.
. "$OTA_SRCDIR/tests/http/otad_lib.sh"

ADM=$(token admin adm)
OPS=$(token operator ops)
VIEW=$(token viewer view)
otad_start

jcall "$ADM" POST /products '{"key":"meter","name":"Meter"}'
DKEY=$(jq_ .device_key)
jcall "$ADM" POST /products/meter/devices \
  '[{"id":"dev-1","versions":{"module":"1.1.0"}},{"id":"dev-2","versions":{"module":"1.1.0"}},{"id":"dev-3","versions":{"module":"1.1.0"}},{"id":"dev-4","versions":{"module":"1.1.0"}}]'
is "fleet of 4 imported" "$(jq_ .added)" 4
head -c 20000 /dev/urandom >"$TMP/fw.bin"
acall "$OPS" POST /packages -F 'meta={"component":"module","kind":"full","target_version":"1.2.0"}' -F "file=@$TMP/fw.bin"
PKG=$(jq_ .id)
like "package uploaded" "$PKG" '^[0-9]+$'

plan_json() {  # plan_json NAME PRODUCT ROLLOUT [MAINTENANCE]
  printf '{"name":"%s","product":"%s","mode":"silent","strategy":{"retries":0,"min_rsrp":-140,"min_battery":0},"window":%s,"components":[{"component":"module","package_id":%s}],"rollout":%s%s}' \
    "$1" "$2" "$(window_json)" "$PKG" "$3" "${4:+,\"maintenance\":$4}"
}
dev() {  # dev METHOD PATH JSON: a device call with the product's key
  call "$1" "$2" -H "X-Device-Key: $DKEY" -H 'Content-Type: application/json' --data "$3"
}
checkin() {  # checkin DEVICE: sets JOB ("" = none)
  dev POST /device/checkin "{\"device\":\"$1\",\"product\":\"meter\",\"versions\":{\"module\":\"1.1.0\"},\"rsrp\":-90,\"battery\":80}"
  JOB=$(jq_ '.job.id // empty')
}
report() {  # report JOB STATE
  dev POST "/device/jobs/$1/report" "{\"state\":\"$2\",\"progress\":50${3:+,\"error\":\"$3\"}}"
}
row() {  # row PLAN DEVICE FIELD: a field of the device's job row
  acall "$VIEW" GET "/plans/$1/devices?limit=1000"
  jq_ ".items[] | select(.device == \"$2\") | .$3"
}
metric() {  # metric LINE-PREFIX: the value of one series in /metrics
  call GET //metrics
  awk -v k="$1" '$1 == k { print $2; exit }' "$TMP/body"
}

# --- bad rollout and maintenance values: 422 naming the field, nothing saved
bad() {  # bad DESC FIELD ROLLOUT [MAINTENANCE]
  jcall "$OPS" POST /plans "$(plan_json bad meter "$3" "${4:-}")"
  expect_err "$1" 422 validation_failed
  is "$1: field" "$(jq_ .error.field)" "$2"
}
bad "wave sizes must increase" 'rollout.waves[1].size' '{"waves":[{"size":"50%"},{"size":"40%"},{"size":"100%"}]}'
bad "the last wave is 100%" 'rollout.waves[1].size' '{"waves":[{"size":"10%"},{"size":"90%"}]}'
bad "a percentage over 100" 'rollout.waves[0].size' '{"waves":[{"size":"150%"},{"size":"100%"}]}'
bad "a count of 0" 'rollout.waves[0].size' '{"waves":[{"size":0},{"size":"100%"}]}'
bad "no waves" 'rollout.waves' '{"waves":[]}'
bad "failure threshold over 100" 'rollout.failure_threshold' '{"waves":[{"size":"100%"}],"failure_threshold":101}'
bad "negative min_finished" 'rollout.min_finished' '{"waves":[{"size":"100%"}],"min_finished":-1}'
bad "negative soak" 'rollout.soak_seconds' '{"waves":[{"size":"100%"}],"soak_seconds":-5}'
bad "unknown advance" 'rollout.advance' '{"waves":[{"size":"100%"}],"advance":"sometimes"}'
bad "unknown on_failure" 'rollout.on_failure' '{"waves":[{"size":"100%"}],"on_failure":"explode"}'
bad "negative rate limit" 'rollout.max_offers_per_minute' '{"waves":[{"size":"100%"}],"max_offers_per_minute":-1}'
W='[{"days":["mon"],"start":"01:00","end":"05:00"}]'
bad "unknown zone" 'maintenance.timezone' '{"waves":[{"size":"100%"}]}' "{\"timezone\":\"Mars/Olympus\",\"windows\":$W}"
bad "bad start time" 'maintenance.windows[0].start' '{"waves":[{"size":"100%"}]}' \
  '{"timezone":"Asia/Shanghai","windows":[{"days":["mon"],"start":"25:00","end":"05:00"}]}'
bad "bad day" 'maintenance.windows[0].days' '{"waves":[{"size":"100%"}]}' \
  '{"timezone":"Asia/Shanghai","windows":[{"days":["someday"],"start":"01:00","end":"05:00"}]}'
acall "$VIEW" GET /plans
is "nothing saved by the refusals" "$(jq_ '.items | length')" 0

# --- a staged plan: 2 of 4 devices, then 100%, manual advance
ROLLOUT='{"waves":[{"size":2},{"size":"100%"}],"success_threshold":50,"failure_threshold":40,"min_finished":2,"soak_seconds":0,"advance":"manual","on_failure":"pause","max_offers_per_minute":0}'
jcall "$OPS" POST /plans "$(plan_json waves meter "$ROLLOUT")"
is "staged plan created" "$CODE" 201
PID=$(jq_ .id)
is "rollout echoed: waves" "$(jq_ '[.rollout.waves[].size | tostring] | join(",")')" "2,100%"
is "rollout echoed: advance" "$(jq_ .rollout.advance)" manual
acall "$VIEW" GET "/plans/$PID/preview"
is "preview: two waves of 2 devices" "$(jq_ '[.waves[].devices] | join(",")')" "2,2"
acall "$OPS" POST "/plans/$PID/advance"
expect_err "advance a saved plan" 409 invalid_transition
acall "$OPS" POST "/plans/$PID/activate"
is "plan active" "$(jq_ .state)" active

for d in dev-1 dev-2 dev-3 dev-4; do
  checkin $d
  eval "JOB_${d#dev-}=\$JOB"
done
is "two of four devices offered a job" "$(for n in 1 2 3 4; do eval "echo \$JOB_$n"; done | grep -c .)" 2
acall "$VIEW" GET "/plans/$PID/devices?limit=1000"
is "the other two pending with reason wave" \
  "$(jq_ '[.items[] | select(.state == "pending" and .reason == "wave")] | length')" 2
IN1=""; OUT1=""
for n in 1 2 3 4; do
  eval "j=\$JOB_$n"
  if [ -n "$j" ]; then IN1="$IN1 dev-$n"; else OUT1="$OUT1 dev-$n"; fi
done
set -- $IN1; A=$1; B=$2
set -- $OUT1; C=$1; D=$2
checkin "$C"
is "a device outside the open wave still gets no job" "$JOB" ""
is "...and stays pending, reason wave" "$(row "$PID" "$C" state)/$(row "$PID" "$C" reason)" pending/wave
acall "$VIEW" GET "/plans/$PID/status"
is "status: current_wave 0" "$(jq_ .current_wave)" 0
is "status: waves' devices" "$(jq_ '[.waves[].devices] | join(",")')" "2,2"
is "status: wave states" "$(jq_ '[.waves[].state] | join(",")')" "open,waiting"
is "metrics: the current wave" "$(metric "ota_plan_wave{plan=\"$PID\"}")" 0
is "metrics: wave 1's devices" "$(metric "ota_plan_wave_devices{plan=\"$PID\",wave=\"1\"}")" 2

# A succeeds: the open wave's succeeded count follows.
checkin "$A"; JA=$JOB
report "$JA" downloading; report "$JA" installing; report "$JA" succeeded
is "A succeeded" "$CODE/$(row "$PID" "$A" state)" 200/succeeded
acall "$VIEW" GET "/plans/$PID/status"
is "status: wave 0 succeeded 1" "$(jq_ '.waves[0].succeeded')" 1
is "metrics: wave 0 succeeded" "$(metric "ota_plan_wave_succeeded{plan=\"$PID\",wave=\"0\"}")" 1

# --- advance (operator) opens the next wave
acall "$VIEW" POST "/plans/$PID/advance"
expect_err "advance needs the operator role" 403 forbidden
acall "$OPS" POST "/plans/$PID/advance"
is "advance 200" "$CODE" 200
acall "$VIEW" GET "/plans/$PID/status"
is "status: current_wave 1" "$(jq_ .current_wave)" 1
is "metrics: the current wave moved" "$(metric "ota_plan_wave{plan=\"$PID\"}")" 1
acall "$OPS" POST "/plans/$PID/advance"
expect_err "advance past the last wave" 409 invalid_transition
checkin "$C"; JC=$JOB
like "C is offered once its wave opened" "$JC" '^[0-9]+$'

# --- a failure past the threshold trips the brake (2 finished, 1 failed: 50% > 40%)
TRIPS0=$(metric ota_brake_trips_total)
is "no brake trip yet" "$TRIPS0" 0
report "$JC" downloading
report "$JC" failed "flash write error"
is "C's failure accepted" "$CODE" 200
acall "$VIEW" GET "/plans/$PID"
is "brake: plan paused" "$(jq_ .state)" paused
is "brake: paused_reason" "$(jq_ .paused_reason)" failure_threshold
acall "$VIEW" GET "/plans/$PID/status"
is "status: paused_reason" "$(jq_ .paused_reason)" failure_threshold
is "status: wave 1 failed 1" "$(jq_ '.waves[1].failed')" 1
acall "$ADM" GET "/audit?target=plan:$PID&limit=1000"
is "audit: one brake row by the engine" "$(jq_ '[.items[] | select(.action == "plan.brake") | .actor] | join(",")')" otad
is "metrics: one brake trip" "$(metric ota_brake_trips_total)" 1
checkin "$D"
is "a paused plan offers nothing" "$JOB" ""

acall "$OPS" POST "/plans/$PID/resume"
is "resume 200" "$CODE" 200
is "resume: active again" "$(jq_ .state)" upgrading
is "resume clears paused_reason" "$(jq_ '.paused_reason // "none"')" none
acall "$VIEW" GET "/plans/$PID/status"
is "status after resume: no paused_reason" "$(jq_ '.paused_reason // "none"')" none
checkin "$D"; JD=$JOB
like "after resume, D is offered" "$JD" '^[0-9]+$'
acall "$VIEW" GET "/plans/$PID"
is "no new trip without a new failure" "$(jq_ .state)" upgrading

# --- the offer rate limit: one offer a minute across the service
jcall "$ADM" POST /products '{"key":"gauge","name":"Gauge"}'
GKEY=$(jq_ .device_key)
acall "$OPS" POST /packages -F 'meta={"component":"module","kind":"full","target_version":"1.3.0"}' -F "file=@$TMP/fw.bin;filename=fw2.bin"
PKG2=$(jq_ .id)
RL=$(printf '{"name":"limited","product":"gauge","mode":"silent","strategy":{"retries":0,"min_rsrp":-140,"min_battery":0},"window":%s,"components":[{"component":"module","package_id":%s}],"rollout":{"waves":[{"size":"100%%"}],"max_offers_per_minute":1}}' "$(window_json)" "$PKG2")
jcall "$OPS" POST /plans "$RL"
PID2=$(jq_ .id)
acall "$OPS" POST "/plans/$PID2/activate"
is "rate-limited plan active" "$(jq_ .state)" active
RL0=$(metric ota_offers_rate_limited_total)
is "no check-in rate limited yet" "$RL0" 0
g() { call POST /device/checkin -H "X-Device-Key: $GKEY" -H 'Content-Type: application/json' \
  --data "{\"device\":\"$1\",\"product\":\"gauge\",\"versions\":{\"module\":\"1.1.0\"}}"; }
g g-1
like "the first device of the minute is offered" "$(jq_ .job.id)" '^[0-9]+$'
g g-2
is "the second gets no job" "$(jq_ .job)" null
is "...pending with reason rate_limit" "$(row "$PID2" g-2 state)/$(row "$PID2" g-2 reason)" pending/rate_limit
g g-2
is "metrics: rate-limited check-ins counted" "$(metric ota_offers_rate_limited_total)" 2

# --- /metrics: the families are declared; only live staged plans have series
call GET //metrics
for f in ota_plan_wave ota_plan_wave_devices ota_plan_wave_succeeded ota_plan_wave_failed \
         ota_brake_trips_total ota_offers_rate_limited_total; do
  ok "metrics: $f has a TYPE line" grep -q "^# TYPE $f " "$TMP/body"
done
acall "$OPS" POST "/plans/$PID/terminate"
is "staged plan terminated" "$(jq_ .state)" terminated
call GET //metrics
fails "a terminated plan's waves leave /metrics" grep -q "plan=\"$PID\"" "$TMP/body"
ok "the live rate-limited plan's wave stays" grep -q "^ota_plan_wave{plan=\"$PID2\"} 0$" "$TMP/body"
is "the brake counter never falls" "$(metric ota_brake_trips_total)" 1

otad_stop
is "otad stops cleanly" "$OTAD_RC" 0
done_testing
