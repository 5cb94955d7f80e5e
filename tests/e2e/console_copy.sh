#!/bin/sh
# End-to-end at 80x24: ^O in the plan editor copies components from another
# plan.  Where both plans have a component in different versions it asks,
# for each, whether to keep this plan's or copy the other's; Esc copies
# nothing; and the message says what changed ("module 1.1.0→1.3.0 kept,
# mcu 2.0→2.1 copied, app 3.0 added"), in full on the message line.
. "${OTA_SRCDIR:-$(dirname "$0")/../..}/tests/lib.sh"
. "$OTA_SRCDIR/tests/e2e/lib-console.sh"

DB="$TMP/ota.db"
CTL product add meter "Smart meter" >/dev/null
pkg() { printf '%s\n' "$*" > "$TMP/f.bin"; CTL package add "$@" "$TMP/f.bin" >/dev/null; }
pkg --component module --kind diff --source 1.1.0 --target 1.3.0   # 1
pkg --component module --kind full --target 1.2.0                  # 2
pkg --component mcu --kind full --target 2.0                       # 3
pkg --component mcu --kind full --target 2.1                       # 4
pkg --component app --kind full --target 3.0                       # 5
saved_plan "Field plan" '[{"component":"module","package_id":1},{"component":"mcu","package_id":3}]'
saved_plan "Night plan" '[{"component":"module","package_id":2},{"component":"mcu","package_id":4},{"component":"app","package_id":5}]'
components_are() {  # components_are PKG...: plan 1's stored package ids, in order
  got=$(CTL plan show 1 --json | grep -o '"package_id": *[0-9]*' | grep -o '[0-9]*$' | tr '\n' ' ')
  [ "$got" = "$* " ] || { echo "got: $got"; return 1; }
}

S=copy
start80 $S "$CONSOLE" --db "$DB"
check "the console opens at 80x24" $S "Packages: 5 "
keys $S 2; wait_for $S "Field plan" >/dev/null
keys $S j e
check "the editor opens on plan 1" $S "Plan 1 · saved"
check "its module is the diff picked by hand" $S "module +1\.1\.0 → 1\.3\.0 +\(diff, package 1\)"

# ---------------------------------------------- Esc: nothing copied
keys $S C-o
check "^O asks which plan to copy from" $S "Copy components from plan"
keys $S Enter
check "module differs: asked first, with both versions" $S \
  "module differs \(1 of 2\): keep this plan's or copy plan 2's\?"
check "keeping names this plan's version" $S "keep module 1\.1\.0→1\.3\.0 \(this plan, package 1\)"
check "copying names the other plan's" $S "copy module 1\.2\.0 \(plan 2 \"Night plan\", package 2\)"
check "and all that are left can be decided at once" $S "keep this plan's version of this and the 1 other that differ"
keys $S Escape
check "Esc: cancelled" $S "^Cancelled"
check "nothing copied: mcu is still 2.0" $S "mcu +2\.0 +\(full, package 3\)"
check_gone "and no app" $S "app +3\.0"

# ------------------------------------ keep module, copy mcu
keys $S C-o; wait_for $S "Copy components from plan" >/dev/null
keys $S Enter
wait_for $S "module differs \(1 of 2\)" >/dev/null
keys $S Enter
check "then mcu is asked about" $S "mcu differs \(2 of 2\): keep this plan's or copy plan 2's\?"
check "the last one has no 'all that are left'" $S "copy mcu 2\.1 \(plan 2 \"Night plan\", package 4\)"
check_gone "(no others left)" $S "the 0 others"
keys $S Down Enter
check "the message says what changed, in full at 80 columns" $S \
  "^From plan 2: module 1\.1\.0→1\.3\.0 kept, mcu 2\.0→2\.1 copied, app 3\.0 added\$"
check "module kept the version picked by hand" $S "module +1\.1\.0 → 1\.3\.0 +\(diff, package 1\)"
check "mcu copied" $S "mcu +2\.1 +\(full, package 4\)"
check "app added" $S "app +3\.0 +\(full, package 5\)"
check "the plan is modified" $S "Plan 1 · saved · revision 1 · modified"

# ------------------- again: only module differs now; copy it
keys $S C-o; wait_for $S "Copy components from plan" >/dev/null
keys $S Enter
check "only module differs now" $S "module differs \(1 of 1\)"
keys $S Down Enter
check "copying over a diff says what it was" $S \
  "^From plan 2: module 1\.2\.0 copied \(was 1\.1\.0→1\.3\.0\), 2 already the same\$"

keys $S C-s
check "^S saves" $S "revision 2"
ok "stored: module 1.2.0, mcu 2.1, app 3.0 (packages 2 4 5)" components_are 2 4 5
keys $S q
done_testing
