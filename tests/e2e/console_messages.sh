#!/bin/sh
# End-to-end at 80x24: nothing that matters is cut off.  A message longer
# than the line opens as a wrapped popup (Esc closes it, m brings it back);
# the terminate and activate questions show the whole plan name and the
# keys; a bad file ending lists every allowed ending; refusals name the
# object in words (no error code names); hint bars leave whole hints out
# instead of cutting one; Enter on a history row shows it in full; the
# package detail wraps the remark.  Every wait polls the pane.
. "${OTA_SRCDIR:-$(dirname "$0")/../..}/tests/lib.sh"
. "$OTA_SRCDIR/tests/e2e/lib-console.sh"

DB="$TMP/ota.db"
export USER=ops
LONG="Quarterly modem firmware rollout for the northern region meters, wave one"
REMARK="Field build for the northern region: fixes the modem stall after a brown-out, \
keeps the APN settings, and needs a reboot window of ten minutes. Checked on forty \
meters in the lab. END-OF-REMARK"
CTL product add meter "Smart meter" >/dev/null
CTL fleet generate meter 20 --seed 7 >/dev/null
printf 'mcu image\n' > "$TMP/mcu.bin"
printf 'module image\n' > "$TMP/module.bin"
printf 'not firmware\n' > "$TMP/fw.exe"
CTL package add --component mcu --kind full --target 9.0 "$TMP/mcu.bin" >/dev/null
CTL package add --component module --kind full --target 2.0 --remark "$REMARK" "$TMP/module.bin" >/dev/null
plan() {  # plan NAME PACKAGE [extra JSON]
  cat > "$TMP/p.json" <<JSON
{"name":"$1","product":"meter","mode":"silent",
 "strategy":{"retries":1,"min_rsrp":-140,"min_battery":0},
 "window":{"start":"2020-01-01T00:00:00Z","end":"2090-01-01T00:00:00Z"},
 "components":[{"component":"$2","package_id":$3}]${4:-}}
JSON
  CTL plan create "$TMP/p.json" >/dev/null
}
plan "$LONG" mcu 1
CTL plan activate 1 >/dev/null
plan "$LONG (draft)" mcu 1
plan "signed only" module 2 ',"required_signatures":1'
# core's reason for refusing it, as otactl prints it (code and field first)
WHY=$(CTL plan activate 3 2>&1 | sed 's/^otactl: [a-z_]*: [a-z_]*: //')

# the screen as one line: a wrapped text reads whole again (rows joined
# by a space, as the wrap broke them at one)
joined() { screen "$1" | tr '\n' ' ' | tr -s ' '; }
# check_joined "description" SESSION FIXED-TEXT: the text on screen, maybe wrapped
check_joined() {
  TAP_N=$((TAP_N+1))
  if wait_until "joined $2 | grep -qF -- \"\$(printf '%s' '$3')\"" 100; then echo "ok $TAP_N - $1"
  else echo "not ok $TAP_N - $1"; TAP_FAILED=$((TAP_FAILED+1)); screen "$2" | sed 's/^/#   | /'; fi
}
hint_line() { screen "$1" | sed -n 23p; }
no_cut() { ok "$1" sh -c '! printf "%s" "$1" | grep -qF "…"' _ "$2"; }

S=msg
start80 $S "$CONSOLE" --db "$DB"
check "the console opens at 80x24" $S "Packages: 2 "

# ------------------------------------------------------------- hint bars
check "the packages' hint bar keeps help" $S "· \? help"
no_cut "and cuts no hint: it leaves whole ones out" "$(hint_line $S)"

# ------------------------------------------------------ package detail remark
keys $S Enter
check "Enter opens the newest package's detail" $S "Package 2"
check_joined "the remark is wrapped, shown to its last word" $S "$REMARK"
keys $S Escape

# ------------------------------------------------ a refusal, whole and in words
keys $S G d
check "delete asks first" $S "Delete package 1 \(mcu 9.0\)\? \[y/N\]"
keys $S y
check_joined "a refused delete names the package and the plan that needs it, whole" $S \
  "Package 1 (mcu 9.0) not deleted: package 1 is used by plan 1 (active)"
TAP_N=$((TAP_N+1))
if screen $S | sed -n 1,23p | grep -q "in_use"; then
  echo "not ok $TAP_N - in words: no error code name"; TAP_FAILED=$((TAP_FAILED+1))
else echo "ok $TAP_N - in words: no error code name"; fi
keys $S g

# ------------------------------------------ a bad file ending: every ending
keys $S n
check "the package form" $S "New package"
text $S "app"; keys $S Tab Tab
text $S "1.0"; keys $S Tab Tab
check "focus on the add-file row" $S "\+ add a file"
keys $S Enter
text $S "$TMP/fw.exe"; keys $S Enter
check_joined "a bad file ending lists every allowed ending, the last included" $S \
  "\"fw.exe\": file name must end in one of .bin .zip"
check "down to .swu" $S "\.swu"
keys $S Escape y
check "back on the packages" $S "Packages: 2 "

# ------------------------------------------- questions shown whole, with keys
keys $S 2
check "the plans pane" $S "Plans: 3 "
check "the plans' hint bar keeps help" $S "· \? help"
no_cut "and cuts no hint" "$(hint_line $S)"
keys $S G t
check_joined "terminate shows the whole question with the whole plan name" $S \
  "Terminate cannot be undone. Type the plan name ($LONG):"
text $S "wrong"; keys $S Enter
check "a wrong name does not terminate" $S "Not terminated"
keys $S k a
check_joined "activate shows the whole question and its keys" $S \
  "Activate plan 2 \"$LONG (draft)\"? Devices start upgrading. [y/N]"
keys $S n
check "n cancels" $S "Cancelled"

# ---------------------------------------------- a refusal in words, history
keys $S g a y
check "activation of the unsigned plan is refused" $S "Could not activate plan 3 \"signed only\""
check "longer than the line: a popup" $S "Error · Esc closes it, m shows it again"
check_joined "with the whole reason" $S "required signatures: $WHY"
keys $S Escape
check_gone "Esc closes the popup" $S "Esc closes it"
check "the list is whole again" $S "^ 1 +Quarterly"
keys $S m
check "m shows the last message again" $S "Could not activate plan 3 \"signed only\""
keys $S Escape
check_gone "and Esc closes it again" $S "Esc closes it"
TAP_N=$((TAP_N+1))
if screen $S | sed -n 1,23p | grep -q "validation_failed"; then
  echo "not ok $TAP_N - the refusal is in words, no code name"; TAP_FAILED=$((TAP_FAILED+1))
  screen $S | sed 's/^/#   | /'
else echo "ok $TAP_N - the refusal is in words, no code name"; fi
keys $S h
check "h lists the plan's history" $S "History of plan 3: 3 audit rows"
keys $S Down Down Enter
check "Enter shows the row in full" $S "History of plan 3: row 3 of 3"
check "every field of it" $S "Outcome +validation_failed"
check "its actor" $S "Actor +local:ops"
check_joined "and its detail, whole" $S "$WHY"
keys $S Escape
check "Esc goes back to the list" $S "History of plan 3: 3 audit rows"
keys $S Escape q
done_testing
