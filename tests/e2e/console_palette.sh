#!/bin/sh
# End-to-end at 80x24: the command palette on ':'.  It lists the actions of
# the view it is opened over, from the key table (the same rows as ? and
# the keys), filters as one types and runs the chosen action as its key
# would (:activate, :pause), takes arguments (:plan 12, :theme light), and
# says so plainly when a command is unknown here or its argument is wrong.
. "${OTA_SRCDIR:-$(dirname "$0")/../..}/tests/lib.sh"
. "$OTA_SRCDIR/tests/e2e/lib-console.sh"

DB="$TMP/ota.db"
CTL product add meter "Smart meter" >/dev/null
CTL fleet generate meter 20 --seed 5 >/dev/null
printf 'image\n' > "$TMP/fw.bin"
CTL package add --component module --kind full --target 2.0 "$TMP/fw.bin" >/dev/null
saved_plan "Alpha plan"
saved_plan "Beta plan"
state_of() { CTL plan show "$1" --json | grep -o '"state": *"[a-z]*"' | grep -o '[a-z]*"$' | tr -d '"'; }
ESC=$(printf '\033')
palette() {  # palette SESSION TEXT: ':' and TEXT typed, once the palette shows
  keys "$1" :
  wait_for "$1" "Commands of this view" >/dev/null
  [ -z "$2" ] || text "$1" "$2"
}

S=pal
start80 $S "$CONSOLE" --db "$DB"
check "the console opens at 80x24" $S "Packages: 1 "

# ---------------------------------------------- what the palette lists
palette $S ""
check ": opens the palette over the packages pane" $S "Commands of this view \(:theme light, :plan 12\)"
check "a row is command, keys and the key table's help" $S "^ verify +v +Verify the package's files \(re-hash\)"
check "the palette-only commands are listed" $S "^ theme +Theme: :theme default\|light"
text $S "pause"
check "pause is no action of the packages pane" $S "\(nothing matches\)"
keys $S Enter
check "Enter on it says so" $S "^No command \"pause\" in this view \(: lists them\)"

keys $S 2
wait_for $S "Alpha plan" >/dev/null
keys $S j
palette $S ""
check "over the plans pane: its actions" $S "^ activate +a +Activate \(saved plans\)"
text $S "act"
check "typing filters: activate stays" $S "^ activate +a +Activate"
check_gone "and the rest goes (packages)" $S "^ packages +1"
keys $S Enter
check ":activate asks as a does" $S "Activate plan 1 \"Alpha plan\""
keys $S y
check "and activates the selected plan" $S "Plan 1 \"Alpha plan\": activate, now active"
is "the engine agrees" "$(state_of 1)" active

# a command typed in full runs whatever row is highlighted
palette $S "pause"
keys $S Enter
check ":pause pauses it" $S "Plan 1 \"Alpha plan\": pause, now paused"
is "paused in the engine" "$(state_of 1)" paused
palette $S ":resume"
keys $S Enter
check "a leading colon is fine: :resume" $S "Plan 1 \"Alpha plan\": resume, now active"

# ---------------------------------------------------------- arguments
palette $S "plan 2"
check "with an argument only that command is shown" $S "^ plan +Open a plan's live status"
check_gone "(not plans)" $S "^ plans +2"
keys $S Enter
check ":plan 2 opens plan 2's live status" $S "Plan 2 \"Beta plan\" +meter +saved"
palette $S "plan 99"; keys $S Enter
check ":plan 99: no such plan" $S "^No plan 99"
palette $S "plan two"; keys $S Enter
check ":plan two: the argument is named" $S "^:plan wants a plan's id, e.g. :plan 12 \(got \"two\"\)"

before=$($T capture-pane -e -p -t $S | head -3)
palette $S "theme light"; keys $S Enter
check ":theme light switches the theme" $S "^Theme light"
TAP_N=$((TAP_N+1))
if $T capture-pane -e -p -t $S | grep -q "$ESC\[37m$ESC\[48;5;24m"; then
  echo "ok $TAP_N - the light theme's colours are on the screen"
else echo "not ok $TAP_N - the light theme's colours are on the screen"; TAP_FAILED=$((TAP_FAILED+1)); fi
palette $S "theme nope"; keys $S Enter
check "an unknown theme: the loader's message" $S "^theme 'nope' not found"
palette $S "frobnicate"; keys $S Enter
check "an unknown command is named" $S "^No command \"frobnicate\" in this view"
palette $S "the"
keys $S Escape
check_gone "Esc closes the palette" $S "Commands of this view"

# ---------------------------------------------- the same table as ? help
keys $S '?'
check "the help lists : and the palette-only commands" $S "^   :              Command palette: filter this view's actions"
check "(:theme)" $S "^   :theme +Theme: :theme default\|light\|monochrome\|high-contrast\|FILE"
check "(:plan)" $S "^   :plan +Open a plan's live status by its id: :plan 12"
keys $S q q
done_testing
