#!/bin/sh
# hawkBit DDI end to end with Debian's stock swupdate (suricatta mode)
# against a real otad on loopback: a signed .swu built here is uploaded,
# a silent plan upgrades one device, fails another, defers a low-battery
# one, and a terminated plan's offer is cancelled and acknowledged.
# Bounded in time; every swupdate is stopped by the exit trap.
. "${OTA_SRCDIR:-$(dirname "$0")/../..}/tests/http/ddi_lib.sh"

ddi_build_swu
ddi_otad_start
ddi_product
SHA1=$(sha1sum "$SWU" | cut -d' ' -f1)
# A package stored before SHA-1/MD5 were recorded: otad fills them in.
sqlite3 -cmd '.timeout 5000' "$DB" "UPDATE package_files SET sha1='', md5='' WHERE package=$PKG"

now=$(date -u +%s)
win_start=$(date -u -d "@$((now - 3600))" +%Y-%m-%dT%H:%M:%SZ)
win_end=$(date -u -d "@$((now + 86400))" +%Y-%m-%dT%H:%M:%SZ)
plan_json() {  # plan_json NAME MODE MIN_BATTERY
  printf '{"name":"%s","product":"%s","mode":"%s","blacklist":[],"whitelist":[],
  "strategy":{"retries":0,"min_rsrp":-140,"min_battery":%s},
  "window":{"start":"%s","end":"%s"},"components":[{"component":"os","package_id":%s}]}' \
    "$1" "$PRODUCT" "$2" "$3" "$win_start" "$win_end" "$PKG"
}
is "silent plan created" "$(api POST /api/v1/plans -H 'Content-Type: application/json' \
  -d "$(plan_json 'ddi silent' silent 20)")" 201
PLAN=$(jget "$TMP/r.json" '$.id')
is "silent plan activated" "$(api POST "/api/v1/plans/$PLAN/activate")" 200

# ---------------------------------------------------------------- protocol
is "poll without a token: 401" "$(curl -s -o /dev/null -w '%{http_code}' "$URL/$PRODUCT/controller/v1/probe")" 401
is "poll with a wrong gateway token: 401" "$(curl -s -o /dev/null -w '%{http_code}' \
  -H 'Authorization: GatewayToken nope' "$URL/$PRODUCT/controller/v1/probe")" 401
is "poll registers the device" "$(ddi probe GET '')" 200
is "poll carries the server's sleep" "$(jget "$TMP/d.json" '$.config.polling.sleep')" 00:00:01
like "an unreported device is asked for configData" "$(jget "$TMP/d.json" '$._links.configData.href')" \
  "^$URL/$PRODUCT/controller/v1/probe/configData$"
is "no battery reported, min 20: no deployment" "$(jget "$TMP/d.json" '$._links.deploymentBase.href')" ""
is "configData answered 200" "$(ddi probe PUT /configData -d '{"id":"","time":"20261124T042059","status":{"result":{"finished":"success"},"execution":"closed","details":[""]},"data":{"battery":"90","rsrp":"-95","version.os":"1.0.0","board":"evk"}}')" 200
ddi probe GET '' >/dev/null
is "reported device is not asked again" "$(jget "$TMP/d.json" '$._links.configData.href')" ""
DEPLOY=$(jget "$TMP/d.json" '$._links.deploymentBase.href')
like "battery 90 now: deploymentBase offered" "$DEPLOY" "/deploymentBase/[0-9]+"
PROBE_JOB=$(printf '%s' "$DEPLOY" | sed 's/.*deploymentBase\/\([0-9]*\).*/\1/')
is "deploymentBase answered" "$(curl -s -o "$TMP/d.json" -w '%{http_code}' -H "Authorization: GatewayToken $DKEY" "$DEPLOY")" 200
is "deployment forced in silent mode" "$(jget "$TMP/d.json" '$.deployment.update')/$(jget "$TMP/d.json" '$.deployment.download')" forced/forced
is "chunk part/name/version from the plan" "$(jget "$TMP/d.json" '$.deployment.chunks[0].part')/$(jget "$TMP/d.json" '$.deployment.chunks[0].name')/$(jget "$TMP/d.json" '$.deployment.chunks[0].version')" os/os/2.0.0
is "artifact sha1 filled in for an old package" "$(jget "$TMP/d.json" '$.deployment.chunks[0].artifacts[0].hashes.sha1')" "$SHA1"
is "artifact md5" "$(jget "$TMP/d.json" '$.deployment.chunks[0].artifacts[0].hashes.md5')" "$(md5sum "$SWU" | cut -d' ' -f1)"
is "artifact size" "$(jget "$TMP/d.json" '$.deployment.chunks[0].artifacts[0].size')" "$(stat -c %s "$SWU")"
ART=$(jget "$TMP/d.json" '$.deployment.chunks[0].artifacts[0]._links.download-http.href')
is "artifact HEAD" "$(curl -s -I -o /dev/null -w '%{http_code}' -H "Authorization: GatewayToken $DKEY" "$ART")" 200
curl -s -o "$TMP/range.bin" -H "Authorization: GatewayToken $DKEY" -H 'Range: bytes=0-9' "$ART"
is "artifact Range: first 10 bytes" "$(od -An -tx1 "$TMP/range.bin")" "$(head -c 10 "$SWU" | od -An -tx1)"
is "artifact without a token: 401" "$(curl -s -o /dev/null -w '%{http_code}' "$ART")" 401
is "feedback for another device's job refused: 404" "$(ddi intruder POST "/deploymentBase/$PROBE_JOB/feedback" \
  -d '{"id":1,"status":{"execution":"closed","result":{"finished":"success"}}}')" 404
is "lenient feedback (tab, stray byte) answered 200" "$(printf '{"id":"%s","time":"20261124T042059","status":{"result":{"progress":{"cnt":0,"of":1},"finished":"none"},"execution":"proceeding","details":["tab\there \377"]}}' "$PROBE_JOB" \
  | ddi probe POST "/deploymentBase/$PROBE_JOB/feedback" --data-binary @-)" 200
is "proceeding moved the probe to downloading" "$(job_state "$PLAN" probe)" downloading
ddi probe POST "/deploymentBase/$PROBE_JOB/feedback" -d '{"status":{"execution":"rejected","result":{"finished":"none"},"details":["  user said no  "]}}' >/dev/null
is "rejected -> failed" "$(job_state "$PLAN" probe)" failed
is "rejected: details as the error" "$(job_field "$PLAN" probe error)" "rejected by the device: user said no"
ddi probe POST "/deploymentBase/$PROBE_JOB/feedback" -d '{"status":{"execution":"closed","result":{"finished":"success"}}}' >/dev/null
is "late success after failure changes nothing" "$(job_state "$PLAN" probe)" failed

# ---------------------------------------------------- a real swupdate: success
swu_start dev-ok 80 ""
ok "dev-ok: payload written by swupdate" wait_for 40 grep -qx "$PAYLOAD" "$TMP/target/installed.bin"
ok "dev-ok: job reaches installing" wait_for 20 state_is "$PLAN" dev-ok installing
like "dev-ok: plan status went downloading -> installing" "$(job_path "$PLAN" dev-ok)" "downloading installing$"
api GET "/api/v1/plans/$PLAN/status" >/dev/null
is "plan status counts one installing" "$(jget "$TMP/r.json" '$.counts.installing')" 1
swu_stop dev-ok
# The restarted agent's identify list has no version: the version shown
# next must be the one the engine recorded on success.
swu_start dev-ok 80 "-c 2" ""
ok "dev-ok: restarted with -c 2, job succeeded" wait_for 30 state_is "$PLAN" dev-ok succeeded
is "dev-ok: device's version is the target" "$(device_version dev-ok os)" 2.0.0
ddi dev-ok GET '' >/dev/null
is "dev-ok: no deployment after success" "$(jget "$TMP/d.json" '$._links.deploymentBase.href')" ""
OK_JOB=$(grep -o 'deploymentBase/[0-9]*' "$TMP/sw-dev-ok/log" | head -1 | cut -d/ -f2)
swu_stop dev-ok
attrs=$(sqlite3 -cmd '.timeout 5000' "$DB" "SELECT attrs FROM devices WHERE device_id='dev-ok'")
like "dev-ok: identify attributes kept" "$attrs" '"board":"evk-rev-b"'

# ---------------------------------------------------- a real swupdate: failure
rm -f "$TMP/target/installed.bin"
swu_start dev-fail 80 ""
ok "dev-fail: job reaches installing" wait_for 40 state_is "$PLAN" dev-fail installing
swu_stop dev-fail
swu_start dev-fail 80 "-c 3" ""
ok "dev-fail: restarted with -c 3, job failed" wait_for 30 state_is "$PLAN" dev-fail failed
like "dev-fail: the agent's details are the error" "$(job_field "$PLAN" dev-fail error)" "Update Failed"
swu_stop dev-fail

# ------------------------------------------------ low battery: deferred
rm -f "$TMP/target/installed.bin"
swu_start dev-low 5 ""
ok "dev-low: reported battery 5" wait_for 20 sh -c "sqlite3 -cmd '.timeout 5000' '$DB' \"SELECT battery FROM devices WHERE device_id='dev-low'\" | grep -qx 5"
# several more polls, each a check-in that could have offered the job
ok "dev-low: kept polling" wait_for 20 sh -c "[ \$(grep -c 'controller/v1/dev-low\$' '$TMP/sw-dev-low/log') -ge 6 ]"
is "dev-low: deferred (pending)" "$(job_state "$PLAN" dev-low)" pending
is "dev-low: reason battery" "$(job_field "$PLAN" dev-low reason)" battery
swu_stop dev-low
fails "dev-low: never fetched a deployment" grep -q 'deploymentBase' "$TMP/sw-dev-low/log"
fails "dev-low: nothing installed" test -e "$TMP/target/installed.bin"

is "silent plan terminated" "$(api POST "/api/v1/plans/$PLAN/terminate")" 200
ddi dev-low GET '' >/dev/null
is "dev-low: never shown the job, so no cancelAction" "$(jget "$TMP/d.json" '$._links.cancelAction.href')" ""
is "duplicate feedback on a finished job: still 200" "$(ddi dev-ok POST "/deploymentBase/$OK_JOB/feedback" \
  -d '{"status":{"execution":"proceeding","result":{"finished":"none"},"details":["Installed Chunk."]}}')" 200
is "...and the job stays succeeded" "$(job_state "$PLAN" dev-ok)" succeeded

# ------------------------------------ confirm mode, cancel on terminate
is "confirm plan created" "$(api POST /api/v1/plans -H 'Content-Type: application/json' \
  -d "$(plan_json 'ddi confirm' confirm 0)")" 201
PLAN2=$(jget "$TMP/r.json" '$.id')
is "confirm plan activated" "$(api POST "/api/v1/plans/$PLAN2/activate")" 200
ddi dev-conf PUT /configData -d '{"id":"","data":{"version.os":"1.0.0"}}' >/dev/null
ddi dev-conf GET '' >/dev/null
CONF=$(jget "$TMP/d.json" '$._links.confirmationBase.href')
like "confirm mode: confirmationBase, not deploymentBase" "$CONF|$(jget "$TMP/d.json" '$._links.deploymentBase.href')" "/confirmationBase/[0-9]+.*\|$"
CJOB=$(printf '%s' "$CONF" | sed 's/.*confirmationBase\/\([0-9]*\).*/\1/')
is "confirmationBase/{action} answered" "$(ddi dev-conf GET "/confirmationBase/$CJOB")" 200
is "...with the chunks to confirm" "$(jget "$TMP/d.json" '$.confirmation.chunks[0].version')" 2.0.0
is "deploymentBase before confirmation: 404" "$(ddi dev-conf GET "/deploymentBase/$CJOB")" 404
is "confirmed feedback answered 200" "$(ddi dev-conf POST "/confirmationBase/$CJOB/feedback" \
  -d '{"confirmation":"confirmed","code":0,"details":["user accepted"]}')" 200
ddi dev-conf GET '' >/dev/null
like "confirmed: deploymentBase offered" "$(jget "$TMP/d.json" '$._links.deploymentBase.href')" "/deploymentBase/$CJOB"

# dev-cancel: a stock swupdate is shown the job (confirmationBase, which it
# does not act on), then the plan is terminated while it is down.
swu_start dev-cancel 80 ""
ok "dev-cancel: shown the job (awaiting confirmation)" wait_for 20 state_is "$PLAN2" dev-cancel awaiting_confirmation
ok "dev-cancel: polled after the offer" wait_for 20 sh -c "[ \$(grep -c 'controller/v1/dev-cancel\$' '$TMP/sw-dev-cancel/log') -ge 4 ]"
swu_stop dev-cancel
is "confirm plan terminated" "$(api POST "/api/v1/plans/$PLAN2/terminate")" 200
swu_start dev-cancel 80 ""
ok "dev-cancel: swupdate acknowledged the cancelAction" wait_for 20 grep -q 'cancelAction/[0-9]*/feedback' "$TMP/sw-dev-cancel/log"
ok "dev-cancel: acknowledgement stored" wait_for 10 sh -c "sqlite3 -cmd '.timeout 5000' '$DB' 'SELECT count(*) FROM ddi_cancels' | grep -qx 1"
swu_stop dev-cancel
ddi dev-cancel GET '' >/dev/null
is "dev-cancel: no cancelAction once acknowledged" "$(jget "$TMP/d.json" '$._links.cancelAction.href')" ""
is "dev-cancel: its job ended failed (plan terminated)" "$(job_state "$PLAN2" dev-cancel)" failed

kill "$OTAD_PID" 2>/dev/null && wait "$OTAD_PID" 2>/dev/null
OTAD_PID=""
done_testing
