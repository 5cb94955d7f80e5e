#!/bin/bash
# Check-ins queued to otad's committer with their credential (issue 20):
# while most recent check-ins wrote (a fleet's first check-ins), the pool
# threads hand every check-in, authentication included, to the committer
# (server/device.c).  The answers must be the ones a pool thread gives:
# a wrong key or another device's token refused with the header named and
# counted by the failed-login throttle, a repeat check-in answered its job
# without a write, the metrics counting only authenticated check-ins; and
# after a restart (the cache warm-up thread running), the same answers.
. "$OTA_SRCDIR/tests/http/otad_lib.sh"

ADM=$(token admin adm)
otad_start --threads 2 --auth_fail_limit 3
jcall "$ADM" POST /products '{"key":"meter","name":"Meter"}'
DKEY=$(jq_ .device_key)
DEVS=$(for i in $(seq 30); do printf '%s{"id":"dev-%d","versions":{"module":"1.1.0"}}' "$([ "$i" = 1 ] || echo ,)" "$i"; done)
jcall "$ADM" POST /products/meter/devices "[$DEVS]"
is "fleet imported" "$(jq_ .added)" 30
acall "$ADM" POST /products/meter/devices/dev-30/token
TOK30=$(jq_ .token)
ok "dev-30 has a token" test "${TOK30#otd_}" != "$TOK30"
head -c 20000 /dev/urandom >"$TMP/fw.bin"
acall "$ADM" POST /packages -F 'meta={"component":"module","kind":"full","target_version":"1.2.0"}' -F "file=@$TMP/fw.bin"
PKG=$(jq_ .id)
jcall "$ADM" POST /plans "$(printf '{"name":"q","product":"meter","mode":"silent","window":%s,"components":[{"component":"module","package_id":%s}]}' "$(window_json)" "$PKG")"
PID=$(jq_ .id)
acall "$ADM" POST "/plans/$PID/activate"
is "plan active" "$(jq_ .state)" active

checkin() {  # checkin DEVICE HEADER...: sets CODE, BODY
  local d=$1; shift
  call POST /device/checkin "$@" -H 'Content-Type: application/json' \
    -d "{\"device\":\"$d\",\"product\":\"meter\",\"versions\":{\"module\":\"1.1.0\"},\"battery\":80}"
}
# 29 first check-ins, each writes its offer: the pool now queues check-ins
bad=0
for i in $(seq 29); do
  checkin "dev-$i" -H "X-Device-Key: $DKEY"
  [ "$CODE" = 200 ] && [ "$(jq_ .job.id)" != null ] || bad=$((bad + 1))
  echo "$(jq_ .job.id)" >"$TMP/job.$i"
done
is "29 first check-ins offered their jobs" "$bad" 0

checkin dev-5 -H "X-Device-Key: nope"
expect_err "a wrong key, queued" 401 unauthorized
is "  the header is named" "$(jq_ .error.field)" X-Device-Key
checkin dev-5 -H "X-Device-Token: $TOK30"
expect_err "another device's token, queued" 403 forbidden
checkin dev-30 -H "X-Device-Token: $TOK30"
is "dev-30 with its own token: 200" "$CODE" 200
ok "  offered its job" test "$(jq_ .job.id)" != null
checkin dev-7 -H "X-Device-Key: $DKEY"
is "dev-7 again: 200" "$CODE" 200
is "  the same job re-sent" "$(jq_ .job.id)" "$(cat "$TMP/job.7")"

call GET //metrics
metric() { printf '%s\n' "$BODY" | sed -n "s/^$1 //p"; }
is "ota_checkins_total counts the authenticated check-ins" "$(metric ota_checkins_total)" 31
is "ota_checkin_writes_total counts the ones that wrote" "$(metric ota_checkin_writes_total)" 30
is "failed logins counted: one 401" "$(metric 'ota_auth_failures_total{kind="device_key"}')" 1
checkin dev-5 -H "X-Device-Key: nope"; checkin dev-5 -H "X-Device-Key: nope"
checkin dev-5 -H "X-Device-Key: $DKEY"
expect_err "the third failure throttles the address, a good key too" 429 rate_limited
ok "the log names the device product of a queued check-in" grep -q 'POST /api/v1/device/checkin 200 .* device:meter' "$LOG"

# After a restart the warm-up thread fills the caches; answers are the same.
otad_stop
is "otad stopped cleanly" "$OTAD_RC" 0
otad_start --threads 2
healthy "right after the restart"
bad=0
for i in $(seq 29); do
  checkin "dev-$i" -H "X-Device-Key: $DKEY"
  [ "$CODE" = 200 ] && [ "$(jq_ .job.id)" = "$(cat "$TMP/job.$i")" ] || bad=$((bad + 1))
done
is "after the restart every device gets the same job" "$bad" 0
i=0; while ! grep -q 'caches warm: 30 devices' "$LOG" && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done
ok "the warm-up read the fleet" grep -q 'caches warm: 30 devices' "$LOG"
call GET //metrics
is "no check-in wrote after the restart" "$(metric ota_checkin_writes_total)" 0
done_testing
