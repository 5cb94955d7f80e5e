# tests/unit/rollout.mk: rollout engine tests (owner: rollout work)
ROLLOUT_TESTS = tests/unit/test_rollout tests/unit/test_rollout_jobs tests/unit/test_rollout_status
check_PROGRAMS += $(ROLLOUT_TESTS)
TESTS += $(ROLLOUT_TESTS)
tests_unit_test_rollout_SOURCES = tests/unit/test_rollout.c tests/unit/test_rollout_fixture.h
tests_unit_test_rollout_CFLAGS = $(TESTS_CFLAGS)
tests_unit_test_rollout_LDADD = $(CORE_LIBS)
tests_unit_test_rollout_jobs_SOURCES = tests/unit/test_rollout_jobs.c tests/unit/test_rollout_fixture.h
tests_unit_test_rollout_jobs_CFLAGS = $(TESTS_CFLAGS)
tests_unit_test_rollout_jobs_LDADD = $(CORE_LIBS)
tests_unit_test_rollout_status_SOURCES = tests/unit/test_rollout_status.c tests/unit/test_rollout_fixture.h
tests_unit_test_rollout_status_CFLAGS = $(TESTS_CFLAGS)
tests_unit_test_rollout_status_LDADD = $(CORE_LIBS)
ROLLOUT_TESTS += tests/unit/test_rollout_waves
tests_unit_test_rollout_waves_SOURCES = tests/unit/test_rollout_waves.c tests/unit/test_rollout_fixture.h
tests_unit_test_rollout_waves_CFLAGS = $(TESTS_CFLAGS)
tests_unit_test_rollout_waves_LDADD = $(CORE_LIBS)
