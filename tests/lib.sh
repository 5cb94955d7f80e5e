# Shared helpers for shell tests that speak TAP.  Source it, call ok/is,
# and end with done_testing.  Environment is pinned like tig's libtest.
set -u
export LANG=C.UTF-8 LC_ALL=C.UTF-8 TZ=UTC
TAP_N=0
TAP_FAILED=0
: "${OTA_BUILDDIR:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${OTA_SRCDIR:=$OTA_BUILDDIR}"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/ota-sh-XXXXXX")
export HOME="$TMP/home" XDG_DATA_HOME="$TMP/data" XDG_CONFIG_HOME="$TMP/config"
mkdir -p "$HOME"
# Cleanup runs however the test ends (passed, failed, interrupted or
# killed by its watchdog): the on_exit commands (newest first), then every
# process the test started and still running, then its folder.
_cleanups=""
on_exit() { _cleanups="$1; $_cleanups"; }
_tree() {  # _tree PID: PID's descendants, deepest first
  local c
  command -v pgrep >/dev/null 2>&1 || return 0
  for c in $(pgrep -P "$1" 2>/dev/null); do _tree "$c"; echo "$c"; done
}
_on_exit() {
  local left
  left=$(_tree $$)   # before the cleanups: a watchdog's sleep is known by it
  eval "$_cleanups"
  [ -z "$left" ] || kill $left 2>/dev/null
  [ -n "${OTA_KEEP_TMP:-}" ] || rm -rf "$TMP"   # OTA_KEEP_TMP=1: keep it to look at
}
trap _on_exit EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

ok() {  # ok "description" command...
  local d=$1; shift
  TAP_N=$((TAP_N+1))
  if "$@" >"$TMP/.out" 2>&1; then echo "ok $TAP_N - $d"
  else echo "not ok $TAP_N - $d"; TAP_FAILED=$((TAP_FAILED+1)); sed 's/^/#   /' "$TMP/.out" | head -20; fi
}
fails() {  # fails "description" command... (expects non-zero exit)
  local d=$1; shift
  TAP_N=$((TAP_N+1))
  if "$@" >"$TMP/.out" 2>&1; then echo "not ok $TAP_N - $d"; TAP_FAILED=$((TAP_FAILED+1)); sed 's/^/#   /' "$TMP/.out" | head -20
  else echo "ok $TAP_N - $d"; fi
}
is() {  # is "description" got want
  TAP_N=$((TAP_N+1))
  if [ "$2" = "$3" ]; then echo "ok $TAP_N - $1"
  else echo "not ok $TAP_N - $1"; TAP_FAILED=$((TAP_FAILED+1)); printf '#   got:  %s\n#   want: %s\n' "$2" "$3"; fi
}
like() {  # like "description" got regex
  TAP_N=$((TAP_N+1))
  if printf '%s' "$2" | grep -Eq -- "$3"; then echo "ok $TAP_N - $1"
  else echo "not ok $TAP_N - $1"; TAP_FAILED=$((TAP_FAILED+1)); printf '#   got:  %s\n#   want /%s/\n' "$2" "$3" | head -20; fi
}
# need PROGRAM PACKAGE: a test that cannot run without PROGRAM fails at once
# with one line naming it and the Debian package that provides it.
need() {
  command -v "$1" >/dev/null 2>&1 && return 0
  echo "Bail out! $(basename "$0"): needs $1 (Debian package $2; ./quickstart installs it)"
  exit 1
}
done_testing() { echo "1..$TAP_N"; [ "$TAP_FAILED" -eq 0 ]; }
