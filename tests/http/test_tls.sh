#!/bin/bash
# otad's command line and config file, and HTTPS with a certificate and key
# given on the command line.
. "$OTA_SRCDIR/tests/http/otad_lib.sh"
need openssl openssl

# --- command line and config file errors: clear message, exit 2
out=$("$OTAD" --listen nonsense 2>&1); rc=$?
is "bad --listen exits 2" "$rc" 2
like "bad --listen names the rule" "$out" 'listen.*ADDR:PORT'
out=$("$OTAD" --listen 127.0.0.1:70000 2>&1); rc=$?
like "port out of range" "$rc/$out" '^2/.*0\.\.65535'
printf 'listen = 127.0.0.1:0\ncolour = blue\n' >"$TMP/bad.conf"
out=$("$OTAD" --config "$TMP/bad.conf" 2>&1); rc=$?
like "unknown config key names file and line" "$rc/$out" "^2/.*bad.conf:2: colour"
printf 'listen 127.0.0.1:0\n' >"$TMP/bad2.conf"
out=$("$OTAD" --config "$TMP/bad2.conf" 2>&1); rc=$?
like "a line without '=' is refused" "$rc/$out" "^2/.*bad2.conf:1: expected 'key = value'"
out=$("$OTAD" --config "$TMP/missing.conf" 2>&1); rc=$?
like "missing config file" "$out" 'cannot open'
out=$("$OTAD" --log-level loud 2>&1); rc=$?
like "bad log level" "$rc/$out" '^2/.*error, warn, info or debug'
out=$("$OTAD" --tls-cert "$TMP/x.pem" --listen 127.0.0.1:0 --db "$DB" 2>&1); rc=$?
like "a certificate without its key is refused" "$rc/$out" 'go together'
like "--help shows the usage" "$("$OTAD" --help)" 'usage: otad \[--listen ADDR:PORT\]'
fails "token revoke of an unknown name fails" "$OTAD" token revoke --db "$DB" nobody

# --- no arguments: the default database under $XDG_DATA_HOME/otaconsole
: >"$TMP/default.log"
"$OTAD" --listen 127.0.0.1:0 2>"$TMP/default.log" >/dev/null &
DPID=$!
on_exit "kill $DPID 2>/dev/null"
i=0; while [ $i -lt 200 ] && ! grep -q 'listening on' "$TMP/default.log"; do sleep 0.05; i=$((i+1)); done
like "default database under XDG_DATA_HOME" "$(cat "$TMP/default.log")" "db $XDG_DATA_HOME/otaconsole/ota.db"
kill $DPID
i=0; while [ $i -lt 200 ] && kill -0 $DPID 2>/dev/null; do sleep 0.05; i=$((i+1)); done

# --- HTTPS
if ! command -v openssl >/dev/null; then
  echo "# openssl missing: HTTPS not tested"
  done_testing; exit $?
fi
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$TMP/key.pem" -out "$TMP/cert.pem" -days 1 \
  -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1
ADM=$(token admin adm)
printf 'tls_cert = %s\n' "$TMP/cert.pem" >"$TMP/tls.conf"
otad_start --config "$TMP/tls.conf" --tls-key "$TMP/key.pem"
like "listens with https" "$(cat "$LOG")" "listening on https://"
c=$(curl -s -o "$TMP/h" -w '%{http_code}' --cacert "$TMP/cert.pem" "https://127.0.0.1:$PORT/healthz")
is "healthz over TLS, certificate verified" "$c/$(jq -r .ok "$TMP/h")" "200/true"
c=$(curl -s -o "$TMP/h" -w '%{http_code}' --cacert "$TMP/cert.pem" -H "Authorization: Bearer $ADM" "https://127.0.0.1:$PORT/api/v1/products")
is "API over TLS" "$c" 200
c=$(curl -s -o /dev/null -w '%{http_code}' -m 5 "http://127.0.0.1:$PORT/healthz")
like "plain HTTP on the TLS port gets no answer" "$c" '^(000|400)$'
otad_stop
is "TLS server stops cleanly" "$OTAD_RC" 0
done_testing
