#!/bin/sh
# End-to-end: the real otaconsole in tmux against a temporary local engine,
# asserting on the screen.  Each wait polls the pane for a condition (a
# bounded loop), it never sleeps for a fixed time and hopes.
. "${OTA_SRCDIR:-$(dirname "$0")/../..}/tests/lib.sh"
. "$OTA_SRCDIR/tests/e2e/lib-console.sh"

DB="$TMP/ota.db"
FILES="$TMP/files"
mkdir -p "$FILES"

# ---------------------------------------------------------------- fixtures
CTL product add meter "Smart meter" >/dev/null
CTL fleet generate meter 200 --seed 7 >/dev/null
for i in 1 2 3 4 5 6; do printf 'firmware part %s\n' "$i" > "$FILES/part$i.bin"; done
printf 'mcu image\n' > "$FILES/mcu.bin"
CTL package add --component mcu --kind full --target 9.0 "$FILES/mcu.bin" >/dev/null
i=1; : > "$TMP/white.txt"
while [ $i -le 100 ]; do printf 'dev-%06d\n' $i >> "$TMP/white.txt"; i=$((i+1)); done
cat > "$TMP/other.json" <<JSON
{"name":"Plain ASCII plan","product":"meter","mode":"silent",
 "strategy":{"retries":1,"min_rsrp":-140,"min_battery":0},
 "window":{"start":"2020-01-01T00:00:00Z","end":"2030-01-01T00:00:00Z"},
 "components":[{"component":"mcu","package_id":1}]}
JSON
CTL plan create "$TMP/other.json" >/dev/null

S=main
start $S "$CONSOLE" --db "$DB" --simulate
check "the console opens on the packages pane" $S "Packages: 1 "
check "the status bar names the local database" $S "local: .*ota.db \| connected"

# ------------------------------------------------------------ package form
keys $S n
check "n opens the new-package form" $S "New package"
text $S "module"; keys $S Tab Tab
text $S "2.0.0"; keys $S Tab
text $S "$(printf 'r%.0s' $(seq 1 201))"
check "the remark counter counts 201 of 200" $S "201/200"
check "a 201-character remark gets core's message next to it" $S "remark: at most 200 characters \(got 201\)"
keys $S BSpace
check "200 characters are fine" $S "200/200"
TAP_N=$((TAP_N+1))
if screen $S | grep -q "at most 200 characters"; then
  echo "not ok $TAP_N - the remark message goes away at 200"; TAP_FAILED=$((TAP_FAILED+1))
else echo "ok $TAP_N - the remark message goes away at 200"; fi
keys $S Tab
check "focus reaches the add-file row" $S "\+ add a file"
keys $S Enter
check "Enter asks for a path" $S "File to add"
text $S "$FILES/par"; keys $S Tab
check "Tab completes the path as far as it is unique" $S "File to add.*part"
check "and lists the candidates" $S "part1.bin +part2.bin"
keys $S C-u; text $S "$FILES/part1.bin"; keys $S Enter
for i in 2 3 4 5; do keys $S Enter; wait_for $S "File to add" >/dev/null; text $S "$FILES/part$i.bin"; keys $S Enter; done
check "five files are listed" $S "Files \(5/5\)"
keys $S Enter
check "a 6th file is refused with core's message" $S "at most 5 files per package \(got 6\)"
keys $S C-s
check "^S creates the package" $S "Created package 2 \(module 2.0.0, 5 files\)"
check "the new package is in the list" $S "2 +module +full +2.0.0"

# -------------------------------------------------------------- plan editor
keys $S 2
check "2 shows the plans" $S "Plain ASCII plan"
keys $S n
check "n opens the plan editor" $S "New plan"
text $S "升级计划 e2e"
keys $S Tab Enter
check "the product picker lists products" $S "meter +Smart meter"
keys $S Enter
check "the product is chosen" $S "\[meter ▾\]"
keys $S Tab Tab Tab Tab Tab
keys $S C-u; text $S "2020-01-01 00:00"; keys $S Tab
check "the window shows the zone and the stored UTC" $S "stored as UTC 2020-01-01T00:00:00Z"
keys $S Tab Enter
check "Enter opens the blacklist" $S "Blacklist \(0\)"
# each Enter answered before the next a (keys arriving together with an
# Enter would be taken as more lines of ids, as a paste is)
keys $S a; text $S "dev-000001"; keys $S Enter; wait_for $S "Added dev-000001" >/dev/null
keys $S a; text $S "dev-000002"; keys $S Enter
check "two ids on the blacklist" $S "Blacklist \(2\)"
keys $S Tab i; text $S "$TMP/white.txt"; keys $S Enter
check "import fills the whitelist" $S "Imported 100 ids into the whitelist"
check "ids on both lists are flagged" $S "2 ids on both lists: the blacklist wins"
keys $S Escape
check "back in the editor, counts shown" $S "blacklist: 2 ids.*whitelist: 100 ids"
keys $S Tab Tab Tab Tab Enter   # whitelist, Rollout, Maintenance, + add a component
check "add component offers the known components" $S "Add a component"
text $S "module"; keys $S Enter
check "a version picker for that component" $S "Version of module"
keys $S Enter
keys $S Down Enter
check "the second component can be added" $S "Add a component"
text $S "mcu"; keys $S Enter Enter
check "two components are listed" $S "Components \(2\)"
check "with their versions" $S "mcu +9.0 +\(full, package 1\)"
keys $S C-p
check "preview saves first" $S "Plan 2 · saved · revision 1"
check "the preview counts targeted devices" $S "targeted 98 "
check "and the excluded ones by reason" $S "blacklisted 2 · not whitelisted 100"
keys $S Escape
check "back in the plans list" $S "Plans: 2 "
check "the new plan is listed" $S "2 +升级计划 e2e +meter +saved"

# the Chinese name lines up: the product column starts at the same display
# column in every row
col() { screen $S | grep -E "$1" | head -1 | sed 's/meter.*//' | tr -d '\n' | wc -L; }
is "a Chinese plan name keeps the columns lined up" "$(col '升级计划')" "$(col 'Plain ASCII')"

# ------------------------------------------------------------ transitions
keys $S g a
check "activate asks first" $S "Activate plan 2"
keys $S y
check "the plan is active" $S "now active"
keys $S 3
check "live status shows the plan" $S "Plan 2 \"升级计划 e2e\""
first=$(screen $S | grep -Eo 'succeeded [0-9]+' | head -1)
check "counts change as the simulator runs" $S "succeeded [1-9][0-9]* " 300
check "the progress bar and rate show" $S "/98 .*/min"
keys $S p
check "p pauses" $S "now paused"
keys $S r
check "r resumes" $S "resume, now (active|upgrading)"
keys $S t
check "terminate asks for the plan name" $S "Type the plan name"
text $S "wrong name"; keys $S Enter
check "a wrong name does not terminate" $S "Not terminated"
keys $S t; text $S "升级计划 e2e"; keys $S Enter
check "the typed name terminates" $S "terminate, now terminated"

# -------------------------------------------------------------- resize
$T resize-window -t $S -x 60 -y 20
check "below 80x24 a message names 80x24" $S "needs at least 80x24"
$T resize-window -t $S -x 40 -y 12
check "narrower than the message: it wraps and still names 80x24" $S "^needs at least 80x24"
check "with the current size" $S "Terminal 40x12 is too small"
$T resize-window -t $S -x 100 -y 30
check "the normal screen comes back" $S "Live status"
keys $S q
check "q goes back to the plans" $S "Plans: 2"
keys $S q
n=50; while [ $n -gt 0 ] && $T has-session -t $S 2>/dev/null && screen $S | grep -q "Plans:"; do n=$((n-1)); sleep 0.1; done
ok "q on a top pane quits" sh -c "! $T list-panes -t $S -F '#{pane_current_command}' 2>/dev/null | grep -q otaconsole"

# ------------------------------------------------------------ dashboard
keys_plan() { CTL plan resume 1 >/dev/null 2>&1; CTL plan activate 1 >/dev/null; }
keys_plan
start dash "$CONSOLE" --db "$DB" --dashboard
check "the dashboard shows live plans as tiles" dash "Plain ASCII plan"
check "with the time of the last update" dash "active [0-9]+ · upgrading [0-9]+ · paused [0-9]+ · updated [0-9:]+"
check "and large counts" dash "┌─┐"

# ------------------------------------------------------------ NO_COLOR
start mono NO_COLOR=1 "$CONSOLE" --db "$DB"
$T kill-session -t dash   # after mono started: the tmux server stays up
check "NO_COLOR: the console runs" mono "Packages: 2 "
TAP_N=$((TAP_N+1))
if $T capture-pane -e -p -t mono | grep -Eq $'\033\\[[0-9;]*(3[0-7]|4[0-7]|38;5|48;5)[;m]'; then
  echo "not ok $TAP_N - NO_COLOR: no colour sequences on the screen"; TAP_FAILED=$((TAP_FAILED+1))
else echo "ok $TAP_N - NO_COLOR: no colour sequences on the screen"; fi
TAP_N=$((TAP_N+1))
if $T capture-pane -e -p -t mono | grep -q $'\033\\[7m\|\033\\[[0-9;]*7m'; then
  echo "ok $TAP_N - NO_COLOR: the selection is shown in reverse video"
else echo "not ok $TAP_N - NO_COLOR: the selection is shown in reverse video"; TAP_FAILED=$((TAP_FAILED+1)); fi

ok "nothing was written to stderr" test ! -s "$TMP/stderr.log"
done_testing
