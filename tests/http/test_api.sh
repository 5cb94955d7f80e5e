#!/bin/bash
# otad's REST API against a real server: every endpoint's success path,
# every API.md error code, bad input of every kind (the server keeps
# answering), tokens, and a clean SIGTERM stop.
. "$OTA_SRCDIR/tests/http/otad_lib.sh"

# --- tokens from the command line, before the server ever started
out=$("$OTAD" token create --db "$DB" --role admin --name root)
ADM=$(printf '%s\n' "$out" | tail -n 1)
like "token create prints the token alone on the last line" "$ADM" '^ota_[A-Za-z0-9_-]{43}$'
OPS=$(token operator ops)
VIEW=$(token viewer)
fails "token create refuses an unknown role" "$OTAD" token create --db "$DB" --role root
fails "token create refuses a taken name" "$OTAD" token create --db "$DB" --role viewer --name ops
like "token list shows names and roles, never secrets" "$("$OTAD" token list --db "$DB")" 'ops +operator'
is "token list never prints a secret" "$("$OTAD" token list --db "$DB" | grep -c 'ota_')" 0
ok "the database holds only hashes" sh -c "! grep -a -q '${OPS#ota_}' '$DB'"

otad_start

# --- operations
call GET //healthz
is "healthz 200" "$CODE" 200
is "healthz body" "$(jq_ .ok)" true

# --- products and devices
jcall "$ADM" POST /products '{"key":"EC600N-meter","name":"Smart meter"}'
is "POST /products 201" "$CODE" 201
is "product key echoed" "$(jq_ .key)" EC600N-meter
like "device_key given once" "$(jq_ .device_key)" '^[0-9a-f]{64}$'
DKEY=$(jq_ .device_key)
jcall "$ADM" POST /products '{"key":"EC600N-meter","name":"again"}'
expect_err "duplicate product" 409 conflict
jcall "$ADM" POST /products '{"key":"bad key!","name":"x"}'
expect_err "invalid product key" 422 validation_failed
is "validation names the field" "$(jq_ .error.field)" key
acall "$VIEW" GET /products
is "GET /products 200" "$CODE" 200
is "product listed, no device key" "$(jq_ '.items[0].key + (.items[0].device_key // "-")')" "EC600N-meter-"
is "list has next_cursor null" "$(jq_ .next_cursor)" null
acall "$VIEW" GET /products/EC600N-meter
is "GET /products/{key}" "$(jq_ .name)" "Smart meter"
acall "$VIEW" GET /products/nope
expect_err "unknown product" 404 not_found

devs='['
for i in 1 2 3 4 5; do devs="$devs{\"id\":\"dev-00000$i\",\"versions\":{\"module\":\"1.1.0\",\"mcu\":\"2.1\"}},"; done
devs="${devs%,}]"
jcall "$ADM" POST /products/EC600N-meter/devices "$devs"
is "device import 200" "$CODE" 200
is "device import counts" "$(jq_ '"\(.added)/\(.updated)"')" "5/0"
jcall "$ADM" POST /products/EC600N-meter/devices '[{"id":"dev-000001","versions":{"module":"1.1.0"}}]'
is "re-import updates" "$(jq_ '"\(.added)/\(.updated)"')" "0/1"
jcall "$ADM" POST /products/EC600N-meter/devices '[{"id":"dev-x","versions":{"module":1}}]'
expect_err "device with a wrong type" 400 bad_request
jcall "$ADM" POST /products/nope/devices '[{"id":"dev-x","versions":{}}]'
is "import into an unknown product refused" "$(jq_ .error.code)" not_found
acall "$VIEW" GET "/products/EC600N-meter/devices?limit=2"
is "device page of 2" "$(jq_ '.items | length')" 2
CUR=$(jq_ .next_cursor)
like "device page has a cursor" "$CUR" '.'
acall "$VIEW" GET "/products/EC600N-meter/devices?limit=2&cursor=$CUR"
is "next device page" "$(jq_ '.items[0].id')" dev-000003
acall "$VIEW" GET "/products/EC600N-meter/devices?q=00004"
is "device search q" "$(jq_ '[.items[].id] | join(",")')" dev-000004
acall "$VIEW" GET "/products/EC600N-meter/devices?limit=0"
expect_err "limit 0" 400 bad_request
acall "$VIEW" GET "/products/EC600N-meter/devices?limit=1001"
expect_err "limit over 1000" 400 bad_request
acall "$VIEW" GET "/products/EC600N-meter/devices?limit=ten"
is "limit not a number names the field" "$(jq_ .error.field)" limit

# --- packages
head -c 200000 /dev/urandom >"$TMP/fw.bin"
SUM=$(sha256sum "$TMP/fw.bin" | cut -d' ' -f1)
META='{"component":"module","kind":"full","target_version":"1.2.0","remark":"Q3 release"}'
acall "$OPS" POST /packages -F "meta=$META;type=application/json" -F "file=@$TMP/fw.bin"
is "POST /packages 201" "$CODE" 201
is "package file hash" "$(jq_ '.files[0].sha256')" "$SUM"
is "package size" "$(jq_ '.files[0].size')" 200000
PKG=$(jq_ .id)
acall "$OPS" POST /packages -F 'meta={"component":"module","kind":"diff","target_version":"1.3.0","source_version":"1.2.0"}' -F "file=@$TMP/fw.bin;filename=delta.bin"
is "diff package 201" "$CODE" 201
PKG2=$(jq_ .id)
acall "$VIEW" GET /packages
is "GET /packages lists both" "$(jq_ '.items | length')" 2
acall "$VIEW" GET "/packages?component=mcu"
is "component filter" "$(jq_ '.items | length')" 0
acall "$VIEW" GET "/packages?limit=1"
is "package page of 1" "$(jq_ '.items | length')" 1
like "package page cursor" "$(jq_ .next_cursor)" '.'
acall "$VIEW" GET "/packages/$PKG"
is "GET /packages/{id}" "$(jq_ .remark)" "Q3 release"
is "source_version null for full" "$(jq_ .source_version)" null
acall "$VIEW" GET /packages/999
expect_err "unknown package" 404 not_found
acall "$VIEW" GET /packages/abc
expect_err "non-numeric package id" 404 not_found

acall "$VIEW" GET "/packages/$PKG/files/fw.bin"
is "download 200" "$CODE" 200
is "download bytes match" "$(sha256sum <"$TMP/body" | cut -d' ' -f1)" "$SUM"
is "ETag is the sha256" "$(header ETag)" "\"$SUM\""
is "Accept-Ranges" "$(header Accept-Ranges)" bytes
acall "$VIEW" GET "/packages/$PKG/files/fw.bin" -H 'Range: bytes=100-199'
is "range 206" "$CODE" 206
is "range length" "$(wc -c <"$TMP/body")" 100
is "range bytes" "$(od -An -tx1 "$TMP/body" | tr -d ' \n')" "$(tail -c +101 "$TMP/fw.bin" | head -c 100 | od -An -tx1 | tr -d ' \n')"
is "Content-Range" "$(header Content-Range)" "bytes 100-199/200000"
acall "$VIEW" GET "/packages/$PKG/files/fw.bin" -H 'Range: bytes=-10'
is "suffix range" "$(wc -c <"$TMP/body")" 10
acall "$VIEW" GET "/packages/$PKG/files/fw.bin" -H 'Range: bytes=300000-'
is "unsatisfiable range 416" "$CODE" 416
is "416 Content-Range" "$(header Content-Range)" "bytes */200000"
acall "$VIEW" GET "/packages/$PKG/files/fw.bin" -H "If-None-Match: \"$SUM\""
is "If-None-Match 304" "$CODE" 304
acall "$VIEW" GET "/packages/$PKG/files/fw.bin" -H 'Range: bytes=0-9' -H 'If-Range: "stale"'
is "stale If-Range gets everything" "$CODE" 200
call GET "/packages/$PKG/files/fw.bin" -H "X-Device-Key: $DKEY"
is "a device key may download" "$CODE" 200
call GET "/packages/$PKG/files/fw.bin" -H "X-Device-Key: 00"
expect_err "a wrong device key may not" 401 unauthorized
acall "$VIEW" GET "/packages/$PKG/files/nope.bin"
expect_err "unknown file" 404 not_found
acall "$OPS" POST "/packages/$PKG/verify"
is "verify 200" "$CODE" 200
is "verify ok" "$(jq_ .ok)" true

# A blob that rots on disk is never served.
BLOB="$TMP/srv/blobs/${SUM:0:2}/${SUM:2}"
ok "blob stored content-addressed" test -f "$BLOB"
chmod u+w "$BLOB" 2>/dev/null
printf 'X' | dd of="$BLOB" bs=1 seek=5 conv=notrunc 2>/dev/null
acall "$VIEW" GET "/packages/$PKG/files/fw.bin"
expect_err "corrupted blob not served" 500 io_error
ok "corrupted blob logged" grep -q "io_error" "$LOG"
acall "$OPS" POST "/packages/$PKG/verify"
is "verify reports the damage" "$(jq_ .ok)" false
dd if="$TMP/fw.bin" of="$BLOB" bs=1 skip=5 seek=5 count=1 conv=notrunc 2>/dev/null
acall "$VIEW" GET "/packages/$PKG/files/fw.bin"
is "repaired blob served again" "$CODE" 200

# --- plans
PLAN=$(printf '{"name":"Q3 module rollout","product":"EC600N-meter","mode":"silent","blacklist":["dev-000005"],"whitelist":[],"strategy":{"retries":1,"min_rsrp":-110,"min_battery":20},"window":%s,"components":[{"component":"module","package_id":%s}]}' "$(window_json)" "$PKG")
jcall "$OPS" POST /plans "$PLAN"
is "POST /plans 201" "$CODE" 201
PID=$(jq_ .id)
is "new plan saved" "$(jq_ .state)" saved
is "revision 1" "$(jq_ .revision)" 1
is "ETag is the revision" "$(header ETag)" '"1"'
acall "$VIEW" GET "/plans/$PID"
is "GET /plans/{id}" "$(jq_ .name)" "Q3 module rollout"
is "blacklist kept" "$(jq_ '.blacklist[0]')" dev-000005
acall "$VIEW" GET "/plans/$PID" -H 'If-None-Match: "1"'
is "plan If-None-Match 304" "$CODE" 304
acall "$VIEW" GET "/plans?state=saved"
is "plans by state" "$(jq_ '.items | length')" 1
acall "$VIEW" GET "/plans?state=active&product=EC600N-meter"
is "no active plans yet" "$(jq_ '.items | length')" 0
acall "$VIEW" GET "/plans?state=bogus"
expect_err "unknown state filter" 400 bad_request

P2=$(printf '%s' "$PLAN" | jq -c '.name = "Q3 module rollout v2"')
jcall "$OPS" PUT "/plans/$PID" "$P2" -H 'If-Match: "1"'
is "PUT with the right revision 200" "$CODE" 200
is "revision bumped" "$(jq_ .revision)" 2
is "new ETag" "$(header ETag)" '"2"'
jcall "$OPS" PUT "/plans/$PID" "$(printf '%s' "$PLAN" | jq -c '.name = "lost update"')" -H 'If-Match: "1"'
expect_err "stale If-Match" 409 conflict
acall "$VIEW" GET "/plans/$PID"
is "stale PUT changed nothing" "$(jq_ .name)/$(jq_ .revision)" "Q3 module rollout v2/2"
jcall "$OPS" PUT "/plans/$PID" "$P2"
expect_err "PUT without If-Match" 400 bad_request
jcall "$OPS" PUT "/plans/$PID" "$P2" -H 'If-Match: "x"'
expect_err "malformed If-Match" 400 bad_request
jcall "$OPS" PUT "/plans/999" "$P2" -H 'If-Match: "1"'
expect_err "PUT unknown plan" 404 not_found

jcall "$OPS" POST /plans "$(printf '%s' "$PLAN" | jq -c '.components = []')"
expect_err "plan without components" 422 validation_failed
jcall "$OPS" POST /plans "$(printf '%s' "$PLAN" | jq -c '.window = {"start":"2026-12-31T00:00:00Z","end":"2026-12-01T00:00:00Z"}')"
expect_err "window start after end" 422 validation_failed
jcall "$OPS" POST /plans "$(printf '%s' "$PLAN" | jq -c '.components[0].package_id = 999')"
like "plan with a missing package refused" "$CODE" '^(404|422)$'
# a second plan to copy components from, then delete
jcall "$OPS" POST /plans "$(printf '%s' "$PLAN" | jq -c '.name = "scratch" | .components = [{"component":"module","package_id":'"$PKG2"'}]')"
SCR=$(jq_ .id)
jcall "$OPS" POST "/plans/$SCR/copy-components" "{\"from\":$PID}"
is "copy-components 200" "$CODE" 200
is "copied component" "$(jq_ '.components[0].package_id')" "$PKG"
jcall "$OPS" POST "/plans/$SCR/copy-components" '{"from":"x"}'
expect_err "copy-components wrong type" 400 bad_request

acall "$VIEW" GET "/plans/$PID/preview"
is "preview 200" "$CODE" 200
is "preview targeted" "$(jq_ .targeted)" 4
is "preview blacklisted" "$(jq_ .excluded.blacklisted)" 1
acall "$VIEW" GET "/plans/$PID/status"
is "status 200" "$(jq_ .state)" saved
is "status counts present" "$(jq_ '.counts | keys | length')" 8

acall "$OPS" POST "/plans/$PID/activate"
is "activate 200" "$CODE" 200
is "plan active" "$(jq_ .state)" active
acall "$OPS" POST "/plans/$PID/activate"
expect_err "activate twice" 409 invalid_transition
acall "$VIEW" GET "/plans/$PID"
jcall "$OPS" PUT "/plans/$PID" "$P2" -H "If-Match: \"$(jq_ .revision)\""
expect_err "edit an active plan" 409 not_editable
acall "$OPS" DELETE "/plans/$PID"
expect_err "delete an active plan" 409 not_editable
acall "$OPS" DELETE "/packages/$PKG"
expect_err "delete a package an active plan uses" 409 in_use
acall "$VIEW" GET "/plans/$PID/devices"
is "job rows 200" "$CODE" 200
acall "$VIEW" GET "/plans/$PID/devices?state=nope"
expect_err "unknown job state filter" 400 bad_request
acall "$VIEW" GET "/plans/$PID/events?since=0"
is "events 200" "$CODE" 200
like "activation is an event" "$(jq_ '[.events[].to] | join(",")')" active
like "last_seq" "$(jq_ .last_seq)" '^[0-9]+$'
acall "$VIEW" GET "/plans/$PID/events?since=-1"
expect_err "negative since" 400 bad_request
acall "$VIEW" POST "/plans/$PID/advance"
expect_err "advance needs the operator role" 403 forbidden
acall "$OPS" POST "/plans/$PID/advance"
expect_err "advance a plan without waves" 409 invalid_transition
acall "$OPS" POST "/plans/$PID/pause"
is "pause" "$(jq_ .state)" paused
acall "$OPS" POST "/plans/$PID/resume"
is "resume" "$(jq_ .state)" active
acall "$OPS" POST "/plans/$PID/terminate"
is "terminate" "$(jq_ .state)" terminated
acall "$OPS" POST "/plans/$PID/resume"
expect_err "resume a terminated plan" 409 invalid_transition
acall "$OPS" DELETE "/plans/$SCR"
is "delete a saved plan 204" "$CODE" 204
acall "$VIEW" GET "/plans/$SCR"
expect_err "deleted plan is gone" 404 not_found
acall "$OPS" DELETE "/packages/$PKG2"
is "delete an unused package 204" "$CODE" 204

# --- device API errors (the full flow is in test_flow.sh)
call POST /device/checkin -H 'Content-Type: application/json' --data '{"device":"dev-000001","product":"EC600N-meter","versions":{"module":"1.1.0"}}'
expect_err "check-in without a device key" 401 unauthorized
call POST /device/checkin -H "X-Device-Key: $DKEY" -H 'Content-Type: application/json' --data '{"device":"dev-000001","product":"EC600N-meter","versions":{"module":"1.1.0"},"rsrp":"strong"}'
expect_err "check-in with a wrong type" 400 bad_request
call POST /device/checkin -H "X-Device-Key: $DKEY" -H 'Content-Type: application/json' --data '{"device":"dev-new","product":"EC600N-meter","versions":{"module":"1.1.0"}}'
is "check-in of an unknown device of a known product" "$CODE/$(jq_ .job)" "200/null"
acall "$VIEW" GET "/products/EC600N-meter/devices?q=dev-new"
is "unknown device registered on first check-in" "$(jq_ '.items | length')" 1
call POST /device/jobs/999/report -H "X-Device-Key: $DKEY" -H 'Content-Type: application/json' --data '{"state":"downloading"}'
expect_err "report on an unknown job" 404 not_found

# --- tokens over HTTP (admin only)
jcall "$ADM" POST /tokens '{"name":"ci","role":"viewer"}'
is "POST /tokens 201" "$CODE" 201
CI=$(jq_ .token)
like "API token shown once" "$CI" '^ota_'
acall "$CI" GET /products
is "new token works" "$CODE" 200
acall "$ADM" GET /tokens
is "token list over HTTP has no secrets" "$(printf '%s' "$BODY" | grep -c 'ota_')" 0
acall "$ADM" DELETE /tokens/ci
is "revoke 204" "$CODE" 204
acall "$CI" GET /products
expect_err "revoked token" 401 unauthorized
acall "$ADM" DELETE /tokens/ci
expect_err "revoke twice" 404 not_found
acall "garbage" GET /products
expect_err "unknown token" 401 unauthorized

# --- hostile input: each gets the API.md error body; the server stays up
jcall "$ADM" POST /products '{"key":'
expect_err "malformed JSON" 400 bad_request
healthy "malformed JSON"
jcall "$ADM" POST /products '{"key":5,"name":"x"}'
expect_err "wrong type" 400 bad_request
is "wrong type names the field" "$(jq_ .error.field)" key
jcall "$OPS" POST /plans "$(printf '%s' "$PLAN" | jq -c '.colour = "red"')"
expect_err "unknown plan field" 400 bad_request
is "unknown field named" "$(jq_ .error.field)" colour
printf '{"key":"p2","name":"\xff\xfe"}' >"$TMP/bad-utf8.json"
acall "$ADM" POST /products -H 'Content-Type: application/json' --data-binary "@$TMP/bad-utf8.json"
expect_err "invalid UTF-8" 400 bad_request
healthy "invalid UTF-8"
head -c 2000000 /dev/zero | tr '\0' ' ' >"$TMP/huge.json"
acall "$ADM" POST /products -H 'Content-Type: application/json' --data-binary "@$TMP/huge.json"
expect_err "huge JSON body" 413 too_large
healthy "huge body"
acall "$ADM" POST /products -H 'Content-Type: application/json' -H 'Transfer-Encoding: chunked' --data-binary "@$TMP/huge.json"
expect_err "huge JSON body without a length (chunked)" 413 too_large
acall "$ADM" POST /products -H 'Content-Type: text/plain' --data 'hello'
expect_err "wrong media type" 415 unsupported_media_type
acall "$ADM" POST /products -H 'Content-Type: application/json'
expect_err "empty body" 400 bad_request
call GET //no/such/thing
expect_err "unknown route" 404 not_found
call GET /plans/1/nonsense
expect_err "unknown sub-route" 404 not_found
acall "$ADM" PATCH "/plans/$PID"
expect_err "wrong method" 405 method_not_allowed
is "405 carries Allow" "$(header Allow)" "GET, HEAD, PUT, DELETE"
acall "$ADM" DELETE /products
is "405 on a collection lists its methods" "$(header Allow)" "GET, HEAD, POST"
healthy "after all the bad input"

# --- metrics
call GET //metrics
is "metrics 200" "$CODE" 200
like "metrics content type" "$(header Content-Type)" '^text/plain'
like "plans by state" "$BODY" 'ota_plans\{state="terminated"\} 1'
like "job outcomes" "$BODY" 'ota_jobs\{state="succeeded"\}'
like "requests by status" "$BODY" 'ota_http_requests_total\{status="404"\} [0-9]+'
like "check-ins" "$BODY" 'ota_checkins_total [0-9]+'

# --- request log: one line each, with the token name, never the token
ok "log line names the token" grep -Eq 'POST /api/v1/products 201 [0-9]+ [0-9.]+ms root' "$LOG"
ok "log never holds a token" sh -c "! grep -q 'ota_[A-Za-z0-9_-]\{43\}' '$LOG'"

# --- graceful stop
otad_stop
is "SIGTERM: clean exit" "$OTAD_RC" 0
ok "stop logged" grep -q "stopped" "$LOG"
like "database intact after stop" "$("$OTAD" token list --db "$DB")" root
done_testing
