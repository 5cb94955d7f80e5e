#!/bin/sh
# End-to-end at 80x24: many device ids pasted into a plan's blacklist.  A
# bracketed paste (tmux paste-buffer -p, which brackets only when the
# console asked for it) and the same lines sent as plain fast typing (a
# terminal without bracketed paste) both add every id, once, with a count
# and every rejected id shown in full with core's reason; space- and
# comma-separated ids too; an id typed by hand and Enter still adds just
# it, also when the next keys are already typed; and a paste never runs a
# command or answers a question.
. "${OTA_SRCDIR:-$(dirname "$0")/../..}/tests/lib.sh"
. "$OTA_SRCDIR/tests/e2e/lib-console.sh"

DB="$TMP/ota.db"
CTL product add meter "Smart meter" >/dev/null
printf 'module image\n' > "$TMP/fw.bin"
CTL package add --component module --kind full --target 2.0 "$TMP/fw.bin" >/dev/null
saved_plan "Paste plan" "" '"blacklist":["old-1"],"whitelist":["dev-000007"],'
i=1; : > "$TMP/fifty.txt"
while [ $i -le 50 ]; do printf 'dev-%06d\n' $i >> "$TMP/fifty.txt"; i=$((i+1)); done
long=$(printf 'x%.0s' $(seq 1 130))
{ i=40; while [ $i -le 60 ]; do printf 'dev-%06d\n' $i; i=$((i+1)); done
  echo "$long"; echo "s-1 s-2,s-3"; } > "$TMP/typed.txt"

paste_file() {  # paste_file SESSION FILE [-p]: FILE as the terminal pastes it
  $T load-buffer "$2" && $T paste-buffer -t "$1" ${3:-}
}
blacklist_has() {  # blacklist_has ID...: the saved plan's blacklist holds every ID
  CTL plan show 1 --json > "$TMP/plan.out" || return 1
  for id in "$@"; do grep -q "\"$id\"" "$TMP/plan.out" || { echo "no $id"; return 1; }; done
}

S=paste
start80 $S "$CONSOLE" --db "$DB"
check "the console opens at 80x24" $S "Packages: 1 "

# a paste on a list is not a stream of commands
printf 'd\n' > "$TMP/d.txt"
paste_file $S "$TMP/d.txt" -p
check "a paste on the packages list is ignored, said so" $S "Paste ignored here"
check_gone "and its d did not ask to delete the package" $S "Delete package"

keys $S 2; wait_for $S "Paste plan" >/dev/null
keys $S e; wait_for $S "Plan 1 " >/dev/null
keys $S Tab Tab Tab Tab Tab Tab Tab Tab Enter
check "the blacklist holds old-1" $S "Blacklist \(1\) +Whitelist \(1\)"

# ---------------------------------------------- bracketed paste at a
keys $S a
check "a asks for ids" $S "Add to the blacklist:"
paste_file $S "$TMP/fifty.txt" -p
check "50 pasted ids: all on the list" $S "Blacklist \(51\)"
check "the count, and the id also on the whitelist" $S \
  "^  Blacklist: 50 ids added; 1 also on the other list \(the blacklist wins\)"
check_gone "a bracketed paste ends the prompt (it knows where the paste ends)" $S "Add to the blacklist"
check "the message says the same" $S "^Blacklist: 50 ids added; 1 also on"

# ------------------------------------- the same as plain fast typing
keys $S a
wait_for $S "Add to the blacklist:" >/dev/null
paste_file $S "$TMP/typed.txt"
check "typed fast, 21 ids, 11 already there, one too long" $S \
  "^  Blacklist: 13 ids added, 11 already on the list, 1 rejected:"
check "the reason is core's" $S "^  rejected, at most 128 bytes \(got 130\):"
x77=$(printf 'x%.0s' $(seq 1 77)); x53=$(printf 'x%.0s' $(seq 1 53))
check "the rejected id is shown in full (first 77 columns)" $S "^  $x77\$"
check "(and the other 53 on the next line)" $S "^  $x53\$"
check "lines typed faster than anyone types keep the prompt open" $S \
  "^Add to the blacklist \(empty line ends\):"
check "the ids of the last line, separated by space and comma, are in" $S "Blacklist \(64\)"
keys $S Enter
check_gone "Enter on the empty line ends it" $S "empty line ends"
check "and the message sums it up" $S "^Blacklist: 13 ids added, 11 already on the list, 1 rejected$"

# ---------------------------------------------- typed by hand
keys $S a; wait_for $S "Add to the blacklist:" >/dev/null
text $S "t-1 t-2 t-2,t-3"; keys $S Enter
check "space- and comma-separated ids typed in one line" $S \
  "^Blacklist: 3 ids added, 1 given twice$"
keys $S a; wait_for $S "Add to the blacklist:" >/dev/null
text $S "one-1"; keys $S Enter
check "one id typed by hand: Added" $S "^Added one-1"
check_gone "and the prompt is closed" $S "Add to the blacklist"
# typing ahead: the next a and id already sent before the console read them
keys $S a two-1 Enter a two-2 Enter
check "typed ahead: both ids added" $S "Blacklist \(70\)"
check "each on its own" $S "^Added two-2"
check_gone "no id swallowed the next a" $S "atwo-2"

# ------------------------------------------ a paste into the list view
printf 'p-1, p-2\n' > "$TMP/p.txt"
paste_file $S "$TMP/p.txt" -p
check "a paste on the id list adds its ids" $S "^Blacklist: 2 ids added$"
check "two more" $S "Blacklist \(72\)"

# ------------------------------------ a paste never answers y
keys $S Escape
keys $S Escape
check "leaving the edited plan asks" $S "Discard the changes to this plan\?"
printf 'y\n' > "$TMP/y.txt"
paste_file $S "$TMP/y.txt" -p
TAP_N=$((TAP_N+1))
if wait_for $S "Discard the changes to this plan\?" 5 >/dev/null && ! screen $S | grep -q "Plans: 1"; then
  echo "ok $TAP_N - a pasted y does not answer the question"
else echo "not ok $TAP_N - a pasted y does not answer the question"; TAP_FAILED=$((TAP_FAILED+1)); fi
keys $S n
keys $S C-s
check "^S saves the plan" $S "Saved plan 1|revision 2"
ok "the saved blacklist holds the pasted, typed and separated ids" \
  blacklist_has old-1 dev-000001 dev-000050 dev-000060 s-1 s-3 t-2 one-1 two-1 two-2 p-1 p-2
ok "and not the rejected one" sh -c "! grep -q '$long' '$TMP/plan.out'"
keys $S q
done_testing
