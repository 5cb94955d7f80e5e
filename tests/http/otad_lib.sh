# Shared by the HTTP tests: start a real otad on a free loopback port (the
# kernel picks it: --listen 127.0.0.1:0, read back from the log), tokens
# made with `otad token create`, curl helpers, and cleanup on exit.
. "$OTA_SRCDIR/tests/lib.sh"

need curl curl
need jq jq
OTAD="$OTA_BUILDDIR/server/otad"
DB="$TMP/srv/ota.db"
LOG="$TMP/otad.log"
mkdir -p "$TMP/srv"

# Any test that runs longer than this is stuck: fail rather than hang.
# (Its output goes nowhere: a stray sleep must not hold the harness's pipe.)
trap 'exit 143' TERM
( sleep "${OTAD_TEST_TIMEOUT:-120}" && kill -TERM $$ ) >/dev/null 2>&1 &
WATCHDOG=$!
on_exit "kill $WATCHDOG 2>/dev/null"

token() {  # token ROLE [NAME] -> prints the secret
  "$OTAD" token create --db "$DB" --role "$1" ${2:+--name "$2"} | tail -n 1
}

# otad_start [extra args]: sets OTAD_PID, BASE (http://127.0.0.1:PORT)
otad_start() {
  : >"$LOG"
  # OTAD_WRAPPER: e.g. "valgrind --error-exitcode=1 --leak-check=full"
  # OTAD_TEST_ARGS: run a suite in another mode, e.g. "--threads 0"
  ${OTAD_WRAPPER:-} "$OTAD" --listen 127.0.0.1:0 --db "$DB" ${OTAD_TEST_ARGS:-} "$@" 2>>"$LOG" &
  OTAD_PID=$!
  on_exit "kill $OTAD_PID 2>/dev/null; wait $OTAD_PID 2>/dev/null"
  local i=0 port=""
  while [ $i -lt 1200 ]; do
    port=$(sed -n 's/.*listening on https\{0,1\}:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p' "$LOG" | head -n 1)
    [ -n "$port" ] && break
    kill -0 "$OTAD_PID" 2>/dev/null || break
    sleep 0.05; i=$((i+1))
  done
  if [ -z "$port" ]; then echo "# otad did not start:"; sed 's/^/#   /' "$LOG"; exit 1; fi
  PORT=$port
  BASE="http://127.0.0.1:$port"
  API="$BASE/api/v1"
}

otad_stop() {  # SIGTERM and wait (bounded); sets OTAD_RC
  kill -TERM "$OTAD_PID" 2>/dev/null
  local i=0
  while kill -0 "$OTAD_PID" 2>/dev/null && [ $i -lt 1200 ]; do sleep 0.05; i=$((i+1)); done
  wait "$OTAD_PID" 2>/dev/null; OTAD_RC=$?
}

# call METHOD PATH [curl args...]: sets CODE, BODY (file $TMP/body), HDRS.
# PATH is below /api/v1 unless it starts with "//" (then below the root).
call() {
  local m=$1 p=$2; shift 2
  local url
  case $p in //*) url="$BASE${p#/}" ;; *) url="$API$p" ;; esac
  CODE=$(curl -s -S -m "${OTAD_CURL_TIMEOUT:-30}" -X "$m" -D "$TMP/hdrs" -o "$TMP/body" -w '%{http_code}' "$@" "$url" 2>"$TMP/curl.err") || CODE="curl-failed"
  BODY=$(tr -d '\000' <"$TMP/body")
  HDRS=$(tr -d '\r' <"$TMP/hdrs")
}
# with a token
acall() { local t=$1; shift; local m=$1 p=$2; shift 2; call "$m" "$p" -H "Authorization: Bearer $t" "$@"; }
# JSON body helper
jcall() { local t=$1 m=$2 p=$3 body=$4; shift 4
  acall "$t" "$m" "$p" -H 'Content-Type: application/json' --data-binary "$body" "$@"; }
jq_() { printf '%s' "$BODY" | jq -r "$1" 2>/dev/null; }

# expect "desc" CODE ERRCODE: status and the API.md error code in the body
expect_err() {
  is "$1: status" "$CODE" "$2"
  is "$1: error code" "$(jq_ .error.code)" "$3"
}
header() { printf '%s\n' "$HDRS" | sed -n "s/^$1: //Ip" | head -n 1; }

healthy() {  # the server still answers
  local c; c=$(curl -s -m 5 -o /dev/null -w '%{http_code}' "$BASE/healthz")
  is "server still answers /healthz ($1)" "$c" 200
}

# A window around now so a plan offers jobs right away.
window_json() {
  local s e
  s=$(date -u -d '-1 hour' +%Y-%m-%dT%H:%M:%SZ); e=$(date -u -d '+1 day' +%Y-%m-%dT%H:%M:%SZ)
  printf '{"start":"%s","end":"%s"}' "$s" "$e"
}

# otad's clock, moved by hand: fake_clock [SECONDS] makes a clock file
# (default: now) and exports OTA_FAKE_NOW naming it, so every otad started
# afterwards reads its engine's time from it; clock_set SECONDS and
# clock_advance SECONDS rewrite it (whole, by rename).  $NOW is its time.
fake_clock() {
  CLOCK_FILE="$TMP/clock"
  clock_set "${1:-$(date +%s)}"
  export OTA_FAKE_NOW="$CLOCK_FILE"
}
clock_set() { NOW=$1; printf '%s\n' "$NOW" >"$CLOCK_FILE.new" && mv "$CLOCK_FILE.new" "$CLOCK_FILE"; }
clock_advance() { clock_set $((NOW + $1)); }
