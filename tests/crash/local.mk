# Crash consistency under SIGKILL: otad with check-ins, reports and uploads
# in flight, and otactl sim (owner: hardening work).  CI runs the short form
# (20 kills); CRASH_KILLS=200 CRASH_SEED=7 tests/crash/test_crash by hand.
CRASH_TESTS = tests/crash/test_crash
check_PROGRAMS += $(CRASH_TESTS)
TESTS += $(CRASH_TESTS)
tests_crash_test_crash_CFLAGS = $(TESTS_CFLAGS)
tests_crash_test_crash_LDADD = $(JANSSON_LIBS) $(SQLITE_LIBS) $(SODIUM_LIBS) $(PTHREAD_LIBS)

# bench/soak.sh's device fleet over HTTP (built with the rest, run by hand).
noinst_PROGRAMS += bench/soak_devices
bench_soak_devices_CFLAGS = $(TESTS_CFLAGS)
bench_soak_devices_LDADD = $(JANSSON_LIBS) $(SQLITE_LIBS) $(PTHREAD_LIBS)
dist_noinst_SCRIPTS += bench/soak.sh
