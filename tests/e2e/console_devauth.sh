#!/bin/sh
# End-to-end: a device's credential in the console's device details,
# against a real otad.  Live status, Enter on a device: its credential
# shown; i asks first, then issues its token and shows it once in a dialog
# that stays until Enter closes it (the token works for that device); i
# again rotates it (the old one stops), x revokes it (asks first); n cancels
# and changes nothing; a viewer's console refuses in plain words without
# asking; ? lists the device keys.
. "${OTA_SRCDIR:-$(dirname "$0")/../..}/tests/lib.sh"
. "$OTA_SRCDIR/tests/contract/lib-otad.sh"
. "$OTA_SRCDIR/tests/e2e/lib-console.sh"

if ! otad_start; then
  echo "not ok 1 - otad starts: $OTAD_WHY"; echo "1..1"; exit 1
fi
RC() { "$OTACTL" --remote "$OTAD_URL" --token "$OTAD_TOKEN" "$@"; }
TOKEN_RE='otd_[A-Za-z0-9_-]{43}'
# checkin_with TOKEN: the status of d-1's REST check-in with that device token
checkin_with() {
  curl -s -o /dev/null -w '%{http_code}' -H "X-Device-Token: $1" -H 'Content-Type: application/json' \
    -d '{"device":"d-1","product":"meter","versions":{"module":"1.0.0"}}' "$OTAD_URL/api/v1/device/checkin"
}
screen_token() { screen "$1" | grep -Eo "$TOKEN_RE" | head -n 1; }

ok "a plan for meter's devices on otad" remote_plan "Token plan" "$(printf 'id,module\nd-1,1.0.0\nd-2,1.0.0\n')"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "X-Device-Key: $DKEY" -H 'Content-Type: application/json' \
  -d '{"device":"d-1","product":"meter","versions":{"module":"1.0.0"}}' "$OTAD_URL/api/v1/device/checkin")
is "d-1 checks in with the product key (it gets its job)" "$code" 200

# open_detail SESSION: live status of plan 1, the detail of d-1
open_detail() {
  keys "$1" 2
  check "the plan is listed" "$1" "1 +Token plan +meter"
  keys "$1" 3
  check "live status lists d-1" "$1" "^ *d-1 +offered"
  keys "$1" /; text "$1" offered; keys "$1" Enter
  check "only d-1 is shown" "$1" "Devices: offered .* 1 shown"
  keys "$1" Enter
  check "Enter opens d-1's details" "$1" "Device d-1 · product meter"
}

S=admin
start $S "$CONSOLE" --remote "$OTAD_URL" --token "$OTAD_TOKEN"
check "an admin's console" $S "\(admin\) \| connected"
open_detail $S
check "the credential: none yet" $S "Credential: no token of its own \(i issues one\)"
check "the hint names i" $S "i issue token · Esc back"

# ----------------------------------------------------------------- issue
keys $S i
check "i asks first" $S "Issue a token for device d-1\? It is shown once\. \[y/N\]"
keys $S n
check "n cancels" $S "Cancelled"
is "  and nothing was issued" "$(RC --json device show meter d-1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["credential"])')" none
keys $S i
check "i asks again" $S "Issue a token for device d-1"
keys $S y
check "y: the token in a dialog" $S "The token of device d-1 \(product meter\)"
check "  the token itself" $S "^ +$TOKEN_RE *$"
check "  shown once, it says" $S "Shown once: copy it into the device now"
check "  and how to close it" $S "Enter closes \(it is not shown again\)"
TOK1=$(screen_token $S)
is "the token on screen works for d-1" "$(checkin_with "$TOK1")" 200
keys $S q
keys $S 2
check "other keys leave the dialog up (it must be dismissed)" $S "The token of device d-1"
check "  and the console stayed in live status" $S "Recent events"
keys $S Enter
check_gone "Enter closes the dialog" $S "The token of device d-1"
check_gone "  and the token is gone from the screen" $S "$TOKEN_RE"
check "the detail shows the active token" $S "Credential: token active since 20[0-9][0-9]-.*\(i rotate · x revoke\)"
check "the hint names rotate and revoke" $S "i rotate token · x revoke token"

# ---------------------------------------------------------------- rotate
keys $S i
check "i on an active token asks to rotate" $S "Rotate device d-1's token\? The old one stops\. \[y/N\]"
keys $S y
check "the new token in a dialog" $S "The new token of device d-1"
check "  saying the old one stopped" $S "Its old token stopped working"
TOK2=$(screen_token $S)
ok "a new token" test -n "$TOK2" -a "$TOK2" != "$TOK1"
keys $S Enter
check_gone "Enter closes it" $S "The new token of device d-1"
is "the old token stopped" "$(checkin_with "$TOK1")" 401
is "the new one works" "$(checkin_with "$TOK2")" 200

# ---------------------------------------------------------------- revoke
keys $S x
check "x asks first" $S "Revoke device d-1's token\? It cannot check in\. \[y/N\]"
keys $S y
check "revoked, it says" $S "Token of device d-1 revoked: it cannot check in until an admin issues a new one"
check "the detail shows it revoked" $S "Credential: token revoked 20[0-9][0-9]-.*\(i issues a new one\)"
is "the revoked token stopped" "$(checkin_with "$TOK2")" 401
keys $S x
check "x again: nothing to revoke" $S "Device d-1 has no active token to revoke \(credential: revoked\)"

# ------------------------------------------------------------------ help
keys $S '?' G
check "? lists the device details keys" $S "^ *Device details"
check "  i issues or rotates" $S "i +Issue the device's token, or rotate it"
check "  x revokes" $S "x +Revoke the device's token"
keys $S q
keys $S Escape
check "Esc leaves the details" $S "Devices: offered"
keys $S q q
wait_until "! $T has-session -t $S" 50
ok "the console quits" sh -c "! $T has-session -t $S 2>/dev/null"

# ---------------------------------------------------------------- viewer
VIEWER=$("$OTAD_BIN" token create --db "$OTAD_DB" --role viewer --name wall | tail -1)
V=viewer
start $V "$CONSOLE" --remote "$OTAD_URL" --token "$VIEWER"
check "a viewer's console" $V "\(viewer\) \| connected"
open_detail $V
keys $V i
check "i: refused in plain words, naming the role it needs and the token's" $V \
  "Issuing a device token needs the admin role; your token 'wall' is a viewer"
check_gone "  without asking" $V "\[y/N\]"
keys $V q
keys $V q q
wait_until "! $T has-session -t $V" 50
is "the device is still revoked" "$(RC --json device show meter d-1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["credential"])')" revoked

ok "nothing was written to stderr" test ! -s "$TMP/stderr.log"
done_testing
