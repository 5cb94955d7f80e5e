#!/bin/sh
# End-to-end: the real otaconsole in tmux against a real otad on a free
# loopback port.  The server and its token come from a profile in
# $XDG_CONFIG_HOME/otaconsole/config, resolved like otactl does (a token file
# others can read is refused).  Packages and plans visible, an action works,
# the status bar shows the URL, the token's role and INSECURE; a request to a
# stopped otad (SIGSTOP) shows the spinner while keys keep working and Esc
# cancels it; the dashboard marks its data stale when otad is killed and is
# fresh again by itself once otad is back; a local plan pushed with P.
. "${OTA_SRCDIR:-$(dirname "$0")/../..}/tests/lib.sh"
. "$OTA_SRCDIR/tests/contract/lib-otad.sh"
. "$OTA_SRCDIR/tests/e2e/lib-console.sh"

if ! otad_start; then
  echo "not ok 1 - otad starts: $OTAD_WHY"; echo "1..1"; exit 1
fi
RC() { "$OTACTL" --remote "$OTAD_URL" --token "$OTAD_TOKEN" "$@"; }
PORT=${OTAD_URL##*:}
URL_RE=$(printf '%s' "$OTAD_URL" | sed 's/\./\\./g')

# ---------------------------------------------------------------- fixtures
RC product add meter "Smart meter" >/dev/null
RC fleet generate meter 50 --seed 3 >/dev/null
printf 'mcu image\n' > "$TMP/mcu.bin"
RC package add --component mcu --kind full --target 9.0 "$TMP/mcu.bin" >/dev/null
cat > "$TMP/plan.json" <<JSON
{"name":"Remote plan","product":"meter","mode":"silent",
 "strategy":{"retries":1,"min_rsrp":-140,"min_battery":0},
 "window":{"start":"2020-01-01T00:00:00Z","end":"2030-01-01T00:00:00Z"},
 "components":[{"component":"mcu","package_id":1}]}
JSON
RC plan create "$TMP/plan.json" >/dev/null

# The token in a file only its owner reads, named by the default profile.
mkdir -p "$XDG_CONFIG_HOME/otaconsole"
printf '%s\n' "$OTAD_TOKEN" > "$TMP/token"; chmod 600 "$TMP/token"
cat > "$XDG_CONFIG_HOME/otaconsole/config" <<EOF
[default]
url = $OTAD_URL
token_file = $TMP/token
EOF
unset OTA_TOKEN OTA_TOKEN_FILE OTA_PROFILE

# ------------------------------------------------------- token file refused
cp "$TMP/token" "$TMP/token644"; chmod 644 "$TMP/token644"
out=$("$CONSOLE" --remote "$OTAD_URL" --token-file "$TMP/token644" 2>&1 </dev/null); rc=$?
is "a token file others can read: the console refuses to start" "$rc" 1
like "and says how to fix it" "$out" "chmod 600 .*token644"

# ---------------------------------------------------- remote mode, profile
S=remote
start $S "$CONSOLE" --remote "$OTAD_URL"
check "packages on the server are listed" $S "1 +mcu +full +9\.0"
check "the status bar shows the URL and the token's role" $S "remote: $URL_RE \(admin\) \| connected"
keys $S 2
check "plans on the server are listed" $S "1 +Remote plan +meter +saved"
keys $S a
check "activate asks first" $S "Activate plan 1"
keys $S y
check "the server activates the plan" $S "now active"
like "otad has the plan active" "$(RC plan show 1 2>&1)" "active|upgrading"

# ------------------------------------- slow server: spinner, keys, Esc cancels
keys $S 1
check "back on the packages" $S "Packages: 1 "
kill -STOP "$OTAD_PID"
on_exit "kill -CONT $OTAD_PID 2>/dev/null"
keys $S R
TAP_N=$((TAP_N+1))
if wait_until "status_line $S | grep -Eq '^ [|/\\\\-] remote:'" 50; then
  echo "ok $TAP_N - a request to a stopped otad shows the spinner"
else echo "not ok $TAP_N - a request to a stopped otad shows the spinner"; TAP_FAILED=$((TAP_FAILED+1))
  status_line $S | sed 's/^/#   | /'; fi
keys $S '?'
check "keys keep working while it hangs: ? opens the help" $S "Everywhere"
keys $S PgDn
check "the help lists the push action from the key table" $S "P +Push the plan to a server"
keys $S q
check "and q goes back" $S "Packages: 1 "
keys $S Escape
check "Esc cancels the request in progress" $S "Cancelled the request in progress"
TAP_N=$((TAP_N+1))
if wait_until "status_line $S | grep -Eq '^   remote:'" 30; then
  echo "ok $TAP_N - the spinner stops"
else echo "not ok $TAP_N - the spinner stops"; TAP_FAILED=$((TAP_FAILED+1)); status_line $S | sed 's/^/#   | /'; fi
kill -CONT "$OTAD_PID"
keys $S 2
check "once otad runs again the plans load" $S "1 +Remote plan +meter +(active|upgrading)"
keys $S q
wait_until "! $T has-session -t $S" 50

# ---------------------------------------------------------------- INSECURE
start insecure "$CONSOLE" --remote "$OTAD_URL" --insecure
check "--insecure shows INSECURE in the status bar" insecure "^ INSECURE +remote: $URL_RE"

# ------------------------------------------------ dashboard: stale, reconnect
start dash "$CONSOLE" --remote "$OTAD_URL" --dashboard
$T kill-session -t insecure
check "the dashboard shows the active plan" dash "Remote plan"
check "with the time of the last update" dash "updated [0-9]{2}:[0-9]{2}:[0-9]{2}"
kill "$OTAD_PID"; wait "$OTAD_PID" 2>/dev/null
check "otad killed: the data is marked stale" dash "STALE: no answer from the backend" 150
check "the tiles stay, marked as old data" dash "Remote plan"
check "the status bar says offline" dash "offline since [0-9:]+, retrying"
"$OTAD_BIN" --db "$OTAD_DB" --blobs "$OTAD_BLOBS" --listen "127.0.0.1:$PORT" >>"$OTAD_DIR/log" 2>&1 &
OTAD_PID=$!
on_exit "kill $OTAD_PID 2>/dev/null; wait $OTAD_PID 2>/dev/null"
wait_until "curl -sf $OTAD_URL/healthz" 100
check_gone "otad back on the same port: the dashboard reconnects, fresh again" dash "STALE" 150
check "and the status bar says connected" dash "\(admin\) \| connected"
$T kill-session -t dash

# ------------------------------------------------------- push a local plan
DB="$TMP/local.db"
CTL product add meter "Smart meter" >/dev/null
printf 'module image, drafted offline\n' > "$TMP/module.bin"
CTL package add --component module --kind full --target 2.0 "$TMP/module.bin" >/dev/null
sed -e 's/Remote plan/Drafted offline/' -e 's/"mcu"/"module"/' "$TMP/plan.json" > "$TMP/draft.json"
CTL plan create "$TMP/draft.json" >/dev/null
start push "$CONSOLE" --db "$DB"
keys push 2
check "the local plan is listed" push "1 +Drafted offline"
keys push P
check "P asks for the server, the default profile's URL filled in" push "Push plan 1 to server URL: *$URL_RE"
keys push Enter
check "the plan is pushed, its package uploaded" push "Pushed plan 1: server plan 2 revision 1 \(created; packages: 1 uploaded, 0 matched\)"
like "otad has the pushed plan" "$(RC plan show 2 2>&1)" "Drafted offline"
keys push P Enter
check "a second push updates the same server plan" push "server plan 2 revision [0-9]+ \(updated; packages: 0 uploaded, 1 matched\)"

ok "nothing was written to stderr" test ! -s "$TMP/stderr.log"
done_testing
