# Installed data: otad's systemd unit (generated from data/otad.service.in
# with the configured paths), its sysusers.d file and config file, and bash
# completion for the three programs.
otaconfdir = $(sysconfdir)/otaconsole
dist_otaconf_DATA = data/otad.conf

if HAVE_SYSTEMD_UNIT
systemdsystemunit_DATA = data/otad.service
endif
if HAVE_SYSUSERS
sysusers_DATA = data/sysusers.d/otad.conf
endif

if HAVE_BASH_COMPLETION
bashcompletion_DATA = data/bash-completion/otactl data/bash-completion/otad \
	data/bash-completion/otaconsole
endif

data/otad.service: $(top_srcdir)/data/otad.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) data && sed -e 's|@bindir[@]|$(bindir)|g' -e 's|@sysconfdir[@]|$(sysconfdir)|g' \
		$(top_srcdir)/data/otad.service.in >$@.tmp && mv $@.tmp $@
CLEANFILES += data/otad.service
EXTRA_DIST += data/otad.service.in data/sysusers.d/otad.conf data/bash-completion/otactl \
	data/bash-completion/otad data/bash-completion/otaconsole
# distcheck installs below its own prefix, not into the system's folders.
AM_DISTCHECK_CONFIGURE_FLAGS = --with-systemdsystemunitdir='$${libdir}/systemd/system' \
	--with-sysusersdir='$${libdir}/sysusers.d' \
	--with-bashcompletiondir='$${datadir}/bash-completion/completions'
