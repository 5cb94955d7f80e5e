#!/bin/sh
# otactl over a real otad (--remote URL --token T) against otactl on a local
# database: the same commands give the same JSON, the same exit statuses and
# the same error codes, so scripts cannot tell the backends apart.
OTA_SRCDIR=${OTA_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$OTA_SRCDIR/tests/http/otad_lib.sh"
otad_start            # on $TMP/srv/ota.db
TOK=$(token admin)
. "$(dirname "$0")/cli_lib.sh"   # the local side: $TMP/ota.db
rctl() { $VG "$OTACTL" --remote "$BASE" --token "$TOK" ${DEVKEY:+--device-key "$DEVKEY"} "$@"; }

# both ARGS...: runs on both backends; LRC/LOUT/LERR and RRC/ROUT/RERR
both() {
  otactl "$@" >"$TMP/.lo" 2>"$TMP/.le"; LRC=$?
  rctl "$@" >"$TMP/.ro" 2>"$TMP/.re"; RRC=$?
  LOUT=$(cat "$TMP/.lo"); LERR=$(cat "$TMP/.le"); ROUT=$(cat "$TMP/.ro"); RERR=$(cat "$TMP/.re")
}
# same "desc" 'EXPR': EXPR of both JSON outputs is equal (and exits are 0)
same() {
  is "$1: exit 0 on both" "$LRC/$RRC" "0/0"
  is "$1: same JSON" "$(echo "$ROUT" | py "$2")" "$(echo "$LOUT" | py "$2")"
}
# the error code of "otactl: CODE: ..." on stderr
errcode() { printf '%s' "$1" | sed -n 's/^otactl: \([a-z_]*\):.*/\1/p' | head -n 1; }

both --json product add EC600N-meter "Smart water meter (EC600N)"
same "product add" 'd["key"], d["name"], len(d["device_key"])'
DEVKEY=$(echo "$ROUT" | pyraw 'd["device_key"]')   # device calls to otad carry X-Device-Key
both --json product list
same "product list" '[(p["key"], p["name"]) for p in d["items"]], d["next_cursor"]'

both --json device import EC600N-meter "$OTA_SRCDIR/fixtures/demo/devices.csv"
same "device import" 'd'
both --json device list EC600N-meter
same "device list" '[{k: v for k, v in x.items() if k != "last_seen"} for x in d["items"]], d["next_cursor"]'

printf 'module firmware' > "$TMP/fw.bin"
both --json package add --component module --kind full --target 1.2.0 --remark "三季度" "$TMP/fw.bin"
same "package add" '{k: v for k, v in d.items() if k != "created_at"}'
both --json package add --component module --kind diff --target 1.3.0 "$TMP/fw.bin"
is "diff without source: refused on both" "$LRC/$RRC" "1/1"
is "diff without source: same error line" "$RERR" "$LERR"
cp "$TMP/fw.bin" "$TMP/fw.bin3"
both package add --component module --kind full --target 1.3.0 "$TMP/fw.bin3"
is "bad ending: same error code" "$(errcode "$RERR")/$RRC" "$(errcode "$LERR")/$LRC"
both --json package verify 1
same "package verify" 'd'
both package download 1 fw.bin "$TMP/dl.bin"
is "download: exit 0 on both" "$LRC/$RRC" "0/0"
ok "download: the bytes" cmp "$TMP/fw.bin" "$TMP/dl.bin"

cat > "$TMP/plan.json" <<JSON
{"name":"三季度模组升级","product":"EC600N-meter","mode":"silent",
 "strategy":{"retries":1,"min_rsrp":-110,"min_battery":20},
 "window":$(window_json),"components":[{"component":"module","package_id":1}]}
JSON
both --json plan create "$TMP/plan.json"
same "plan create" '{k: v for k, v in d.items() if not k.endswith("_at")}'
both --json plan edit 1 "$TMP/plan.json" --revision 1
same "plan edit" 'd["revision"], d["name"]'
both plan edit 1 "$TMP/plan.json" --revision 1
is "stale revision: exit 1 on both" "$LRC/$RRC" "1/1"
is "stale revision: conflict on both" "$(errcode "$RERR")/$(errcode "$LERR")" "conflict/conflict"
both --json plan preview 1
same "plan preview" 'd'
both plan pause 1
is "pause of a saved plan: invalid_transition on both" "$LRC/$RRC/$(errcode "$RERR")/$(errcode "$LERR")" \
  "1/1/invalid_transition/invalid_transition"
both --json plan activate 1
same "plan activate" 'd["state"], d["revision"]'

both --json device checkin EC600N-meter csv-0001 --versions module=1.0.0 --rsrp -90 --battery 80
same "check-in offers the job" 'd["job"]["plan_id"], d["job"]["mode"], d["job"]["components"]'
JOB=$(echo "$LOUT" | pyraw 'd["job"]["id"]')
both device report "$JOB" succeeded
is "impossible report: invalid_transition on both" "$(errcode "$RERR")/$(errcode "$LERR")" \
  "invalid_transition/invalid_transition"
both device report "$JOB" downloading --progress 10
is "report downloading: exit 0 on both" "$LRC/$RRC" "0/0"
both --json plan status 1
same "plan status" 'd["state"], d["counts"]'
both --json plan devices 1 --state downloading
same "plan devices" '[(r["device"], r["state"], r["progress"]) for r in d["items"]]'
both --json plan events 1
same "plan events" '[(e["device"], e["from"], e["to"]) for e in d["events"]]'
both --json plan list --state upgrading
same "plan list --state" '[(p["id"], p["state"]) for p in d["items"]]'

both plan show 99
is "unknown plan: not_found on both" "$LRC/$RRC/$(errcode "$RERR")/$(errcode "$LERR")" "1/1/not_found/not_found"

rctl --token wrong product list 2>"$TMP/err" >/dev/null
is "a bad token: exit 1" "$?" 1
like "a bad token: unauthorized" "$(cat "$TMP/err")" "^otactl: unauthorized"
"$OTACTL" --remote "$BASE" --token "$TOK" --db "$TMP/x.db" product list 2>/dev/null
is "--db with --remote: refused" "$?" 1

done_testing
