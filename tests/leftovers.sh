#!/bin/sh
# The suite's last check (make check runs it after every test has ended):
# no test left a process running or a folder in the suite's TMPDIR, also
# when it failed or was interrupted.  Every test runs with OTA_CHECK_RUN set
# to this build folder and TMPDIR set to the suite's own folder (see
# AM_TESTS_ENVIRONMENT in Makefile.am), so what a test started is found by
# that mark in /proc/PID/environ, daemons included.  Whatever is found is
# named, then stopped and removed, so the next run starts clean.
# Usage: tests/leftovers.sh BUILDDIR SUITE-TMPDIR   (TAP on stdout)
run=$1 tmp=$2
n=0 failed=0
res() { n=$((n+1)); if [ "$1" = ok ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=$((failed+1)); fi; }

pids=""
for e in /proc/[0-9]*/environ; do
  p=${e#/proc/}; p=${p%/environ}
  [ "$p" = $$ ] && continue
  if tr '\0' '\n' 2>/dev/null <"$e" | grep -qxF "OTA_CHECK_RUN=$run"; then
    st=$(sed -n 's/^State:[[:space:]]*\(.\).*/\1/p' "/proc/$p/status" 2>/dev/null)
    [ -n "$st" ] && [ "$st" != Z ] && pids="$pids $p"
  fi
done
if [ -z "$pids" ]; then
  res ok "no process left running by the tests"
else
  res fail "no process left running by the tests"
  for p in $pids; do echo "#   $p: $(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)"; done
  kill -KILL $pids 2>/dev/null
fi

if [ -d "$tmp" ] && [ -n "$(ls -A "$tmp" 2>/dev/null)" ]; then
  res fail "no temporary folder left by the tests in $tmp"
  ls -A "$tmp" | sed 's/^/#   /' | head -20
else
  res ok "no temporary folder left by the tests"
fi
rm -rf "$tmp"
echo "1..$n"
[ "$failed" -eq 0 ]
