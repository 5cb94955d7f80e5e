#!/bin/sh
# otaconsole(1)'s KEYS section is the key table: every binding of
# tui/keys.h (otaconsole --keys: group, keys, help) is documented under its
# group with the same keys and text, and the page has no binding the table
# lacks.  Copies of the page with a binding dropped, added or reworded
# prove the check fails.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/docs_lib.sh"

# man_keys FILE: the KEYS section of the roff source as "GROUP<TAB>KEYS<TAB>HELP"
# lines: .SS starts a group, .TP a binding, the line after .TP (.B KEYS or
# plain) is its keys, the text lines after it until the next macro its help.
man_keys() {
  awk '
    /^\.\\"/ { next }
    /^\.SH / { on = ($0 == ".SH KEYS"); flush(); next }
    !on { next }
    /^\.SS / { flush(); group = substr($0, 5); gsub(/^"|"$/, "", group); next }
    /^\.TP/ { flush(); want_tag = 1; next }
    want_tag { tag = $0; sub(/^\.B +/, "", tag); gsub(/^"|"$/, "", tag); want_tag = 0; have = 1; help = ""; next }
    /^\./ { flush(); next }
    have { help = help (help == "" ? "" : " ") $0 }
    function flush() { if (have) print group "\t" tag "\t" help; have = 0 }
    END { flush() }
  ' "$1" | unescape | sort
}

# keys_agree FILE: the page's KEYS section and the table are the same (diff if not)
keys_agree() {
  "$OTACONSOLE" --keys | sort >"$TMP/table.txt" || return 1
  man_keys "$1" >"$TMP/page.txt"
  diff -u "$TMP/table.txt" "$TMP/page.txt" | tail -n +3 | grep "^[-+]" | sed 's/^-/table only: /; s/^+/page only:  /'
  cmp -s "$TMP/table.txt" "$TMP/page.txt"
}

PAGE="$MANDIR/otaconsole.1"
TABLE=$("$OTACONSOLE" --keys)
is "otaconsole --keys: exit 0" "$?" 0
ok "the table has 40 or more bindings" test "$(printf '%s\n' "$TABLE" | wc -l)" -ge 40
is "every binding is in one of the help's groups" "$(printf '%s\n' "$TABLE" | grep -c '^(no group)')" 0
is "table lines are GROUP<TAB>KEYS<TAB>HELP" \
  "$(printf '%s\n' "$TABLE" | awk -F '\t' 'NF != 3 || $1 == "" || $2 == "" || $3 == ""' | head -3)" ""
ok "the page has a KEYS section" grep -qx '\.SH KEYS' "$PAGE"
ok "otaconsole.1 KEYS agrees with the key table" keys_agree "$PAGE"
# every action of the X-macro list shows up in the table (the table is what
# the console binds, so this guards --keys itself)
actions=$(sed -n 's/^ *X(\([A-Z_]*\), *SC_.*/\1/p' "$OTA_SRCDIR/tui/keys.h" | wc -l)
is "one table row or more per action of tui/keys.h ($actions)" \
  "$(printf '%s\n' "$TABLE" | cut -f2,3 | sort -u | wc -l | tr -d ' ')" "$actions"
# the rendered page shows each group heading
is "the rendered KEYS section shows every group" \
  "$(printf '%s\n' "$TABLE" | cut -f1 | sort -u | while read -r g; do
       section "$PAGE" KEYS | grep -qxF "   $g" || echo "$g"; done)" ""

# the ? help groups and names the bindings as --keys does: tui/help.c has
# no table of its own, it walks keys.c's groups
groups_of() { grep -oE '\{SC_[A-Z]+, "[^"]*"\}' "$1"; }
ok "tui/keys.c names 9 or more groups" test "$(groups_of "$OTA_SRCDIR/tui/keys.c" | wc -l)" -ge 9
is "tui/help.c keeps no group table of its own" "$(groups_of "$OTA_SRCDIR/tui/help.c")" ""
ok "the ? help walks keys_groups and names keys by keys_binding_names" \
  sh -c "grep -q keys_groups '$OTA_SRCDIR/tui/help.c' && grep -q keys_binding_names '$OTA_SRCDIR/tui/help.c'"

# the check bites: drop the last binding, add one, reword one
awk '/^\.SH / { k = ($0 == ".SH KEYS") } k && /^\.TP/ { last = NR } { l[NR] = $0 } END {
  for (i = 1; i <= NR; i++) if (i < last || i > last + 2) print l[i] }' "$PAGE" >"$TMP/dropped.1"
fails "a page missing a binding is caught" keys_agree "$TMP/dropped.1"
sed '/^\.SS Packages$/a .TP\n.B z\nZap the package' "$PAGE" >"$TMP/added.1"
fails "a page with a binding the table lacks is caught" keys_agree "$TMP/added.1"
sed 's/^Pause (active or upgrading plans)$/Pause (any plan)/' "$PAGE" >"$TMP/reworded.1"
fails "a page with a binding's text changed is caught" keys_agree "$TMP/reworded.1"
sed '/^\.SS Plans and live status$/,/^\.SS/s/^\.B a$/.B A/' "$PAGE" >"$TMP/rekeyed.1"
fails "a page with a binding's key changed is caught" keys_agree "$TMP/rekeyed.1"
done_testing
