# Hardening (owner: hardening work).  README "Hardening" tells the whole story.
#  make fuzz               build the libFuzzer harnesses (clang) into tests/fuzz/
#  scripts/fuzz.sh [SECS]  fuzz each harness for SECS seconds
#  tests/fuzz/regress.sh   (in make check when clang is there) replays every
#                          seed corpus in fixtures/fuzz/<harness>/
EXTRA_DIST += tests/fuzz
TESTS += tests/fuzz/regress.sh

fuzz:
	$(SHELL) $(top_srcdir)/tests/fuzz/build.sh '$(abs_top_srcdir)' '$(abs_top_builddir)/tests/fuzz'

# The unit test programs, for quickstart's sanitizer run (build-asan).
print-unit-tests:
	@for t in $(TESTS); do case $$t in tests/unit/*) printf '%s ' $$t;; esac; done; echo

# The server-facing suites the sanitizer run adds (otad built with ASan).
print-asan-extra-tests:
	@echo tests/hostile/test_hostile tests/crash/test_crash tests/http/test_flow.sh tests/http/test_pool.sh

.PHONY: fuzz print-unit-tests print-asan-extra-tests
