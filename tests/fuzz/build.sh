#!/bin/sh
# Build the libFuzzer harnesses with clang (Debian: clang, libclang-rt-14-dev).
#   tests/fuzz/build.sh [SRCDIR [OUTDIR]]      (make fuzz calls it)
# The project's own sources are compiled a second time, with clang and
# coverage instrumentation (-fsanitize=fuzzer-no-link), into OUTDIR/obj;
# each harness links core plus the extra sources its header line names
# (globs allowed, "!path" excludes):
#   /* FUZZ_SOURCES: tui/theme.c tui/text.c */
#   /* FUZZ_SOURCES: server/*.c !server/main.c */
# A source that does not exist yet (its owner has not landed it) makes that
# harness skipped with a note instead of failing the whole build.
set -eu
src=${1:-${OTA_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}}
out=${2:-${OTA_BUILDDIR:-.}/tests/fuzz}
src=$(cd "$src" && pwd)
CC=${FUZZ_CC:-clang}
jobs=${FUZZ_JOBS:-$(nproc 2>/dev/null || echo 2)}
command -v "$CC" >/dev/null 2>&1 || { echo "fuzz: $CC not found (apt-get install clang libclang-rt-14-dev)" >&2; exit 77; }

mkdir -p "$out/obj"
out=$(cd "$out" && pwd)
pkgs="jansson libsodium sqlite3 nettle libcurl libmicrohttpd ncursesw"
PKG_CFLAGS=$(pkg-config --cflags $pkgs)
PKG_LIBS=$(pkg-config --libs $pkgs)
SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
CFLAGS="-std=gnu11 -g -O1 -w $SAN -ffunction-sections -fdata-sections -D_GNU_SOURCE -DOTA_FUZZ=1
 -I$src/core -I$src/client -I$src/server -I$src/tui -I$src/cli
 -DOTA_SRCDIR=\"$src\" -DOTA_BUILDDIR=\"$out\"
 -DPACKAGE_NAME=\"otaconsole\" -DPACKAGE_VERSION=\"fuzz\" -DVERSION=\"fuzz\" -DPACKAGE=\"otaconsole\"
 $PKG_CFLAGS"

# The extra sources of harness $1 (globs expanded, exclusions applied),
# and the ones missing (not landed yet) in $missing.
sources_of() {
  words=$(sed -n 's|^/\* FUZZ_SOURCES: \(.*\) \*/$|\1|p' "$src/tests/fuzz/$1")
  list="" missing=""
  for w in $words; do
    case $w in
      !*) continue ;;
      *'*'*) list="$list $(cd "$src" && ls $w 2>/dev/null)" ;;
      *) if [ -f "$src/$w" ]; then list="$list $w"; else missing="$missing $w"; fi ;;
    esac
  done
  for w in $words; do
    case $w in !*) list=$(printf '%s\n' $list | grep -v -x -F "${w#!}") ;; esac
  done
  echo $list
}

# Object file of one project source (relative to src).
obj_of() { echo "$out/obj/$(echo "$1" | tr / _ | sed 's/\.c$/.o/')"; }

core_srcs=$(cd "$src" && ls core/*.c core/store/*.c)
extra_srcs=""
harnesses=$(cd "$src/tests/fuzz" && ls fuzz_*.c)
for h in $harnesses; do
  extra_srcs="$extra_srcs $(sources_of "$h")"
done
all=$(printf '%s\n' $core_srcs $extra_srcs | sort -u)

# Objects in parallel; a failure stops the build with the compiler's words.
export CC CFLAGS src out
printf '%s\n' $all | xargs -P "$jobs" -I{} sh -c '
  o="$out/obj/$(echo "{}" | tr / _ | sed "s/\.c$/.o/")"
  newest=$(ls -t "$src/{}" "$src"/core/*.h "$src"/core/store/*.h 2>/dev/null | head -1)
  if [ ! -f "$o" ] || [ "$newest" -nt "$o" ]; then
    $CC $CFLAGS -fsanitize=fuzzer-no-link -c "$src/{}" -o "$o.tmp" && mv "$o.tmp" "$o"
  fi'
# Core as an archive: a harness pulls in only the modules it reaches.
core_objs=""
for s in $core_srcs; do core_objs="$core_objs $(obj_of "$s")"; done
lib="$out/obj/libotacore-fuzz.a"
rm -f "$lib"
# shellcheck disable=SC2086
ar cr "$lib" $core_objs

built=0 skipped=0 failed=0
for h in $harnesses; do
  name=${h%.c}
  extra=""
  srcs=$(sources_of "$h")
  missing=$(sources_of "$h" >/dev/null; echo "$missing")
  for s in $srcs; do extra="$extra $(obj_of "$s")"; done
  if [ -n "$missing" ]; then
    echo "fuzz: $name skipped (not landed yet:$missing)" >&2
    rm -f "$out/$name"; skipped=$((skipped + 1)); continue
  fi
  bin="$out/$name"
  newest=$(ls -t "$src/tests/fuzz/$h" "$src"/tests/fuzz/*.h $core_objs $extra | head -1)
  if [ ! -x "$bin" ] || [ "$newest" -nt "$bin" ]; then
    # shellcheck disable=SC2086
    if ! $CC $CFLAGS -fsanitize=fuzzer "$src/tests/fuzz/$h" $extra "$lib" $PKG_LIBS -Wl,--gc-sections \
         -lpthread -lm -o "$bin.tmp"; then
      echo "fuzz: $name failed to build" >&2
      rm -f "$bin" "$bin.tmp"; failed=$((failed + 1)); continue
    fi
    mv "$bin.tmp" "$bin"
  fi
  built=$((built + 1))
done
echo "fuzz: $built harnesses in $out ($skipped skipped, $failed failed)"
[ "$failed" -eq 0 ]
