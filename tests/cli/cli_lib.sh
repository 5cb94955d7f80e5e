# Helpers for the otactl end-to-end tests (sourced after tests/lib.sh).
# Every test runs the built otactl on a database in its own temp folder.
# OTA_VALGRIND=1 runs each otactl call under valgrind (leaks are errors).
OTACTL="$OTA_BUILDDIR/cli/otactl"
need python3 python3
need sqlite3 sqlite3
DB="$TMP/ota.db"
export OTA_FIXTURES="$OTA_SRCDIR/fixtures/demo"
VG=""
if [ "${OTA_VALGRIND:-}" = 1 ]; then
  VG="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite"
fi

# otactl ARGS...: the program on the test database
otactl() { $VG "$OTACTL" --db "$DB" "$@"; }

# run ARGS...: otactl with stdout in $OUT, stderr in $ERR, exit status in $RC
run() {
  otactl "$@" >"$TMP/.stdout" 2>"$TMP/.stderr"
  RC=$?
  OUT=$(cat "$TMP/.stdout")
  ERR=$(cat "$TMP/.stderr")
}

# py 'EXPR' < json: evaluates EXPR with d = the parsed JSON, prints its repr
# (a tuple for "a, b"); pyraw prints the plain value.
py() { python3 -c "import json,sys; d=json.load(sys.stdin); print(repr(($1)))"; }
pyraw() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

# Times a given number of hours from now, RFC 3339 UTC.
hours_from_now() { date -u -d "@$(( $(date +%s) + $1 * 3600 ))" +%Y-%m-%dT%H:%M:%SZ; }
