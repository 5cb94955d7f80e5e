#!/bin/sh
# --version and --help of otaconsole, otactl and otad: exit 0, the answer on
# standard output and nothing on standard error, before any database,
# config file or terminal is touched; a bad option still exits 2 with the
# usage (otad: the flag) on standard error.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/docs_lib.sh"

# run PROGRAM ARGS...: stdout in $OUT, stderr in $ERR, status in $RC
run() {
  "$@" >"$TMP/.stdout" 2>"$TMP/.stderr" </dev/null
  RC=$?
  OUT=$(cat "$TMP/.stdout")
  ERR=$(cat "$TMP/.stderr")
}

export OTA_DB="$TMP/never/ota.db" TERM=dumb
for prog in otaconsole otactl otad; do
  case $prog in
    otaconsole) bin=$OTACONSOLE ;;
    otactl) bin=$OTACTL ;;
    otad) bin=$OTAD ;;
  esac
  run "$bin" --version
  is "$prog --version: exit 0" "$RC" 0
  is "$prog --version: '$prog (otaconsole) $VERSION'" "$(printf '%s\n' "$OUT" | head -1)" \
    "$prog (otaconsole) $VERSION"
  is "$prog --version: nothing on stderr" "$ERR" ""
  for h in --help -h; do
    run "$bin" $h
    is "$prog $h: exit 0" "$RC" 0
    like "$prog $h: the usage on stdout" "$(printf '%s\n' "$OUT" | head -1)" "^usage: $prog "
    like "$prog $h: mentions --version" "$OUT" "--version"
    is "$prog $h: nothing on stderr" "$ERR" ""
  done
  run "$bin" --no-such-option
  is "$prog --no-such-option: exit 2" "$RC" 2
  if [ $prog = otad ]; then  # otad names the bad flag (and a bad value) in one line
    like "$prog --no-such-option: named on stderr" "$ERR" "^otad: .*no-such-option"
  else
    like "$prog --no-such-option: the usage on stderr" "$ERR" "usage: $prog"
  fi
  is "$prog --no-such-option: nothing on stdout" "$OUT" ""
done
ok "no database was created by any of them" test ! -e "$TMP/never"

# the answer comes before anything else is looked at
run "$OTAD" --config "$TMP/missing.conf" --help
is "otad --config MISSING --help: exit 0 (config not read)" "$RC" 0
run "$OTAD" --listen nonsense --version
is "otad --listen nonsense --version: exit 0" "$RC" 0
like "  with the version" "$OUT" "^otad \\(otaconsole\\) "
run "$OTAD" token create --help
is "otad token create --help: exit 0" "$RC" 0
like "  shows the token subcommands" "$OUT" "otad token revoke"
run "$OTAD" version
is "otad version (kept): exit 0" "$RC" 0
like "  with the version" "$OUT" "^otad \\(otaconsole\\) $VERSION"
run "$OTAD" --name --help token revoke
is "otad: --help as an option's value is not --help" "$RC" 2
run "$OTACTL" help plan
is "otactl help plan: exit 0" "$RC" 0
like "  lists plan commands" "$OUT" "otactl plan activate"
run "$OTACTL" --json --version
is "otactl --json --version: exit 0" "$RC" 0
run "$OTACONSOLE" --theme /no/such.theme --version
is "otaconsole --theme MISSING --version: exit 0 (theme not read)" "$RC" 0
run "$OTACONSOLE" --keys
is "otaconsole --keys: exit 0" "$RC" 0
like "  prints the key table" "$OUT" "^Everywhere	q	"
ok "no database was created by any of them" test ! -e "$TMP/never"
done_testing
