# tests/e2e: the console end to end, driving the real otaconsole in tmux
# against a temporary local engine or a real otad (unit tests of its pure
# parts are in tests/unit/tui/).
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
# Staged rollouts in the console at 80x24: the Rollout and Maintenance
# sub-forms, bad input named, saved and reopened, waves in live status (tmux)
TESTS += tests/e2e/console_rollout.sh
EXTRA_DIST += tests/e2e/console_rollout.sh
# A device's token in the device details: issue with confirmation, the
# token dialog shown once, rotate, revoke, a viewer refused (tmux, otad)
TESTS += tests/e2e/console_devauth.sh
EXTRA_DIST += tests/e2e/console_devauth.sh
# A terminal that is not UTF-8 (LANG=C, TERM=linux) at 80x24: ASCII
# look-alikes, wide text as ? per column, columns in line (tmux)
TESTS += tests/e2e/console_ascii.sh
EXTRA_DIST += tests/e2e/console_ascii.sh
# Many ids pasted (bracketed) or typed fast into a blacklist at 80x24:
# every id added once, a count, rejected ids in full; a paste never runs
# a command or answers a question (tmux paste-buffer)
TESTS += tests/e2e/console_paste.sh
EXTRA_DIST += tests/e2e/console_paste.sh
# ^O in the plan editor at 80x24: keep or copy each component that differs,
# Esc copies nothing, the message says what changed (tmux)
TESTS += tests/e2e/console_copy.sh
EXTRA_DIST += tests/e2e/console_copy.sh
# The command palette on ':' at 80x24: this view's actions from the key
# table, filtered as typed, run as their keys; :plan ID, :theme NAME (tmux)
TESTS += tests/e2e/console_palette.sh
EXTRA_DIST += tests/e2e/console_palette.sh
# Nothing that matters cut off at 80x24: long messages as wrapped popups
# (Esc, m), whole questions with their keys, refusals in words, hint bars
# without cut hints, a history row in full, the remark wrapped (tmux)
TESTS += tests/e2e/console_messages.sh
EXTRA_DIST += tests/e2e/console_messages.sh
# Messages that expire at 80x24 against a real otad: "Loading…" gone once
# loaded, the last error gone after a recovery, the dashboard's "updated"
# beside STALE, its tiles, and its ? with only its keys (tmux)
TESTS += tests/e2e/console_stale.sh
EXTRA_DIST += tests/e2e/console_stale.sh
# The smaller things at 80x24: help lines whole, / Enter clears, filters as
# typed, focus after a refused ^S, a new package selected, plurals, the
# uid's name as actor without $USER, monochrome in the terminal's colours
TESTS += tests/e2e/console_small.sh
EXTRA_DIST += tests/e2e/console_small.sh
