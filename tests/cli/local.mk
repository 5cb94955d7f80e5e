# tests/cli: the JSON codec (C) and otactl end to end (shell, TAP).
CLI_TESTS = tests/cli/test_codec
check_PROGRAMS += $(CLI_TESTS)
TESTS += $(CLI_TESTS) \
	tests/cli/otactl_products.sh tests/cli/otactl_packages.sh \
	tests/cli/otactl_plans.sh tests/cli/otactl_demo.sh tests/cli/otactl_remote.sh
EXTRA_DIST += tests/cli/cli_lib.sh tests/cli/otactl_products.sh tests/cli/otactl_packages.sh \
	tests/cli/otactl_plans.sh tests/cli/otactl_demo.sh tests/cli/otactl_remote.sh
tests_cli_test_codec_CFLAGS = $(TESTS_CFLAGS)
tests_cli_test_codec_LDADD = $(CORE_LIBS)
# Trust: otactl key/sign/verify/audit end to end.
TESTS += tests/cli/otactl_trust.sh
EXTRA_DIST += tests/cli/otactl_trust.sh
# otactl device show (local and over otad)
TESTS += tests/cli/otactl_device_show.sh
EXTRA_DIST += tests/cli/otactl_device_show.sh
# otactl package fill-hashes (SHA-1/MD5 of packages stored before)
TESTS += tests/cli/otactl_fill_hashes.sh
EXTRA_DIST += tests/cli/otactl_fill_hashes.sh
