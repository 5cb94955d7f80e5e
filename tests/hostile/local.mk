# Hostile-input suite against a real otad on a loopback port (owner:
# hardening work).  Needs server/otad built; see README "Hardening".
HOSTILE_TESTS = tests/hostile/test_hostile
check_PROGRAMS += $(HOSTILE_TESTS)
TESTS += $(HOSTILE_TESTS)
EXTRA_DIST += tests/hostile/harness.h
tests_hostile_test_hostile_CFLAGS = $(TESTS_CFLAGS) -Wno-missing-field-initializers
tests_hostile_test_hostile_LDADD = $(JANSSON_LIBS) $(SQLITE_LIBS)
