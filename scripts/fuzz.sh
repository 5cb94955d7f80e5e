#!/bin/sh
# Fuzz every harness (or the ones named) for SECONDS each and print a table:
# executions, executions per second, crashes.
#   scripts/fuzz.sh [SECONDS] [HARNESS...]      (default 60 s; e.g. 600 for a soak)
#   FUZZ_PARALLEL=2 scripts/fuzz.sh 600         (harnesses run two at a time)
# Works in $OTA_BUILDDIR/tests/fuzz (default build/tests/fuzz): the growing
# corpus in corpus/<name>/ (seeded from fixtures/fuzz/<name>/), crashes in
# artifacts/<name>/.  A crash's input belongs in fixtures/fuzz/<name>/ once
# the bug is fixed: tests/fuzz/regress.sh (make check) replays it forever.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
secs=${1:-60}
[ $# -gt 0 ] && shift
out=${OTA_BUILDDIR:-$top/build}/tests/fuzz
sh "$top/tests/fuzz/build.sh" "$top" "$out" >&2 || echo "fuzz: some harnesses did not build; fuzzing the others" >&2
if [ $# -gt 0 ]; then names="$*"; else
  names=$(cd "$top/tests/fuzz" && ls fuzz_*.c | sed 's/^fuzz_//; s/\.c$//')
fi
export ASAN_OPTIONS="detect_leaks=1:${ASAN_OPTIONS:-}" UBSAN_OPTIONS="print_stacktrace=1"

export out secs top
for n in $names; do echo "$n"; done |
  xargs -P "${FUZZ_PARALLEL:-1}" -I{} sh -c "n={}; mkdir -p \"\$out/corpus/\$n\" \"\$out/artifacts/\$n\";
    [ -x \"\$out/fuzz_\$n\" ] || exit 0;
    \"\$out/fuzz_\$n\" -max_total_time=\"\$secs\" -timeout=20 -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix=\"\$out/artifacts/\$n/\" \"\$out/corpus/\$n\" \"\$top/fixtures/fuzz/\$n\" \
      >\"\$out/\$n.fuzz.log\" 2>&1 || true"

printf '%-14s %12s %10s %8s %8s %s\n' harness executions exec/s seconds corpus crashes
total=0
for n in $names; do
  log="$out/$n.fuzz.log"
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" 2>/dev/null | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" 2>/dev/null | tail -1)
  took=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" 2>/dev/null | tail -1)
  crashes=$(ls "$out/artifacts/$n" 2>/dev/null | grep -c -E '^(crash|leak|timeout|oom|slow-unit)-' || true)
  corpus=$(ls "$out/corpus/$n" 2>/dev/null | wc -l)
  printf '%-14s %12s %10s %8s %8s %s\n' "$n" "${execs:-?}" "${rate:-?}" "${took:-?}" "$corpus" "$crashes"
  total=$((total + crashes))
  [ "$crashes" -eq 0 ] || grep -m3 -E 'ERROR|broken promise|runtime error' "$log" | sed 's/^/    /'
done
echo "crashes: $total (inputs in $out/artifacts/)"
[ "$total" -eq 0 ]
