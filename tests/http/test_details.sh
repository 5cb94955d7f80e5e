#!/bin/bash
# otad: one device's details with the attributes its agent reported
# (GET /products/{key}/devices/{id}), GET /whoami for any valid token, and
# SHA-1/MD5 of packages stored before they were recorded filled in once at
# startup.
. "$OTA_SRCDIR/tests/http/otad_lib.sh"
need sqlite3 sqlite3

ADM=$(token admin root)
VIEW=$(token viewer watcher)
otad_start

jcall "$ADM" POST /products '{"key":"meter","name":"Meter"}'
DKEY=$(jq_ .device_key)
jcall "$ADM" POST /products '{"key":"other","name":"Other"}'
jcall "$ADM" POST /products/meter/devices \
  '[{"id":"dev-1","versions":{"module":"1.1.0","mcu":"2.1"}},{"id":"dev.2_x","versions":{"module":"1.0.0"}}]'
is "two devices imported" "$(jq_ .added)" 2
jcall "$ADM" POST /products/other/devices '[{"id":"o-1","versions":{"module":"1.0.0"}}]'

# A hawkBit agent reports telemetry, a version and two attributes.
ddi_config() {  # ddi_config DEVICE JSON-DATA -> HTTP status
  curl -s -o /dev/null -w '%{http_code}' -X PUT -H "Authorization: GatewayToken $DKEY" \
    -H 'Content-Type: application/json' \
    -d "{\"id\":\"\",\"status\":{\"result\":{\"finished\":\"success\"},\"execution\":\"closed\"},\"data\":$2}" \
    "$BASE/meter/controller/v1/$1/configData"
}
is "configData accepted" \
  "$(ddi_config dev-1 '{"battery":"77","rsrp":"-98","version.os":"5.1","board":"evk-2","hw_rev":"C"}')" 200

# --- the device detail
acall "$VIEW" GET /products/meter/devices/dev-1
is "device detail: a viewer may read it" "$CODE" 200
is "device detail: id and product" "$(jq_ '.id + " " + .product')" "dev-1 meter"
is "device detail: versions, the reported one added" "$(jq_ '.versions | to_entries | map(.key + "=" + .value) | sort | join(",")')" \
  "mcu=2.1,module=1.1.0,os=5.1"
is "device detail: last battery and RSRP" "$(jq_ '"\(.battery) \(.rsrp)"')" "77 -98"
like "device detail: last seen is a time" "$(jq_ .last_seen)" '^[0-9]{4}-[0-9]{2}-[0-9]{2}T'
is "device detail: the attributes, strings" "$(jq_ '.attributes | to_entries | map(.key + "=" + .value) | sort | join(",")')" \
  "board=evk-2,hw_rev=C"
is "device detail: telemetry and versions are not attributes" "$(jq_ '.attributes | has("battery") or has("version.os")')" false

is "a second report replaces the keys it names" "$(ddi_config dev-1 '{"board":"evk-3"}')" 200
acall "$VIEW" GET /products/meter/devices/dev-1
is "  board replaced, hw_rev kept" "$(jq_ '.attributes | "\(.board) \(.hw_rev)"')" "evk-3 C"

acall "$VIEW" GET "/products/meter/devices/dev%2E2_x"
is "a device id percent-escaped in the path" "$CODE/$(jq_ .id)" "200/dev.2_x"
is "a device that never reported: attributes {}" "$(jq_ '.attributes | tojson')" "{}"
is "  and no telemetry: null" "$(jq_ '"\(.battery) \(.rsrp) \(.last_seen)"')" "null null null"

acall "$VIEW" GET /products/meter/devices/nope
expect_err "unknown device" 404 not_found
is "  names the device" "$(jq_ .error.field)" device
acall "$VIEW" GET /products/meter/devices/o-1
expect_err "a device of another product" 404 not_found
acall "$VIEW" GET /products/nope/devices/dev-1
expect_err "unknown product" 404 not_found
is "  names the product" "$(jq_ .error.field)" product
call GET /products/meter/devices/dev-1
expect_err "no token" 401 unauthorized
acall "$VIEW" DELETE /products/meter/devices/dev-1
expect_err "DELETE is not a method of a device" 405 method_not_allowed

# --- whoami: any valid token reads its own name and role
OPS=$(token operator ops)
for t in "$ADM root admin" "$OPS ops operator" "$VIEW watcher viewer"; do
  set -- $t
  acall "$1" GET /whoami
  is "whoami as $3: 200 with name and role" "$CODE $(jq_ '.name + " " + .role')" "200 $2 $3"
  is "  only those two fields" "$(jq_ 'keys | join(",")')" "name,role"
done
call GET /whoami
expect_err "whoami without a token" 401 unauthorized
acall "ota_nottherealtokenbutshapedlikeitxxxxxxxxxxxxxx" GET /whoami
expect_err "whoami with an unknown token" 401 unauthorized
call GET /whoami -H "X-Device-Key: $DKEY"
expect_err "a device key is not a token" 401 unauthorized
jcall "$VIEW" POST /whoami '{}'
expect_err "POST /whoami" 405 method_not_allowed
acall "$ADM" GET "/audit?limit=1000"
is "whoami leaves no row in the audit trail" "$(jq_ '[.items[] | select(.target == "/api/v1/whoami")] | length')" 0
acall "$VIEW" GET /tokens
is "(the token list probe it replaces: a viewer is refused...)" "$CODE" 403
acall "$ADM" GET "/audit?limit=1000"
is "  ...and that refusal is audited)" "$(jq_ '[.items[] | select(.action == "http.forbidden" and .actor == "watcher")] | length')" 1

# --- SHA-1/MD5 of packages stored before they were recorded
upload() {  # upload FILE TARGET -> package id
  acall "$ADM" POST /packages -F "meta={\"component\":\"module\",\"kind\":\"full\",\"target_version\":\"$2\"};type=application/json" \
    -F "file=@$1" >/dev/null
  jq_ .id
}
head -c 300000 /dev/urandom >"$TMP/a.bin"
head -c 5000 /dev/urandom >"$TMP/b.bin"
PA=$(upload "$TMP/a.bin" 2.0)
PB=$(upload "$TMP/b.bin" 2.1)
SUMB=$(sha256sum "$TMP/b.bin" | cut -d' ' -f1)
hashes() { sqlite3 "$DB" "SELECT sha1 || ' ' || md5 FROM package_files WHERE package=$1"; }
is "an upload records SHA-1 and MD5" "$(hashes "$PA")" \
  "$(sha1sum "$TMP/a.bin" | cut -d' ' -f1) $(md5sum "$TMP/a.bin" | cut -d' ' -f1)"
otad_stop
ok "a package as stored before the hashes were recorded (blanked in SQL)" \
  sqlite3 "$DB" "UPDATE package_files SET sha1='', md5=''"
is "  both blank" "$(hashes "$PA")/$(hashes "$PB")" " / "
otad_start
like "otad logs how many it filled at start" "$(cat "$LOG")" "filled SHA-1 and MD5 of 2 stored files"
like "  before it listens" "$(grep -n 'filled SHA-1\|listening on' "$LOG" | head -n 1)" "filled SHA-1"
is "the hashes are back" "$(hashes "$PA")" \
  "$(sha1sum "$TMP/a.bin" | cut -d' ' -f1) $(md5sum "$TMP/a.bin" | cut -d' ' -f1)"
is "  for every package" "$(hashes "$PB")" \
  "$(sha1sum "$TMP/b.bin" | cut -d' ' -f1) $(md5sum "$TMP/b.bin" | cut -d' ' -f1)"
otad_stop
otad_start
is "a start with nothing to fill says nothing about it" "$(grep -c 'package hashes' "$LOG")" 0
otad_stop
sqlite3 "$DB" "UPDATE package_files SET sha1='', md5=''"
BLOB="$TMP/srv/blobs/$(printf %.2s "$SUMB")/${SUMB#??}"
chmod u+w "$BLOB" 2>/dev/null
printf 'X' | dd of="$BLOB" bs=1 seek=10 conv=notrunc 2>/dev/null
otad_start
like "a corrupted blob: logged as a warning naming the rule" "$(cat "$LOG")" \
  "filled SHA-1 and MD5 of 1 stored files; not all: .*does not match its SHA-256"
is "  the good package is filled" "$(hashes "$PA" | cut -c1-40)" "$(sha1sum "$TMP/a.bin" | cut -d' ' -f1)"
is "  the corrupted one keeps no hashes of the wrong bytes" "$(hashes "$PB")" " "
healthy "after a start with a corrupted blob"

done_testing
