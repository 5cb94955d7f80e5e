# otactl: the scriptable command line (see cli/otactl.h).
bin_PROGRAMS += cli/otactl
cli_otactl_SOURCES = cli/otactl.h cli/otactl.c cli/util.c \
	cli/cmd_device.c cli/cmd_package.c cli/cmd_plan.c cli/cmd_sim.c \
	cli/fleet.c cli/demo.c \
	cli/cmd_push.h cli/cmd_push.c \
	cli/cmd_trust.h cli/cmd_trust.c cli/cmd_devauth.h cli/cmd_devauth.c cli/complete.c
cli_otactl_CPPFLAGS = $(AM_CPPFLAGS) -DOTA_PKGDATADIR='"$(pkgdatadir)"'
cli_otactl_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) $(SODIUM_CFLAGS) $(CURL_CFLAGS)
cli_otactl_LDADD = $(CLIENT_LIBS)

# The demo data set, installed so an installed otactl can "demo seed".
demodir = $(pkgdatadir)/demo
dist_demo_DATA = fixtures/demo/products.json fixtures/demo/packages.json \
	fixtures/demo/plans.json fixtures/demo/devices.csv fixtures/demo/devices.json \
	fixtures/demo/plan-example.json
