# tests/e2e: the console.  Unit tests of its pure parts (width-aware text,
# layout, theme files) in C, and end-to-end tests driving the real
# otaconsole in tmux against a temporary local engine.
E2E_UNIT = tests/e2e/test_text tests/e2e/test_layout tests/e2e/test_theme
check_PROGRAMS += $(E2E_UNIT)
TESTS += $(E2E_UNIT)
tests_e2e_test_text_SOURCES = tests/e2e/test_text.c tui/text.c
tests_e2e_test_text_CFLAGS = $(TESTS_CFLAGS)
tests_e2e_test_layout_SOURCES = tests/e2e/test_layout.c tui/layout.c
tests_e2e_test_layout_CFLAGS = $(TESTS_CFLAGS)
tests_e2e_test_theme_SOURCES = tests/e2e/test_theme.c tui/theme.c tui/text.c
tests_e2e_test_theme_CFLAGS = $(TESTS_CFLAGS) $(NCURSES_CFLAGS)
tests_e2e_test_theme_LDADD = $(NCURSES_LIBS)

# The console end to end, in tmux (skipped when tmux is missing).
TESTS += tests/e2e/console.sh
EXTRA_DIST += tests/e2e/console.sh
# Trust in the console: signature states and a plan's history (tmux)
TESTS += tests/e2e/console_trust.sh
EXTRA_DIST += tests/e2e/console_trust.sh
# The console against a real otad: profile and token file, role, INSECURE,
# spinner and Esc on a stopped otad, dashboard stale and reconnect, push (tmux)
TESTS += tests/e2e/console_remote.sh
EXTRA_DIST += tests/e2e/console_remote.sh tests/e2e/lib-console.sh
# --demo ended by SIGTERM, SIGHUP, SIGINT: no temporary folder left (tmux)
TESTS += tests/e2e/console_signals.sh
EXTRA_DIST += tests/e2e/console_signals.sh
# Light and high-contrast themes as tmux shows them (capture-pane -e)
TESTS += tests/e2e/console_themes.sh
EXTRA_DIST += tests/e2e/console_themes.sh
# The device detail in live status against a real otad (tmux)
TESTS += tests/e2e/console_device.sh
EXTRA_DIST += tests/e2e/console_device.sh
