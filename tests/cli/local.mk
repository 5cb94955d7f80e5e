# tests/cli: otactl end to end (shell, TAP).
TESTS += tests/cli/otactl_products.sh tests/cli/otactl_packages.sh \
	tests/cli/otactl_plans.sh tests/cli/otactl_demo.sh tests/cli/otactl_remote.sh
EXTRA_DIST += tests/cli/cli_lib.sh tests/cli/otactl_products.sh tests/cli/otactl_packages.sh \
	tests/cli/otactl_plans.sh tests/cli/otactl_demo.sh tests/cli/otactl_remote.sh
# Trust: otactl key/sign/verify/audit end to end.
TESTS += tests/cli/otactl_trust.sh
EXTRA_DIST += tests/cli/otactl_trust.sh
# otactl device show (local and over otad)
TESTS += tests/cli/otactl_device_show.sh
EXTRA_DIST += tests/cli/otactl_device_show.sh
# otactl package fill-hashes (SHA-1/MD5 of packages stored before)
TESTS += tests/cli/otactl_fill_hashes.sh
EXTRA_DIST += tests/cli/otactl_fill_hashes.sh
# otactl product auth, device token issue|revoke, device tokens (local and over otad)
TESTS += tests/cli/otactl_devauth.sh
EXTRA_DIST += tests/cli/otactl_devauth.sh
# otactl's device side with the device's own token and device enroll (local and over otad)
TESTS += tests/cli/otactl_device_token.sh
EXTRA_DIST += tests/cli/otactl_device_token.sh
