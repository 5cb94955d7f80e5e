# Man pages: otaconsole(1), otactl(1), otad(8), otaconsole.conf(5).
# Written by hand in man(7); automake installs each by its suffix into
# $(mandir)/man1, man5 and man8, and ships them in the tarball.
# tests/docs/ checks them (lint, render, keys, commands, version).
dist_man_MANS = man/otaconsole.1 man/otactl.1 man/otaconsole.conf.5 man/otad.8
