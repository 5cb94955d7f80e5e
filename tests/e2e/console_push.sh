#!/bin/sh
# End-to-end at 80x24: pushing a local draft to a real otad whose token is
# in no profile.  P asks for the URL, then for the token (shown as stars);
# a token otad refuses is reported as unauthorized (it used to read "no
# product" while otad logged 401), a viewer's as forbidden, in words; an
# operator's pushes.  otactl plan push on a terminal asks the same way.
. "${OTA_SRCDIR:-$(dirname "$0")/../..}/tests/lib.sh"
. "$OTA_SRCDIR/tests/contract/lib-otad.sh"
. "$OTA_SRCDIR/tests/e2e/lib-console.sh"

if ! otad_start; then
  echo "not ok 1 - otad starts: $OTAD_WHY"; echo "1..1"; exit 1
fi
RC() { "$OTACTL" --remote "$OTAD_URL" --token "$OTAD_TOKEN" "$@"; }
URL_RE=$(printf '%s' "$OTAD_URL" | sed 's/\./\\./g')
VIC=$("$OTAD_BIN" token create --db "$OTAD_DB" --role viewer --name vic | tail -1)
OLGA=$("$OTAD_BIN" token create --db "$OTAD_DB" --role operator --name olga | tail -1)
RC product add EC600N-meter "Smart meter" >/dev/null

DB="$TMP/local.db"
CTL product add EC600N-meter "Smart meter" >/dev/null
printf 'module image, drafted offline\n' > "$TMP/module.bin"
CTL package add --component module --kind full --target 2.0 "$TMP/module.bin" >/dev/null
for name in "Drafted offline" "Second draft"; do
  cat > "$TMP/draft.json" <<JSON
{"name":"$name","product":"EC600N-meter","mode":"silent",
 "strategy":{"retries":1,"min_rsrp":-140,"min_battery":0},
 "window":{"start":"2020-01-01T00:00:00Z","end":"2030-01-01T00:00:00Z"},
 "components":[{"component":"module","package_id":1}]}
JSON
  CTL plan create "$TMP/draft.json" >/dev/null
done
unset OTA_TOKEN OTA_TOKEN_FILE OTA_PROFILE

S=push
start80 $S "$CONSOLE" --db "$DB"
keys $S 2
check "the local plans are listed" $S "^ 1 +Drafted offli"
keys $S G P
check "P asks for the server" $S "Push plan 1 to server URL:"
text $S "$OTAD_URL"
keys $S Enter
check "then for its token, there being none in a profile" $S "^Server's token \(not shown\):"
text $S "ota_wrong"
check "the token typed shows as stars" $S "^Server's token \(not shown\): \*{9} *$"
check_gone "never as itself" $S "ota_wrong"
keys $S Enter
check "a token otad refuses: unauthorized, never not_found" $S "^Push of plan 1 refused: unauthorized: token: the server"
check_gone "no word of a missing product" $S "no product"
ok "otad answered 401" wait_until "grep -q 'GET /api/v1/whoami 401' '$OTAD_DIR/log'" 50

keys $S P
check "P again: the URL is kept" $S "Push plan 1 to server URL: *$URL_RE"
keys $S Enter
check "the token is asked again (it was not kept)" $S "^Server's token \(not shown\):"
text $S "$VIC"
keys $S Enter
check "a viewer's token: forbidden" $S "^Push of plan 1 refused: forbidden: token: the server"
is "nothing was pushed" "$(RC --json plan list | jq '.items|length')" 0

keys $S P Enter
text $S "$OLGA"
keys $S Enter
check "an operator's token pushes" $S "^Pushed plan 1: server plan 1 revision 1 \(created; packages: 1 uploaded"
like "otad has the pushed plan" "$(RC plan show 1 2>&1)" "Drafted offline"
keys $S q
wait_until "! $T has-session -t $S" 50

# -------------------------------------------- otactl on a terminal asks too
# (its own session: the prompt is on standard error, which start() logs)
$T new-session -d -s ctl -x 80 -y 24 \
  "env LANG=C.UTF-8 HOME=$HOME XDG_CONFIG_HOME=$XDG_CONFIG_HOME $OTACTL --db $DB plan push 2 --remote $OTAD_URL; echo rc=\$?; sleep 600"
check "otactl plan push asks for the token on the terminal" ctl "Token for $URL_RE \(not shown\): *$"
text ctl "$OLGA"
keys ctl Enter
check "and pushes with it" ctl "pushed local plan 2 to $URL_RE: new plan 2"
check "exit status 0" ctl "^rc=0"
check_gone "the token typed was not echoed" ctl "$OLGA"
$T kill-session -t ctl

ok "nothing was written to stderr" test ! -s "$TMP/stderr.log"
done_testing
