#!/bin/sh
# End-to-end at 80x24: the console's connection state against a real otad,
# as a field engineer sees it in the status bar, with no key pressed unless
# the scenario says so.
#  - connected; otad killed while the operator reads a list: offline within
#    a heartbeat; otad back on its port: connected within one heartbeat;
#  - the same on the plans pane after R said offline: its progress polls
#    succeeded and the bar stayed "offline" until the next R (their
#    outcome was not counted); now every call's outcome is;
#  - otad stopped (SIGSTOP): slow, with the seconds waited and the timeout,
#    within a heartbeat; R waits too; Esc cancels and frees the console:
#    the next action (v) is sent to the server at once, not queued behind
#    the stuck request (its bytes reach otad's socket), and the panes keep
#    switching; SIGCONT: v's answer and "connected" within one poll.
. "${OTA_SRCDIR:-$(dirname "$0")/../..}/tests/lib.sh"
. "$OTA_SRCDIR/tests/contract/lib-otad.sh"
. "$OTA_SRCDIR/tests/e2e/lib-console.sh"
need ss iproute2

if ! otad_start; then
  echo "not ok 1 - otad starts: $OTAD_WHY"; echo "1..1"; exit 1
fi
RC() { "$OTACTL" --remote "$OTAD_URL" --token "$OTAD_TOKEN" "$@"; }
PORT=${OTAD_URL##*:}
otad_again() {  # otad back on the same port, same database
  "$OTAD_BIN" --db "$OTAD_DB" --blobs "$OTAD_BLOBS" --listen "127.0.0.1:$PORT" >>"$OTAD_DIR/log" 2>&1 &
  OTAD_PID=$!
  on_exit "kill -CONT $OTAD_PID 2>/dev/null; kill $OTAD_PID 2>/dev/null; wait $OTAD_PID 2>/dev/null"
  wait_until "curl -sf $OTAD_URL/healthz" 100
}
otad_kill() { kill "$OTAD_PID"; wait "$OTAD_PID" 2>/dev/null; }
# Bytes sent to otad that it has not read yet (its sockets' receive queues).
unread() { ss -tnH state established "( sport = :$PORT )" | awk '{n += $1} END {print n + 0}'; }
# One heartbeat is 3 s: "within one" allows it and a second of slack.
BEAT=45

RC product add meter "Smart meter" >/dev/null
RC fleet generate meter 20 --seed 3 >/dev/null
printf 'mcu image\n' > "$TMP/mcu.bin"
RC package add --component mcu --kind full --target 9.0 "$TMP/mcu.bin" >/dev/null
cat > "$TMP/plan.json" <<JSON
{"name":"Field plan","product":"meter","mode":"silent",
 "strategy":{"retries":1,"min_rsrp":-140,"min_battery":0},
 "window":{"start":"2020-01-01T00:00:00Z","end":"2030-01-01T00:00:00Z"},
 "components":[{"component":"mcu","package_id":1}]}
JSON
RC plan create "$TMP/plan.json" >/dev/null
RC plan activate 1 >/dev/null

S=conn
start80 $S "$CONSOLE" --remote "$OTAD_URL" --token "$OTAD_TOKEN" --timeout 20
check "the packages are listed" $S "^ 1 +mcu +full +9\.0"
check "the status bar says connected" $S "\(admin\) \| connected"

# ------------------------------------------ a dead server, a list on screen
otad_kill
check "otad killed while the list is read: offline within a heartbeat, no key pressed" \
  $S "\| offline since [0-9]{2}:[0-9]{2}:[0-9]{2}, retrying" $BEAT
otad_again
check "otad back: connected within one heartbeat, no key pressed" $S "\(admin\) \| connected" $BEAT

keys $S 2
check "the plans pane" $S "^ 1 +Field plan +meter +(active|upgrading)"
otad_kill
keys $S R
check "otad killed on the plans pane: R says offline" $S "\| offline since [0-9:]+, retrying" $BEAT
otad_again
check "otad back: connected within one poll, no key pressed (not only after R)" \
  $S "\(admin\) \| connected" $BEAT
keys $S 1
check "back on the packages" $S "^ 1 +mcu +full +9\.0"

# -------------------------------------------------- a hung server: SIGSTOP
kill -STOP "$OTAD_PID"
check "otad stopped: slow, with the seconds waited and the timeout, no key pressed" \
  $S "\| slow \(waiting [0-9]+s of 20s — Esc cancels\)" $BEAT
keys $S R
check "a reload waits as well" $S "\| slow \(waiting [0-9]+s of 20s — Esc cancels\)"
keys $S Escape
check "Esc cancels the request in progress" $S "Cancelled the request in progress"
check "the status bar says the server did not answer" $S "\| no answer since [0-9:]+, retrying"
before=$(unread)
keys $S v
check "the next action is taken at once" $S "Verifying package 1"
TAP_N=$((TAP_N+1))
if wait_until '[ "$(unread)" -gt "$before" ]' 50; then
  echo "ok $TAP_N - and its request is sent to the server, not queued behind the stuck one"
else echo "not ok $TAP_N - and its request is sent to the server, not queued behind the stuck one"
  TAP_FAILED=$((TAP_FAILED+1)); echo "#   unread bytes at otad: before $before, now $(unread)"; fi
keys $S 2
check "panes still switch on what they hold" $S "^ 1 +Field plan +meter"
keys $S 1
kill -CONT "$OTAD_PID"
check "SIGCONT: the verification answers" $S "Package 1 verified"
check "and the status bar says connected within one poll" $S "\(admin\) \| connected" $BEAT

keys $S q
wait_until "! $T has-session -t $S" 50
ok "nothing was written to stderr" test ! -s "$TMP/stderr.log"
done_testing
