#!/bin/sh
# otactl device show PRODUCT ID [--json]: versions, last telemetry and the
# attributes an agent reported, on the local engine and over otad (where a
# hawkBit agent reports them with configData).
OTA_SRCDIR=${OTA_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$OTA_SRCDIR/tests/http/otad_lib.sh"
otad_start            # on $TMP/srv/ota.db
TOK=$(token viewer)
ADM=$(token admin)
. "$(dirname "$0")/cli_lib.sh"   # the local side: $TMP/ota.db

# --- local engine
run product add meter "Meter"
run device import meter "$OTA_SRCDIR/fixtures/demo/devices.csv"
DEV=$(head -n 2 "$OTA_SRCDIR/fixtures/demo/devices.csv" | tail -n 1 | cut -d, -f1)
run device checkin meter "$DEV" --versions module=1.1.0 --rsrp -97 --battery 64
is "a check-in leaves telemetry" "$RC" 0
run device show meter "$DEV"
is "device show exits 0" "$RC" 0
like "device show: id and product" "$OUT" "^device $DEV \(product meter\)"
like "device show: RSRP" "$OUT" "rsrp: -97 dBm"
like "device show: battery" "$OUT" "battery: 64%"
like "device show: last seen" "$OUT" "last seen: [0-9]{4}-"
like "device show: a version row" "$OUT" "module +1\.1\.0"
like "device show: no attributes" "$OUT" "attributes: none reported"
run --json device show meter "$DEV"
is "device show --json: the API shape with attributes {}" \
  "$(echo "$OUT" | py 'd["id"], d["product"], d["rsrp"], d["battery"], d["attributes"]')" \
  "('$DEV', 'meter', -97, 64, {})"
run device show meter nope
is "unknown device: refused, names it" "$RC/$ERR" '1/otactl: not_found: device: no device "nope"'
run device show nope "$DEV"
is "unknown product: refused" "$RC/$ERR" '1/otactl: not_found: product: no product "nope"'
run device show meter
is "one argument: usage" "$RC" 2
like "  with the usage line" "$ERR" "usage: otactl device show PRODUCT ID"

# --- over otad: the attributes a hawkBit agent reported
jcall "$ADM" POST /products '{"key":"meter","name":"Meter"}'
DKEY=$(jq_ .device_key)
code=$(curl -s -o /dev/null -w '%{http_code}' -X PUT -H "Authorization: GatewayToken $DKEY" \
  -H 'Content-Type: application/json' \
  -d '{"id":"","data":{"battery":"50","version.os":"5.1","board":"evk-2","serial":"SN 0042"}}' \
  "$BASE/meter/controller/v1/swu-1/configData")
is "a hawkBit agent reports configData" "$code" 200
rshow() { $VG "$OTACTL" --remote "$BASE" --token "$TOK" device show "$@" >"$TMP/.stdout" 2>"$TMP/.stderr"
  RC=$?; OUT=$(cat "$TMP/.stdout"); ERR=$(cat "$TMP/.stderr"); }
rshow meter swu-1
is "remote device show exits 0 (viewer token)" "$RC" 0
like "remote: attributes sorted by name, board first" "$(echo "$OUT" | grep -A3 '^ATTRIBUTE' | tr '\n' '|')" \
  "^ATTRIBUTE +VALUE\|board +evk-2\|serial +SN 0042\|$"
like "remote: the reported version" "$OUT" "os +5\.1"
like "remote: battery" "$OUT" "battery: 50%"
rshow meter swu-1 --json
is "remote --json: attributes" "$(echo "$OUT" | py 'd["attributes"]')" "{'board': 'evk-2', 'serial': 'SN 0042'}"
rshow meter nope
is "remote unknown device: the same error as local" "$RC/$ERR" '1/otactl: not_found: device: no device "nope"'

done_testing
