#!/bin/sh
# otactl's device side with the device's own token, on the local engine and
# over a real otad, the same story on both: a product in device_token mode
# refuses the product key for check-ins; "device enroll" (with the product
# key) writes the device's token to a new file of mode 0600, once; the
# device commands (checkin, confirm, report) speak with that token from
# --device-token-file or $OTA_DEVICE_TOKEN (never a command-line value), a
# file others can read is refused with the chmod that fixes it, another
# device's token or job is forbidden, a revoked token unauthorized; exit
# statuses and error codes alike on both backends.
OTA_SRCDIR=${OTA_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$OTA_SRCDIR/tests/http/otad_lib.sh"
otad_start            # on $TMP/srv/ota.db
ADM=$(token admin)
. "$(dirname "$0")/cli_lib.sh"   # the local side: $TMP/ota.db
umask 022
mode() { stat -c %a "$1"; }
errcode() { printf '%s' "$1" | sed -n 's/^otactl: \([a-z_]*\):.*/\1/p' | head -n 1; }

# on L|R ARGS...: otactl on the local engine (L) or as the server's admin
# (R); dev L|R ARGS...: the same as a device (remotely no bearer token).
# Both set RC, OUT and ERR.
on() {
  if [ "$1" = L ]; then shift; otactl "$@"; else shift; $VG "$OTACTL" --remote "$BASE" --token "$ADM" "$@"; fi \
    >"$TMP/.stdout" 2>"$TMP/.stderr"
  RC=$?; OUT=$(cat "$TMP/.stdout"); ERR=$(cat "$TMP/.stderr")
}
dev() {
  if [ "$1" = L ]; then shift; otactl "$@"; else shift; $VG "$OTACTL" --remote "$BASE" "$@"; fi \
    >"$TMP/.stdout" 2>"$TMP/.stderr"
  RC=$?; OUT=$(cat "$TMP/.stdout"); ERR=$(cat "$TMP/.stderr")
}

printf 'id,module\nd-1,1.0.0\nd-2,1.0.0\nd-3,1.0.0\n' >"$TMP/fleet.csv"
printf 'module firmware' >"$TMP/fw.bin"
cat >"$TMP/plan.json" <<JSON
{"name":"confirm","product":"meter","mode":"confirm",
 "strategy":{"retries":0,"min_rsrp":-140,"min_battery":0},
 "window":$(window_json),"components":[{"component":"module","package_id":1}]}
JSON

for X in L R; do
  w=$([ $X = L ] && echo local || echo remote)
  mkdir -p "$TMP/$X"
  on $X --json product add meter "Meter"
  KEY=$(echo "$OUT" | pyraw 'd["device_key"]')
  on $X device import meter "$TMP/fleet.csv"
  on $X package add --component module --kind full --target 2.0.0 "$TMP/fw.bin"
  on $X plan create "$TMP/plan.json"
  on $X plan activate 1
  is "$w: a product, three devices and an active confirm plan" "$RC" 0
  on $X product auth meter --device-auth device_token
  like "$w: switched to device_token" "$OUT" "device_auth device_token"

  # ------------------------------------------------- the product key alone
  dev $X --device-key "$KEY" device checkin meter d-1 --versions module=1.0.0
  is "$w: the product key alone checks no device in (exit 1, unauthorized)" "$RC/$(errcode "$ERR")" 1/unauthorized
  like "$w:   the message says the key only enrolls" "$ERR" "only enrolls"

  # ------------------------------------------------------------ enroll
  dev $X --device-key "$KEY" device enroll meter d-1 --out "$TMP/$X/d1.tok"
  is "$w: device enroll exits 0" "$RC" 0
  like "$w:   says where the token is" "$OUT" "^device d-1 \(product meter\): enrolled; its token is in .*d1.tok \(mode 0600"
  is "$w:   the file has mode 0600 under umask 022" "$(mode "$TMP/$X/d1.tok")" 600
  like "$w:   holding the token alone on one line" "$(cat "$TMP/$X/d1.tok")" '^otd_[A-Za-z0-9_-]{43}$'
  is "$w:   one line" "$(wc -l <"$TMP/$X/d1.tok")" 1
  ok "$w:   no token on stdout or stderr" sh -c "! printf '%s' \"\$1\" | grep -q otd_" sh "$OUT$ERR"
  dev $X --device-key "$KEY" device enroll meter d-1 --out "$TMP/$X/d1-again.tok"
  is "$w: enrolling twice: conflict" "$RC/$(errcode "$ERR")" 1/conflict
  ok "$w:   and no file left" test ! -e "$TMP/$X/d1-again.tok"
  dev $X --device-key "$KEY" device enroll meter d-2 --out "$TMP/$X/d1.tok"
  is "$w: an existing --out file: refused" "$RC/$(errcode "$ERR")" 1/conflict
  like "$w:   naming it and --force" "$ERR" "d1.tok exists; .*--force"
  dev $X device enroll meter d-2 --out "$TMP/$X/d2.tok"
  is "$w: enroll without the product key: unauthorized" "$RC/$(errcode "$ERR")" 1/unauthorized
  like "$w:   saying where the key comes from" "$ERR" "--device-key K, \\\$OTA_DEVICE_KEY"
  ok "$w:   no file left" test ! -e "$TMP/$X/d2.tok"
  OTA_DEVICE_KEY=$KEY dev $X device enroll meter d-2 --out "$TMP/$X/d2.tok"
  is "$w: d-2 enrolls after all (\$OTA_DEVICE_KEY): the refusals spent nothing" "$RC/$(mode "$TMP/$X/d2.tok")" 0/600
  dev $X --device-key "$KEY" device enroll meter d-9 --out "$TMP/$X/d9.tok"
  is "$w: enrolling a device not known yet (registered)" "$RC" 0
  dev $X --device-key "$KEY" device enroll meter d-3
  is "$w: no --out: usage" "$RC" 2
  like "$w:   saying the token is never printed" "$ERR" "--out FILE is required \(the token is never printed"

  # ------------------------------------------------- device commands with it
  dev $X --device-token-file "$TMP/$X/d1.tok" --json device checkin meter d-1 --versions module=1.0.0
  is "$w: d-1 checks in with its token file" "$RC" 0
  is "$w:   and is offered its job (confirm mode)" "$(echo "$OUT" | py 'd["job"]["plan_id"], d["job"]["mode"]')" \
    "(1, 'confirm')"
  J1=$(echo "$OUT" | pyraw 'd["job"]["id"]')
  dev $X --device-key "$KEY" --device-token-file "$TMP/$X/d1.tok" device checkin meter d-1 --versions module=1.0.0
  is "$w: a token beside the product key: the token speaks" "$RC" 0
  dev $X --device-token-file "$TMP/$X/d1.tok" device checkin meter d-2 --versions module=1.0.0
  is "$w: d-1's token for d-2: forbidden" "$RC/$(errcode "$ERR")" 1/forbidden
  OTA_DEVICE_TOKEN=$(cat "$TMP/$X/d2.tok") dev $X --json device checkin meter d-2 --versions module=1.0.0
  is "$w: d-2 checks in with \$OTA_DEVICE_TOKEN" "$RC" 0
  J2=$(echo "$OUT" | pyraw 'd["job"]["id"]')
  OTA_DEVICE_TOKEN=$(cat "$TMP/$X/d2.tok") dev $X --device-token-file "$TMP/$X/d1.tok" device checkin meter d-1 \
    --versions module=1.0.0
  is "$w:   --device-token-file wins over \$OTA_DEVICE_TOKEN" "$RC" 0
  OTA_DEVICE_TOKEN=$(cat "$TMP/$X/d2.tok") dev $X device confirm "$J1"
  is "$w: d-2's token confirming d-1's job: forbidden" "$RC/$(errcode "$ERR")" 1/forbidden
  dev $X --device-token-file "$TMP/$X/d1.tok" device confirm "$J1"
  is "$w: d-1 confirms its job with its token" "$RC/$OUT" "0/job $J1 confirmed"
  dev $X --device-token-file "$TMP/$X/d1.tok" device report "$J2" downloading
  is "$w: d-1's token reporting d-2's job: forbidden" "$RC/$(errcode "$ERR")" 1/forbidden
  dev $X --device-token-file "$TMP/$X/d1.tok" device report "$J1" installing --progress 50
  is "$w: d-1 reports its job installing" "$RC/$OUT" "0/job $J1: installing"
  dev $X --device-token-file "$TMP/$X/d1.tok" device report "$J1" succeeded
  is "$w:   and succeeded" "$RC/$OUT" "0/job $J1: succeeded"
  dev $X --device-key "$KEY" device report "$J2" downloading
  is "$w: the product key reporting a job: unauthorized (device_token mode)" "$RC/$(errcode "$ERR")" 1/unauthorized

  # ----------------------------------------------- the file must be private
  chmod 640 "$TMP/$X/d1.tok"
  dev $X --device-token-file "$TMP/$X/d1.tok" device checkin meter d-1 --versions module=1.0.0
  is "$w: a token file its group can read: refused" "$RC/$(errcode "$ERR")" 1/forbidden
  like "$w:   with the chmod that fixes it" "$ERR" "d1.tok holds a token but other users can read it \(mode 0640\); fix it with: chmod 600 .*d1.tok"
  chmod 600 "$TMP/$X/d1.tok"
  dev $X --device-token-file "$TMP/$X/none.tok" device checkin meter d-1 --versions module=1.0.0
  is "$w: a missing token file: refused naming it" "$RC/$(printf '%s' "$ERR" | cut -d: -f2-3)" \
    "1/ io_error: device_token_file"
  OTA_DEVICE_TOKEN="otd_a b" dev $X device checkin meter d-1 --versions module=1.0.0
  is "$w: a token with a space: refused before sending" "$RC/$(printf '%s' "$ERR" | cut -d: -f2-3)" \
    "1/ bad_request: OTA_DEVICE_TOKEN"
  dev $X --device-token "$(cat "$TMP/$X/d1.tok")" device checkin meter d-1 --versions module=1.0.0
  is "$w: no option takes the token itself (ps would show it): usage" "$RC" 2
  like "$w:   an unknown option" "$ERR" "--device-token: unknown option"

  # ----------------------------------------------------- revoked, closed
  on $X device token revoke meter d-1
  dev $X --device-token-file "$TMP/$X/d1.tok" device checkin meter d-1 --versions module=1.0.0
  is "$w: a revoked token: unauthorized" "$RC/$(errcode "$ERR")" 1/unauthorized
  on $X product auth meter --enrollment closed
  dev $X --device-key "$KEY" device enroll meter d-3 --out "$TMP/$X/d3.tok"
  is "$w: enrollment closed: forbidden" "$RC/$(errcode "$ERR")" 1/forbidden
  ok "$w:   no file left" test ! -e "$TMP/$X/d3.tok"
  ok "$w:   nor a temporary one" sh -c "! ls '$TMP/$X' | grep -q 'part-'"
done

# Without any device credential the local engine is its owner's: the call
# is not checked; otad refuses it.
dev L device checkin meter d-3 --versions module=1.0.0
is "local, no device credential: the owner's call passes" "$RC" 0
dev R device checkin meter d-3 --versions module=1.0.0
is "remote, no device credential: unauthorized" "$RC/$(errcode "$ERR")" 1/unauthorized
on R --json audit --target device:d-1
like "the server's audit trail has d-1's enrollment" "$(echo "$OUT" | py '[r["action"] for r in d["items"]]')" \
  "device.enroll"
ok "and no token in it, nor in otad's log" sh -c "! grep -qF \"\$(cut -c5- '$TMP/R/d2.tok')\" '$TMP/.stdout' '$LOG'"

done_testing
