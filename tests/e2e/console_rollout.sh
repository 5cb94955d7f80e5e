#!/bin/sh
# End-to-end at 80x24: a staged plan made in the console's editor (two
# waves, a maintenance window in a picked zone), bad input refused with the
# field named, both saved (otactl plan show, the editor reopened), the
# preview's devices per wave, the waves table in live status, the next
# wave opened with A (asked first), and the sub-forms read-only once the
# plan is active.  Every wait polls the pane.
. "${OTA_SRCDIR:-$(dirname "$0")/../..}/tests/lib.sh"
. "$OTA_SRCDIR/tests/e2e/lib-console.sh"
need jq jq

DB="$TMP/ota.db"
CTL product add meter "Smart meter" >/dev/null
CTL fleet generate meter 200 --seed 7 >/dev/null
printf 'mcu image\n' > "$TMP/mcu.bin"
CTL package add --component mcu --kind full --target 9.0 "$TMP/mcu.bin" >/dev/null
[ -r "${TZDIR:-/usr/share/zoneinfo}/Europe/Berlin" ] ||
  { echo "Bail out! $(basename "$0"): needs tzdata (Debian package tzdata; ./quickstart installs it)"; exit 1; }

S=roll
$T new-session -d -s $S -x 80 -y 24 \
  "env TERM=xterm-256color LANG=C.UTF-8 LC_ALL=C.UTF-8 TZ=UTC HOME=$HOME XDG_CONFIG_HOME=$XDG_CONFIG_HOME $CONSOLE --db $DB 2>>$TMP/stderr.log"
check "the console opens at 80x24" $S "Packages: 1 "
keys $S 2
check "plans pane" $S "Plans: 0"
keys $S n
check "n opens the plan editor" $S "New plan"
check "the editor has a Rollout row" $S "Rollout +\[all at once"
check "and a Maintenance row" $S "Maintenance \[any time"
text $S "Staged e2e"
keys $S Tab Enter
check "the product picker" $S "meter +Smart meter"
keys $S Enter
check "the product is chosen" $S "\[meter"
# name, product, mode, retries, rsrp, battery, start, end, black, white: the
# 9th Tab from the product reaches Rollout
keys $S Tab Tab Tab Tab Tab Tab Tab Tab Tab Enter
check "Enter on Rollout opens its sub-form" $S "Rollout of plan Staged e2e"
keys $S Space
check "Space turns waves on" $S "\(\*\) in waves"
keys $S Tab C-u
text $S "10% 50"
check "a last wave that is not 100% is refused, core naming the field" $S \
  'rollout.waves\[1\].size: the last wave is "100%"'
keys $S C-u
text $S "10% half"
check "a word for a size is refused naming the wave" $S \
  'rollout.waves\[1\].size: "N%" or a device count, got "half"'
keys $S C-u
text $S "10% 100%"
check_gone "a good size clears the message" $S "rollout.waves"
check "the waves are listed" $S "wave 1: 10% · wave 2: 100%"
keys $S Tab C-u
text $S "101"
check "a success threshold over 100 is refused" $S "rollout.success_threshold: between 0 and 100"
keys $S C-u
text $S "90"
keys $S Tab C-u
text $S "600"
keys $S Tab Space
check "advance becomes manual" $S "\( \) auto  \(\*\) manual"
keys $S Tab C-u
text $S "5"
keys $S Tab C-u
text $S "3"
keys $S Escape
check "Esc goes back to the plan with the rollout summed up" $S "Rollout +\[2 waves 10% 100% · manual · brake 5%"

keys $S Tab Enter
check "Enter on Maintenance opens its sub-form" $S "Maintenance of plan Staged e2e"
keys $S Space
check "Space turns windows on" $S "\(\*\) inside windows"
check "with one window to start from" $S "1 +\[mon\]\[tue\]\[wed\]\[thu\]\[fri\]\[sat\]\[sun\] +01:00 +→ 05:00"
keys $S Tab C-u
text $S "Mars/Olympus"
check "an unknown zone is refused naming maintenance.timezone" $S "maintenance.timezone"
keys $S C-u Enter
check "Enter opens the zone picker" $S "Time zone \(type to search\)"
text $S "berlin"
check "the picker searches the zone names" $S "Europe/Berlin"
keys $S Enter
check "the zone is picked" $S "Time zone +Europe/Berlin"
check_gone "and the zone message goes" $S "maintenance.timezone"
keys $S Tab Space
check "device time zone on" $S "\( \) off  \(\*\) on"
keys $S Tab 6 7
check "6 and 7 toggle sat and sun off" $S "\[fri\] sat  sun "
keys $S Tab C-u
text $S "25:00"
check "a bad start time is refused naming the window's field" $S "maintenance.windows\[0\].start: "
keys $S C-u
text $S "02:00"
keys $S Tab C-u
text $S "04:30"
check_gone "good times clear it" $S "maintenance.windows"
keys $S Escape
check "the maintenance summed up" $S "Maintenance \[Europe/Berlin mon-fri 02:00-04:30 · device zone"

keys $S Tab Enter
check "the component picker" $S "Add a component"
keys $S Enter
check "the version picker" $S "Version of mcu"
keys $S Enter
keys $S C-s
check "^S creates the plan" $S "Created plan 1 \"Staged e2e\""

CTL plan show 1 > "$TMP/show.txt"
TAP_N=$((TAP_N+1))
if grep -q "waves  *10%, 100%" "$TMP/show.txt" && grep -q "success 90%, failure 5% after 3 finished" "$TMP/show.txt" &&
   grep -q "advance  *manual, soak 600s" "$TMP/show.txt" && grep -q "Europe/Berlin" "$TMP/show.txt" &&
   grep -q "mon,tue,wed,thu,fri 02:00-04:30" "$TMP/show.txt"; then
  echo "ok $TAP_N - otactl plan show has the waves, thresholds and the window"
else echo "not ok $TAP_N - otactl plan show has the waves, thresholds and the window"; sed 's/^/#   /' "$TMP/show.txt"
  TAP_FAILED=$((TAP_FAILED+1)); fi
TAP_N=$((TAP_N+1))
if CTL --json plan show 1 | grep -q '"device_timezone": *true'; then echo "ok $TAP_N - the device time zone is saved"
else echo "not ok $TAP_N - the device time zone is saved"; TAP_FAILED=$((TAP_FAILED+1)); fi

keys $S C-p
check "the preview shows devices per wave" $S "per wave: 10% 20 · 100% 180"
keys $S Escape
check "back in the plans list" $S "1 +Staged e2e +meter +saved"
keys $S e
check "the editor reopens the saved rollout" $S "Rollout +\[2 waves 10% 100% · manual · brake 5%"
check "and the saved maintenance" $S "Maintenance \[Europe/Berlin mon-fri 02:00-04:30"
keys $S Escape
keys $S a
check "activate asks first" $S "Activate plan 1"
keys $S y
check "the plan is active" $S "now active"
keys $S 3
check "live status shows the plan" $S "Plan 1 \"Staged e2e\""
check "and its waves table" $S "Wave +Size +Devices +State +Succeeded +Failed"
check "with the first wave" $S "1 +10% "
check "and the second" $S "2 +100% "
check "advance manual is said" $S "advance manual"
check "the device table still fits under it" $S "dev-000001"
check "the hints offer the next wave" $S "A next wave"
keys $S A
check "advance asks first" $S "Open the next wave of plan 1"
keys $S y
check "the next wave opens" $S "the next wave is open"
TAP_N=$((TAP_N+1))
if [ "$(CTL --json plan status 1 | jq -r .current_wave)" = 1 ]; then echo "ok $TAP_N - the engine's current wave is the second"
else echo "not ok $TAP_N - the engine's current wave is the second"; TAP_FAILED=$((TAP_FAILED+1)); fi
check_gone "past the last wave the hint is gone" $S "A next wave"
keys $S e
check "an active plan opens read-only" $S "read-only"
keys $S Tab Tab Tab Tab Tab Tab Tab Tab Tab Tab Enter
check "its rollout is shown read-only" $S "Rollout of plan Staged e2e · read-only"
keys $S Tab 7
check "edits are refused" $S "not editable"
check "and the waves are unchanged" $S "Waves +10% 100% "
keys $S Escape
check_gone "moving through a read-only form changes nothing" $S "modified"
keys $S Escape
check "back in the plans list" $S "1 +Staged e2e +meter +active"
# The brake of a plan with on_failure rollback saves rollback drafts; o in
# its live status opens the first one in the editor.
CTL product add roll "Rollback meter" >/dev/null
CTL fleet generate roll 100 --prefix roll --versions "module=1.0" >/dev/null
printf 'fw-1.0' > "$TMP/m10.bin"
printf 'fw-2.0' > "$TMP/m20.bin"
CTL package add --component module --kind full --target 1.0 "$TMP/m10.bin" >/dev/null
P20=$(CTL --json package add --component module --kind full --target 2.0 "$TMP/m20.bin" | jq -r .id)
cat > "$TMP/rb.json" <<JSON
{"name":"Rollback e2e","product":"roll","mode":"silent","strategy":{"retries":0,"min_rsrp":-140,"min_battery":0},
 "window":{"start":"$(date -u -d '-1 hour' +%FT%TZ)","end":"$(date -u -d '+100 hour' +%FT%TZ)"},
 "rollout":{"waves":[{"size":"100%"}],"success_threshold":100,"failure_threshold":20,"min_finished":10,
            "soak_seconds":0,"advance":"auto","on_failure":"rollback"},
 "components":[{"component":"module","package_id":$P20}]}
JSON
RB=$(CTL --json plan create "$TMP/rb.json" | jq -r .id)
CTL plan activate "$RB" >/dev/null
CTL sim --plan "$RB" --until-done --rate 0.3 --failure-rate 0.6 --seed 3 >/dev/null
DRAFT=$(CTL --json plan status "$RB" | jq -r '.rollback_plans[0]')
TAP_N=$((TAP_N+1))
if [ "$DRAFT" != null ] && [ -n "$DRAFT" ]; then echo "ok $TAP_N - the brake saved rollback draft plan $DRAFT"
else echo "not ok $TAP_N - the brake saved a rollback draft"; TAP_FAILED=$((TAP_FAILED+1)); fi
keys $S 2 R
check "the plans list shows the braked plan" $S "Rollback e2e +roll +terminated"
keys $S /
text $S "Rollback e2e"
keys $S Enter
check "filtered to the plan and its saved draft" $S "Rollback e2e.* roll +saved"
keys $S j 3
check "live status of the braked plan" $S "Plan $RB \"Rollback e2e\""
check "its hints offer the draft" $S "o rollback draft"
keys $S o
check "o opens the draft in the editor" $S "Rollback e2e rollback 1"
keys $S Escape
ok "nothing was written to stderr" test ! -s "$TMP/stderr.log"
done_testing
