#!/bin/bash
# bench/package: `otactl package add` of a 100 MiB file against
# `sha256sum` + `cp` + `sync` of the same file, in the same run (issue 20:
# package add <= 0.8 x that).  Both read the file from the page cache (it is
# read once before), both end with the bytes on disk; each round adds the
# file to a fresh database and blob folder.  Prints every round, the medians,
# the ratio and whether the budget is met; and libsodium's SHA-256 of the
# file alone (bench/sha256_floor), the floor of any one-pass add, against the
# same baseline: when the floor itself passes the budget, no pipeline meets it.
#
#   bench/package.sh [--rounds R] [--mib N]
#
# Run from the build folder or set OTA_BUILDDIR.  Exits 1 when over budget.
set -eu
ROUNDS=3 MIB=100 BUDGET=0.8
while [ $# -gt 0 ]; do
  case $1 in
    --rounds) ROUNDS=$2; shift 2 ;;
    --mib) MIB=$2; shift 2 ;;
    *) echo "usage: $0 [--rounds R] [--mib N]" >&2; exit 2 ;;
  esac
done
BUILD=${OTA_BUILDDIR:-$(pwd)}
OTACTL="$BUILD/cli/otactl"
FLOOR="$BUILD/bench/sha256_floor"
for p in "$OTACTL" "$FLOOR"; do
  [ -x "$p" ] || { echo "bench/package: $p not built (run make first, or set OTA_BUILDDIR)" >&2; exit 2; }
done

T=$(mktemp -d "${TMPDIR:-/tmp}/ota-bench-package-XXXXXX")
trap 'rm -rf "$T"' EXIT
head -c $((MIB * 1048576)) /dev/urandom >"$T/fw.bin"
cat "$T/fw.bin" >/dev/null
sync

# seconds since the epoch, microseconds (bash's own clock: no process start)
now() { echo "${EPOCHREALTIME/,/.}"; }
median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

base=() add=() floor=()
for ((r = 1; r <= ROUNDS; r++)); do
  rm -rf "$T/db$r" "$T/copy.bin"; mkdir "$T/db$r"
  "$OTACTL" --db "$T/db$r/ota.db" package list >/dev/null  # the schema, outside the timing
  sync
  t0=$(now)
  sha256sum "$T/fw.bin" >/dev/null
  cp "$T/fw.bin" "$T/copy.bin"
  sync
  t1=$(now)
  "$OTACTL" --db "$T/db$r/ota.db" package add --component module --kind full --target 9.9.$r "$T/fw.bin" >/dev/null
  t2=$(now)
  f=$("$FLOOR" "$T/fw.bin")
  b=$(echo "$t1 - $t0" | bc -l) a=$(echo "$t2 - $t1" | bc -l)
  base+=("$b") add+=("$a") floor+=("$f")
  printf 'round %d: sha256sum+cp+sync %.3f s, package add %.3f s (%.2fx), libsodium SHA-256 alone %.3f s (%.2fx)\n' \
    "$r" "$b" "$a" "$(echo "$a / $b" | bc -l)" "$f" "$(echo "$f / $b" | bc -l)"
  rm -rf "$T/db$r" "$T/copy.bin"
done
B=$(printf '%s\n' "${base[@]}" | median) A=$(printf '%s\n' "${add[@]}" | median)
F=$(printf '%s\n' "${floor[@]}" | median)
RATIO=$(echo "$A / $B" | bc -l)
printf 'package add of %d MiB: %.3f s (median of %d); baseline sha256sum+cp+sync %.3f s; ratio %.2f (budget <= %s)\n' \
  "$MIB" "$A" "$ROUNDS" "$B" "$RATIO" "$BUDGET"
printf 'floor: libsodium SHA-256 alone %.3f s = %.2fx the baseline (add = floor + %.3f s)\n' \
  "$F" "$(echo "$F / $B" | bc -l)" "$(echo "$A - $F" | bc -l)"
printf 'load average: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
if [ "$(echo "$RATIO <= $BUDGET" | bc)" = 1 ]; then echo "budget met"; else echo "budget NOT met"; exit 1; fi
