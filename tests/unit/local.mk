# Unit tests of core (C, TAP).  Add a program here and to UNIT_TESTS.
# tests/unit/tui/ (its own fragment): the console's pure parts.
UNIT_TESTS = tests/unit/test_store tests/unit/test_validate tests/unit/test_products \
	tests/unit/test_plans tests/unit/test_blob tests/unit/test_packages \
	tests/unit/test_sign tests/unit/test_audit tests/unit/test_devfile tests/unit/test_devauth
check_PROGRAMS += $(UNIT_TESTS)
TESTS += $(UNIT_TESTS)
# Shared by the programs: the engine in a temporary folder, raw SQL on its file.
EXTRA_DIST += tests/unit/fixture.h
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
tests_unit_test_devfile_CFLAGS = $(TESTS_CFLAGS)
tests_unit_test_devfile_LDADD = $(CORE_LIBS)
tests_unit_test_devauth_CFLAGS = $(TESTS_CFLAGS)
tests_unit_test_devauth_LDADD = $(CORE_LIBS)
include tests/unit/rollout.mk
# The lifecycle rules (core/lifecycle.c) and the JSON codec (core/codec.c).
RULES_TESTS = tests/unit/test_lifecycle tests/unit/test_codec tests/unit/test_codec_staged
check_PROGRAMS += $(RULES_TESTS)
TESTS += $(RULES_TESTS)
tests_unit_test_lifecycle_CFLAGS = $(TESTS_CFLAGS)
tests_unit_test_lifecycle_LDADD = $(CORE_LIBS)
tests_unit_test_codec_CFLAGS = $(TESTS_CFLAGS)
tests_unit_test_codec_LDADD = $(CORE_LIBS)
tests_unit_test_codec_staged_CFLAGS = $(TESTS_CFLAGS)
tests_unit_test_codec_staged_LDADD = $(CORE_LIBS)
EXTRA_DIST += tests/unit/codec_fixture.h
include tests/unit/tui/local.mk
include tests/unit/server/local.mk
# Time zones from tzdata (core/tz.c, core/tz_cache.c) and maintenance
# windows (core/window.c); tz_fixture.h their shared helpers.
TZ_TESTS = tests/unit/test_tz tests/unit/test_tz_files
check_PROGRAMS += $(TZ_TESTS)
TESTS += $(TZ_TESTS)
tests_unit_test_tz_SOURCES = tests/unit/test_tz.c tests/unit/tz_fixture.h
tests_unit_test_tz_CFLAGS = $(TESTS_CFLAGS)
tests_unit_test_tz_LDADD = $(CORE_LIBS)
tests_unit_test_tz_files_SOURCES = tests/unit/test_tz_files.c tests/unit/tz_fixture.h
tests_unit_test_tz_files_CFLAGS = $(TESTS_CFLAGS)
tests_unit_test_tz_files_LDADD = $(CORE_LIBS)
