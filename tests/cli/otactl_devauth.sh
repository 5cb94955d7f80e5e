#!/bin/sh
# otactl device identity end to end: product auth (the mode, enrollment and
# how many devices have no token; with neither option, shown unchanged), device token issue (printed once) and
# revoke, the credential in device list/show, and device tokens for a fleet
# file: a new file of mode 0600 whatever the umask, an existing one refused
# before any token is issued (--force replaces it, still 0600), skipped
# devices and --rotate, no token ever on stdout, both fleet formats.  Then
# over otad: the same commands, a bulk token that works for its device, and
# a viewer refused.
OTA_SRCDIR=${OTA_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$OTA_SRCDIR/tests/http/otad_lib.sh"
otad_start            # on $TMP/srv/ota.db
ADM=$(token admin)
VIEW=$(token viewer wall)
. "$(dirname "$0")/cli_lib.sh"   # the local side: $TMP/ota.db
umask 022
mode() { stat -c %a "$1"; }
audit_rows() { otactl --json audit --limit 1000 | py "len([r for r in d['items'] if r['action'].startswith('device.token')])"; }

printf 'id,module\nd-1,1.0.0\nd-2,1.0.0\nd-3,1.0.0\n' >"$TMP/fleet.csv"
printf '[{"id":"d-1","versions":{"module":"1.0.0"}},{"id":"d-4","versions":{}}]' >"$TMP/fleet.json"
run product add meter "Meter"
run device import meter "$TMP/fleet.csv"
is "a product with three devices" "$RC" 0

# ------------------------------------------------------------ product auth
run product list
like "product list shows the device authentication and enrollment" "$OUT" "meter +Meter +.* +product_key +open"
run product auth meter --device-auth device_token
is "product auth exits 0" "$RC" 0
like "it prints the product's mode and enrollment" "$OUT" "^product meter \(Meter\): device_auth device_token, enrollment open"
like "and how many devices have no token" "$OUT" "devices without a token: 3 \(they must enroll"
run --json product auth meter --enrollment closed
is "--json: the REST shape with devices_without_token" \
  "$(echo "$OUT" | py 'd["key"], d["device_auth"], d["enrollment"], d["devices_without_token"]')" \
  "('meter', 'device_token', 'closed', 3)"
run product auth meter --enrollment open
is "enrollment open again" "$RC" 0
run product auth meter --device-auth bogus
is "a wrong mode: usage error" "$RC" 2
like "  naming the option and the words it takes" "$ERR" "--device-auth must be product_key or device_token"
run product auth meter --enrollment shut
is "a wrong enrollment: usage error" "$RC/$(echo "$ERR" | head -1)" '2/otactl: --enrollment must be open or closed (got "shut")'
before_auth=$(otactl --json audit --limit 1000 | py "len([r for r in d['items'] if r['action'] == 'product.auth'])")
run product auth meter
is "neither option: shows the settings (exit 0)" "$RC" 0
is "  the product, its mode and enrollment, and the count" "$OUT" \
  "product meter (Meter): device_auth device_token, enrollment open
devices without a token: 3 (they must enroll with the product key, or be issued one)"
run --json product auth meter
is "  --json: the REST shape" \
  "$(echo "$OUT" | py 'd["key"], d["device_auth"], d["enrollment"], d["devices_without_token"]')" \
  "('meter', 'device_token', 'open', 3)"
is "  no audit row for showing them" \
  "$(otactl --json audit --limit 1000 | py "len([r for r in d['items'] if r['action'] == 'product.auth'])")" "$before_auth"
run product auth nope
is "  of an unknown product: refused" "$RC/$ERR" '1/otactl: not_found: product: no product "nope"'
run product auth nope --device-auth device_token
is "an unknown product: refused" "$RC/$ERR" '1/otactl: not_found: product: no product "nope"'

# ------------------------------------------------------- one device's token
run device token issue meter d-1
is "device token issue exits 0" "$RC" 0
TOK1=$(printf '%s\n' "$OUT" | sed -n 's/^token (shown once): //p')
like "the token is printed once, on its own line" "$TOK1" "^otd_[A-Za-z0-9_-]{43}$"
is "  and only once" "$(printf '%s' "$OUT" | grep -o 'otd_' | wc -l)" 1
run device show meter d-1
like "device show: the credential, active since" "$OUT" "credential: active since [0-9]{4}-"
run device list meter
like "device list: a CREDENTIAL column" "$OUT" "DEVICE +VERSIONS .* CREDENTIAL"
like "  d-1 active" "$OUT" "d-1 .* active"
like "  d-2 none" "$OUT" "d-2 .* none"
run --json device token issue meter d-1
is "--json: product, device and token" "$(echo "$OUT" | py 'sorted(d)')" "['device', 'product', 'token']"
TOK2=$(echo "$OUT" | pyraw 'd["token"]')
ok "issuing again rotates: a new token" test "$TOK1" != "$TOK2"
run --json device show meter d-1
is "device show --json: credential active" "$(echo "$OUT" | pyraw 'd["credential"]')" active
run device token revoke meter d-1
is "device token revoke exits 0" "$RC" 0
like "  and says what it means" "$OUT" "token revoked; it cannot check in again until an admin issues"
run device show meter d-1
like "device show: revoked" "$OUT" "credential: revoked since"
run device token revoke meter d-1
is "revoking again: not_found" "$RC/$(printf '%s' "$ERR" | cut -d: -f2)" "1/ not_found"
run device token issue meter "bad id"
is "a bad device id: refused naming the device" "$RC/$(printf '%s' "$ERR" | cut -d: -f2-3)" "1/ validation_failed: device"
run device token issue meter
is "one argument: usage" "$RC" 2
like "  with the usage line" "$ERR" "usage: otactl device token issue PRODUCT ID"
run device token
is "device token alone: usage" "$RC" 2
like "  which command?" "$ERR" "otactl: device token: which command\?"

# ---------------------------------------------------------- device tokens
run device token issue meter d-2          # d-2 has one: skipped below
before=$(audit_rows)
run device tokens meter "$TMP/fleet.csv" --out "$TMP/tokens.csv"
is "device tokens exits 0" "$RC" 0
like "it says how many were issued and skipped" "$OUT" "^2 tokens issued for product meter, 1 skipped \(they have a token: --rotate replaces it\); written to .*tokens.csv \(mode 0600\)"
ok "no token on stdout" sh -c "! printf '%s' \"\$1\" | grep -q otd_" sh "$OUT$ERR"
is "the file has mode 0600 under umask 022" "$(mode "$TMP/tokens.csv")" 600
is "the file: a header and device,token rows" "$(cut -d, -f1 "$TMP/tokens.csv" | tr '\n' ' ')" "device d-1 d-3 "
ok "  every token well formed" sh -c "tail -n +2 '$TMP/tokens.csv' | cut -d, -f2 | grep -Evq '^otd_[A-Za-z0-9_-]{43}$' && exit 1 || exit 0"
run device show meter d-3
like "d-3 has its token now" "$OUT" "credential: active"
ok "no temporary file left beside it" sh -c "! ls '$TMP' | grep -q 'tokens.csv.part'"
after=$(audit_rows)
cp "$TMP/tokens.csv" "$TMP/tokens.before"
run device tokens meter "$TMP/fleet.csv" --out "$TMP/tokens.csv" --rotate
is "an existing file: refused" "$RC" 1
like "  naming it and --force" "$ERR" "otactl: conflict: out: .*tokens.csv exists; tokens go only to a new file \(--force replaces it\)"
ok "  the file untouched" cmp -s "$TMP/tokens.csv" "$TMP/tokens.before"
is "  and no token issued or rotated (the audit trail)" "$(audit_rows)" "$after"
chmod 644 "$TMP/tokens.csv"
run device tokens meter "$TMP/fleet.csv" --out "$TMP/tokens.csv" --rotate --force
is "--force --rotate: replaced" "$RC" 0
like "  every device rotated" "$OUT" "^3 tokens issued for product meter, 0 skipped; written to"
is "  the new file has mode 0600 again" "$(mode "$TMP/tokens.csv")" 600
is "  three rows" "$(tail -n +2 "$TMP/tokens.csv" | wc -l)" 3
ok "  new tokens" sh -c "! cmp -s '$TMP/tokens.csv' '$TMP/tokens.before'"
run --json device tokens meter "$TMP/fleet.json" --out "$TMP/tokens2.csv"
is "a JSON fleet file, --json: counts and the file, no tokens" "$(echo "$OUT" | py 'd["issued"], d["skipped"], d["out"].endswith("tokens2.csv")')" \
  "(1, 1, True)"
is "  the unknown d-4 registered with its token" "$(tail -n +2 "$TMP/tokens2.csv" | cut -d, -f1)" "d-4"
printf 'x' >"$TMP/fleet.txt"
run device tokens meter "$TMP/fleet.txt" --out "$TMP/tokens3.csv"
is "a .txt fleet file: refused" "$(printf '%s' "$ERR" | cut -d: -f2)" " unsupported_media_type"
ok "  no tokens file made" test ! -e "$TMP/tokens3.csv"
printf 'id,module\nd-1,1.0.0\nbad id,1.0.0\n' >"$TMP/bad.csv"
run device tokens meter "$TMP/bad.csv" --out "$TMP/tokens4.csv"
is "a bad id in the fleet: refused" "$RC" 1
ok "  no tokens file made, no temporary left" sh -c "! ls '$TMP' | grep -q tokens4"
run device tokens meter "$TMP/fleet.csv"
is "no --out: usage" "$RC" 2
like "  saying tokens are never printed" "$ERR" "--out TOKENS is required \(tokens are never printed"
ok "before the refusals the audit counted the issues ($before -> $after)" test "$after" -gt "$before"

# ------------------------------------------------------------------ otad
rctl() { $VG "$OTACTL" --remote "$BASE" --token "${RT:-$ADM}" "$@" >"$TMP/.stdout" 2>"$TMP/.stderr"
  RC=$?; OUT=$(cat "$TMP/.stdout"); ERR=$(cat "$TMP/.stderr"); }
rctl product add meter "Meter"
rctl device import meter "$TMP/fleet.csv"
rctl product auth meter --device-auth device_token
like "remote product auth: the count" "$OUT" "devices without a token: 3"
rctl product auth meter
is "remote product auth with neither option: the settings and the count (PATCH {})" "$RC/$OUT" \
  "0/product meter (Meter): device_auth device_token, enrollment open
devices without a token: 3 (they must enroll with the product key, or be issued one)"
rctl device token issue meter d-1
RTOK=$(printf '%s\n' "$OUT" | sed -n 's/^token (shown once): //p')
like "remote device token issue: a token" "$RTOK" "^otd_[A-Za-z0-9_-]{43}$"
rctl device tokens meter "$TMP/fleet.csv" --out "$TMP/rtokens.csv"
like "remote device tokens: issued and skipped" "$OUT" "^2 tokens issued for product meter, 1 skipped"
is "  mode 0600" "$(mode "$TMP/rtokens.csv")" 600
T3=$(grep '^d-3,' "$TMP/rtokens.csv" | cut -d, -f2)
code=$(curl -s -o /dev/null -w '%{http_code}' -H "X-Device-Token: $T3" -H 'Content-Type: application/json' \
  -d '{"device":"d-3","product":"meter","versions":{"module":"1.0.0"}}' "$API/device/checkin")
is "d-3 checks in with its token from the file" "$code" 200
code=$(curl -s -o /dev/null -w '%{http_code}' -H "X-Device-Token: $T3" -H 'Content-Type: application/json' \
  -d '{"device":"d-2","product":"meter","versions":{"module":"1.0.0"}}' "$API/device/checkin")
is "  not as d-2" "$code" 403
rctl device token revoke meter d-1
is "remote revoke" "$RC" 0
RT=$VIEW rctl device token issue meter d-2
is "a viewer: refused (exit 1, forbidden)" "$RC/$(printf '%s' "$ERR" | cut -d: -f2)" "1/ forbidden"
RT=$VIEW rctl device tokens meter "$TMP/fleet.csv" --out "$TMP/vtokens.csv"
is "a viewer's bulk: refused" "$RC" 1
ok "  and no tokens file made" test ! -e "$TMP/vtokens.csv"
RT=$VIEW rctl product auth meter --device-auth product_key
is "a viewer's product auth: refused" "$(printf '%s' "$ERR" | cut -d: -f2)" " forbidden"
RT=$VIEW rctl product auth meter
is "  showing them too (the route is an admin's)" "$RC/$(printf '%s' "$ERR" | cut -d: -f2)" "1/ forbidden"

done_testing
