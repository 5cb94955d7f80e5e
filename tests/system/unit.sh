#!/bin/bash
# otad's systemd unit and config file as make install ships them: the
# generated unit passes `systemd-analyze verify` (its ExecStart pointed at the
# built otad, its man: links at the project's pages), scores well on
# `systemd-analyze security`, has the settings the README promises; otad
# runs on the shipped otad.conf as it is (only listen and db overridden on
# the command line) and answers /healthz; make install puts the unit,
# sysusers.d file, config and completions where the configure flags say.
. "$OTA_SRCDIR/tests/http/otad_lib.sh"
need systemd-analyze systemd
UNIT="$OTA_BUILDDIR/data/otad.service"
MAXEXPOSURE=1.5

ok "the unit is generated (data/otad.service)" test -s "$UNIT"
like "ExecStart runs the configured bindir's otad with the config file" \
  "$(grep '^ExecStart=' "$UNIT")" '^ExecStart=/.*/otad --config /.*/otaconsole/otad\.conf$'
ok "no @...@ left unsubstituted" sh -c "! grep -n '@[a-z]*@' '$UNIT'"
for kv in DynamicUser=yes StateDirectory=otad ConfigurationDirectory=otaconsole ProtectSystem=strict \
          NoNewPrivileges=yes Restart=on-failure KillSignal=SIGTERM PrivateTmp=yes \
          "CapabilityBoundingSet=" "SystemCallFilter=@system-service"; do
  ok "the unit sets $kv" grep -qx -- "$kv" "$UNIT"
done

# verify: the unit as systemd would load it, with our otad and man pages
mkdir -p "$TMP/unit" "$TMP/man/man8" "$TMP/man/man5"
sed "s|^ExecStart=[^ ]*|ExecStart=$OTAD|" "$UNIT" >"$TMP/unit/otad.service"
ln -s "$OTA_SRCDIR/man/otad.8" "$TMP/man/man8/otad.8"
ln -s "$OTA_SRCDIR/man/otaconsole.conf.5" "$TMP/man/man5/otaconsole.conf.5"
verify() { MANPATH="$TMP/man" systemd-analyze verify "$1" >"$TMP/verify.out" 2>&1; local rc=$?; cat "$TMP/verify.out"; [ $rc -eq 0 ] && [ ! -s "$TMP/verify.out" ]; }
ok "systemd-analyze verify: clean" verify "$TMP/unit/otad.service"
sed 's/^Restart=on-failure/Restart=sometimes/' "$TMP/unit/otad.service" >"$TMP/unit/bad.service"
fails "systemd-analyze verify fails a broken copy (the check can fail)" verify "$TMP/unit/bad.service"

score=$(systemd-analyze security --offline=true --no-pager "$TMP/unit/otad.service" 2>/dev/null |
        sed -n 's/.*Overall exposure level for otad.service: \([0-9.]*\).*/\1/p')
echo "# systemd-analyze security: exposure $score"
ok "systemd-analyze security: exposure $score <= $MAXEXPOSURE" \
  awk -v s="$score" -v m="$MAXEXPOSURE" 'BEGIN { exit !(s != "" && s + 0 <= m + 0) }'

# otad on the shipped config file
otad_start --config "$OTA_SRCDIR/data/otad.conf"
call GET //healthz
is "otad runs on the shipped otad.conf: /healthz" "$CODE" 200
otad_stop
is "otad stops cleanly on SIGTERM" "$OTAD_RC" 0
stop=$(sed -n 's/^TimeoutStopSec=\([0-9]*\)s\{0,1\}$/\1/p' "$UNIT")
ok "TimeoutStopSec=$stop leaves otad its 30 s for requests in flight" test "${stop:-0}" -gt 30
# the commented defaults are values otad takes: all of them uncommented
# (but the TLS files and trusted keys, which must exist; the paths moved
# into the test's folder by flags) and otad still serves
sed -e 's/^# *\([a-z_]* = \)/\1/' -e '/^\(tls_cert\|tls_key\|trusted\) = /d' \
  "$OTA_SRCDIR/data/otad.conf" >"$TMP/all.conf"
like "the defaults uncommented" "$(grep -c '^[a-z_]* = ' "$TMP/all.conf")" '^([6-9]|1[0-9])$'
otad_start --config "$TMP/all.conf" --blobs "$TMP/srv/blobs"
call GET //healthz
is "otad runs on otad.conf with every commented default set: /healthz" "$CODE" 200
otad_stop
keys=$(sed -n 's/^#\{0,1\} *\([a-z_]*\) = .*/\1/p' "$OTA_SRCDIR/data/otad.conf" | sort -u | tr '\n' ' ')
for k in $keys; do
  # every key the file mentions (also commented) is one otad knows: a value
  # of the wrong kind is refused naming the key, an unknown key the same way
  printf '%s = \001\n' "$k" >"$TMP/k.conf"
  "$OTAD" --config "$TMP/k.conf" --db "$TMP/k.db" token list >"$TMP/k.out" 2>&1
  if grep -q "unknown setting" "$TMP/k.out"; then ok "otad.conf key $k is one otad knows" false; cat "$TMP/k.out" | sed 's/^/#   /'
  else ok "otad.conf key $k is one otad knows" true; fi
done
printf 'no_such_key = 1\n' >"$TMP/k.conf"
"$OTAD" --config "$TMP/k.conf" --db "$TMP/k.db" token list >"$TMP/k.out" 2>&1
like "an unknown key is refused by name (the check above can fail)" "$(cat "$TMP/k.out")" "no_such_key.*unknown setting"

# make install: where the files go (a make of its own, not the suite's:
# without the outer make's flags and job server)
mk() { env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s --no-print-directory "$@"; }
mk -C "$OTA_BUILDDIR" install-data DESTDIR="$TMP/inst" >"$TMP/install.out" 2>&1
ok "make install-data into a DESTDIR" test $? -eq 0
unitdir=$(mk -C "$OTA_BUILDDIR" -f Makefile -f - print-dirs <<'MK' 2>/dev/null
print-dirs: ; @echo $(systemdsystemunitdir) $(sysusersdir) $(bashcompletiondir) $(sysconfdir)
MK
)
set -- $unitdir
ok "the unit is installed in $1" test -f "$TMP/inst$1/otad.service"
ok "the sysusers.d file is installed as $2/otad.conf" test -f "$TMP/inst$2/otad.conf"
for p in otactl otad otaconsole; do
  ok "bash completion for $p installed in $3" test -f "$TMP/inst$3/$p"
done
ok "the config file is installed as $4/otaconsole/otad.conf" cmp -s "$OTA_SRCDIR/data/otad.conf" "$TMP/inst$4/otaconsole/otad.conf"
done_testing
