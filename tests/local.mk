# Tests: every program or script speaks TAP; automake's tap-driver counts
# each "ok"/"not ok" line.  Each area adds its own fragment.
TESTS_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) $(SODIUM_CFLAGS) $(SQLITE_CFLAGS)
EXTRA_DIST += tests/tap.h tests/lib.sh
# Interrupted tests leave nothing behind (lib.sh's traps, tap_tmpdir).
TESTS += tests/cleanup.sh
EXTRA_DIST += tests/cleanup.sh
include tests/unit/local.mk
include tests/cli/local.mk
include tests/http/local.mk
include tests/e2e/local.mk
include tests/contract/local.mk
include tests/fuzz/local.mk
include tests/hostile/local.mk
include tests/crash/local.mk
include tests/docs/local.mk
include tests/system/local.mk
