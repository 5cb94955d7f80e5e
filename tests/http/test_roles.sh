#!/bin/bash
# The role matrix: for every management route, no token -> 401, a role
# below the route's -> 403, the route's role and above -> let through (any
# answer but 401/403); a product's device authentication, issuing and
# revoking device tokens (one or in bulk) are admin's.  Device routes want
# a device credential, not a management token.
. "$OTA_SRCDIR/tests/http/otad_lib.sh"

ADM=$(token admin adm)
OPS=$(token operator ops)
VIEW=$(token viewer view)
# every route is asked without a token: far more 401s than the default
# throttle lets through in a minute (tests/http/test_throttle.sh tests it)
printf 'auth_fail_limit = 100000\n' >"$TMP/roles.conf"
otad_start --config "$TMP/roles.conf"

# method path minimum-role body-kind(none|json|multipart)
ROUTES='
GET /products viewer none
POST /products admin json
GET /products/p1 viewer none
GET /products/p1/devices viewer none
POST /products/p1/devices admin json
PATCH /products/p1 admin json
POST /products/p1/devices/d1/token admin none
DELETE /products/p1/devices/d1/token admin none
POST /products/p1/tokens admin json
GET /tokens admin none
POST /tokens admin json
DELETE /tokens/nobody admin none
GET /packages viewer none
POST /packages operator multipart
GET /packages/1 viewer none
DELETE /packages/1 operator none
GET /packages/1/files/a.bin viewer none
POST /packages/1/verify operator none
POST /packages/1/signatures operator json
GET /audit viewer none
POST /audit viewer json
GET /plans viewer none
POST /plans operator json
GET /plans/1 viewer none
PUT /plans/1 operator json
DELETE /plans/1 operator none
POST /plans/1/activate operator none
POST /plans/1/pause operator none
POST /plans/1/resume operator none
POST /plans/1/terminate operator none
POST /plans/1/copy-components operator json
GET /plans/1/preview viewer none
GET /plans/1/status viewer none
GET /plans/1/devices viewer none
GET /plans/1/events viewer none
'

rank() { case $1 in viewer) echo 0;; operator) echo 1;; admin) echo 2;; esac; }

send() {  # send TOKEN METHOD PATH KIND
  local t=$1 m=$2 p=$3 k=$4 auth=()
  [ -n "$t" ] && auth=(-H "Authorization: Bearer $t")
  case $k in
    none) call "$m" "$p" "${auth[@]}" ;;
    json) call "$m" "$p" "${auth[@]}" -H 'Content-Type: application/json' -H 'If-Match: "1"' --data '{}' ;;
    multipart) call "$m" "$p" "${auth[@]}" -F 'meta={}' ;;
  esac
}

while read -r m p role kind; do
  [ -z "$m" ] && continue
  need=$(rank "$role")
  send "" "$m" "$p" "$kind"
  is "$m $p: no token -> 401" "$CODE/$(jq_ .error.code)" "401/unauthorized"
  for who in viewer operator admin; do
    case $who in viewer) t=$VIEW;; operator) t=$OPS;; admin) t=$ADM;; esac
    send "$t" "$m" "$p" "$kind"
    if [ "$(rank $who)" -lt "$need" ]; then
      is "$m $p: $who -> 403" "$CODE/$(jq_ .error.code)" "403/forbidden"
    else
      like "$m $p: $who allowed (got $CODE)" "$CODE" '^[2-5][0-9][0-9]$'
      like "$m $p: $who not refused by role" "$CODE" '^([^4]..|4[^0].|40[^13])$'
    fi
  done
done <<EOF
$ROUTES
EOF

# Device routes: a management token is not a device credential.
for p in /device/checkin /device/jobs/1/confirm /device/jobs/1/report /device/enroll; do
  call POST "$p" -H "Authorization: Bearer $ADM" -H 'Content-Type: application/json' --data '{}'
  is "POST $p with a token but no device credential -> 401" "$CODE/$(jq_ .error.code)" "401/unauthorized"
  case $p in
    */enroll) b='{"device":"d1","product":"p1"}' ;;
    */checkin) b='{"device":"d1","product":"p1","versions":{}}' ;;
    *) b='{}' ;;
  esac
  call POST "$p" -H "X-Device-Token: $ADM" -H 'Content-Type: application/json' --data "$b"
  is "POST $p with a management token as a device token -> 401" "$CODE/$(jq_ .error.code)" "401/unauthorized"
done
# Public routes need nothing.
call GET //healthz
is "healthz needs no token" "$CODE" 200
call GET //metrics
is "metrics needs no token" "$CODE" 200
done_testing
