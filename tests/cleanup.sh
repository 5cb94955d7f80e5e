#!/bin/bash
# Tests clean up after themselves when they are interrupted, not only when
# they end: a shell test stopped by SIGTERM, SIGINT or SIGHUP while its otad
# and watchdog run leaves no process and no folder (tests/lib.sh's traps),
# and a C test stopped by SIGTERM while it runs otad leaves neither (the
# otad child dies with it, tap_tmpdir's folder is removed).
. "${OTA_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"
need pgrep procps
set -m   # background jobs get SIGINT like a foreground test under make

# The scenario: a shell test that starts otad, says so, then waits.
cat >"$TMP/victim.sh" <<'SH'
. "$OTA_SRCDIR/tests/http/otad_lib.sh"
otad_start
echo "$OTAD_PID $TMP" >"$VICTIM_READY.tmp" && mv "$VICTIM_READY.tmp" "$VICTIM_READY"
while :; do sleep 1; done
SH

until_gone() {  # until_gone PID...: bounded wait for the processes to end
  local i=0
  while [ $i -lt 200 ]; do
    kill -0 "$@" 2>/dev/null || return 0
    i=$((i+1)); sleep 0.05
  done
  return 1
}
until_file() { local i=0; while [ $i -lt 400 ] && [ ! -s "$1" ]; do i=$((i+1)); sleep 0.05; done; [ -s "$1" ]; }

for sig in TERM INT HUP; do
  ready="$TMP/ready.$sig"
  VICTIM_READY=$ready TMPDIR="$TMP" OTAD_TEST_TIMEOUT=60 bash "$TMP/victim.sh" >"$TMP/victim.$sig.out" 2>&1 &
  vpid=$!
  if ! until_file "$ready"; then
    ok "SIG$sig: the scenario started otad" false; kill -KILL -$vpid 2>/dev/null; continue
  fi
  read -r opid vtmp <"$ready"
  kids=$(pgrep -P $vpid | tr '\n' ' ')
  kill -"$sig" $vpid
  wait $vpid 2>/dev/null; rc=$?
  ok "SIG$sig: the test exits (status $rc)" test "$rc" -ne 0
  ok "SIG$sig: its otad ($opid) is stopped" until_gone "$opid"
  ok "SIG$sig: its other children ($kids) are stopped" until_gone $kids
  ok "SIG$sig: its folder is removed" test ! -e "$vtmp"
done

# A C test (the crash suite runs otad from a fork) stopped in the middle.
CRASH="$OTA_BUILDDIR/tests/crash/test_crash"
ctmp="$TMP/c"; mkdir -p "$ctmp"
TMPDIR="$ctmp" CRASH_KILLS=50 "$CRASH" >"$TMP/crash.out" 2>&1 &
cpid=$!
i=0; opid=""
while [ $i -lt 400 ] && [ -z "$opid" ]; do opid=$(pgrep -P $cpid -x otad); i=$((i+1)); sleep 0.05; done
ok "C test: its otad runs" test -n "$opid"
ok "C test: its folder exists while it runs" test -n "$(ls -A "$ctmp")"
kill -TERM $cpid; wait $cpid 2>/dev/null
ok "C test: its otad ($opid) dies with it" until_gone $opid
ok "C test: its folder is removed" test -z "$(ls -A "$ctmp")"
done_testing
