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
# at80x24 SESSION: SESSION's console on an 80x24 terminal, resized once it
# has drawn its first frame (a SIGWINCH before it set up the terminal would
# be lost) and back when its status bar is on the new last row.
at80x24() {
  wait_until "screen $1 | grep -q '[^ ]'" 100
  $T resize-window -t "$1" -x 80 -y 24
  wait_until "[ \"\$(screen $1 | wc -l)\" -eq 24 ] && screen $1 | tail -1 | grep -q '[^ ]'" 100
}
