#!/bin/sh
# Replays every fuzz harness over its seed corpus (fixtures/fuzz/<harness>/),
# which also holds every crash the fuzzers ever found: a fixed bug stays
# fixed.  Needs clang (Debian clang + libclang-rt-14-dev).
set -u
: "${OTA_BUILDDIR:=$(pwd)}"
: "${OTA_SRCDIR:=$(cd "$(dirname "$0")/../.." && pwd)}"
if ! command -v clang >/dev/null 2>&1; then
  echo "Bail out! $(basename "$0"): needs clang (Debian packages clang, libclang-rt-14-dev; ./quickstart installs them)"; exit 1
fi
out="$OTA_BUILDDIR/tests/fuzz"
mkdir -p "$out"
n=0 failed=0
say() {  # say ok|"not ok" description
  n=$((n + 1)); echo "$1 $n - $2"; [ "$1" = ok ] || failed=$((failed + 1))
}
if sh "$OTA_SRCDIR/tests/fuzz/build.sh" "$OTA_SRCDIR" "$out" >"$out/build.log" 2>&1; then
  say ok "harnesses build with clang, libFuzzer, ASan and UBSan"
else
  say "not ok" "harnesses build with clang, libFuzzer, ASan and UBSan"
  tail -20 "$out/build.log" | sed 's/^/#   /'
fi
export ASAN_OPTIONS="detect_leaks=1:${ASAN_OPTIONS:-}" UBSAN_OPTIONS="print_stacktrace=1"
for src in "$OTA_SRCDIR"/tests/fuzz/fuzz_*.c; do
  h=$(basename "$src" .c)
  corpus="$OTA_SRCDIR/fixtures/fuzz/${h#fuzz_}"
  if grep -q "^fuzz: $h skipped" "$out/build.log" 2>/dev/null; then
    n=$((n + 1)); echo "ok $n - $h # SKIP $(sed -n "s/^fuzz: $h skipped (\(.*\))/\1/p" "$out/build.log")"
    continue
  fi
  count=$(ls "$corpus" 2>/dev/null | wc -l)
  if [ "$count" -eq 0 ]; then
    say "not ok" "$h has a seed corpus in fixtures/fuzz/${h#fuzz_}/"; continue
  fi
  if [ -x "$out/$h" ] && "$out/$h" -runs=0 -timeout=20 -rss_limit_mb=2048 "$corpus" >"$out/$h.regress.log" 2>&1; then
    say ok "$h replays its $count corpus inputs clean"
  else
    say "not ok" "$h replays its $count corpus inputs clean"
    grep -E 'ERROR|SUMMARY|broken promise|runtime error|#[0-9]+ 0x' "$out/$h.regress.log" 2>/dev/null | head -20 | sed 's/^/#   /'
  fi
done
echo "1..$n"
[ "$failed" -eq 0 ]
