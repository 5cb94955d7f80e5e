# Start a real otad on a free loopback port for a shell test (source after
# tests/lib.sh).  Sets OTAD_URL, OTAD_TOKEN (admin), OTAD_DB, OTAD_BLOBS;
# stops it on exit.  On failure returns 1 with OTAD_WHY.  For TLS set
# OTAD_SCHEME=https and OTAD_EXTRA="--tls-cert C --tls-key K" first.
need curl curl
need python3 python3
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null ||
    echo $((20000 + $$ % 20000))
}

otad_start() {
  OTAD_BIN="$OTA_BUILDDIR/server/otad"
  [ -x "$OTAD_BIN" ] || { OTAD_WHY="no $OTAD_BIN"; return 1; }
  OTAD_DIR="$TMP/otad${1:-}"; mkdir -p "$OTAD_DIR"
  OTAD_DB="$OTAD_DIR/ota.db"; OTAD_BLOBS="$OTAD_DIR/blobs"
  OTAD_TOKEN=$("$OTAD_BIN" token create --db "$OTAD_DB" --role admin --name admin 2>"$OTAD_DIR/token.err" | tail -1)
  [ -n "$OTAD_TOKEN" ] || { OTAD_WHY="token create: $(cat "$OTAD_DIR/token.err")"; return 1; }
  tries=0
  while [ $tries -lt 3 ]; do
    tries=$((tries+1))
    port=$(free_port)
    # shellcheck disable=SC2086 # OTAD_EXTRA is a word list
    "$OTAD_BIN" --db "$OTAD_DB" --blobs "$OTAD_BLOBS" --listen "127.0.0.1:$port" ${OTAD_EXTRA:-} \
        >"$OTAD_DIR/log" 2>&1 &
    OTAD_PID=$!
    OTAD_URL="${OTAD_SCHEME:-http}://127.0.0.1:$port"
    # Ready when /healthz answers; give up if the process exits (port taken).
    i=0
    while [ $i -lt 200 ] && kill -0 $OTAD_PID 2>/dev/null; do
      if curl -skf "$OTAD_URL/healthz" >/dev/null 2>&1; then
        on_exit "kill $OTAD_PID 2>/dev/null; wait $OTAD_PID 2>/dev/null"
        return 0
      fi
      i=$((i+1)); sleep 0.05
    done
    kill $OTAD_PID 2>/dev/null; wait $OTAD_PID 2>/dev/null
  done
  OTAD_WHY="otad did not answer /healthz: $(tail -3 "$OTAD_DIR/log")"
  return 1
}
