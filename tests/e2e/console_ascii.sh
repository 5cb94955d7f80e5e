#!/bin/sh
# End-to-end at 80x24: the console on a terminal that is not UTF-8 (LANG=C,
# TERM=linux, as over many SSH setups).  Arrows, box lines, bars, chips and
# the ellipsis are drawn as ASCII look-alikes, a Chinese plan name as one ?
# per column it takes, and nothing shifts a column: the plan list's window
# column starts where it does for a plain ASCII name.
. "${OTA_SRCDIR:-$(dirname "$0")/../..}/tests/lib.sh"
. "$OTA_SRCDIR/tests/e2e/lib-console.sh"

DB="$TMP/ota.db"
CTL product add meter "Smart meter" >/dev/null
CTL fleet generate meter 50 --seed 3 >/dev/null
printf 'module image\n' > "$TMP/fw.bin"
CTL package add --component module --kind diff --source 1.1.0 --target 1.3.0 "$TMP/fw.bin" >/dev/null
saved_plan "升级计划 nightly"
saved_plan "Plain plan"
CTL plan activate 2 >/dev/null

# only_ascii SESSION: every cell is printable ASCII, and none holds the
# ~X / M-x forms curses shows for bytes a C locale cannot print (how "→"
# came out as "~F~R" before)
only_ascii() {
  screen "$1" > "$TMP/screen.txt"
  ! LC_ALL=C grep -n '[^ -~]' "$TMP/screen.txt" && ! grep -nE '~[@A-Z^_]|M-[^ ]' "$TMP/screen.txt"
}

S=plain
start80 $S LANG=C LC_ALL=C TERM=linux "$CONSOLE" --db "$DB"
check "LANG=C, TERM=linux: the console opens at 80x24" $S "Packages: 1 "
ok "the packages pane is plain ASCII" only_ascii $S
keys $S Enter
check "a diff package's versions: the arrow is >" $S "Versions   1\.1\.0 > 1\.3\.0"
ok "the package detail is plain ASCII" only_ascii $S

keys $S Escape 2
check "the plans pane opens" $S "Plans: 2 \| sorted by"
check "the Chinese name is one ? per column it takes, then cut with ~" $S "^ 1 +\?{8} nigh~ +meter"
check "the window column uses > between the times" $S "^ 2 +Plain plan +meter +active +01-01 00:00>01-01 00:00"
cw=$(screen $S | awk '/^ 1 +\?/ { print index($0, "01-01 00:00>") }')
aw=$(screen $S | awk '/^ 2 +Plain plan/ { print index($0, "01-01 00:00>") }')
is "nothing shifts a column: the Chinese-named plan's window starts where the ASCII one's does" "$cw" "$aw"
check "the hint bar separates with |" $S "^Enter open \| n new \| e edit"
ok "the plans pane is plain ASCII" only_ascii $S

keys $S j e
check "the plan editor opens" $S "Plan 1 \| saved \| revision 1"
check "the product chip's triangle is v" $S "Product +\[meter v\]"
check "the sub-form chips point with >" $S "Rollout +\[all at once >\]"
check "the window's arrow is >" $S "2020-01-01 00:00 +> 2030-01-01 00:00"
check "the component's diff arrow is >" $S "module +1\.1\.0 > 1\.3\.0 +\(diff, package 1\)"
ok "the plan editor is plain ASCII" only_ascii $S
keys $S Escape

keys $S k 3
check "live status of the active plan opens" $S "Plain plan"
check "its progress bar is ASCII" $S "\.{20,}"
ok "live status is plain ASCII" only_ascii $S

# the wall screen: big digits of box lines and its bar, in ASCII
D=wall
start80 $D LANG=C LC_ALL=C TERM=linux "$CONSOLE" --db "$DB" --dashboard
check "the dashboard opens" $D "active 1 \| upgrading 0 \| paused 0 \| updated"
check "its big digits are drawn with + - |" $D "^ \+-\+"
check "its tile names plan and product with |" $D "meter \| plan 2"
ok "the dashboard is plain ASCII" only_ascii $D

# the same database on a UTF-8 terminal keeps the real characters
U=utf8
start80 $U "$CONSOLE" --db "$DB"
keys $U 2
check "UTF-8: the Chinese name is shown as itself" $U "^ 1 +升级计划 nigh…"
check "UTF-8: the window arrow is →" $U "01-01 00:00→01-01 00:00"

keys $S q; keys $D q; keys $U q
done_testing
