#!/bin/bash
# Trust against a real otad: signatures attached over HTTP (POST
# /packages/{id}/signatures, checked against the manifest), a plan requiring
# signatures refused until the key is in otad's --trusted folder, the job
# offer carrying the manifest and signatures, and the audit trail: actors are
# token names, refusals are recorded with their code, viewers read only
# their own rows.
. "$OTA_SRCDIR/tests/http/otad_lib.sh"
need python3 python3
OTACTL="$OTA_BUILDDIR/cli/otactl"

ADM=$(token admin adm)
OPS=$(token operator ops)
VIEW=$(token viewer view)
VIEW2=$(token viewer view2)
mkdir -p "$TMP/trusted"
otad_start --trusted "$TMP/trusted"
remote() { "$OTACTL" --remote "$BASE" --token "$OPS" "$@"; }

"$OTACTL" key generate alice --dir "$TMP/keys" >/dev/null
"$OTACTL" key generate mallory --dir "$TMP/keys" >/dev/null
printf 'firmware 1.2.0\n' > "$TMP/fw.bin"
acall "$OPS" POST /packages -F 'meta={"component":"module","kind":"full","target_version":"1.2.0"}' -F "file=@$TMP/fw.bin"
is "package uploaded" "$CODE" 201
PKG=$(jq_ .id)
is "an unsigned package has no signatures member" "$(jq_ 'has("signatures")')" false

# Signing through the remote backend (otactl signs, otad checks and stores).
OUT=$(remote package sign "$PKG" --key "$TMP/keys/alice.key" 2>&1)
like "otactl --remote package sign" "$OUT" "^package $PKG signed by alice"
acall "$VIEW" GET "/packages/$PKG"
is "GET package: signatures" "$(jq_ '[.signatures[] | .signer] | join(",")')" alice
is "GET package: signature keys" "$(jq_ '.signatures[0] | keys | join(",")')" "key_id,signature,signer"
SIG=$(jq_ '.signatures[0].signature'); KID=$(jq_ '.signatures[0].key_id')

# Hostile signatures: each is refused with a clear error.
PUB=$(awk '{print $4}' "$TMP/keys/alice.pub")
MPUB=$(awk '{print $4}' "$TMP/keys/mallory.pub")
BAD=$(printf '%s' "$SIG" | sed 's/^./A/; s/^AA/BA/')
jcall "$OPS" POST "/packages/$PKG/signatures" "{\"key_id\":\"$KID\",\"signer\":\"alice\",\"signature\":\"$SIG\",\"public_key\":\"$PUB\"}"
expect_err "the same key twice" 409 conflict
jcall "$OPS" POST "/packages/$PKG/signatures" "{\"key_id\":\"$KID\",\"signer\":\"x\",\"signature\":\"$SIG\",\"public_key\":\"$MPUB\"}"
expect_err "a key id that is not the public key's" 422 validation_failed
jcall "$OPS" POST "/packages/$PKG/signatures" "{\"key_id\":\"$KID\",\"signer\":\"x\",\"signature\":\"$SIG\"}"
expect_err "no public key" 422 validation_failed
jcall "$OPS" POST "/packages/$PKG/signatures" '{"key_id":"zz","signer":"x","signature":"AAAA","public_key":"AAAA","extra":1}'
expect_err "an unknown field" 400 bad_request
jcall "$VIEW" POST "/packages/$PKG/signatures" '{}'
expect_err "a viewer cannot sign" 403 forbidden
OUT=$(remote package sign "$PKG" --key "$TMP/keys/mallory.key" 2>&1)
like "mallory signs too (any key may sign; trust decides)" "$OUT" "signed by mallory"

# A plan that requires one trusted signature.
admin_product=$(jcall "$ADM" POST /products '{"key":"meter","name":"Meter"}'; jq_ .device_key)
DK=$admin_product
jcall "$OPS" POST /plans "{\"name\":\"signed\",\"product\":\"meter\",\"window\":$(window_json),\"components\":[{\"component\":\"module\",\"package_id\":$PKG}],\"required_signatures\":1}"
is "plan with required_signatures created" "$CODE" 201
PLAN=$(jq_ .id)
is "plan JSON carries required_signatures" "$(jq_ .required_signatures)" 1
acall "$OPS" POST "/plans/$PLAN/activate"
expect_err "activate with no trusted signer" 422 validation_failed
is "the error names the policy" "$(jq_ .error.field)" required_signatures
like "and why" "$(jq_ .error.message)" "not in the trusted keys folder"
cp "$TMP/keys/mallory.pub" "$TMP/trusted/"
mkdir -p "$TMP/trusted/revoked"; mv "$TMP/trusted/mallory.pub" "$TMP/trusted/revoked/"
acall "$OPS" POST "/plans/$PLAN/activate"
expect_err "activate with mallory revoked" 422 validation_failed
cp "$TMP/keys/alice.pub" "$TMP/trusted/"
acall "$OPS" POST "/plans/$PLAN/activate"
is "alice trusted on the server: activated" "$CODE" 200
OUT=$(remote package verify "$PKG" --trusted "$TMP/trusted" 2>&1)
like "otactl --remote package verify: alice valid" "$OUT" "valid +signed by alice"
like "otactl --remote package verify: mallory revoked" "$OUT" "revoked +key [0-9a-f]+ \(mallory\) is revoked"

# The job offer carries the manifest and the signatures.
call POST /device/checkin -H "X-Device-Key: $DK" -H 'Content-Type: application/json' \
  --data-binary '{"device":"dev-1","product":"meter","versions":{"module":"1.0.0"}}'
is "check-in offers a job" "$(jq_ '.job.components[0].component')" module
MAN=$(jq_ '.job.components[0].manifest')
is "the offer's manifest is canonical JSON of the package" \
  "$(printf '%s' "$MAN" | python3 -c 'import json,sys; s=sys.stdin.read(); d=json.loads(s); print(json.dumps(d,sort_keys=True,separators=(",",":"),ensure_ascii=False)==s, d["target_version"], d["files"][0]["name"])')" \
  "True 1.2.0 fw.bin"
is "the offer carries both signatures" "$(jq_ '[.job.components[0].signatures[] | .signer] | join(",")')" "alice,mallory"

# The audit trail.
acall "$VIEW" POST "/plans/$PLAN/pause"
is "a viewer's pause is refused" "$CODE" 403
acall "$ADM" GET "/audit?target=plan:$PLAN"
is "admin reads the plan's history, the viewer's refused pause included" \
  "$(jq_ '[.items[] | "\(.actor) \(.action) \(.outcome)"] | join("; ")')" \
  "ops plan.create ok; ops plan.activate validation_failed; ops plan.activate validation_failed; ops plan.activate ok; view http.forbidden forbidden"
acall "$OPS" GET "/audit?actor=ops&target=package:$PKG"
is "an operator reads others' rows, filtered" \
  "$(jq_ '[.items[] | "\(.action) \(.outcome)"] | join("; ")')" \
  "package.create ok; package.sign ok; package.sign conflict; package.sign validation_failed; package.sign validation_failed; package.sign ok"
acall "$VIEW" GET /audit
is "a viewer reads the audit: 200" "$CODE" 200
is "a viewer sees only its own rows" "$(jq_ '[.items[] | .actor] | unique | join(",")')" view
is "its refusals are there with their code" "$(jq_ '[.items[] | "\(.action) \(.target) \(.outcome)"] | join("; ")')" \
  "http.forbidden package:$PKG forbidden; http.forbidden plan:$PLAN forbidden"
acall "$VIEW2" GET /audit
is "another viewer sees none of them" "$(jq_ '.items | length')" 0
acall "$VIEW" GET "/audit?actor=ops"
expect_err "a viewer asking for another actor" 403 forbidden
acall "$ADM" GET "/audit?since=2999-01-01T00:00:00Z"
is "since the future: nothing" "$(jq_ '.items | length')" 0
acall "$ADM" GET "/audit?since=yesterday"
expect_err "a bad since" 400 bad_request
acall "$ADM" GET "/audit?limit=2"
is "paging: a cursor" "$(jq_ '(.items | length), (.next_cursor != null)' | tr '\n' ' ')" "2 true "
CUR=$(jq_ .next_cursor)
acall "$ADM" GET "/audit?limit=2&cursor=$CUR"
is "paging: the next page follows" "$(jq_ '.items[0].seq')" $((CUR + 1))
OUT=$("$OTACTL" --remote "$BASE" --token "$ADM" audit export --actor adm)
is "otactl --remote audit export: JSON lines of adm's actions" \
  "$(printf '%s\n' "$OUT" | python3 -c 'import json,sys; print([json.loads(l)["action"] for l in sys.stdin])')" \
  "['product.add']"
OUT=$("$OTACTL" --remote "$BASE" --token "$VIEW" --json audit)
is "otactl --remote audit as a viewer: own rows only" \
  "$(printf '%s' "$OUT" | python3 -c 'import json,sys; print(sorted({r["actor"] for r in json.load(sys.stdin)["items"]}))')" "['view']"

# Every operator action through otad leaves a row, refusals too: product and
# device changes, tokens, package delete, plan edit and transitions.
jcall "$ADM" POST /products '{"key":"meter","name":"Again"}'
is "a second product meter: 409" "$CODE" 409
jcall "$ADM" POST /products/meter/devices '[{"id":"dev-2","versions":{"module":"1.0.0"}}]'
is "devices imported" "$CODE" 200
jcall "$ADM" POST /products/nope/devices '[{"id":"dev-3","versions":{"module":"1.0.0"}}]'
is "devices for no product: 404" "$CODE" 404
jcall "$ADM" POST /tokens '{"name":"ci","role":"operator"}'
is "token created" "$CODE" 201
jcall "$ADM" POST /tokens '{"name":"ci","role":"operator"}'
is "the same token name twice: 409" "$CODE" 409
acall "$ADM" DELETE /tokens/ci
is "token revoked" "$CODE" 204
acall "$ADM" DELETE /tokens/ci
is "a second revoke: 404" "$CODE" 404
acall "$ADM" GET "/audit?actor=adm"
is "admin's product, device and token actions and refusals, in order" \
  "$(jq_ '[.items[] | "\(.action) \(.target) \(.outcome)"] | join("; ")')" \
  "product.add product:meter ok; product.add product:meter conflict; device.import product:meter ok; device.import product:nope not_found; token.create token:ci ok; token.create token:ci conflict; token.revoke token:ci ok; token.revoke token:ci not_found"
acall "$OPS" DELETE "/packages/$PKG"
is "delete of a package in use: 409" "$CODE" 409
acall "$OPS" POST "/plans/$PLAN/resume"
is "resume of an active plan: 409" "$CODE" 409
for a in pause resume terminate; do
  acall "$OPS" POST "/plans/$PLAN/$a"
  is "plan $a: 200" "$CODE" 200
done
acall "$OPS" DELETE "/plans/$PLAN"
is "delete of a terminated plan refused" "$CODE" 409
acall "$ADM" GET "/audit?target=plan:$PLAN&since=$(date -u +%Y-%m-%d)T00:00:00Z"
is "the plan's later history: refusals and transitions by ops" \
  "$(jq_ '[.items[4:][] | "\(.actor) \(.action) \(.outcome)"] | join("; ")')" \
  "view http.forbidden forbidden; ops plan.resume invalid_transition; ops plan.pause ok; ops plan.resume ok; ops plan.terminate ok; ops plan.delete not_editable"
acall "$ADM" GET "/audit?target=package:$PKG"
is "the refused package delete" "$(jq_ '.items[-1] | "\(.actor) \(.action) \(.outcome)"')" "ops package.delete in_use"
healthy "after the trust tests"
done_testing
