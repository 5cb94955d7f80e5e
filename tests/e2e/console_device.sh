#!/bin/sh
# End-to-end: the console's device detail.  Against a real otad (where a
# hawkBit agent reports attributes with configData): live status of an
# active plan, Enter on a device row shows its versions, last RSRP, battery,
# last seen and attributes in place of the device table; Esc goes back.
# The status bar's role comes from GET /whoami: a viewer's console start
# leaves no forbidden row in the audit trail.
. "${OTA_SRCDIR:-$(dirname "$0")/../..}/tests/lib.sh"
. "$OTA_SRCDIR/tests/contract/lib-otad.sh"
. "$OTA_SRCDIR/tests/e2e/lib-console.sh"

if ! otad_start; then
  echo "not ok 1 - otad starts: $OTAD_WHY"; echo "1..1"; exit 1
fi
RC() { "$OTACTL" --remote "$OTAD_URL" --token "$OTAD_TOKEN" "$@"; }

ok "a plan for meter's devices on otad" remote_plan "Detail plan" "$(printf 'id,module,rsrp,battery\nd-1,1.0.0,-90,80\nd-2,1.0.0,-100,60\n')"
# d-1's agent reports (a check-in: it gets its job) with two attributes
code=$(curl -s -o /dev/null -w '%{http_code}' -X PUT -H "Authorization: GatewayToken $DKEY" \
  -H 'Content-Type: application/json' \
  -d '{"id":"","data":{"battery":"77","board":"evk-2","serial":"SN-42"}}' \
  "$OTAD_URL/meter/controller/v1/d-1/configData")
is "the agent's configData is accepted" "$code" 200

S=detail
start $S "$CONSOLE" --remote "$OTAD_URL" --token "$OTAD_TOKEN"
keys $S 2
check "the plan is listed" $S "1 +Detail plan +meter"
keys $S 3
check "live status lists the device with a job" $S "^ *d-1 +offered"
keys $S /
check "/ asks for a state" $S "Show devices in state"
text $S offered; keys $S Enter
check "only the offered device is left" $S "Devices: offered .* 1 shown"
keys $S Enter
check "Enter opens the device detail" $S "Device d-1 · product meter"
check "  with its versions" $S "Versions: module=1\.0\.0"
check "  last RSRP, battery and last seen" $S "Last RSRP -90 dBm · battery 77% · last seen 20[0-9][0-9]-"
check "  and the attributes, sorted" $S "^ *board: evk-2"
check "  all of them" $S "^ *serial: SN-42"
check "the rest of the pane stays: counts" $S "pending [0-9]+ +offered"
check "  and recent events" $S "Recent events"
keys $S Escape
check "Esc goes back to the device table" $S "Devices: offered"
check_gone "  and the detail is gone" $S "Device d-1 · product"
check "the console is still in live status" $S "Plan 1 \"Detail plan\""
keys $S q
check "q leaves live status for the plans" $S "Plans: 1"
keys $S q
wait_until "! $T has-session -t $S" 50
ok "the console quits" sh -c "! $T has-session -t $S 2>/dev/null"

# ------------------------------------------------- the role, from whoami
VIEWER=$("$OTAD_BIN" token create --db "$OTAD_DB" --role viewer --name wall | tail -1)
V=viewer
start $V "$CONSOLE" --remote "$OTAD_URL" --token "$VIEWER"
check "a viewer token: the status bar shows its role" $V "remote: .* \(viewer\) \| connected"
keys $V q
wait_until "! $T has-session -t $V" 50
n=$(RC --json audit --actor wall | python3 -c 'import json,sys; print(len([r for r in json.load(sys.stdin)["items"] if r["outcome"] == "forbidden"]))')
is "the viewer's console start left no forbidden row in the audit trail" "$n" 0

done_testing
