# Unit tests of core (C, TAP).  Add a program here and to UNIT_TESTS.
UNIT_TESTS = tests/unit/test_store
check_PROGRAMS += $(UNIT_TESTS)
TESTS += $(UNIT_TESTS)
tests_unit_test_store_CFLAGS = $(TESTS_CFLAGS)
tests_unit_test_store_LDADD = $(CORE_LIBS)
include tests/unit/rollout.mk
