#!/bin/sh
# The man pages name what the programs accept: every otactl command of
# `otactl --help` (its command table) has an entry in otactl.1's COMMANDS
# and the page has no command the table lacks; every option of otactl's,
# otaconsole's and otad's --help is in its page; every otad config key, every
# profile key and theme element (read from the sources' tables) is in
# otad.8 and otaconsole.conf(5); every environment variable the sources
# read is in an ENVIRONMENT section.  Copies with an entry dropped prove
# the checks fail.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/docs_lib.sh"

# help_commands: "group verb" (or one word) of each command in otactl --help
help_commands() {
  "$OTACTL" --help | awk '/^  otactl / {
    c = ""
    for (i = 2; i <= NF && i <= 3 && $i ~ /^[a-z][a-z-]*$/; i++) c = c (c == "" ? "" : " ") $i
    print c }' | sort -u
}
# page_commands FILE: the same from the tags of the .TP entries in COMMANDS
page_commands() {
  awk '/^\.SH / { on = ($0 == ".SH COMMANDS"); next }
       on && /^\.TP/ { tag = 1; next }
       tag { print; tag = 0 }' "$1" | sed 's/^\.B //' | unescape | awk '{
    c = ""
    for (i = 1; i <= NF && i <= 2 && $i ~ /^[a-z][a-z-]*$/; i++) c = c (c == "" ? "" : " ") $i
    print c }' | sort -u
}
# commands_agree FILE: otactl.1 documents exactly the commands of the table
commands_agree() {
  help_commands >"$TMP/help.txt"
  page_commands "$1" >"$TMP/page.txt"
  diff -u "$TMP/help.txt" "$TMP/page.txt" | tail -n +3 | grep "^[-+]" | sed 's/^-/table only: /; s/^+/page only:  /'
  cmp -s "$TMP/help.txt" "$TMP/page.txt"
}
# documented WORDS FILE [SECTION]: every word is in the page (or its section)
documented() {
  if [ $# -gt 2 ]; then text=$(section "$2" "$3"); else text=$(render "$2"); fi
  m=$(missing "$1" "$text")
  [ -z "$m" ] || { echo "not in $(basename "$2")${3:+ $3}: $m"; return 1; }
}

O1="$MANDIR/otactl.1" C1="$MANDIR/otaconsole.1" D8="$MANDIR/otad.8" C5="$MANDIR/otaconsole.conf.5"

n=$(help_commands | wc -l)
ok "otactl --help lists 40 or more commands ($n)" test "$n" -ge 40
ok "otactl.1 COMMANDS has every command of the table, and only those" commands_agree "$O1"
ok "every option in otactl --help is in otactl.1" documented "$(options "$("$OTACTL" --help)")" "$O1"
ok "every option in otaconsole --help is in otaconsole.1 OPTIONS" \
  documented "$(options "$("$OTACONSOLE" --help)")" "$C1" OPTIONS
ok "every flag in otad --help is in otad.8" documented "$(options "$("$OTAD" --help)")" "$D8"
# the flags of otaconsole's getopt table, hidden or not
flags=$(sed -n '/struct option opts\[\]/,/};/p' "$OTA_SRCDIR/tui/main.c" | grep -oE '\{"[a-z-]+"' | tr -d '{"' | sed 's/^/--/')
ok "every otaconsole flag of tui/main.c is in otaconsole.1 OPTIONS" documented "$flags" "$C1" OPTIONS

# otad: config keys of config_set, in otad.8 and otaconsole.conf(5)
keys=$(sed -n '/^static int config_set/,/^}/p' "$OTA_SRCDIR/server/main.c" | grep -oE 'strcmp\(key, "[a-z_-]+"\)' |
       sed 's/.*"\(.*\)".*/\1/')
ok "server/main.c config_set has keys ($(echo $keys | wc -w))" test "$(echo $keys | wc -w)" -ge 12
ok "every otad config key is in otad.8 CONFIGURATION FILE" documented "$keys" "$D8" "CONFIGURATION FILE"
ok "every otad config key is in otaconsole.conf(5) OTAD SETTINGS" documented "$keys" "$C5" "OTAD SETTINGS"
ok "otad.8 documents the token subcommands" documented "create list revoke --role --name" "$D8" "TOKEN SUBCOMMANDS"
ok "otad.8 documents signals and endpoints" documented "SIGTERM SIGHUP /healthz /metrics otad.service docs/openapi.yaml" "$D8"

# profiles: the keys of client/profile.c's set_key
pkeys=$(sed -n '/^static int set_key/,/^}/p' "$OTA_SRCDIR/client/profile.c" |
        grep -oE '\{"[a-z_]+", s->|strcmp\(k, "[a-z_]+"\)' | sed 's/[^"]*"\([a-z_]*\)".*/\1/')
ok "client/profile.c has profile keys ($(echo $pkeys | wc -w))" test "$(echo $pkeys | wc -w)" -ge 6
ok "every profile key is in otaconsole.conf(5) SERVER PROFILES" documented "$pkeys" "$C5" "SERVER PROFILES"
# themes: the elements of tui/theme.h and the attributes of tui/theme.c
els=$(sed -n 's/^ *X([A-Z_]*, *"\([a-z_]*\)".*/\1/p' "$OTA_SRCDIR/tui/theme.h")
attrs=$(grep -oE '\{"[a-z]+", A_[A-Z]+\}|\{"normal", 0\}' "$OTA_SRCDIR/tui/theme.c" | sed 's/{"\([a-z]*\)".*/\1/')
ok "tui/theme.h has elements ($(echo $els | wc -w))" test "$(echo $els | wc -w)" -ge 20
ok "every theme element is in otaconsole.conf(5) THEMES" documented "$els" "$C5" THEMES
ok "every theme attribute is in otaconsole.conf(5) THEMES" documented "$attrs" "$C5" THEMES
ok "every installed theme is named in otaconsole.conf(5) THEMES" \
  documented "$(cd "$OTA_SRCDIR/themes" && ls *.theme | sed 's/\.theme$//')" "$C5" THEMES

# environment: every getenv("NAME") of the programs' sources is in the
# ENVIRONMENT section of a page
envs=$(cd "$OTA_SRCDIR" && grep -rhoE 'getenv\("[A-Z_]+"\)' core client cli server tui | sed 's/getenv("\(.*\)")/\1/' | sort -u)
allenv=""
for p in $PAGES; do allenv="$allenv
$(section "$MANDIR/$p" ENVIRONMENT)"; done
ok "the sources read environment variables ($(echo $envs | wc -w))" test "$(echo $envs | wc -w)" -ge 10
is "every variable the sources read is in an ENVIRONMENT section" "$(missing "$envs" "$allenv")" ""
ok "otaconsole.1 ENVIRONMENT has OTA_DB, OTA_TOKEN, NO_COLOR, XDG_*" \
  documented "OTA_DB OTA_TOKEN OTA_TOKEN_FILE NO_COLOR XDG_CONFIG_HOME XDG_DATA_HOME" "$C1" ENVIRONMENT
ok "otactl.1 ENVIRONMENT has OTA_DB, OTA_TOKEN, XDG_*" \
  documented "OTA_DB OTA_TOKEN OTA_TOKEN_FILE OTA_PROFILE XDG_CONFIG_HOME XDG_DATA_HOME" "$O1" ENVIRONMENT
ok "otactl.1 EXIT STATUS has 0, 1 and 2" documented "0 1 2" "$O1" "EXIT STATUS"

# the checks bite: a command, a flag and a config key dropped
sed '/^\.B plan pause/,/^\.TP/{/^\.TP/!d}' "$O1" >"$TMP/otactl.1"
fails "otactl.1 without 'plan pause' is caught" commands_agree "$TMP/otactl.1"
sed 's/^\.B product list$/.B product lister/' "$O1" >"$TMP/otactl2.1"
fails "otactl.1 with a command the table lacks is caught" commands_agree "$TMP/otactl2.1"
sed 's/\\-\\-threads/\\-\\-thread/g' "$D8" >"$TMP/otad.8"
fails "otad.8 without --threads is caught" documented "$(options "$("$OTAD" --help)")" "$TMP/otad.8"
sed '/^\.B sse_poll_ms$/d; s/sse_poll_ms/poll/g' "$C5" >"$TMP/conf.5"
fails "otaconsole.conf(5) without sse_poll_ms is caught" documented "$keys" "$TMP/conf.5" "OTAD SETTINGS"
done_testing
