#!/bin/sh
# Device tokens through hawkBit DDI with Debian's stock swupdate: on a
# device_token product, a swupdate started with "-k <its token>" (sent as
# Authorization: TargetToken) installs a plan end to end; the same device
# with another device's token (403) or with only the gateway key (401) is
# refused on every poll and is never shown the deployment; a rotated token
# fails at once.
PRODUCT=ddi-tokens
. "${OTA_SRCDIR:-$(dirname "$0")/../..}/tests/http/ddi_lib.sh"

ddi_build_swu
ddi_otad_start
ddi_product

is "the product switched to device_token" "$(api PATCH "/api/v1/products/$PRODUCT" -H 'Content-Type: application/json' \
  -d '{"device_auth":"device_token"}')" 200
is "  no device without a token yet" "$(jget "$TMP/r.json" '$.devices_without_token')" 0
is "dev-tok's token issued" "$(api POST "/api/v1/products/$PRODUCT/devices/dev-tok/token")" 201
TOK=$(jget "$TMP/r.json" '$.token')
is "dev-other's token issued" "$(api POST "/api/v1/products/$PRODUCT/devices/dev-other/token")" 201
TOK2=$(jget "$TMP/r.json" '$.token')

now=$(date -u +%s)
win_start=$(date -u -d "@$((now - 3600))" +%Y-%m-%dT%H:%M:%SZ)
win_end=$(date -u -d "@$((now + 86400))" +%Y-%m-%dT%H:%M:%SZ)
is "silent plan created" "$(api POST /api/v1/plans -H 'Content-Type: application/json' -d "$(printf \
  '{"name":"ddi tokens","product":"%s","mode":"silent","strategy":{"retries":0,"min_rsrp":-140,"min_battery":0},
    "window":{"start":"%s","end":"%s"},"components":[{"component":"os","package_id":%s}]}' \
  "$PRODUCT" "$win_start" "$win_end" "$PKG")")" 201
PLAN=$(jget "$TMP/r.json" '$.id')
is "silent plan activated" "$(api POST "/api/v1/plans/$PLAN/activate")" 200
is "dev-tok has its job, pending" "$(job_state "$PLAN" dev-tok)" pending

# ---------------------------------------------------------------- protocol
poll() {  # poll DEVICE AUTHORIZATION -> status (body in $TMP/d.json)
  curl -s -o "$TMP/d.json" -w '%{http_code}' -H "Authorization: $2" "$URL/$PRODUCT/controller/v1/$1"
}
is "poll with the gateway key only: 401" "$(poll dev-tok "GatewayToken $DKEY")" 401
like "  the answer says the key only enrolls" "$(jget "$TMP/d.json" '$.error.message')" 'enroll'
is "  naming Authorization" "$(jget "$TMP/d.json" '$.error.field')" Authorization
is "poll with another device's TargetToken: 403" "$(poll dev-tok "TargetToken $TOK2")" 403
is "  forbidden" "$(jget "$TMP/d.json" '$.error.code')" forbidden
is "poll with a forged TargetToken: 401" \
  "$(poll dev-tok "TargetToken otd_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")" 401
is "dev-tok's job untouched by the refused polls" "$(job_state "$PLAN" dev-tok)" pending
is "  and no audit row for them" "$(sqlite3 -cmd '.timeout 5000' "$DB" "SELECT count(*) FROM audit WHERE target LIKE '%dev-tok%' AND outcome != 'ok'")" 0
ART="$URL/$PRODUCT/controller/v1/dev-tok/softwaremodules/$PKG/artifacts/update.swu"
is "artifact with another device's TargetToken: 403" \
  "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: TargetToken $TOK2" "$ART")" 403
is "artifact with the gateway key: 401" \
  "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: GatewayToken $DKEY" "$ART")" 401
is "artifact with dev-tok's own token: 200" \
  "$(curl -s -o "$TMP/art.swu" -w '%{http_code}' -H "Authorization: TargetToken $TOK" "$ART")" 200
ok "  the image's bytes" cmp -s "$TMP/art.swu" "$SWU"

# ---------------------------------- a stock swupdate with another device's token
SWU_GATEWAY="" swu_start dev-tok 80 "-k $TOK2"
ok "swupdate with dev-other's token: its polls get 403" \
  wait_for 20 sh -c "[ \$(grep -c 'GET /$PRODUCT/controller/v1/dev-tok 403' '$TMP/otad.log') -ge 3 ]"
swu_stop dev-tok
fails "  never fetched a deployment" grep -q 'deploymentBase' "$TMP/sw-dev-tok/log"
fails "  nothing installed" test -e "$TMP/target/installed.bin"
is "  dev-tok's job still pending" "$(job_state "$PLAN" dev-tok)" pending

# ----------------------------------------- a stock swupdate with only the gateway key
swu_start dev-tok 80 ""
ok "swupdate with only the gateway key: its polls get 401" \
  wait_for 20 sh -c "[ \$(grep -c 'GET /$PRODUCT/controller/v1/dev-tok 401' '$TMP/otad.log') -ge 4 ]"
swu_stop dev-tok
fails "  never fetched a deployment" grep -q 'deploymentBase' "$TMP/sw-dev-tok/log"
fails "  nothing installed" test -e "$TMP/target/installed.bin"
is "  dev-tok's job still pending" "$(job_state "$PLAN" dev-tok)" pending

# ------------------------------------------- a stock swupdate with its own token
SWU_GATEWAY="" swu_start dev-tok 80 "-k $TOK"
ok "swupdate with its own token (-k): payload written" wait_for 40 grep -qx "$PAYLOAD" "$TMP/target/installed.bin"
ok "  job reaches installing" wait_for 20 state_is "$PLAN" dev-tok installing
like "  every request of it passed (no 401/403 since it started)" \
  "$(grep -c "/$PRODUCT/controller/v1/dev-tok.* 20[0-9] " "$TMP/otad.log")" '^[1-9]'
ok "  it downloaded the artifact with its token" \
  grep -q "GET /$PRODUCT/controller/v1/dev-tok/softwaremodules/$PKG/artifacts/update.swu 200" "$TMP/otad.log"
swu_stop dev-tok
SWU_GATEWAY="" swu_start dev-tok 80 "-k $TOK -c 2" ""
ok "  restarted with -c 2: job succeeded" wait_for 30 state_is "$PLAN" dev-tok succeeded
is "  device's version is the target" "$(device_version dev-tok os)" 2.0.0
swu_stop dev-tok

# ---------------------------------------------------------------- rotation
is "dev-tok's token rotated" "$(api POST "/api/v1/products/$PRODUCT/devices/dev-tok/token")" 201
TOK3=$(jget "$TMP/r.json" '$.token')
is "  the old TargetToken fails at once: 401" "$(poll dev-tok "TargetToken $TOK")" 401
is "  the new one polls: 200" "$(poll dev-tok "TargetToken $TOK3")" 200
is "dev-tok revoked" "$(api DELETE "/api/v1/products/$PRODUCT/devices/dev-tok/token")" 204
is "  its TargetToken fails at once: 401" "$(poll dev-tok "TargetToken $TOK3")" 401
fails "no token in otad's log" grep -qF -e "${TOK#otd_}" -e "${TOK2#otd_}" -e "${TOK3#otd_}" "$TMP/otad.log"

kill "$OTAD_PID" 2>/dev/null && wait "$OTAD_PID" 2>/dev/null
OTAD_PID=""
done_testing
