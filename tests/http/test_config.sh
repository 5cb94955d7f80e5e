#!/bin/bash
# otad's config file: listen, db, blobs and log_level are applied from the
# file, and a flag given on the command line wins over the file.
. "$OTA_SRCDIR/tests/http/otad_lib.sh"
need ss iproute2

CDB="$TMP/cfg/state.db"
CBLOBS="$TMP/cfg-blobs"
mkdir -p "$TMP/cfg"
ADM=$("$OTAD" token create --db "$CDB" --role admin --name adm | tail -n 1)
cat >"$TMP/otad.conf" <<EOF
# everything from the file
listen = 127.0.0.1:0
db = "$CDB"
blobs = $CBLOBS
log_level = info
threads = 2
EOF
# The listen address comes from the file: otad_start's own flags are not used.
start_cfg() {  # start_cfg [flags]: otad --config only (plus flags); sets PORT, API
  : >"$LOG"
  "$OTAD" --config "$TMP/otad.conf" "$@" 2>>"$LOG" &
  OTAD_PID=$!
  on_exit "kill $OTAD_PID 2>/dev/null; wait $OTAD_PID 2>/dev/null"
  local i=0; PORT=""
  while [ $i -lt 400 ] && [ -z "$PORT" ] && kill -0 $OTAD_PID 2>/dev/null; do
    PORT=$(sed -n 's/.*listening on http:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p' "$LOG" | head -n 1)
    sleep 0.05; i=$((i+1))
  done
  BASE="http://127.0.0.1:$PORT"; API="$BASE/api/v1"
}
start_cfg
like "listen from the file (kernel-chosen port)" "$PORT" '^[0-9]+$'
like "db and blobs from the file" "$(grep -o 'listening on.*' "$LOG")" "db $CDB, blobs $CBLOBS"
acall "$ADM" GET /products
is "the token made for the file's database works" "$CODE" 200
head -c 1000 /dev/urandom >"$TMP/fw.bin"
acall "$ADM" POST /packages -F 'meta={"component":"module","kind":"full","target_version":"1.0.0"}' -F "file=@$TMP/fw.bin"
is "upload 201" "$CODE" 201
SUM=$(sha256sum <"$TMP/fw.bin" | cut -d' ' -f1)
ok "the blob went to the file's blobs folder" test -f "$CBLOBS/${SUM:0:2}/${SUM:2}"
otad_stop
ok "log_level info: request lines logged" grep -q 'GET /api/v1/products 200' "$LOG"
is "stopped cleanly" "$OTAD_RC" 0

# log_level = warn in the file: request lines (info) are not logged.
sed -i 's/^log_level = info/log_level = warn/' "$TMP/otad.conf"
: >"$LOG"
"$OTAD" --config "$TMP/otad.conf" --listen 127.0.0.1:0 2>>"$LOG" &
OTAD_PID=$!
on_exit "kill $OTAD_PID 2>/dev/null; wait $OTAD_PID 2>/dev/null"
# No "listening" line at warn: find the port from the process's socket.
PORT=""; i=0
while [ $i -lt 400 ] && [ -z "$PORT" ]; do
  PORT=$(ss -Hltnp 2>/dev/null | grep "pid=$OTAD_PID," | sed -n 's/.*127\.0\.0\.1:\([0-9]*\) .*/\1/p' | head -n 1)
  sleep 0.05; i=$((i+1))
done
BASE="http://127.0.0.1:$PORT"; API="$BASE/api/v1"
acall "$ADM" GET /products
is "log_level warn: still serving" "$CODE" 200
otad_stop
fails "log_level warn: no request lines" grep -q 'GET /api/v1/products' "$LOG"

# A flag wins over the file.
start_cfg --log-level debug --listen 127.0.0.1:0
acall "$ADM" GET /products
otad_stop
ok "--log-level on the command line overrides the file's warn" grep -q 'GET /api/v1/products 200' "$LOG"

# A bad value in the file for the threads key is refused with file and line.
printf 'threads = many\n' >"$TMP/bad.conf"
out=$("$OTAD" --config "$TMP/bad.conf" 2>&1); rc=$?
like "threads: a bad value names file, line and rule" "$rc/$out" '^2/.*bad.conf:1: threads.*integer 0\.\.1024'
done_testing
