#!/bin/sh
# End-to-end at 80x24: the smaller things of the console in the field.
# The help names each key once and cuts no line; "/ Enter" clears a
# filter and lists filter as they are typed (the id list's search too); a
# refused ^S puts the focus on the first field in error; a new package is
# selected; "1 file" (not "1 files"); with $USER unset the audit
# actor is the uid's name; --theme monochrome keeps the terminal's colours.
. "${OTA_SRCDIR:-$(dirname "$0")/../..}/tests/lib.sh"
. "$OTA_SRCDIR/tests/e2e/lib-console.sh"

DB="$TMP/ota.db"
export USER=fixture
CTL product add meter "Smart meter" >/dev/null
printf 'mcu image\n' > "$TMP/mcu.bin"
printf 'module image\n' > "$TMP/module.bin"
printf 'app image\n' > "$TMP/zz.bin"
CTL package add --component mcu --kind full --target 9.0 "$TMP/mcu.bin" >/dev/null
CTL package add --component module --kind full --target 2.0 "$TMP/module.bin" >/dev/null
cat > "$TMP/p.json" <<JSON
{"name":"One component","product":"meter","mode":"silent",
 "strategy":{"retries":1,"min_rsrp":-140,"min_battery":0},
 "window":{"start":"2020-01-01T00:00:00Z","end":"2090-01-01T00:00:00Z"},
 "components":[{"component":"mcu","package_id":1}]}
JSON
CTL plan create "$TMP/p.json" >/dev/null
body() { screen "$1" | sed -n 2,22p; }

S=small
start80 $S "$CONSOLE" --db "$DB"
check "the console opens at 80x24" $S "Packages: 2 "

# ------------------------------------------------------------------- help
keys $S '?'
check "? opens the help" $S "Everywhere"
: > "$TMP/help.txt"
for page in 1 2 3 4 5 6; do body $S >> "$TMP/help.txt"; keys $S PgDn; done
ok "the help names Enter once" sh -c "! grep -q 'Enter, Enter' '$TMP/help.txt'"
ok "no help line is cut at 80 columns" sh -c "! grep -q '…' '$TMP/help.txt'"
ok "a long line goes on under itself" grep -q "^ *changes)" "$TMP/help.txt"
keys $S q

# ------------------------------------------------ filters: / Enter clears
keys $S /
text $S "mod"
check "the list filters as the filter is typed" $S "Packages: 2 · 1 match \"mod\""
check_gone "before Enter: mcu is left out" $S "^ 1 +mcu"
keys $S Enter
check "Enter keeps it" $S "1 match \"mod\""
keys $S /
check "/ starts empty and names the filter in effect" $S "\(now \"mod\"; Enter on empty"
check "its field empty" $S "^> *$"
keys $S Enter
check "so / Enter clears it" $S "Packages: 2 · sorted"
check "every package is back" $S "^ 1 +mcu"
keys $S /
text $S "mcu"
check "typed again" $S "1 match \"mcu\""
keys $S Escape
check "Esc puts the filter before it back" $S "Packages: 2 · sorted"

# --------------------------------------------- a new package is selected
keys $S s
check "sorted by component" $S "sorted by component"
keys $S n
text $S "zz"; keys $S Tab Tab
text $S "1.0"; keys $S Tab Tab Enter
text $S "$TMP/zz.bin"; keys $S Enter
check "one file in the form" $S "Files \(1/5\)"
keys $S C-s
check "1 file, not 1 files" $S "Created package 3 \(zz 1\.0, 1 file\)"
check "the new package is in the list, last by component" $S "^ 3 +zz"
keys $S Enter
check "and it is the selected one: Enter opens it" $S "Package 3"
check "its component" $S "Component +zz"
keys $S Escape

# --------------------------------- a refused ^S: the focus where the fix is
keys $S n
text $S "comp"; keys $S Tab Tab Tab
check "focus left the component field" $S "Remark"
keys $S C-u C-s
check "^S is refused and says why, in words" $S "Not created: target_version: required"
text $S "3.0"
check "the focus went to the first field in error: typing fills it" $S "Target +3\.0"
keys $S Escape y

keys $S 2 n
check "the plan editor" $S "New plan"
keys $S Tab Tab Tab
keys $S C-s
check "^S of a nameless plan is refused" $S "Not saved: "
text $S "Named after ^S"
check "the focus went to the name: typing fills it" $S "Name +Named after \^S"

# ------------------------------------------------------------------- ^O
keys $S C-o
check "^O lists the plans to copy from" $S "Copy components from plan"
keys $S Enter
check "the copy says what it did" $S "From plan 1: mcu 9\.0 added"
keys $S Escape y

# ----------------------------------------- the id list filters as typed
keys $S n Tab Tab Tab Tab Tab Tab Tab Tab Enter
check "the blacklist" $S "Blacklist \(0\)"
for id in dev-000001 dev-000002 other-9; do keys $S a; text $S "$id"; keys $S Enter; done
check "three ids" $S "Blacklist \(3\)"
keys $S /
text $S "other"
check "the search filters as it is typed" $S "search: other"
check "the matching id" $S "other-9"
check_gone "the others left out before Enter" $S "dev-00000"
keys $S Enter /
keys $S Enter
check "/ Enter shows every id again" $S "dev-000001"
keys $S Escape Escape y q
wait_until "! $T has-session -t $S" 50

# ------------------------------------- $USER unset: the uid's name acts
me=$(id -un)
$T new-session -d -s nouser -x 80 -y 24 \
  "env -u USER TERM=xterm-256color LANG=C.UTF-8 LC_ALL=C.UTF-8 TZ=UTC HOME=$HOME XDG_CONFIG_HOME=$XDG_CONFIG_HOME $CONSOLE --db $DB 2>>$TMP/stderr.log"
check "the console without \$USER" nouser "Packages: 3 "
keys nouser 2
check "plans" nouser "One component"
keys nouser G a
check "activate asks" nouser "Activate plan 1"
keys nouser y
check "activated" nouser "now active"
like "the audit row names the uid's user, not local:unknown" "$(CTL audit --target plan:1 | grep activate)" "local:$me "

# ------------------------------------------------- monochrome: own colours
# (started before the last console quits: tmux's server ends with its last
# session, and a new session racing that exit is lost)
start80 mono "$CONSOLE" --db "$DB" --theme monochrome
keys nouser q
check "--theme monochrome: the console runs" mono "Packages: 3 "
TAP_N=$((TAP_N+1))
if $T capture-pane -e -p -t mono | grep -Eq $'\033\\[[0-9;]*(3[0-7]|4[0-7]|38;5|48;5)[;m]'; then
  echo "not ok $TAP_N - monochrome: no colour of its own, the terminal's as with NO_COLOR"; TAP_FAILED=$((TAP_FAILED+1))
  $T capture-pane -e -p -t mono | head -3 | cat -v | sed 's/^/#   | /'
else echo "ok $TAP_N - monochrome: no colour of its own, the terminal's as with NO_COLOR"; fi
TAP_N=$((TAP_N+1))
if $T capture-pane -e -p -t mono | grep -q $'\033\\[[0-9;]*7m'; then
  echo "ok $TAP_N - monochrome: the selection in reverse video"
else echo "not ok $TAP_N - monochrome: the selection in reverse video"; TAP_FAILED=$((TAP_FAILED+1)); fi
keys mono q

ok "nothing was written to stderr" test ! -s "$TMP/stderr.log"
done_testing
