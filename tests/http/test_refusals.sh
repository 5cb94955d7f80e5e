#!/bin/bash
# Refusals in the audit trail name the object, never the path: otad's role
# refusals get target plan:N, package:N, product:K (a collection: plans,
# tokens), so a plan's history shows them; POST /api/v1/audit records a
# refusal a client decided itself (the console's typed terminate name), as
# the token's own row, and only for a plan action on an existing plan.
. "$OTA_SRCDIR/tests/http/otad_lib.sh"

ADM=$(token admin adm)
OPS=$(token operator ops)
VIEW=$(token viewer view)
otad_start

jcall "$ADM" POST /products '{"key":"meter","name":"Meter"}'
is "product" "$CODE" 201
printf 'fw\n' > "$TMP/fw.bin"
acall "$OPS" POST /packages -F 'meta={"component":"mcu","kind":"full","target_version":"1.0"}' -F "file=@$TMP/fw.bin"
is "package" "$CODE" 201
jcall "$OPS" POST /plans "{\"name\":\"p\",\"product\":\"meter\",\"window\":$(window_json),\"components\":[{\"component\":\"mcu\",\"package_id\":1}]}"
is "plan" "$CODE" 201
last() {  # the newest audit row of an actor: "action target outcome"
  acall "$ADM" GET "/audit?actor=$1&limit=1000"
  jq_ '.items[-1] | .action + " " + .target + " " + .outcome'
}

# ------------------------------------------------- otad's role refusals
acall "$VIEW" POST /plans/1/pause
is "a viewer's pause: 403" "$CODE" 403
is "recorded with the plan as target" "$(last view)" "http.forbidden plan:1 forbidden"
acall "$ADM" GET "/audit?target=plan:1"
like "found by the plan's target (what h asks for)" "$(jq_ '[.items[] | .action] | join(",")')" "http.forbidden"
acall "$VIEW" DELETE /packages/1
is "a viewer's package delete: recorded as package:1" "$(last view)" "http.forbidden package:1 forbidden"
jcall "$OPS" POST /products/meter/devices '[]'
is "an operator's device import: 403" "$CODE" 403
is "recorded as product:meter" "$(last ops)" "http.forbidden product:meter forbidden"
jcall "$VIEW" POST /plans '{}'
is "a viewer's plan create: recorded as the collection" "$(last view)" "http.forbidden plans forbidden"
acall "$OPS" GET /tokens
is "an operator's token list: recorded as tokens" "$(last ops)" "http.forbidden tokens forbidden"
acall "$ADM" GET "/audit?limit=1000"
is "no refusal row holds a path" "$(jq_ '[.items[] | select(.target | startswith("/"))] | length')" 0

# ------------------------------------- a refusal the client decided itself
jcall "$VIEW" POST /audit '{"action":"plan.terminate","target":"plan:1","outcome":"validation_failed","field":"name","message":"the name typed to confirm does not match (console)"}'
is "POST /audit: 204" "$CODE" 204
is "recorded as the caller's own row" "$(last view)" "plan.terminate plan:1 validation_failed"
acall "$VIEW" GET "/audit?target=plan:1"
is "the viewer reads it back, with why" "$(jq_ '.items[-1].detail')" "name: the name typed to confirm does not match (console)"
jcall "$OPS" POST /audit '{"action":"package.delete","target":"plan:1","outcome":"forbidden","message":"x"}'
expect_err "not a plan action" 422 validation_failed
is "... naming the field" "$(jq_ .error.field)" action
jcall "$OPS" POST /audit '{"action":"plan.pause","target":"package:1","outcome":"forbidden","message":"x"}'
expect_err "not a plan target" 422 validation_failed
is "... naming the field" "$(jq_ .error.field)" target
jcall "$OPS" POST /audit '{"action":"plan.pause","target":"plan:99","outcome":"forbidden","message":"x"}'
expect_err "a plan that does not exist" 404 not_found
jcall "$OPS" POST /audit '{"action":"plan.pause","target":"plan:1","outcome":"fine","message":"x"}'
expect_err "an outcome that is not an error code" 422 validation_failed
is "... naming the field" "$(jq_ .error.field)" outcome
jcall "$OPS" POST /audit '{"action":"plan.pause","target":"plan:1","outcome":"forbidden"}'
expect_err "no message" 422 validation_failed
jcall "$OPS" POST /audit '{"action":"plan.pause","target":"plan:1","outcome":"forbidden","message":"x","actor":"someone else"}'
expect_err "the actor is not the client's to choose" 400 bad_request
is "... naming the field" "$(jq_ .error.field)" actor
call POST /audit -H 'Content-Type: application/json' --data '{}'
expect_err "no token" 401 unauthorized
healthy "after the refusals"
done_testing
