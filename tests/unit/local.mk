# Unit tests of core (C, TAP).  Add a program here and to UNIT_TESTS.
UNIT_TESTS = tests/unit/test_store tests/unit/test_validate tests/unit/test_products
check_PROGRAMS += $(UNIT_TESTS)
TESTS += $(UNIT_TESTS)
tests_unit_test_store_CFLAGS = $(TESTS_CFLAGS)
tests_unit_test_store_LDADD = $(CORE_LIBS)
tests_unit_test_validate_CFLAGS = $(TESTS_CFLAGS)
tests_unit_test_validate_LDADD = $(CORE_LIBS)
tests_unit_test_products_CFLAGS = $(TESTS_CFLAGS)
tests_unit_test_products_LDADD = $(CORE_LIBS)
include tests/unit/rollout.mk
