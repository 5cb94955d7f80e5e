# Hardening (owner: hardening work).  README "Hardening" tells the whole story.
#  make fuzz               build the libFuzzer harnesses (clang) into tests/fuzz/
#  scripts/fuzz.sh [SECS]  fuzz each harness for SECS seconds
#  tests/fuzz/regress.sh   (in make check when clang is there) replays every
#                          seed corpus in fixtures/fuzz/<harness>/
# The sources, one by one: naming the folder would ship the build folder's
# tests/fuzz (harnesses, logs) in a VPATH build.
EXTRA_DIST += tests/fuzz/build.sh \
	tests/fuzz/fuzz.h \
	tests/fuzz/fuzz_checkin.c \
	tests/fuzz/fuzz_codec.c \
	tests/fuzz/fuzz_credential.c \
	tests/fuzz/fuzz_device_import.c \
	tests/fuzz/fuzz_multipart.c \
	tests/fuzz/fuzz_otad_config.c \
	tests/fuzz/fuzz_package_meta.c \
	tests/fuzz/fuzz_plan.c \
	tests/fuzz/fuzz_profile.c \
	tests/fuzz/fuzz_query.c \
	tests/fuzz/fuzz_text.c \
	tests/fuzz/fuzz_theme.c \
	tests/fuzz/regress.sh
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
