# Helpers for driving the real otaconsole in tmux (source after
# tests/lib.sh).  Sets CONSOLE, OTACTL and T (a tmux on a private socket,
# killed on exit); CTL runs otactl on the script's local engine $DB.
# Every wait polls the screen for a condition (bounded); nothing sleeps
# for a fixed time and hopes.
CONSOLE="$OTA_BUILDDIR/tui/otaconsole"
OTACTL="$OTA_BUILDDIR/cli/otactl"
CTL() { "$OTACTL" --db "$DB" "$@"; }
need tmux tmux
T="tmux -L ota-e2e-$$-$(basename "$0" .sh)"
on_exit "$T kill-server 2>/dev/null"

start() {  # start SESSION [env assignments] program args...
  s=$1; shift
  $T new-session -d -s "$s" -x 100 -y 30 \
    "env TERM=xterm-256color LANG=C.UTF-8 LC_ALL=C.UTF-8 TZ=UTC HOME=$HOME XDG_CONFIG_HOME=$XDG_CONFIG_HOME $* 2>>$TMP/stderr.log"
}
screen() { $T capture-pane -p -t "$1"; }
keys() { s=$1; shift; $T send-keys -t "$s" "$@"; }
text() { $T send-keys -t "$1" -l "$2"; }
pane_pid() { $T list-panes -t "$1" -F '#{pane_pid}'; }
status_line() { screen "$1" | tail -1; }
# wait_for SESSION REGEX [tries of 0.1 s, default 100]
wait_for() {
  n=${3:-100}
  while [ "$n" -gt 0 ]; do
    screen "$1" | grep -Eq -- "$2" && return 0
    n=$((n-1)); sleep 0.1
  done
  echo "# waited for /$2/; the screen was:"; screen "$1" | sed 's/^/#   | /'
  return 1
}
# wait_gone SESSION REGEX [tries]: true once no line matches
wait_gone() {
  n=${3:-100}
  while [ "$n" -gt 0 ]; do
    screen "$1" | grep -Eq -- "$2" || return 0
    n=$((n-1)); sleep 0.1
  done
  echo "# waited for /$2/ to go; the screen was:"; screen "$1" | sed 's/^/#   | /'
  return 1
}
check() {  # check "description" SESSION REGEX [tries]
  d=$1; shift
  TAP_N=$((TAP_N+1))
  if wait_for "$@" >"$TMP/.w" 2>&1; then echo "ok $TAP_N - $d"
  else echo "not ok $TAP_N - $d"; TAP_FAILED=$((TAP_FAILED+1)); cat "$TMP/.w"; fi
}
check_gone() {  # check_gone "description" SESSION REGEX [tries]
  d=$1; shift
  TAP_N=$((TAP_N+1))
  if wait_gone "$@" >"$TMP/.w" 2>&1; then echo "ok $TAP_N - $d"
  else echo "not ok $TAP_N - $d"; TAP_FAILED=$((TAP_FAILED+1)); cat "$TMP/.w"; fi
}
# wait_until "command" [tries]: true once the command succeeds
wait_until() {
  n=${2:-100}
  while [ "$n" -gt 0 ]; do
    eval "$1" >/dev/null 2>&1 && return 0
    n=$((n-1)); sleep 0.1
  done
  return 1
}
# start_pid SESSION PIDFILE [env assignments] program args...: like start,
# and the program's own pid is written to PIDFILE (it is exec'd).
start_pid() {
  s=$1; pf=$2; shift 2
  $T new-session -d -s "$s" -x 100 -y 30 \
    "echo \$\$ > $pf; exec env TERM=xterm-256color LANG=C.UTF-8 LC_ALL=C.UTF-8 TZ=UTC HOME=$HOME XDG_CONFIG_HOME=$XDG_CONFIG_HOME $* 2>>$TMP/stderr.log"
}
# remote_plan NAME FLEET_CSV: on the otad of lib-otad.sh, product meter
# (its device key in $DKEY), the fleet, a module package and plan 1 NAME,
# silent, for every device, activated.
remote_plan() {
  DKEY=$("$OTACTL" --remote "$OTAD_URL" --token "$OTAD_TOKEN" --json product add meter "Smart meter" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["device_key"])')
  printf '%s\n' "$2" > "$TMP/fleet.csv"
  printf 'module image\n' > "$TMP/module.bin"
  cat > "$TMP/plan.json" <<JSON
{"name":"$1","product":"meter","mode":"silent",
 "strategy":{"retries":0,"min_rsrp":-140,"min_battery":0},
 "window":{"start":"2020-01-01T00:00:00Z","end":"2035-01-01T00:00:00Z"},
 "components":[{"component":"module","package_id":1}]}
JSON
  for args in "device import meter $TMP/fleet.csv" \
      "package add --component module --kind full --target 2.0 $TMP/module.bin" \
      "plan create $TMP/plan.json" "plan activate 1"; do
    # shellcheck disable=SC2086 # args is a word list
    "$OTACTL" --remote "$OTAD_URL" --token "$OTAD_TOKEN" $args >/dev/null || return 1
  done
}
# start80 SESSION [env assignments] program args...: like start, in an 80x24
# window (the size the console is made for); later env assignments win, so
# "LANG=C LC_ALL=C TERM=linux" gives a plain-ASCII Linux console.
start80() {
  s=$1; shift
  $T new-session -d -s "$s" -x 80 -y 24 \
    "env TERM=xterm-256color LANG=C.UTF-8 LC_ALL=C.UTF-8 TZ=UTC HOME=$HOME XDG_CONFIG_HOME=$XDG_CONFIG_HOME $* 2>>$TMP/stderr.log"
}
# saved_plan NAME [COMPONENTS-JSON] [MORE-JSON]: a saved plan of product
# meter made with otactl on $DB (silent, retries 1, no thresholds, a window
# 2020-2030); components default to package 1 as "module"; MORE-JSON adds
# members ("blacklist":[...],).
saved_plan() {
  comps=${2:-}; [ -n "$comps" ] || comps='[{"component":"module","package_id":1}]'
  cat > "$TMP/saved_plan.json" <<JSON
{"name":"$1","product":"meter","mode":"silent",${3:-}
 "strategy":{"retries":1,"min_rsrp":-140,"min_battery":0},
 "window":{"start":"2020-01-01T00:00:00Z","end":"2030-01-01T00:00:00Z"},
 "components":$comps}
JSON
  CTL plan create "$TMP/saved_plan.json" >/dev/null
}
