#!/bin/sh
# End-to-end at 80x24 against a real otad: what a token's role may do.
#  - a viewer ('vic') is offered no action that can never succeed: the
#    hints drop n, v, d (packages) and n, a, d, p, t (plans), the help greys
#    them and names the role they need, and each key says who may do it in
#    plain words at once (nothing asked, nothing sent, no raw route); the
#    editor opens read-only;
#  - otad's own refusal of a viewer's pause lands in the audit trail with
#    target plan:N, so h on that plan shows it;
#  - an operator's terminate refused in the console for a wrong typed name
#    is recorded too, and h shows that row.
. "${OTA_SRCDIR:-$(dirname "$0")/../..}/tests/lib.sh"
. "$OTA_SRCDIR/tests/contract/lib-otad.sh"
. "$OTA_SRCDIR/tests/e2e/lib-console.sh"
need jq jq

if ! otad_start; then
  echo "not ok 1 - otad starts: $OTAD_WHY"; echo "1..1"; exit 1
fi
RC() { "$OTACTL" --remote "$OTAD_URL" --token "$OTAD_TOKEN" "$@"; }
VIC=$("$OTAD_BIN" token create --db "$OTAD_DB" --role viewer --name vic | tail -1)
OLGA=$("$OTAD_BIN" token create --db "$OTAD_DB" --role operator --name olga | tail -1)

RC product add meter "Smart meter" >/dev/null
RC fleet generate meter 20 --seed 3 >/dev/null
printf 'mcu image\n' > "$TMP/mcu.bin"
RC package add --component mcu --kind full --target 9.0 "$TMP/mcu.bin" >/dev/null
for name in Draft Running; do
  cat > "$TMP/plan.json" <<JSON
{"name":"$name","product":"meter","mode":"silent",
 "strategy":{"retries":1,"min_rsrp":-140,"min_battery":0},
 "window":{"start":"2020-01-01T00:00:00Z","end":"2030-01-01T00:00:00Z"},
 "components":[{"component":"mcu","package_id":1}]}
JSON
  RC plan create "$TMP/plan.json" >/dev/null
done
RC plan activate 2 >/dev/null

# ----------------------------------------------------------------- viewer
S=viewer
start80 $S "$CONSOLE" --remote "$OTAD_URL" --token "$VIC"
check "the status bar shows the viewer's role" $S "\(viewer\) \| connected"
check "packages listed" $S "^ 1 +mcu +full +9\.0"
check "the packages' hints offer what a viewer may do" $S "^Enter details · / filter · s sort · \? help · q quit"
check_gone "and nothing it may not (n new, v verify, d delete)" $S "n new|v verify|d delete"
keys $S d
check "d says who may delete, in plain words" $S \
  "^Deleting a package needs the operator role; your token 'vic' is a viewer"
check_gone "without asking first" $S "Delete package 1"
keys $S n
check "n says who may create a package" $S \
  "^Creating a package needs the operator role; your token 'vic' is a viewer"
check_gone "and opens no form" $S "New package"
keys $S v
check "v says who may verify" $S "^Verifying a package needs the operator role; your token 'vic' is a viewer"
keys $S '?' PgDn
check "the help greys delete and names the role it needs" $S "^ +d +Delete \(asks first; plans only when saved\) \(needs operator\)"
check "and new" $S "^ +n +New package / new plan \(needs operator\)"
check "while what a viewer may do stays plain" $S "^ +/ +Filter"
keys $S q

keys $S 2
check "plans listed" $S "^ 2 +Running +meter"
check "the plans' hints keep history and live status" $S "h history · 3 live"
check_gone "and drop new, activate, delete" $S "n new|a activate|d delete"
keys $S k
check "the running plan selected" $S "p pause|h history"
check_gone "pause and terminate are not offered" $S "p pause|t terminate"
keys $S p
check "p says who may pause" $S "^Pausing a plan needs the operator role; your token 'vic' is a viewer"
keys $S G
keys $S e
check "e opens the saved plan read-only" $S "Plan 1 · saved · revision 1 · read-only"
keys $S x
check "typing in it says who may change a plan" $S "^Changing a plan needs the operator role; your token 'vic' is a viewer"
keys $S Escape
check "back on the plans" $S "^ 2 +Running +meter"

# ------------------------------- otad's refusal, recorded as plan:2, in h
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $VIC" "$OTAD_URL/api/v1/plans/2/pause")
is "otad refuses a viewer's pause" "$code" 403
is "the audit row's target is the plan, not the path" \
  "$(curl -s -H "Authorization: Bearer $OTAD_TOKEN" "$OTAD_URL/api/v1/audit?actor=vic" | jq -r '.items[-1] | .action + " " + .target + " " + .outcome')" \
  "http.forbidden plan:2 forbidden"
keys $S g
check "the running plan selected again" $S "h history"
keys $S h
check "h on plan 2 shows otad's refusal" $S "History of plan 2: [0-9]+ audit rows?"
check "the refused pause, by vic" $S "vic +http\.forbidden +forbidden"
keys $S Escape
keys $S q
wait_until "! $T has-session -t $S" 50

# ------------------------------ operator: a terminate with a wrong name
S=operator
start80 $S "$CONSOLE" --remote "$OTAD_URL" --token "$OLGA"
check "the status bar shows the operator's role" $S "\(operator\) \| connected"
keys $S 2
check "plans listed" $S "^ 2 +Running +meter"
check "an operator is offered the plan actions" $S "n new · e edit"
keys $S g t
check "t asks for the plan's name" $S "Terminate cannot be undone"
text $S "Runing"
keys $S Enter
check "a wrong name: not terminated, and said to be recorded" $S \
  "^Not terminated: the name typed does not match \"Running\" \(recorded in"
like "the plan is still live" "$(RC plan show 2 2>&1)" "active|upgrading"
is "the console's refusal is in the audit trail" \
  "$(curl -s -H "Authorization: Bearer $OTAD_TOKEN" "$OTAD_URL/api/v1/audit?target=plan:2" | jq -r '.items[-1] | .actor + " " + .action + " " + .outcome')" \
  "olga plan.terminate validation_failed"
keys $S h
check "h shows it" $S "olga +plan\.terminate +validation_failed"
keys $S Escape q
wait_until "! $T has-session -t $S" 50

ok "nothing was written to stderr" test ! -s "$TMP/stderr.log"
done_testing
