#!/bin/sh
# TLS: verification on by default, --cacert for a private CA, an explicit
# --insecure that the backend reports (the console shows it), a CA file
# that cannot be read named as such.
. "${OTA_SRCDIR:-.}/tests/lib.sh"
. "$OTA_SRCDIR/tests/contract/lib-otad.sh"
OTACTL="$OTA_BUILDDIR/cli/otactl"
[ -x "$OTACTL" ] || { echo "Bail out! no $OTACTL (build first)"; exit 1; }
need openssl openssl
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$TMP/key.pem" -out "$TMP/ca.pem" -days 2 \
    -subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1" >/dev/null 2>&1 ||
  { echo "Bail out! openssl cannot make a certificate"; exit 1; }
OTAD_SCHEME=https OTAD_EXTRA="--tls-cert $TMP/ca.pem --tls-key $TMP/key.pem"
otad_start || { echo "Bail out! otad did not start with TLS: $OTAD_WHY"; exit 1; }
r() { "$OTACTL" --remote "$OTAD_URL" --token "$OTAD_TOKEN" "$@"; }

out=$(r product list 2>&1); rc=$?
is "an untrusted certificate is refused by default" "$rc" 1
like "... with the way out" "$out" "unavailable: cannot reach $OTAD_URL: TLS certificate not trusted \(use --cacert"
ok "--cacert with the private CA" r --cacert "$TMP/ca.pem" product add EC600N-meter "Smart meter"
like "... and reads back" "$(r --cacert "$TMP/ca.pem" product list)" 'EC600N-meter'
ok "--insecure skips verification when asked" r --insecure product list
out=$(r --cacert "$TMP/nope.pem" product list 2>&1)
like "an unreadable CA file is named" "$out" 'cannot read the CA file given with --cacert'
printf 'x' > "$TMP/fw.bin"
ok "an upload over TLS" r --cacert "$TMP/ca.pem" package add --component module --kind full \
   --target 1.0 "$TMP/fw.bin"
ok "a verified download over TLS" r --cacert "$TMP/ca.pem" package download 1 fw.bin "$TMP/back.bin"
ok "... same bytes" cmp "$TMP/fw.bin" "$TMP/back.bin"
done_testing
