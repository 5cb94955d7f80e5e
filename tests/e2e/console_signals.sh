#!/bin/sh
# End-to-end: otaconsole --demo ended by a signal (SIGTERM from kill, SIGHUP
# from a closed terminal) leaves no temporary folder behind: the signal
# reaches the loop through a self-pipe, and the normal teardown runs.
. "${OTA_SRCDIR:-$(dirname "$0")/../..}/tests/lib.sh"
. "$OTA_SRCDIR/tests/e2e/lib-console.sh"

DEMO_TMP="$TMP/demo-tmp"
mkdir -p "$DEMO_TMP"
demo_dirs() { ls -d "$DEMO_TMP"/otaconsole-demo-* 2>/dev/null | wc -l; }

for sig in TERM HUP INT; do
  s=demo$sig
  start_pid $s "$TMP/$s.pid" TMPDIR="$DEMO_TMP" "$CONSOLE" --demo
  check "SIG$sig: the demo opens" $s "Packages: [0-9]+ "
  is "SIG$sig: while it runs its temporary folder exists" "$(demo_dirs)" 1
  pid=$(cat "$TMP/$s.pid")
  if [ $sig = HUP ]; then
    $T kill-session -t $s     # the terminal goes away: tmux sends SIGHUP
  else
    kill -$sig "$pid"
  fi
  ok "SIG$sig: the console ends" wait_until "! kill -0 $pid" 100
  is "SIG$sig: the temporary folder is removed" "$(demo_dirs)" 0
done
ok "nothing was written to stderr" test ! -s "$TMP/stderr.log"
done_testing
