# Tests of the systemd unit, the config file and the shell completion
# (shell, TAP; need systemd-analyze and bash-completion).
SYSTEM_TESTS = tests/system/unit.sh tests/system/completion.sh
TESTS += $(SYSTEM_TESTS)
EXTRA_DIST += $(SYSTEM_TESTS)
