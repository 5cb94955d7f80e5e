#!/bin/bash
# Failed authentications throttled per source address (auth_fail_limit and
# auth_fail_window from the config file), for management tokens, device
# keys and device tokens alike: 401s counted per kind in /metrics, the
# limit's next request answered 429 rate_limited with Retry-After whatever
# it carries, another address untouched, one log line per throttled
# address, and requests let through again once the window has passed (the
# clock moved by hand).  Then the listener: a second otad on a taken address
# exits 1 with one line naming it while the first goes on serving its own
# database; --reuse-port shares it deliberately; a restart binds at once
# despite TIME_WAIT; /healthz tells servers apart (instance per start, store
# per database).
. "$OTA_SRCDIR/tests/http/otad_lib.sh"
need ss iproute2

fake_clock
T0=$NOW
cat >"$TMP/otad.conf" <<EOF
auth_fail_limit = 20
auth_fail_window = 60
EOF
ADM=$(token admin adm)
otad_start --config "$TMP/otad.conf"
jcall "$ADM" POST /products '{"key":"meter","name":"Meter"}'
is "product created" "$CODE" 201
DKEY=$(jq_ .device_key)
CHECKIN='{"device":"dev-1","product":"meter","versions":{"module":"1.0.0"}}'
DDI="//meter/controller/v1/dev-1"

metric() { curl -s "$BASE/metrics" | sed -n "s/^$1 //p"; }
failures() { printf '%s/%s/%s' "$(metric 'ota_auth_failures_total{kind="token"}')" \
  "$(metric 'ota_auth_failures_total{kind="device_key"}')" "$(metric 'ota_auth_failures_total{kind="device_token"}')"; }
is "no failures yet (token/device_key/device_token)" "$(failures)" "0/0/0"

# 19 refused credentials of every kind from 127.0.0.1
n401=0
refused() { [ "$CODE" = 401 ] && n401=$((n401 + 1)); }
for i in 1 2 3 4 5 6 7 8; do acall "bad-token-$i" GET /products; refused; done
for i in 1 2 3 4; do
  call POST /device/checkin -H "X-Device-Key: bad-$i" -H 'Content-Type: application/json' --data-binary "$CHECKIN"; refused
done
for i in 1 2 3 4; do call GET "$DDI" -H "Authorization: GatewayToken bad-$i"; refused; done
call POST /device/checkin -H "X-Device-Token: otd_bad" -H 'Content-Type: application/json' --data-binary "$CHECKIN"; refused
call GET "$DDI" -H "Authorization: TargetToken otd_bad"; refused
call GET /packages/1/files/fw.bin -H "X-Device-Key: bad"; refused
is "19 refusals answered 401" "$n401" 19
is "counted per kind: token 8, device_key 9 (X-Device-Key, GatewayToken, download), device_token 2" \
  "$(failures)" "8/9/2"
acall "$ADM" GET /products
is "after 19 failures a good token still passes" "$CODE" 200
ok "no throttling logged yet" test "$(grep -c 'throttling' "$LOG")" -eq 0

acall "bad-token-20" GET /products
expect_err "the 20th failure is still answered" 401 unauthorized
like "the 20th starts throttling: one warning naming the address and the window" \
  "$(grep 'throttling' "$LOG")" 'warn auth: throttling 127\.0\.0\.1: 20 failed authentications within 60 s'

acall "bad-token-21" GET /products
expect_err "the 21st: refused" 429 rate_limited
is "Retry-After: the window's seconds left" "$(header Retry-After)" 60
like "the message says when to try again" "$(jq_ .error.message)" 'try again in 60 s'
acall "$ADM" GET /products
expect_err "a good token from the same address is refused too" 429 rate_limited
call POST /device/checkin -H "X-Device-Key: $DKEY" -H 'Content-Type: application/json' --data-binary "$CHECKIN"
expect_err "a good device key too" 429 rate_limited
call GET "$DDI" -H "Authorization: GatewayToken $DKEY"
expect_err "a good DDI gateway token too" 429 rate_limited
call GET /products/meter -H "X-Device-Token: otd_x"
expect_err "a device token too" 429 rate_limited
call GET //healthz
is "/healthz is not throttled" "$CODE" 200
call GET //metrics
is "/metrics is not throttled" "$CODE" 200

# another source address on loopback is not throttled
bcall() { call "$@" --interface 127.0.0.2; }
bcall GET /products -H "Authorization: Bearer $ADM"
is "127.0.0.2 with a good token: 200" "$CODE" 200
bcall GET /products -H "Authorization: Bearer wrong"
expect_err "127.0.0.2 with a bad token: an ordinary 401" 401 unauthorized

clock_advance 30
acall "$ADM" GET /products
is "30 s later: still refused" "$CODE" 429
is "  Retry-After counts down" "$(header Retry-After)" 30
is "429s counted (ota_auth_throttled_total)" "$(metric ota_auth_throttled_total)" 6
is "failures: the 20th and 127.0.0.2's, none for the 429s" "$(failures)" "10/9/2"
is "exactly one log line for the throttled address" "$(grep -c 'auth: throttling' "$LOG")" 1
ok "none for 127.0.0.2 (one failure)" test "$(grep -c 'throttling 127\.0\.0\.2' "$LOG")" -eq 0
out=$("$OTA_BUILDDIR/cli/otactl" --remote "$BASE" --token "$ADM" product list 2>&1); rc=$?
is "otactl while throttled: exit 1, the server's message with the wait" "$rc/$out" \
  "1/otactl: rate_limited: too many failed authentications from 127.0.0.1; try again in 30 s"

clock_set $((T0 + 60))
acall "$ADM" GET /products
is "once the window has passed: the good token passes" "$CODE" 200
call POST /device/checkin -H "X-Device-Key: $DKEY" -H 'Content-Type: application/json' --data-binary "$CHECKIN"
is "  and the device key" "$CODE" 200
acall "bad" GET /products
is "  a bad one is an ordinary 401 again (a new window)" "$CODE" 401
is "  no new throttling logged" "$(grep -c 'auth: throttling' "$LOG")" 1

# 127.0.0.2 reaches the limit on its own (its failure at T0 has left the
# window): its own one line, 127.0.0.1 unaffected
for i in $(seq 20); do bcall GET /products -H "Authorization: Bearer wrong-$i"; done
bcall GET /products -H "Authorization: Bearer $ADM"
is "127.0.0.2 after its 20 failures: 429" "$CODE" 429
acall "$ADM" GET /products
is "127.0.0.1 meanwhile: 200" "$CODE" 200
is "one line for 127.0.0.2" "$(grep -c 'auth: throttling 127\.0\.0\.2' "$LOG")" 1
is "still one for 127.0.0.1" "$(grep -c 'auth: throttling 127\.0\.0\.1' "$LOG")" 1

# ---------------------------------------------------------------- the port
call GET //healthz
INST1=$(jq_ .instance) STORE1=$(jq_ .store)
like "/healthz: ok, an instance id and a store hash" "$(jq_ .ok) $INST1 $STORE1" '^true [0-9a-f]{16} [0-9a-f]{12}$'
mkdir -p "$TMP/other"
ODB="$TMP/other/ota.db"
OADM=$("$OTAD" token create --db "$ODB" --role admin --name other | tail -n 1)
timeout 20 "$OTAD" --listen "127.0.0.1:$PORT" --db "$ODB" >"$TMP/second.out" 2>"$TMP/second.err"
is "a second otad on the taken address exits 1" "$?" 1
is "  with one line naming the address" "$(cat "$TMP/second.out" "$TMP/second.err")" \
  "otad: 127.0.0.1:$PORT is already in use"
good=0
for i in $(seq 20); do
  acall "$ADM" GET /products
  [ "$CODE" = 200 ] && [ "$(jq_ '.items[0].key')" = meter ] && good=$((good + 1))
done
is "the first still answers every request from its own database (20 of 20)" "$good" 20
call GET //healthz
is "  and it is the same instance" "$(jq_ .instance)" "$INST1"

# A restart on the same port right after stopping, with a connection of the
# old server's in TIME_WAIT (the server closed it first: it was open when
# the server stopped).
exec 3<>"/dev/tcp/127.0.0.1/$PORT"
printf 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n' >&3
read -r status <&3
len=0
while IFS= read -r line <&3; do  # the whole answer: unread bytes would make the close a reset
  line=${line%$'\r'}
  [ -n "$line" ] || break
  case $line in [Cc]ontent-[Ll]ength:*) len=${line#*: } ;; esac
done
read -r -N "$len" body <&3
like "a keep-alive connection held open" "$status $body" '^HTTP/1.1 200 .*"ok":true'
otad_stop
exec 3<&- 3>&-
ok "the old server's side of it lingers in TIME_WAIT" test -n "$(ss -Htan state time-wait "( sport = :$PORT )")"
OLDPORT=$PORT
otad_start --config "$TMP/otad.conf" --listen "127.0.0.1:$OLDPORT"
is "restarted at once on the same port" "$PORT" "$OLDPORT"
call GET //healthz
is "  the store hash is stable across a restart" "$(jq_ .store)" "$STORE1"
ok "  a new instance id" test "$(jq_ .instance)" != "$INST1"

# --reuse-port (flag or config key): a deliberate multi-process setup
start_bg() {  # start_bg LOG ARGS...: another otad; sets BG_PID, BG_PORT
  local log=$1 i=0; shift
  : >"$log"
  "$OTAD" "$@" 2>>"$log" &
  BG_PID=$!
  on_exit "kill $BG_PID 2>/dev/null; wait $BG_PID 2>/dev/null"
  BG_PORT=""
  while [ $i -lt 400 ] && [ -z "$BG_PORT" ] && kill -0 $BG_PID 2>/dev/null; do
    BG_PORT=$(sed -n 's/.*listening on http:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p' "$log" | head -n 1)
    [ -n "$BG_PORT" ] || sleep 0.05; i=$((i+1))
  done
}
start_bg "$TMP/a.log" --listen 127.0.0.1:0 --db "$DB" --reuse-port
APORT=$BG_PORT
ok "otad --reuse-port listens" test -n "$APORT"
printf 'reuse_port = true\n' >"$TMP/reuse.conf"
start_bg "$TMP/b.log" --config "$TMP/reuse.conf" --listen "127.0.0.1:$APORT" --db "$ODB"
is "a second one with reuse_port = true shares the port" "$BG_PORT" "$APORT"
timeout 20 "$OTAD" --listen "127.0.0.1:$APORT" --db "$ODB" 2>"$TMP/third.err"
is "a third without --reuse-port is still refused" "$?/$(cat "$TMP/third.err")" \
  "1/otad: 127.0.0.1:$APORT is already in use"
for i in $(seq 24); do curl -s "http://127.0.0.1:$APORT/healthz"; echo; done >"$TMP/health.txt"
is "both answer on the shared port: two instance ids" "$(jq -r .instance "$TMP/health.txt" | sort -u | wc -l)" 2
is "  and two store hashes (two databases)" "$(jq -r .store "$TMP/health.txt" | sort -u | wc -l)" 2
ok "  one of them is the first database's" grep -q "\"store\":\"$STORE1\"" "$TMP/health.txt"
call GET //healthz
INST_MAIN=$(jq_ .instance)
ok "instance ids differ between two servers on one database" \
  test "$INST_MAIN" != "$(jq -r "select(.store == \"$STORE1\") | .instance" "$TMP/health.txt" | head -n 1)"
is "  while their store hash is the same" "$(jq_ .store)" "$STORE1"

# auth_fail_limit 0: no throttling (the failures are still counted)
start_bg "$TMP/off.log" --listen 127.0.0.1:0 --db "$DB" --auth_fail_limit 0
n=0
for i in $(seq 25); do
  c=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer nope-$i" "http://127.0.0.1:$BG_PORT/api/v1/products")
  [ "$c" = 401 ] && n=$((n + 1))
done
is "auth_fail_limit 0: 25 bad tokens, 25 ordinary 401s" "$n" 25
is "  counted all the same" "$(curl -s "http://127.0.0.1:$BG_PORT/metrics" | sed -n 's/^ota_auth_failures_total{kind="token"} //p')" 25
ok "  nothing throttled, nothing logged" test "$(grep -c 'auth: throttling' "$TMP/off.log")" -eq 0

out=$("$OTAD" --listen 127.0.0.1:0 --db "$DB" --reuse-port=maybe 2>&1); rc=$?
like "a bad reuse_port value names the rule" "$rc/$out" '^2/.*reuse_port.*true or false'
printf 'auth_fail_window = 0\n' >"$TMP/bad.conf"
out=$("$OTAD" --config "$TMP/bad.conf" 2>&1); rc=$?
like "auth_fail_window 0 is refused with file and line" "$rc/$out" '^2/.*bad.conf:1: auth_fail_window.*integer 1\.\.86400'
done_testing
