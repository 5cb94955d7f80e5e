#!/bin/sh
# Offline drafting and push, end to end with otactl and a real otad:
# packages missing on the server are uploaded (hashes equal), a second push
# updates the same server plan, a server-side edit makes the push a conflict
# that shows what differs and changes nothing, pull and file export/import,
# token files readable by others refused, an unreachable server reported;
# a push without the server's token (and no terminal to ask on), with one
# the server refuses or with a viewer's reported as such (asking on a
# terminal: tests/e2e/console_push.sh).
. "${OTA_SRCDIR:-.}/tests/lib.sh"
. "$OTA_SRCDIR/tests/contract/lib-otad.sh"
OTACTL="$OTA_BUILDDIR/cli/otactl"
[ -x "$OTACTL" ] || { echo "Bail out! no $OTACTL (build first)"; exit 1; }
need jq jq
otad_start || { echo "Bail out! otad did not start: $OTAD_WHY"; exit 1; }
L="$TMP/local.db"
loc() { "$OTACTL" --db "$L" "$@"; }
srv() { "$OTACTL" --remote "$OTAD_URL" --token "$OTAD_TOKEN" "$@"; }
push() { loc plan push "$1" --remote "$OTAD_URL" --token "$OTAD_TOKEN"; }
plan_json() {  # name package_id
  cat <<EOF
{"name":"$1","product":"EC600N-meter","mode":"silent","blacklist":["dev-9"],"whitelist":[],
 "strategy":{"retries":2,"min_rsrp":-110,"min_battery":20},
 "window":{"start":"2026-12-01T00:00:00Z","end":"2026-12-31T00:00:00Z"},
 "components":[{"component":"module","package_id":$2}]}
EOF
}

# --- a draft made with no server at all
ok "local product" loc product add EC600N-meter "Smart meter"
printf 'module firmware 1.2.0\n' > "$TMP/fw.bin"
head -c 300000 /dev/urandom > "$TMP/fw.bin_1"
ok "local package from files" loc package add --component module --kind full --target 1.2.0 \
   "$TMP/fw.bin" "$TMP/fw.bin_1"
plan_json "Q3 module rollout" 1 > "$TMP/plan.json"
ok "local plan" loc plan create "$TMP/plan.json"

# --- the server's product must exist
out=$(push 1 2>&1); rc=$?
is "push without the product on the server refused" "$rc" 1
like "... naming the product and the fix" "$out" 'no product "EC600N-meter".*product add'
is "... and nothing uploaded" "$(srv --json package list | jq '.items|length')" 0
ok "server product" srv product add EC600N-meter "Smart meter"

# --- first push: packages uploaded, hashes equal
out=$(push 1 2>&1)
like "first push creates a server plan" "$out" 'new plan 1, revision 1 \(packages: 1 uploaded'
is "server has the package" "$(srv --json package list | jq '.items|length')" 1
is "fw.bin hash equal on the server" "$(srv --json package show 1 | jq -r '.files[]|select(.name=="fw.bin").sha256')" \
   "$(sha256sum "$TMP/fw.bin" | cut -d' ' -f1)"
is "fw.bin_1 hash equal on the server" "$(srv --json package show 1 | jq -r '.files[]|select(.name=="fw.bin_1").sha256')" \
   "$(sha256sum "$TMP/fw.bin_1" | cut -d' ' -f1)"
is "blacklist travelled" "$(srv --json plan show 1 | jq -c .blacklist)" '["dev-9"]'
ok "server copy downloads intact" srv package download 1 fw.bin_1 "$TMP/back.bin_1"
ok "... same bytes" cmp "$TMP/fw.bin_1" "$TMP/back.bin_1"

# --- second push after a local edit: same server plan, If-Match, no re-upload
plan_json "Q3 module rollout v2" 1 > "$TMP/plan2.json"
ok "local edit" loc plan edit 1 "$TMP/plan2.json" --revision 1
out=$(push 1 2>&1)
like "second push updates the same plan" "$out" 'updated plan 1, revision 2 \(packages: 0 uploaded, 1 already there'
is "one plan on the server" "$(srv --json plan list | jq '.items|length')" 1
is "server plan renamed" "$(srv --json plan show 1 | jq -r .name)" "Q3 module rollout v2"

# --- someone edits on the server; the next push is a conflict, nothing changes
plan_json "edited on the server" 1 > "$TMP/plan3.json"
ok "server-side edit" srv plan edit 1 "$TMP/plan3.json" --revision 2
plan_json "local edit 3" 1 > "$TMP/plan4.json"
ok "another local edit" loc plan edit 1 "$TMP/plan4.json" --revision 2
out=$(push 1 2>&1); rc=$?
is "push after a server edit refused" "$rc" 1
like "... as a conflict" "$out" 'otactl: conflict: revision: .*changed since the last push'
like "... showing what differs" "$out" 'name: server "edited on the server", local "local edit 3"'
is "server plan untouched" "$(srv --json plan show 1 | jq -r '.name + " " + (.revision|tostring)')" "edited on the server 3"
is "local plan untouched" "$(loc --json plan show 1 | jq -r '.name + " " + (.revision|tostring)')" "local edit 3 3"

# --- pull brings the server plan back as a local draft, mapped for the next push
out=$(loc plan pull 1 --remote "$OTAD_URL" --token "$OTAD_TOKEN" 2>&1)
like "pull makes a local draft" "$out" 'as local draft plan 2 \(packages: 0 downloaded, 1 already here'
is "pulled plan's name" "$(loc --json plan show 2 | jq -r .name)" "edited on the server"
plan_json "fixed after pull" 1 > "$TMP/plan5.json"
ok "edit the pulled draft" loc plan edit 2 "$TMP/plan5.json" --revision 1
like "pushing it updates server plan 1" "$(push 2 2>&1)" 'updated plan 1, revision 4'

# --- once the server plan rolls out, a push is refused and changes nothing
ok "server activates plan 1" srv plan activate 1
plan_json "too late" 1 > "$TMP/plan6.json"
ok "local edit after activation" loc plan edit 2 "$TMP/plan6.json" --revision 2
out=$(push 2 2>&1); rc=$?
is "push to an active server plan refused" "$rc" 1
like "... as not editable, saying its state" "$out" 'not_editable: state: server plan 1 .* is active now'
is "server plan kept" "$(srv --json plan show 1 | jq -r .name)" "fixed after pull"

# --- device lists travel with the plan, on the first push and on updates
lists_json() {  # name blacklist whitelist
  cat <<EOF
{"name":"$1","product":"EC600N-meter","mode":"confirm","blacklist":$2,"whitelist":$3,
 "strategy":{"retries":1,"min_rsrp":-100,"min_battery":30},
 "window":{"start":"2026-12-01T00:00:00Z","end":"2026-12-31T00:00:00Z"},
 "components":[{"component":"module","package_id":1}]}
EOF
}
lists_json "lists" '["dev-7","dev-8"]' '["dev-1","dev-2","dev-3"]' > "$TMP/lists.json"
ok "local plan with both lists" loc plan create "$TMP/lists.json"
like "pushed as a new server plan" "$(push 3 2>&1)" 'new plan 2, revision 1'
is "blacklist and whitelist on the server" "$(srv --json plan show 2 | jq -c '[.blacklist, .whitelist, .mode]')" \
   '[["dev-7","dev-8"],["dev-1","dev-2","dev-3"],"confirm"]'
lists_json "lists" '[]' '["dev-2","dev-4"]' > "$TMP/lists2.json"
ok "local lists edited" loc plan edit 3 "$TMP/lists2.json" --revision 1
like "second push updates it" "$(push 3 2>&1)" 'updated plan 2, revision 2'
is "the server's lists follow the edit" "$(srv --json plan show 2 | jq -c '[.blacklist, .whitelist]')" \
   '[[],["dev-2","dev-4"]]'
lists_json "lists" '["dev-5"]' '["dev-2","dev-4"]' > "$TMP/lists3.json"
ok "server-side list edit" srv plan edit 2 "$TMP/lists3.json" --revision 2
lists_json "lists" '[]' '["dev-2","dev-6"]' > "$TMP/lists4.json"
ok "local list edit" loc plan edit 3 "$TMP/lists4.json" --revision 2
out=$(push 3 2>&1); rc=$?
is "push after a server-side list edit refused" "$rc" 1
like "... showing the blacklist difference" "$out" 'blacklist: local vs server: -dev-5'
like "... and the whitelist difference" "$out" 'whitelist: local vs server: \+dev-6 -dev-4'
is "server lists untouched" "$(srv --json plan show 2 | jq -c '[.blacklist, .whitelist, .revision]')" \
   '[["dev-5"],["dev-2","dev-4"],3]'

# --- plans and packages as files, into a second local engine
L2="$TMP/usb.db"
loc plan export 1 > "$TMP/export.json"
is "export is an otaconsole plan file" "$(jq -r .otaconsole "$TMP/export.json")" plan
ok "second engine's product" "$OTACTL" --db "$L2" product add EC600N-meter "Smart meter"
out=$("$OTACTL" --db "$L2" plan import "$TMP/export.json" 2>&1); rc=$?
is "import without the package refused" "$rc" 1
like "... naming it and the way out" "$out" 'not_found: components\[0\]: package module 1.2.0 .*package import'
ok "package export" loc package export 1 "$TMP/usb"
ok "package import" "$OTACTL" --db "$L2" package import "$TMP/usb"
like "package import twice finds it" "$("$OTACTL" --db "$L2" package import "$TMP/usb")" 'already here as 1'
ok "plan import" "$OTACTL" --db "$L2" plan import "$TMP/export.json"
is "imported plan's name" "$("$OTACTL" --db "$L2" --json plan show 1 | jq -r .name)" "local edit 3"
printf 'tampered' >> "$TMP/usb/fw.bin"
out=$("$OTACTL" --db "$TMP/third.db" package import "$TMP/usb" 2>&1); rc=$?
is "a tampered exported file refused" "$rc" 1
like "... as corrupted" "$out" 'io_error: files: .*fw.bin: SHA-256 .*corrupted'

# --- a staged draft: rollout, maintenance and retry interval travel both ways
jq '.name = "staged" | .strategy.retry_interval_seconds = 600
    | .rollout = {"waves":[{"size":"1%"},{"size":200},{"size":"100%"}],"success_threshold":90,
                  "failure_threshold":5,"min_finished":10,"soak_seconds":3600,"advance":"manual",
                  "on_failure":"rollback","max_offers_per_minute":1000}
    | .maintenance = {"timezone":"Asia/Shanghai","device_timezone":true,
                      "windows":[{"days":["mon","tue","wed","thu","fri"],"start":"01:00","end":"05:00"}]}' \
   "$TMP/plan.json" > "$TMP/staged.json"
SL=$(loc --json plan create "$TMP/staged.json" | jq .id)
STAGED_KEYS='[.rollout, .maintenance, .strategy.retry_interval_seconds]'
want=$(loc --json plan show "$SL" | jq -c "$STAGED_KEYS")
out=$(push "$SL" 2>&1)
SS=$(echo "$out" | sed -n 's/.*new plan \([0-9]*\),.*/\1/p')
ok "staged push creates a server plan" test -n "$SS"
is "... with the same rollout, maintenance and retry interval" "$(srv --json plan show "$SS" | jq -c "$STAGED_KEYS")" "$want"
out=$(loc plan pull "$SS" --remote "$OTAD_URL" --token "$OTAD_TOKEN" 2>&1)
SP=$(echo "$out" | sed -n 's/.*as local draft plan \([0-9]*\) .*/\1/p')
is "... and pulled back the same" "$(loc --json plan show "$SP" | jq -c "$STAGED_KEYS")" "$want"

# --- a corrupted download through otactl: detected, nothing saved
blob=$(find "$OTAD_BLOBS" -type f -size 300000c | head -1)
printf 'X' | dd of="$blob" bs=1 seek=1000 conv=notrunc 2>/dev/null
out=$(srv package download 1 fw.bin_1 "$TMP/rot.bin_1" 2>&1); rc=$?
is "corrupted download refused" "$rc" 1
like "... said so" "$out" 'io_error: .*(corrupted|mismatch)'
ok "... nothing saved" test ! -e "$TMP/rot.bin_1"

# --- tokens and reachability
printf '%s\n' "$OTAD_TOKEN" > "$TMP/token"
chmod 644 "$TMP/token"
out=$("$OTACTL" --remote "$OTAD_URL" --token-file "$TMP/token" product list 2>&1); rc=$?
is "token file with mode 0644 refused" "$rc" 1
like "... saying how to fix it" "$out" "chmod 600 $TMP/token"
chmod 600 "$TMP/token"
ok "mode 0600 token file accepted" "$OTACTL" --remote "$OTAD_URL" --token-file "$TMP/token" product list
out=$(OTA_TOKEN="$OTAD_TOKEN" "$OTACTL" --remote "$OTAD_URL" product list 2>&1)
like "OTA_TOKEN from the environment" "$out" 'EC600N-meter'
port=$(free_port)
start=$(date +%s)
out=$("$OTACTL" --remote "http://127.0.0.1:$port" --token x product list 2>&1); rc=$?
is "unreachable server refused" "$rc" 1
like "... one clear message with the URL" "$out" "^otactl: unavailable: cannot reach http://127.0.0.1:$port: connection refused"
ok "... quickly" test $(( $(date +%s) - start )) -le 5

# --- the server's token: asked for, and its refusals reported as they are
VIEWER=$("$OTAD_BIN" token create --db "$OTAD_DB" --role viewer --name vic | tail -1)
NEW=$(loc --json plan create "$TMP/plan.json" | jq -r .id)
before=$(srv --json plan list | jq '.items|length')
out=$(loc plan push "$NEW" --remote "$OTAD_URL" </dev/null 2>&1); rc=$?
is "push without a token and no terminal: refused" "$rc" 1
like "... before asking the server, saying where a token comes from" "$out" \
  "^otactl: unauthorized: token: the server $OTAD_URL needs a token: give --token, --token-file"
out=$(loc plan push "$NEW" --remote "$OTAD_URL" --token ota_not-a-real-token 2>&1); rc=$?
is "push with a token the server refuses: refused" "$rc" 1
like "... as unauthorized, not as a missing product" "$out" \
  "^otactl: unauthorized: token: the server $OTAD_URL refused the token"
out=$(loc plan push "$NEW" --remote "$OTAD_URL" --token "$VIEWER" 2>&1); rc=$?
is "push with a viewer's token: refused" "$rc" 1
like "... as forbidden, in words" "$out" \
  "^otactl: forbidden: token: the server $OTAD_URL: Creating a plan needs the operator role; your token 'vic' is a viewer"
is "... and nothing was written there" "$(srv --json plan list | jq '.items|length')" "$before"
done_testing
