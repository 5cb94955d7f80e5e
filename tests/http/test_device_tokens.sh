#!/bin/bash
# Device identity over REST: tokens issued per device (shown once, stored
# hashed), a token speaks only for its device and that device's jobs (403
# otherwise), rotation (the old token fails at once) and revocation, a
# product switched to device_token (the count of devices without a token,
# the product key refused for check-ins but still enrolling), enrollment
# (twice, closed, wrong key), bulk issue (skip, rotate, all or nothing),
# downloads with a token, the credential in device JSON, audit rows and
# logs that never hold a token.
. "$OTA_SRCDIR/tests/http/otad_lib.sh"
need python3 python3

ADM=$(token admin adm)
OPS=$(token operator ops)
otad_start --log-level info

jcall "$ADM" POST /products '{"key":"meter","name":"Meter"}'
is "product created" "$CODE" 201
DKEY=$(jq_ .device_key)
is "a new product authenticates devices by product key" "$(jq_ .device_auth)/$(jq_ .enrollment)" product_key/open
jcall "$ADM" POST /products '{"key":"tracker","name":"Tracker"}'
OKEY=$(jq_ .device_key)
jcall "$ADM" POST /products '{"key":"strict","name":"Strict","device_auth":"device_token","enrollment":"closed"}'
is "a product created in device_token mode, enrollment closed" "$CODE/$(jq_ .device_auth)/$(jq_ .enrollment)" \
  201/device_token/closed
jcall "$ADM" POST /products '{"key":"odd","name":"Odd","device_auth":"certificates"}'
expect_err "product with an unknown device_auth" 422 validation_failed
is "  naming device_auth" "$(jq_ .error.field)" device_auth

jcall "$ADM" POST /products/meter/devices \
  '[{"id":"d-1","versions":{"module":"1.0.0"}},{"id":"d-2","versions":{"module":"1.0.0"}},{"id":"d-3","versions":{"module":"1.0.0"}}]'
jcall "$ADM" POST /products/tracker/devices '[{"id":"t-1","versions":{"module":"1.0.0"}}]'
head -c 3000 /dev/urandom >"$TMP/fw.bin"
SUM=$(sha256sum "$TMP/fw.bin" | cut -d' ' -f1)
acall "$OPS" POST /packages -F 'meta={"component":"module","kind":"full","target_version":"2.0.0"}' -F "file=@$TMP/fw.bin"
PKG=$(jq_ .id)
acall "$OPS" POST /packages -F 'meta={"component":"module","kind":"full","target_version":"3.0.0"}' -F "file=@$TMP/fw.bin;filename=other.bin"
PKG_UNUSED=$(jq_ .id)
jcall "$OPS" POST /plans "$(printf '{"name":"tok","product":"meter","mode":"silent","strategy":{"retries":0,"min_rsrp":-140,"min_battery":0},"window":%s,"components":[{"component":"module","package_id":%s}]}' "$(window_json)" "$PKG")"
PLAN=$(jq_ .id)
acall "$OPS" POST "/plans/$PLAN/activate"
is "plan active" "$(jq_ .state)" active

# checkin DEVICE [curl headers...]: a check-in of DEVICE of meter
checkin() {
  local d=$1; shift
  call POST /device/checkin -H 'Content-Type: application/json' "$@" \
    --data "{\"device\":\"$d\",\"product\":\"meter\",\"versions\":{\"module\":\"1.0.0\"},\"battery\":80}"
}
tok() { printf 'X-Device-Token: %s' "$1"; }

# ------------------------------------------------------------ issue
call GET /products/meter/devices/d-1 -H "Authorization: Bearer $ADM"
is "a device starts without a credential" "$(jq_ .credential)/$(jq_ .credential_at)" none/null
acall "$ADM" POST /products/meter/devices/d-1/token
is "token issued: 201" "$CODE" 201
T1=$(jq_ .token)
like "  otd_ + 43 base64url characters" "$T1" '^otd_[A-Za-z0-9_-]{43}$'
is "  for meter's d-1" "$(jq_ .product)/$(jq_ .device)" meter/d-1
acall "$ADM" POST /products/meter/devices/d-2/token
T2=$(jq_ .token)
acall "$ADM" GET /products/meter/devices/d-1
is "device detail: credential active" "$(jq_ .credential)" active
like "  issued at a time" "$(jq_ .credential_at)" '^20[0-9]{2}-[0-9]{2}-[0-9]{2}T'
acall "$ADM" GET "/products/meter/devices?q=d-"
is "device list: each device's credential" "$(jq_ '[.items[].credential] | join(",")')" active,active,none
ok "only a hash of the token is on disk" sh -c "! grep -qF '${T1#otd_}' '$DB' '$DB-wal' 2>/dev/null"

# ------------------------------------------- product_key mode: both work
checkin d-1 -H "$(tok "$T1")"
is "d-1 checks in with its own token" "$CODE" 200
J1=$(jq_ .job.id)
like "  and gets its job" "$J1" '^[0-9]+$'
checkin d-3 -H "X-Device-Key: $DKEY"
is "product_key mode: d-3 checks in with the product key" "$CODE" 200
checkin d-2 -H "$(tok "$T1")"
expect_err "d-1's token for d-2" 403 forbidden
is "  naming X-Device-Token" "$(jq_ .error.field)" X-Device-Token
checkin d-2 -H "$(tok "$T1")" -H "X-Device-Key: $DKEY"
expect_err "d-1's token for d-2 beside the right product key (the token is judged)" 403 forbidden
checkin d-2 -H "$(tok "$T2")"
is "d-2 checks in with its own token" "$CODE" 200
J2=$(jq_ .job.id)
call POST /device/checkin -H 'Content-Type: application/json' -H "$(tok "$T1")" \
  --data '{"device":"t-1","product":"tracker","versions":{"module":"1.0.0"}}'
expect_err "a meter token for a tracker device" 403 forbidden
checkin d-1 -H 'X-Device-Token: otd_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'
expect_err "a forged token" 401 unauthorized

# ---------------------------------------------------- jobs are the device's
call POST "/device/jobs/$J2/report" -H 'Content-Type: application/json' -H "$(tok "$T1")" --data '{"state":"downloading"}'
expect_err "d-1's token reporting d-2's job" 403 forbidden
call POST "/device/jobs/$J2/confirm" -H 'Content-Type: application/json' -H "$(tok "$T1")" --data '{}'
expect_err "d-1's token confirming d-2's job" 403 forbidden
call POST "/device/jobs/$J1/report" -H 'Content-Type: application/json' -H "$(tok "$T1")" --data '{"state":"downloading","progress":10}'
is "d-1 reports its own job with its token" "$CODE/$(jq_ .state)" 200/downloading
call POST "/device/jobs/999999/report" -H 'Content-Type: application/json' -H "$(tok "$T1")" --data '{"state":"downloading"}'
expect_err "an unknown job, to a valid token" 404 not_found
call POST "/device/jobs/999999/report" -H 'Content-Type: application/json' -H 'X-Device-Token: otd_nope' --data '{"state":"downloading"}'
expect_err "an unknown job, to a forged token" 401 unauthorized

# ------------------------------------------------------------- rotation
acall "$ADM" POST /products/meter/devices/d-1/token
is "issuing again rotates: 201" "$CODE" 201
T1B=$(jq_ .token)
ok "  a new token" test "$T1B" != "$T1"
checkin d-1 -H "$(tok "$T1")"
expect_err "the old token at the very next request" 401 unauthorized
checkin d-1 -H "$(tok "$T1B")"
is "the new token checks in" "$CODE" 200

# ----------------------------------------------------------- revocation
acall "$ADM" DELETE /products/meter/devices/d-2/token
is "revoke d-2: 204" "$CODE" 204
checkin d-2 -H "$(tok "$T2")"
expect_err "a revoked token" 401 unauthorized
acall "$ADM" DELETE /products/meter/devices/d-2/token
expect_err "revoking again" 404 not_found
acall "$ADM" DELETE /products/meter/devices/d-3/token
expect_err "revoking a device without a token" 404 not_found
acall "$ADM" GET /products/meter/devices/d-2
is "d-2's credential: revoked" "$(jq_ .credential)" revoked
acall "$ADM" POST /products/tracker/devices/d-1/token
expect_err "a token for another product's device" 422 validation_failed
acall "$ADM" POST /products/nope/devices/d-1/token
expect_err "a token in an unknown product" 404 not_found

# ------------------------------------------------ switching the product
jcall "$ADM" PATCH /products/meter '{"device_auth":"device_token"}'
is "PATCH to device_token: 200" "$CODE" 200
is "  the product says device_token" "$(jq_ .device_auth)/$(jq_ .enrollment)" device_token/open
is "  two devices have no token (d-2 revoked, d-3 never had one)" "$(jq_ .devices_without_token)" 2
like "  Allow lists PATCH on a product" "$(call DELETE /products/meter -H "Authorization: Bearer $ADM"; header Allow)" 'PATCH'
checkin d-3 -H "X-Device-Key: $DKEY"
expect_err "device_token mode: the product key alone" 401 unauthorized
like "  says the key only enrolls" "$(jq_ .error.message)" 'enroll'
checkin d-1 -H "$(tok "$T1B")"
is "  d-1 still checks in with its token" "$CODE" 200
jcall "$ADM" PATCH /products/meter '{"device_auth":"certificates"}'
expect_err "PATCH with an unknown mode" 422 validation_failed
is "  naming device_auth" "$(jq_ .error.field)" device_auth
jcall "$ADM" PATCH /products/meter '{"enrollment":"ajar"}'
expect_err "PATCH with an unknown enrollment" 422 validation_failed
is "  naming enrollment" "$(jq_ .error.field)" enrollment
jcall "$ADM" PATCH /products/meter '{"device_auth":"device_token","owner":"me"}'
expect_err "PATCH with an unknown member" 400 bad_request
is "  naming it" "$(jq_ .error.field)" owner
# An empty merge patch (RFC 7396): nothing to change, so nothing changes;
# the answer is the product and its count as they are, nothing is
# committed (a connection of our own watches PRAGMA data_version) and no
# audit row is added.
audit_count() { acall "$ADM" GET "/audit?target=product:$1&limit=1000"; jq_ '.items | length'; }
nothing_committed() {  # nothing_committed CMD...: runs CMD (stdout to $TMP/out); fails when the database moved meanwhile
  python3 - "$DB" "$TMP/out" "$@" <<'PY'
import sqlite3, subprocess, sys
c = sqlite3.connect(sys.argv[1])
version = lambda: c.execute("PRAGMA data_version").fetchone()[0]
before = version()
with open(sys.argv[2], "w") as out:
    subprocess.run(sys.argv[3:], check=True, stdout=out)
sys.exit(0 if version() == before else 1)
PY
}
# curl's PATCH of meter by the admin (add --data BODY): the body to $TMP/body, the status on stdout
PATCH_METER=(curl -s -m 30 -o "$TMP/body" -w '%{http_code}' -X PATCH -H "Authorization: Bearer $ADM"
  -H 'Content-Type: application/json' "$API/products/meter")
before=$(audit_count meter)
ok "PATCH {}: nothing committed while it ran" nothing_committed "${PATCH_METER[@]}" --data '{}'
BODY=$(cat "$TMP/body") CODE=$(cat "$TMP/out")
is "PATCH {}: 200, the product as it is" "$CODE/$(jq_ .key)/$(jq_ .device_auth)/$(jq_ .enrollment)" \
  200/meter/device_token/open
is "  with devices_without_token" "$(jq_ .devices_without_token)" 2
is "  no audit row for a no-op" "$(audit_count meter)" "$before"
fails "  (the watch sees a PATCH that changes something: its commit)" \
  nothing_committed "${PATCH_METER[@]}" --data '{"enrollment":"open"}'
is "  which is audited" "$(audit_count meter)" "$((before + 1))"
jcall "$ADM" PATCH /products/nope '{}'
expect_err "PATCH {} of an unknown product" 404 not_found
jcall "$OPS" PATCH /products/meter '{}'
expect_err "PATCH {} by an operator (still an admin's route)" 403 forbidden
call PATCH /products/meter -H "Authorization: Bearer $ADM" -H 'Content-Type: application/json'
expect_err "PATCH with no body at all (not a merge patch)" 400 bad_request
jcall "$ADM" PATCH /products/meter '[]'
expect_err "PATCH with an array" 400 bad_request
jcall "$ADM" PATCH /products/nope '{"enrollment":"open"}'
expect_err "PATCH an unknown product" 404 not_found
acall "$ADM" GET /products/meter
is "GET shows the mode" "$(jq_ .device_auth)" device_token

# ------------------------------------------------------------ enrollment
enroll() {  # enroll DEVICE KEY [product]
  call POST /device/enroll -H 'Content-Type: application/json' -H "X-Device-Key: $2" \
    --data "{\"product\":\"${3:-meter}\",\"device\":\"$1\"}"
}
enroll d-3 "$DKEY"
is "d-3 enrolls with the product key: 201" "$CODE" 201
T3=$(jq_ .token)
like "  and gets its token" "$T3" '^otd_'
checkin d-3 -H "$(tok "$T3")"
is "  which checks it in" "$CODE" 200
enroll d-3 "$DKEY"
expect_err "enrolling twice" 409 conflict
enroll d-2 "$DKEY"
expect_err "a revoked device enrolling" 409 conflict
enroll d-4 "$OKEY"
expect_err "enrolling with another product's key" 401 unauthorized
is "  naming X-Device-Key" "$(jq_ .error.field)" X-Device-Key
call POST /device/enroll -H 'Content-Type: application/json' --data '{"product":"meter","device":"d-4"}'
expect_err "enrolling without a key" 401 unauthorized
enroll d-4 "$DKEY"
is "an unknown device enrolls (registered)" "$CODE" 201
T4=$(jq_ .token)
jcall "$ADM" PATCH /products/meter '{"enrollment":"closed"}'
is "enrollment closed" "$CODE/$(jq_ .enrollment)/$(jq_ .devices_without_token)" 200/closed/1
enroll d-5 "$DKEY"
expect_err "enrolling when closed" 403 forbidden
call POST /device/enroll -H 'Content-Type: application/json' -H "X-Device-Key: $DKEY" --data '{"product":"meter"}'
expect_err "enrolling without a device" 422 validation_failed
enroll t-2 "$OKEY" tracker
is "a product_key product's device may enroll too" "$CODE" 201

# ------------------------------------------------------------- bulk issue
jcall "$ADM" POST /products/meter/tokens '{"devices":["b-1","b-2","d-1"]}'
is "bulk issue: 200" "$CODE" 200
is "  2 issued, d-1 (active) skipped" "$(jq_ .issued)/$(jq_ .skipped)/$(jq_ '[.tokens[].device] | join(",")')" 2/1/b-1,b-2
BT=$(jq_ '.tokens[0].token')
call POST /device/checkin -H 'Content-Type: application/json' -H "$(tok "$BT")" \
  --data '{"device":"b-1","product":"meter","versions":{"module":"1.0.0"}}'
is "  b-1 checks in with its bulk token" "$CODE" 200
jcall "$ADM" POST /products/meter/tokens '{"devices":["b-1","d-1"],"rotate":true}'
is "bulk with rotate: both issued" "$(jq_ .issued)/$(jq_ .skipped)" 2/0
call POST /device/checkin -H 'Content-Type: application/json' -H "$(tok "$BT")" \
  --data '{"device":"b-1","product":"meter","versions":{"module":"1.0.0"}}'
expect_err "  b-1's old token stopped" 401 unauthorized
jcall "$ADM" POST /products/meter/tokens '{"devices":["b-8","bad id","b-9"]}'
expect_err "bulk with a bad id" 422 validation_failed
is "  naming it" "$(jq_ .error.field)" 'devices[1]'
acall "$ADM" GET /products/meter/devices/b-8
is "  all or nothing: b-8 not registered" "$CODE" 404
jcall "$ADM" POST /products/meter/tokens '{"devices":["b-8","t-1"]}'
expect_err "bulk with another product's device" 422 validation_failed
is "  naming it" "$(jq_ .error.field)" 'devices[1]'
acall "$ADM" GET /products/meter/devices/b-8
is "  nothing written" "$CODE" 404
awk 'BEGIN { printf "{\"devices\":["; for (i = 0; i <= 10000; i++) printf "%s\"x-%05d\"", (i ? "," : ""), i; print "]}" }' >"$TMP/big.json"
acall "$ADM" POST /products/meter/tokens -H 'Content-Type: application/json' --data-binary @"$TMP/big.json"
expect_err "bulk of 10001 ids" 422 validation_failed
jcall "$ADM" POST /products/meter/tokens '{"devices":"b-1"}'
expect_err "bulk with devices not an array" 400 bad_request

# -------------------------------------------------------------- downloads
call GET "/packages/$PKG/files/fw.bin" -H "$(tok "$T3")"
is "a download with a device token" "$CODE/$(sha256sum <"$TMP/body" | cut -d' ' -f1)" "200/$SUM"
call GET "/packages/$PKG_UNUSED/files/other.bin" -H "$(tok "$T3")"
expect_err "a package no plan of the device's product uses" 403 forbidden
call GET "/packages/$PKG/files/fw.bin" -H 'X-Device-Token: otd_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'
expect_err "a download with a forged token" 401 unauthorized
call GET "/packages/$PKG/files/fw.bin" -H "$(tok "$T2")"
expect_err "a download with a revoked token" 401 unauthorized
call GET "/packages/$PKG/files/fw.bin" -H "X-Device-Key: $DKEY"
expect_err "a download with a device_token product's key" 401 unauthorized
call GET "/packages/$PKG/files/fw.bin" -H "X-Device-Key: $OKEY"
is "a download with a product_key product's key still works" "$CODE" 200

# --------------------------------------------------- back to product_key
jcall "$ADM" PATCH /products/meter '{"device_auth":"product_key"}'
is "switched back to product_key" "$(jq_ .device_auth)" product_key
checkin d-3 -H "X-Device-Key: $DKEY"
is "  the product key checks in again at once" "$CODE" 200

# ------------------------------------------------------- audit and logs
acall "$ADM" GET "/audit?target=device:d-1"
is "audit: d-1 issued, rotated, and the refused issues naming it (other product, unknown product)" \
  "$(jq_ '[.items[] | .action + "=" + .outcome] | join(",")')" \
  device.token.issue=ok,device.token.rotate=ok,device.token.issue=validation_failed,device.token.issue=not_found
acall "$ADM" GET "/audit?target=device:d-2"
like "audit: d-2's revocation and its refusals" "$(jq_ '[.items[] | .action + "=" + .outcome] | join(",")')" \
  'device.token.revoke=ok,device.token.revoke=not_found.*device.enroll=conflict'
acall "$ADM" GET "/audit?target=product:meter"
like "audit: the product's mode changes and bulk issues" "$(jq_ '[.items[].action] | join(",")')" \
  'product.auth.*device.tokens.issue'
acall "$ADM" GET "/audit?limit=1000"
printf '%s' "$BODY" >"$TMP/audit.json"
fails "no token in the audit trail or otad's log" grep -qF -e "${T1#otd_}" -e "${T1B#otd_}" -e "${T2#otd_}" \
  -e "${T3#otd_}" -e "${T4#otd_}" -e "${BT#otd_}" "$TMP/audit.json" "$LOG"
like "the log names device requests by product" "$(grep -c 'POST /api/v1/device/checkin 200 .* device:meter' "$LOG")" '^[1-9]'
healthy "after the device token suite"
otad_stop
is "otad stops cleanly" "$OTAD_RC" 0
done_testing
