# Tests of the man pages, --version and --help (shell, TAP; need mandoc).
DOCS_TESTS = tests/docs/man_lint.sh tests/docs/version_help.sh \
	tests/docs/man_keys.sh tests/docs/man_commands.sh
TESTS += $(DOCS_TESTS)
EXTRA_DIST += tests/docs/docs_lib.sh $(DOCS_TESTS)
