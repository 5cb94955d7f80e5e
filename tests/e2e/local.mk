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
# The connection state at 80x24 against a real otad: offline and back with
# no key pressed, a SIGSTOPped otad shown as slow, Esc frees the console (tmux)
TESTS += tests/e2e/console_conn.sh
EXTRA_DIST += tests/e2e/console_conn.sh
# Role-aware keys, hints and help at 80x24 for a viewer against a real otad;
# refusals in the history as plan:N, a wrong typed name recorded (tmux)
TESTS += tests/e2e/console_roles.sh
EXTRA_DIST += tests/e2e/console_roles.sh
# Push at 80x24 with no token in a profile: P asks for it (stars), a 401 is
# unauthorized and a viewer's token forbidden; otactl asks on a terminal (tmux)
TESTS += tests/e2e/console_push.sh
EXTRA_DIST += tests/e2e/console_push.sh
