#!/bin/sh
# End-to-end at 80x24 against a real otad: messages expire or are replaced
# by the outcome they announced.  "Loading the history…" goes once it
# loaded; a "cannot reach" error and the status bar's "last error" go once
# the server answers again; the dashboard keeps "updated HH:MM:SS" beside
# its STALE banner at 80 columns, its tiles keep a blank between a long
# title and the state, and its ? lists only the dashboard's keys.  Every
# wait polls the pane (the dashboard turns stale after 10 s without an
# answer: the waits allow 15).
. "${OTA_SRCDIR:-$(dirname "$0")/../..}/tests/lib.sh"
. "$OTA_SRCDIR/tests/contract/lib-otad.sh"
. "$OTA_SRCDIR/tests/e2e/lib-console.sh"

if ! otad_start; then
  echo "not ok 1 - otad starts: $OTAD_WHY"; echo "1..1"; exit 1
fi
RC() { "$OTACTL" --remote "$OTAD_URL" --token "$OTAD_TOKEN" "$@"; }
PORT=${OTAD_URL##*:}
otad_stop() { kill "$OTAD_PID"; wait "$OTAD_PID" 2>/dev/null; }
otad_again() {
  "$OTAD_BIN" --db "$OTAD_DB" --blobs "$OTAD_BLOBS" --listen "127.0.0.1:$PORT" >>"$OTAD_DIR/log" 2>&1 &
  OTAD_PID=$!
  on_exit "kill $OTAD_PID 2>/dev/null; wait $OTAD_PID 2>/dev/null"
  wait_until "curl -sf $OTAD_URL/healthz" 100
}

RC product add meter "Smart meter" >/dev/null
RC fleet generate meter 30 --seed 3 >/dev/null
printf 'mcu image\n' > "$TMP/mcu.bin"
RC package add --component mcu --kind full --target 9.0 "$TMP/mcu.bin" >/dev/null
cat > "$TMP/plan.json" <<JSON
{"name":"Rollout of the northern region meters","product":"meter","mode":"silent",
 "strategy":{"retries":1,"min_rsrp":-140,"min_battery":0},
 "window":{"start":"2020-01-01T00:00:00Z","end":"2090-01-01T00:00:00Z"},
 "components":[{"component":"mcu","package_id":1}]}
JSON
RC plan create "$TMP/plan.json" >/dev/null
RC plan activate 1 >/dev/null
mkdir -p "$XDG_CONFIG_HOME/otaconsole"
printf '%s\n' "$OTAD_TOKEN" > "$TMP/token"; chmod 600 "$TMP/token"

# ------------------------------------------- "Loading…" goes once it loaded
S=stale
start80 $S "$CONSOLE" --remote "$OTAD_URL" --token-file "$TMP/token"
check "the console opens at 80x24 on the server" $S "1 +mcu +full +9\.0"
keys $S 2
check "plans" $S "1 +Rollout of th"
keys $S h
check "h loads the plan's history" $S "History of plan 1: [0-9]+ audit rows"
check_gone "and 'Loading the history' is gone once it loaded" $S "Loading the history"
keys $S Escape

# ----------------------- an error about the connection goes once it answers
otad_stop
keys $S R
check "the server is gone: the console says it cannot reach it" $S "cannot reach"
keys $S Escape m
check "m shows the last error in full" $S "Could not load the plans: cannot reach http://127\.0\.0\.1:$PORT"
keys $S Escape
otad_again
keys $S R
check "the server is back: the plans load again" $S "1 +Rollout of th"
TAP_N=$((TAP_N+1))
if wait_until "! status_line $S | grep -q 'last err'" 50; then echo "ok $TAP_N - the last error is cleared after the recovery"
else echo "not ok $TAP_N - the last error is cleared after the recovery"; TAP_FAILED=$((TAP_FAILED+1))
  status_line $S | sed 's/^/#   | /'; fi
check_gone "and no message says it cannot reach the server" $S "cannot reach"
keys $S m
check "m has nothing of the outage left to show" $S "No message to show again"
keys $S q
wait_until "! $T has-session -t $S" 50

# ----------------------------------------------------------- the dashboard
D=dash
start80 $D "$CONSOLE" --remote "$OTAD_URL" --token-file "$TMP/token" --dashboard
check "the dashboard at 80x24" $D "updated [0-9]{2}:[0-9]{2}:[0-9]{2}"
check "a long tile title ends in its ellipsis, a blank before the state" $D "…  *(active|upgrading)( |$)"
keys $D '?'
check "? on the dashboard: what it is" $D "The dashboard is read-only"
check "and its keys" $D "q +Back; quit"
TAP_N=$((TAP_N+1))
if screen $D | grep -Eq "Packages pane|Package and plan lists|Plan editor|Blacklist"; then
  echo "not ok $TAP_N - only the dashboard's keys"; TAP_FAILED=$((TAP_FAILED+1)); screen $D | sed 's/^/#   | /'
else echo "ok $TAP_N - only the dashboard's keys"; fi
keys $D q
check "q goes back to the tiles" $D "Rollout of the"
otad_stop
check "otad gone: STALE, and 'updated HH:MM:SS' still on the same row at 80 columns" $D \
  "STALE: no answer from the backend.* updated [0-9]{2}:[0-9]{2}:[0-9]{2}" 150
otad_again
check_gone "otad back: the dashboard is fresh again by itself" $D "STALE" 150
TAP_N=$((TAP_N+1))
if wait_until "! status_line $D | grep -q 'last err'" 100; then echo "ok $TAP_N - and the wall screen's last error is gone"
else echo "not ok $TAP_N - and the wall screen's last error is gone"; TAP_FAILED=$((TAP_FAILED+1))
  status_line $D | sed 's/^/#   | /'; fi
check_gone "no message about the outage is left" $D "Could not load|cannot reach"
$T kill-session -t $D

ok "nothing was written to stderr" test ! -s "$TMP/stderr.log"
done_testing
