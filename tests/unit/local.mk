# Unit tests of core (C, TAP).  Add a program here and to UNIT_TESTS.
UNIT_TESTS = tests/unit/test_store tests/unit/test_validate tests/unit/test_products \
	tests/unit/test_plans tests/unit/test_blob tests/unit/test_packages \
	tests/unit/test_sign tests/unit/test_audit tests/unit/test_lifecycle
check_PROGRAMS += $(UNIT_TESTS)
TESTS += $(UNIT_TESTS)
tests_unit_test_store_CFLAGS = $(TESTS_CFLAGS)
tests_unit_test_store_LDADD = $(CORE_LIBS)
tests_unit_test_validate_CFLAGS = $(TESTS_CFLAGS)
tests_unit_test_validate_LDADD = $(CORE_LIBS)
tests_unit_test_products_CFLAGS = $(TESTS_CFLAGS)
tests_unit_test_products_LDADD = $(CORE_LIBS)
tests_unit_test_plans_CFLAGS = $(TESTS_CFLAGS)
tests_unit_test_plans_LDADD = $(CORE_LIBS)
tests_unit_test_blob_CFLAGS = $(TESTS_CFLAGS)
tests_unit_test_blob_LDADD = $(CORE_LIBS)
tests_unit_test_packages_CFLAGS = $(TESTS_CFLAGS)
tests_unit_test_packages_LDADD = $(CORE_LIBS)
tests_unit_test_sign_CFLAGS = $(TESTS_CFLAGS)
tests_unit_test_sign_LDADD = $(CORE_LIBS)
tests_unit_test_audit_CFLAGS = $(TESTS_CFLAGS)
tests_unit_test_audit_LDADD = $(CORE_LIBS)
tests_unit_test_lifecycle_CFLAGS = $(TESTS_CFLAGS)
tests_unit_test_lifecycle_LDADD = $(CORE_LIBS)
include tests/unit/rollout.mk
