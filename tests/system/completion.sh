#!/bin/bash
# Bash completion as a user gets it: data/bash-completion/otactl sourced into
# bash (with bash-completion's helpers loaded, and without them), TAB
# simulated by setting COMP_WORDS/COMP_CWORD and calling the function.
# Commands, sub-commands and options come from otactl's command table;
# product keys and plan and package ids from the local engine; nothing is
# printed and no database is created when there is none.  otad's and
# otaconsole's completions offer their --help options.
. "${OTA_SRCDIR:-$(dirname "$0")/../..}/tests/lib.sh"
need bash bash
need jq jq
need python3 python3
BC=/usr/share/bash-completion/bash_completion
[ -r "$BC" ] || { echo "Bail out! $(basename "$0"): needs $BC (Debian package bash-completion; ./quickstart installs it)"; exit 1; }
OTACTL="$OTA_BUILDDIR/cli/otactl"
export PATH="$OTA_BUILDDIR/cli:$OTA_BUILDDIR/server:$OTA_BUILDDIR/tui:$PATH"
DB="$TMP/ota.db"
"$OTACTL" --db "$DB" demo seed >/dev/null 2>&1
ok "a demo database to complete from" test -s "$DB"

# comp LINE: what TAB offers at the end of LINE (a trailing space: a new
# word), one candidate a line, sorted; stderr of the whole thing in $TMP/err
comp() {
  local with_bc=${WITH_BC:-1}
  bash --norc --noprofile -c '
    [ "$1" = 1 ] && . "'"$BC"'"
    . "$2"; . "$3"; . "$4"
    line=$5
    read -ra COMP_WORDS <<<"$line"
    [ "${line% }" != "$line" ] && COMP_WORDS+=("")
    COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
    COMP_LINE=$line; COMP_POINT=${#line}
    f=$(complete -p "${COMP_WORDS[0]}" | sed -n "s/.*-F \([^ ]*\).*/\1/p")
    "$f" "${COMP_WORDS[0]}" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
    printf "%s\n" "${COMPREPLY[@]}"' comp "$with_bc" \
    "$OTA_SRCDIR/data/bash-completion/otactl" "$OTA_SRCDIR/data/bash-completion/otad" \
    "$OTA_SRCDIR/data/bash-completion/otaconsole" "$1" 2>"$TMP/err" | sort
}
has() { printf '%s\n' "$1" | grep -qxF -- "$2"; }
words() { printf '%s\n' "$1" | tr '\n' ' '; }

for bc in 1 0; do
  export WITH_BC=$bc
  w=$([ $bc = 1 ] && echo "with bash-completion" || echo "bare bash")
  out=$(comp "otactl ")
  for g in product device package plan sim demo key audit help --db --json --remote; do
    ok "$w: otactl <TAB> offers $g" has "$out" "$g"
  done
  out=$(comp "otactl pl")
  is "$w: otactl pl<TAB> completes to plan" "$(words "$out")" "plan "
  out=$(comp "otactl plan ")
  for v in create list activate pause resume terminate status push pull; do
    ok "$w: otactl plan <TAB> offers $v" has "$out" "$v"
  done
  for v in seed generate fill-hashes checkin; do
    ok "$w: ... and not $v (a verb of another group)" sh -c "! printf '%s\n' \"\$1\" | grep -qx $v" sh "$out"
  done
  out=$(comp "otactl plan list --")
  is "$w: otactl plan list --<TAB>: its options" "$(words "$out")" "--cursor --json --limit --product --state "
  out=$(comp "otactl plan list --state ")
  is "$w: --state <TAB>: the plan states" "$(words "$out")" "active ended paused saved terminated upgrading "
  out=$(comp "otactl --db $DB plan activate ")
  is "$w: plan activate <TAB>: the local engine's plan ids" "$(words "$out")" \
    "$("$OTACTL" --db "$DB" plan list --json | jq -r '.items[].id' | sort | tr '\n' ' ')"
  out=$(comp "otactl --db $DB device list ")
  is "$w: device list <TAB>: the product keys" "$(words "$out")" \
    "$("$OTACTL" --db "$DB" product list --json | jq -r '.[].key? // .items[]?.key' 2>/dev/null | sort | tr '\n' ' ')"
  out=$(comp "otactl --db $DB package verify ")
  is "$w: package verify <TAB>: package ids" "$(words "$out")" \
    "$("$OTACTL" --db "$DB" package list --json | jq -r '.items[].id' | sort | tr '\n' ' ')"
  out=$(OTA_DB="$TMP/none/ota.db" comp "otactl plan show ")
  is "$w: no database: nothing offered" "$out" ""
  is "$w: no database: nothing on stderr" "$(cat "$TMP/err")" ""
  ok "$w: no database: none created" test ! -e "$TMP/none"
  printf 'not a database' >"$TMP/junk.db"
  out=$(comp "otactl --db $TMP/junk.db plan show ")
  is "$w: a broken database: nothing offered, nothing on stderr" "$out$(cat "$TMP/err")" ""
  mkdir -p "$TMP/files"; : >"$TMP/files/plan-a.json"
  out=$(cd "$TMP/files" && comp "otactl plan create pl")
  is "$w: plan create <TAB>: file names" "$(words "$out")" "plan-a.json "
  out=$(comp "otactl device ")
  ok "$w: otactl device <TAB> offers token (the first word of two-word verbs)" has "$out" token
  ok "$w:   and tokens" has "$out" tokens
  ok "$w:   once, not \"token issue\"" sh -c "! printf '%s\n' \"\$1\" | grep -q 'token issue'" sh "$out"
  out=$(comp "otactl device token ")
  is "$w: otactl device token <TAB>: its second words" "$(words "$out")" "issue revoke "
  out=$(comp "otactl --db $DB device token issue ")
  is "$w: device token issue <TAB>: the product keys" "$(words "$out")" \
    "$("$OTACTL" --db "$DB" product list --json | jq -r '.items[].key' | sort | tr '\n' ' ')"
  out=$(comp "otactl product auth P --device-auth ")
  is "$w: --device-auth <TAB>: the modes" "$(words "$out")" "device_token product_key "
  out=$(comp "otactl product auth P --enrollment ")
  is "$w: --enrollment <TAB>" "$(words "$out")" "closed open "
  out=$(comp "otactl device tokens P f.csv --")
  is "$w: device tokens --<TAB>: its options" "$(words "$out")" "--force --json --out --rotate "
  out=$(comp "otactl device ")
  ok "$w: otactl device <TAB> offers enroll" has "$out" enroll
  out=$(comp "otactl device enroll P D --")
  is "$w: device enroll --<TAB>: its options" "$(words "$out")" "--force --json --out "
  out=$(comp "otactl --db $DB device enroll EC600N-meter ")
  is "$w: device enroll PRODUCT <TAB>: no plan ids for a device's ID" "$out" ""
  out=$(cd "$TMP/files" && comp "otactl device enroll P D --out pl")
  is "$w: device enroll --out <TAB>: file names" "$(words "$out")" "plan-a.json "
  out=$(cd "$TMP/files" && comp "otactl --device-token-file pl")
  is "$w: otactl --device-token-file <TAB>: file names" "$(words "$out")" "plan-a.json "
  out=$(cd "$TMP/files" && comp "otactl device checkin P D --device-token-file pl")
  is "$w: --device-token-file <TAB> after the command: file names" "$(words "$out")" "plan-a.json "
  out=$(comp "otad --")
  for o in --listen --db --config --tls-cert --threads --version --help; do
    ok "$w: otad --<TAB> offers $o" has "$out" "$o"
  done
  out=$(comp "otad token ")
  is "$w: otad token <TAB>" "$(words "$out")" "create list revoke "
  out=$(comp "otaconsole --theme ")
  for t in default light monochrome high-contrast; do
    ok "$w: otaconsole --theme <TAB> offers $t" has "$out" "$t"
  done
  out=$(comp "otaconsole --da")
  is "$w: otaconsole --da<TAB>" "$(words "$out")" "--dashboard "
done

# a database another process holds locked: TAB gives up quietly (no 5 s
# SQLite busy wait, nothing printed)
cp "$DB" "$TMP/locked.db"
python3 -c '
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("PRAGMA locking_mode=EXCLUSIVE"); c.execute("BEGIN EXCLUSIVE")
c.execute("CREATE TABLE IF NOT EXISTS lock_test(x)")
open(sys.argv[2], "w").close(); time.sleep(30)' "$TMP/locked.db" "$TMP/locked.ready" &
LOCKER=$!
on_exit "kill $LOCKER 2>/dev/null"
i=0; while [ ! -e "$TMP/locked.ready" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
t0=$(date +%s%N)
out=$(WITH_BC=0 comp "otactl --db $TMP/locked.db plan show ")
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
kill $LOCKER 2>/dev/null
ok "a locked database: TAB answers within 3.5 s (took $ms ms)" test "$ms" -lt 3500
is "a locked database: nothing offered, nothing on stderr" "$out$(cat "$TMP/err")" ""

# every global option otactl --help names is offered (no second list drifts)
out=$(WITH_BC=0 comp "otactl --")
for o in $("$OTACTL" --help | head -3 | grep -oE -- '--[a-z][a-z-]*' | sort -u); do
  ok "otactl --<TAB> offers the global option $o" has "$out" "$o"
done
done_testing
