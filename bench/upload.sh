#!/bin/bash
# bench/upload: a 100 MiB package upload to otad over loopback against
# `sha256sum` of the same file, in the same run (issue 20: upload <= 1.25 x
# sha256sum), with otad's memory before, at its peak during and after the
# uploads (it must stay flat: the body is streamed, never held).  Then the
# file's first download (verified: otad re-hashes a blob it has not verified
# yet; an upload leaves its verdict cached) and a second one, against
# sha256sum too; and libsodium's SHA-256 alone (bench/sha256_floor), the
# floor of any one-pass upload.
#
#   bench/upload.sh [--rounds R] [--mib N]
#
# Run from the build folder or set OTA_BUILDDIR.  Needs curl and jq.
# Exits 1 when over budget.
set -eu
ROUNDS=3 MIB=100 BUDGET=1.25
while [ $# -gt 0 ]; do
  case $1 in
    --rounds) ROUNDS=$2; shift 2 ;;
    --mib) MIB=$2; shift 2 ;;
    *) echo "usage: $0 [--rounds R] [--mib N]" >&2; exit 2 ;;
  esac
done
BUILD=${OTA_BUILDDIR:-$(pwd)}
OTAD="$BUILD/server/otad"
FLOOR="$BUILD/bench/sha256_floor"
for p in "$OTAD" "$FLOOR"; do
  [ -x "$p" ] || { echo "bench/upload: $p not built (run make first, or set OTA_BUILDDIR)" >&2; exit 2; }
done
for t in curl jq; do
  command -v $t >/dev/null || { echo "bench/upload: needs $t" >&2; exit 2; }
done

T=$(mktemp -d "${TMPDIR:-/tmp}/ota-bench-upload-XXXXXX")
PIDS=""
cleanup() { for p in $PIDS; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$T"; }
trap cleanup EXIT

ADM=$("$OTAD" token create --db "$T/ota.db" --role admin --name bench | tail -n 1)
"$OTAD" --listen 127.0.0.1:0 --db "$T/ota.db" ${OTAD_ARGS:-} 2>"$T/otad.log" &
OTAD_PID=$!; PIDS="$PIDS $OTAD_PID"
for _ in $(seq 200); do grep -q 'listening on' "$T/otad.log" && break; sleep 0.05; done
PORT=$(sed -n 's/.*listening on http:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p' "$T/otad.log" | head -n 1)
API="http://127.0.0.1:$PORT/api/v1"
AUTH_H="Authorization: Bearer $ADM"

now() { echo "${EPOCHREALTIME/,/.}"; }
median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
rss() { sed -n "s/^$1:[[:space:]]*\([0-9]*\).*/\1/p" /proc/$OTAD_PID/status; }

head -c $((MIB * 1048576)) /dev/urandom >"$T/fw.bin"
cat "$T/fw.bin" >/dev/null
SHA=$(sha256sum "$T/fw.bin" | cut -d' ' -f1)
curl -sf -H "$AUTH_H" "$API/packages" >/dev/null  # a first request: otad's threads and caches up
RSS0=$(rss VmRSS)
( while kill -0 $OTAD_PID 2>/dev/null; do rss VmRSS; sleep 0.01; done ) >"$T/rss.samples" &
SAMPLER=$!

hs=() up=() d1=() d2=() fl=()
for ((r = 1; r <= ROUNDS; r++)); do
  sync
  t0=$(now); sha256sum "$T/fw.bin" >/dev/null; t1=$(now)
  out=$(curl -s -o "$T/up.json" -w '%{http_code}' -H "$AUTH_H" \
    -F "meta={\"component\":\"module\",\"kind\":\"full\",\"target_version\":\"9.9.$r\"}" -F "file=@$T/fw.bin" "$API/packages")
  t2=$(now)
  [ "$out" = 201 ] || { echo "upload failed: $out $(cat "$T/up.json")" >&2; exit 1; }
  [ "$(jq -r '.files[0].sha256' "$T/up.json")" = "$SHA" ] || { echo "upload hash mismatch" >&2; exit 1; }
  ID=$(jq -r .id "$T/up.json")
  curl -sf -o /dev/null -H "$AUTH_H" "$API/packages/$ID/files/fw.bin"; t3=$(now)
  curl -sf -o /dev/null -H "$AUTH_H" "$API/packages/$ID/files/fw.bin"; t4=$(now)
  h=$(echo "$t1 - $t0" | bc -l) u=$(echo "$t2 - $t1" | bc -l)
  a=$(echo "$t3 - $t2" | bc -l) b=$(echo "$t4 - $t3" | bc -l)
  fl+=("$("$FLOOR" "$T/fw.bin")")
  hs+=("$h") up+=("$u") d1+=("$a") d2+=("$b")
  printf 'round %d: sha256sum %.3f s, upload %.3f s (%.2fx, %.0f MiB/s), first download %.3f s, second %.3f s\n' \
    "$r" "$h" "$u" "$(echo "$u / $h" | bc -l)" "$(echo "$MIB / $u" | bc -l)" "$a" "$b"
  # the next round uploads the same bytes again: a new blob, not a rename over this one
  curl -sf -X DELETE -o /dev/null -H "$AUTH_H" "$API/packages/$ID"
done
kill $SAMPLER 2>/dev/null || true; wait $SAMPLER 2>/dev/null || true
RSS1=$(rss VmRSS) HWM=$(rss VmHWM)
PEAK=$(sort -n "$T/rss.samples" | tail -n 1)
H=$(printf '%s\n' "${hs[@]}" | median) U=$(printf '%s\n' "${up[@]}" | median)
D1=$(printf '%s\n' "${d1[@]}" | median) D2=$(printf '%s\n' "${d2[@]}" | median)
F=$(printf '%s\n' "${fl[@]}" | median)
RATIO=$(echo "$U / $H" | bc -l)
printf 'upload of %d MiB: %.3f s (median of %d, %.0f MiB/s); baseline sha256sum %.3f s; ratio %.2f (budget <= %s)\n' \
  "$MIB" "$U" "$ROUNDS" "$(echo "$MIB / $U" | bc -l)" "$H" "$RATIO" "$BUDGET"
printf 'floor: libsodium SHA-256 alone %.3f s = %.2fx sha256sum\n' "$F" "$(echo "$F / $H" | bc -l)"
printf 'download: first (verified) %.3f s = %.2fx sha256sum, second (cached verdict) %.3f s\n' \
  "$D1" "$(echo "$D1 / $H" | bc -l)" "$D2"
printf 'otad RSS: %d kB before, peak %d kB during (+%d kB), %d kB after; VmHWM %d kB\n' \
  "$RSS0" "$PEAK" $((PEAK - RSS0)) "$RSS1" "$HWM"
printf 'load average: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
if [ "$(echo "$RATIO <= $BUDGET" | bc)" = 1 ]; then echo "budget met"; else echo "budget NOT met"; exit 1; fi
