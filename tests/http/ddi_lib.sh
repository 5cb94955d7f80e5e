# Shared by the hawkBit DDI tests (test_ddi.sh, test_ddi_waves.sh,
# test_ddi_tokens.sh): Debian's stock swupdate (suricatta mode) against a
# real otad on loopback.  Helpers
# for the management API and the DDI as a device, a real swupdate started
# and stopped in its own process group, a signed .swu built from scratch,
# otad started with a short DDI poll, and the product with the image as a
# package.  Set PRODUCT before sourcing it to change the tenant.
. "${OTA_SRCDIR:-$(dirname "$0")/../..}/tests/lib.sh"

need swupdate swupdate; need cpio cpio; need openssl openssl; need sqlite3 sqlite3
need curl curl; need jq jq; need setsid util-linux; need flock util-linux
OTAD=${OTAD:-$OTA_BUILDDIR/server/otad}
PRODUCT=${PRODUCT:-ddi-board}

# swupdate keeps one socket outside TMPDIR: two runs on one machine (a
# distcheck beside a check) collide on it.  Take turns, on one lock file
# for the machine (in /tmp, not in the suite's TMPDIR).
exec 9>/tmp/otaconsole-swupdate.lock
flock -w 600 9 || { echo "Bail out! another swupdate test held the lock for 10 minutes"; exit 1; }

# ------------------------------------------------------------------ helpers
# JSON field of a file, through SQLite's JSON functions (no jq needed).
jget() { sqlite3 :memory: "SELECT json_extract(CAST(readfile('$1') AS TEXT), '$2')"; }

# Bounded wait: wait_for SECONDS command...  (polls every 0.2 s)
wait_for() {
  _end=$(( $(date +%s) + $1 )); shift
  until "$@" >/dev/null 2>&1; do
    [ "$(date +%s)" -ge "$_end" ] && return 1
    sleep 0.2
  done
}

# Management API as admin: body in $TMP/r.json, prints the HTTP status.
api() {
  _m=$1; _p=$2; shift 2
  curl -s -o "$TMP/r.json" -w '%{http_code}' -X "$_m" -H "Authorization: Bearer $ADMIN" "$@" "$URL$_p"
}
# DDI as device $1: ddi DEVICE METHOD SUBPATH [curl args]; body in $TMP/d.json.
ddi() {
  _d=$1; _m=$2; _p=$3; shift 3
  curl -s -o "$TMP/d.json" -w '%{http_code}' -X "$_m" -H "Authorization: GatewayToken $DKEY" \
    -H 'Content-Type: application/json' "$@" "$URL/$PRODUCT/controller/v1/$_d$_p"
}

job_state() {  # job_state PLAN DEVICE
  api GET "/api/v1/plans/$1/devices?limit=1000" >/dev/null
  sqlite3 :memory: "SELECT json_extract(value,'\$.state') FROM json_each(CAST(readfile('$TMP/r.json') AS TEXT),'\$.items')
                    WHERE json_extract(value,'\$.device')='$2'"
}
job_field() {  # job_field PLAN DEVICE FIELD
  api GET "/api/v1/plans/$1/devices?limit=1000" >/dev/null
  sqlite3 :memory: "SELECT json_extract(value,'\$.$3') FROM json_each(CAST(readfile('$TMP/r.json') AS TEXT),'\$.items')
                    WHERE json_extract(value,'\$.device')='$2'"
}
state_is() { [ "$(job_state "$1" "$2")" = "$3" ]; }
# The states a device's job went through, from the plan's events.
job_path() {
  api GET "/api/v1/plans/$1/events?since=0" >/dev/null
  sqlite3 :memory: "SELECT group_concat(json_extract(value,'\$.to'),' ') FROM json_each(CAST(readfile('$TMP/r.json') AS TEXT),'\$.events')
                    WHERE json_extract(value,'\$.device')='$2'"
}
device_version() {  # device_version DEVICE COMPONENT
  api GET "/api/v1/products/$PRODUCT/devices?q=$1" >/dev/null
  jget "$TMP/r.json" "\$.items[0].versions.$2"
}

# swupdate as device NAME with battery BATTERY, extra suricatta args ARGS,
# reporting version.os VERSION unless it is "" (swupdate sends its identify
# list as configData once per start).  Its config holds the gateway token
# SWU_GATEWAY (default: the product key $DKEY; set it empty for a device
# that speaks only with its own token, "-k TOKEN" in ARGS).  Its own
# process group (setsid) so the trap stops it and its children.
SW_PIDS=""
swu_start() {  # swu_start NAME BATTERY "ARGS" [VERSION]
  _dir="$TMP/sw-$1"; mkdir -p "$_dir"
  _ver=""
  [ -n "${4-1.0.0}" ] && _ver="{ name = \"version.os\"; value = \"${4-1.0.0}\"; },"
  _gw=${SWU_GATEWAY-$DKEY}
  [ -n "$_gw" ] && _gw="gatewaytoken = \"$_gw\";"
  cat >"$_dir/swupdate.cfg" <<EOF
globals: { verbose = true; loglevel = 6; };
suricatta: {
  tenant = "$PRODUCT"; id = "$1"; url = "$URL";
  polldelay = 1; retrywait = 1; $_gw
};
identify: (
  { name = "battery"; value = "$2"; },
  { name = "rsrp"; value = "-90"; },
  $_ver
  { name = "board"; value = "evk-rev-b"; }
);
EOF
  TMPDIR="$_dir" setsid swupdate -f "$_dir/swupdate.cfg" -k "$TMP/keys/cert.pem" -H board:1.0 -u "$3" \
    >>"$_dir/log" 2>&1 </dev/null &
  echo $! >"$_dir/pid"
  SW_PIDS="$SW_PIDS $!"
}
swu_stop() {  # swu_stop NAME
  _pid=$(cat "$TMP/sw-$1/pid" 2>/dev/null) || return 0
  kill -TERM "-$_pid" 2>/dev/null
  wait_for 10 sh -c "! kill -0 $_pid 2>/dev/null" || kill -KILL "-$_pid" 2>/dev/null
  rm -f "$TMP/sw-$1/pid"
}
on_exit '[ -n "${DDI_KEEP:-}" ] && cp -r "$TMP" "$DDI_KEEP"'
on_exit 'for p in $SW_PIDS; do kill -KILL "-$p" 2>/dev/null; done; [ -n "${OTAD_PID:-}" ] && kill "$OTAD_PID" 2>/dev/null'

# ------------------------------------------------------ a signed .swu image
# ddi_build_swu: sets SWU (the image) and PAYLOAD (what it installs into
# $TMP/target/installed.bin).
ddi_build_swu() {
  # Throwaway key pair; sw-description (libconfig) with a rawfile-style
  # "files" entry writing the payload into $TMP/target, signed with CMS.
  mkdir -p "$TMP/keys" "$TMP/swu" "$TMP/target"
  openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=otaconsole ddi test" \
    -keyout "$TMP/keys/key.pem" -out "$TMP/keys/cert.pem" >/dev/null 2>&1
  PAYLOAD="otaconsole ddi payload $$ $(date +%s)"
  printf '%s\n' "$PAYLOAD" >"$TMP/swu/payload.bin"
  psha=$(sha256sum "$TMP/swu/payload.bin" | cut -d' ' -f1)
  cat >"$TMP/swu/sw-description" <<EOF
software =
{
	version = "2.0.0";
	hardware-compatibility = [ "1.0" ];
	files: (
		{
			filename = "payload.bin";
			path = "$TMP/target/installed.bin";
			sha256 = "$psha";
		}
	);
}
EOF
  openssl cms -sign -in "$TMP/swu/sw-description" -out "$TMP/swu/sw-description.sig" \
    -signer "$TMP/keys/cert.pem" -inkey "$TMP/keys/key.pem" -outform DER -nosmimecap -binary
  (cd "$TMP/swu" && printf 'sw-description\nsw-description.sig\npayload.bin\n' | cpio -o -H crc --quiet >../update.swu)
  SWU="$TMP/update.swu"
  ok "a signed .swu is built" test -s "$SWU"
  # Judged by what swupdate says: under a loaded make -j its exit status in
  # -c mode was seen non-zero after it had printed success (its IPC teardown).
  mkdir -p "$TMP/swu-check"
  env TMPDIR="$TMP/swu-check" swupdate -c -k "$TMP/keys/cert.pem" -H board:1.0 -i "$SWU" >"$TMP/check.log" 2>&1
  ok "swupdate itself accepts the image (-c check)" \
    sh -c "grep -q 'SWUPDATE successful' '$TMP/check.log' && ! grep -Eq 'ERROR|FAILURE|failed' '$TMP/check.log' || { cat '$TMP/check.log'; false; }"
}

# ------------------------------------------------------------------- otad
# ddi_otad_start: an admin token (ADMIN), otad with --ddi-poll 1 (OTAD_PID,
# PORT, URL), its database DB.
ddi_otad_start() {
  DB="$TMP/otad/ota.db"
  mkdir -p "$TMP/otad"
  ADMIN=$("$OTAD" token create --db "$DB" --role admin --name ddi-admin | tail -1)
  "$OTAD" --db "$DB" --listen 127.0.0.1:0 --ddi-poll 1 --log-level info 2>"$TMP/otad.log" &
  OTAD_PID=$!
  wait_for 10 grep -q 'listening on' "$TMP/otad.log"
  PORT=$(sed -n 's/.*listening on http:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p' "$TMP/otad.log" | head -1)
  URL="http://127.0.0.1:$PORT"
  ok "otad listens with --ddi-poll 1" test -n "$PORT"
}

# ddi_product: the product (DKEY, its device key) and the .swu as a
# package of component os, version 2.0.0 (PKG).
ddi_product() {
  is "product created" "$(api POST /api/v1/products -H 'Content-Type: application/json' \
    -d "{\"key\":\"$PRODUCT\",\"name\":\"DDI board\"}")" 201
  DKEY=$(jget "$TMP/r.json" '$.device_key')
  is "the .swu uploaded as a package" "$(api POST /api/v1/packages \
    -F 'meta={"component":"os","kind":"full","target_version":"2.0.0","remark":"ddi"};type=application/json' \
    -F "file=@$SWU;filename=update.swu")" 201
  PKG=$(jget "$TMP/r.json" '$.id')
}
