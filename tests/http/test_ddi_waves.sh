#!/bin/sh
# Staged rollouts through hawkBit DDI with Debian's stock swupdate: a plan
# of two waves (1 of 2 devices, then 100%, manual advance); the device
# outside the first wave polls and is shown no deployment (pending, reason
# wave); after POST /plans/{id}/advance it is, and swupdate installs it.
PRODUCT=ddi-waves
. "${OTA_SRCDIR:-$(dirname "$0")/../..}/tests/http/ddi_lib.sh"

ddi_build_swu
ddi_otad_start
ddi_product

is "two devices imported" "$(api POST "/api/v1/products/$PRODUCT/devices" -H 'Content-Type: application/json' \
  -d '[{"id":"wave-a","versions":{"os":"1.0.0"}},{"id":"wave-b","versions":{"os":"1.0.0"}}]')" 200
now=$(date -u +%s)
win_start=$(date -u -d "@$((now - 3600))" +%Y-%m-%dT%H:%M:%SZ)
win_end=$(date -u -d "@$((now + 86400))" +%Y-%m-%dT%H:%M:%SZ)
is "staged silent plan created" "$(api POST /api/v1/plans -H 'Content-Type: application/json' -d "$(printf \
  '{"name":"ddi waves","product":"%s","mode":"silent","strategy":{"retries":0,"min_rsrp":-140,"min_battery":0},
    "window":{"start":"%s","end":"%s"},"components":[{"component":"os","package_id":%s}],
    "rollout":{"waves":[{"size":1},{"size":"100%%"}],"advance":"manual","success_threshold":100}}' \
  "$PRODUCT" "$win_start" "$win_end" "$PKG")")" 201
PLAN=$(jget "$TMP/r.json" '$.id')
is "staged plan activated" "$(api POST "/api/v1/plans/$PLAN/activate")" 200

# Which device the keyed hash put in the first wave: both poll once.
ddi wave-a GET '' >/dev/null
A_DEPLOY=$(jget "$TMP/d.json" '$._links.deploymentBase.href')
ddi wave-b GET '' >/dev/null
B_DEPLOY=$(jget "$TMP/d.json" '$._links.deploymentBase.href')
if [ -n "$A_DEPLOY" ]; then IN=wave-a; OUT=wave-b; else IN=wave-b; OUT=wave-a; fi
shown=0
[ -n "$A_DEPLOY" ] && shown=$((shown + 1))
[ -n "$B_DEPLOY" ] && shown=$((shown + 1))
is "exactly one of the two is shown a deployment" "$shown" 1
is "the first wave's device is offered" "$(job_state "$PLAN" "$IN")" offered
is "the other is pending" "$(job_state "$PLAN" "$OUT")" pending
is "...with reason wave" "$(job_field "$PLAN" "$OUT" reason)" wave

# A real swupdate as the device outside the open wave: it polls, gets nothing.
swu_start "$OUT" 80 ""
ok "$OUT: polled several times" wait_for 20 sh -c "[ \$(grep -c 'controller/v1/$OUT\$' '$TMP/sw-$OUT/log') -ge 4 ]"
fails "$OUT: never fetched a deployment before the advance" grep -q 'deploymentBase' "$TMP/sw-$OUT/log"
is "$OUT: still pending, reason wave" "$(job_state "$PLAN" "$OUT")/$(job_field "$PLAN" "$OUT" reason)" pending/wave
fails "$OUT: nothing installed" test -e "$TMP/target/installed.bin"
api GET "/api/v1/plans/$PLAN/status" >/dev/null
is "status: current_wave 0" "$(jget "$TMP/r.json" '$.current_wave')" 0

# The operator opens the next wave; the same running agent installs it.
is "advance answered 200" "$(api POST "/api/v1/plans/$PLAN/advance")" 200
api GET "/api/v1/plans/$PLAN/status" >/dev/null
is "status: current_wave 1" "$(jget "$TMP/r.json" '$.current_wave')" 1
ok "$OUT: payload written by swupdate after the advance" wait_for 40 grep -qx "$PAYLOAD" "$TMP/target/installed.bin"
ok "$OUT: job reaches installing" wait_for 20 state_is "$PLAN" "$OUT" installing
swu_stop "$OUT"
swu_start "$OUT" 80 "-c 2" ""
ok "$OUT: restarted with -c 2, job succeeded" wait_for 30 state_is "$PLAN" "$OUT" succeeded
is "$OUT: device's version is the target" "$(device_version "$OUT" os)" 2.0.0
swu_stop "$OUT"
api GET "/api/v1/plans/$PLAN/status" >/dev/null
is "status: wave 1 succeeded 1" "$(jget "$TMP/r.json" '$.waves[1].succeeded')" 1
curl -s -o "$TMP/metrics" "$URL/metrics"
ok "metrics: the plan's current wave" grep -qx "ota_plan_wave{plan=\"$PLAN\"} 1" "$TMP/metrics"

kill "$OTAD_PID" 2>/dev/null && wait "$OTAD_PID" 2>/dev/null
OTAD_PID=""
done_testing
