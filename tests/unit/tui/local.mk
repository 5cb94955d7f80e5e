# tests/unit/tui: unit tests of the console's pure parts (width-aware
# text and its ASCII fallback, layout, theme files, id lists, copying components, palette commands), in C, without a terminal.
TUI_UNIT = tests/unit/tui/test_text tests/unit/tui/test_layout tests/unit/tui/test_theme \
	tests/unit/tui/test_rollout_text tests/unit/tui/test_ascii \
	tests/unit/tui/test_idlist tests/unit/tui/test_copy \
	tests/unit/tui/test_command tests/unit/tui/test_msgtext
check_PROGRAMS += $(TUI_UNIT)
TESTS += $(TUI_UNIT)
tests_unit_tui_test_text_SOURCES = tests/unit/tui/test_text.c tui/text.c
tests_unit_tui_test_text_CFLAGS = $(TESTS_CFLAGS)
tests_unit_tui_test_layout_SOURCES = tests/unit/tui/test_layout.c tui/layout.c
tests_unit_tui_test_layout_CFLAGS = $(TESTS_CFLAGS)
tests_unit_tui_test_theme_SOURCES = tests/unit/tui/test_theme.c tui/theme.c tui/text.c
tests_unit_tui_test_theme_CFLAGS = $(TESTS_CFLAGS) $(NCURSES_CFLAGS)
tests_unit_tui_test_theme_LDADD = $(NCURSES_LIBS)
tests_unit_tui_test_rollout_text_SOURCES = tests/unit/tui/test_rollout_text.c tui/rollout_text.c
tests_unit_tui_test_rollout_text_CFLAGS = $(TESTS_CFLAGS)
tests_unit_tui_test_rollout_text_LDADD = $(CORE_LIBS)
tests_unit_tui_test_ascii_SOURCES = tests/unit/tui/test_ascii.c tui/text.c
tests_unit_tui_test_ascii_CFLAGS = $(TESTS_CFLAGS)
tests_unit_tui_test_idlist_SOURCES = tests/unit/tui/test_idlist.c tui/idlist.c tui/text.c
tests_unit_tui_test_idlist_CFLAGS = $(TESTS_CFLAGS)
tests_unit_tui_test_idlist_LDADD = $(CORE_LIBS)
tests_unit_tui_test_copy_SOURCES = tests/unit/tui/test_copy.c tui/copy_text.c
tests_unit_tui_test_copy_CFLAGS = $(TESTS_CFLAGS)
tests_unit_tui_test_copy_LDADD = $(CORE_LIBS)
tests_unit_tui_test_command_SOURCES = tests/unit/tui/test_command.c tui/command.c tui/keys.c tui/text.c
tests_unit_tui_test_command_CFLAGS = $(TESTS_CFLAGS) $(NCURSES_CFLAGS)
tests_unit_tui_test_msgtext_SOURCES = tests/unit/tui/test_msgtext.c tui/msgtext.c tui/text.c tui/keys.c
tests_unit_tui_test_msgtext_CFLAGS = $(TESTS_CFLAGS) $(NCURSES_CFLAGS)
tests_unit_tui_test_msgtext_LDADD = $(CORE_LIBS)
