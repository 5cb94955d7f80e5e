#!/bin/sh
# End-to-end: the light and high-contrast themes as the terminal shows them
# (tmux capture-pane -e keeps the SGR attributes): colours from the theme
# files, and no error colour in the status bar while there is no error.
. "${OTA_SRCDIR:-$(dirname "$0")/../..}/tests/lib.sh"
. "$OTA_SRCDIR/tests/e2e/lib-console.sh"

DB="$TMP/ota.db"
printf 'image\n' > "$TMP/fw.bin"
CTL package add --component mcu --kind full --target 1.0 "$TMP/fw.bin" >/dev/null
ESC=$(printf '\033')
attrs() { $T capture-pane -e -p -t "$1"; }
# has SESSION "description" REGEX (extended, on the SGR-annotated screen)
has() {
  TAP_N=$((TAP_N+1))
  if attrs "$1" | grep -Eq -- "$3"; then echo "ok $TAP_N - $2"
  else echo "not ok $TAP_N - $2"; TAP_FAILED=$((TAP_FAILED+1)); attrs "$1" | cat -v | sed 's/^/#   | /' | head -8; fi
}

start light "$CONSOLE" --db "$DB" --theme light
check "light: the console opens" light "Packages: 1 "
has light "light: the selected row is white on blue" "$ESC\[37m$ESC\[44m1 +mcu"
has light "light: headers are bold blue" "$ESC\[1m$ESC\[34mPackages: 1"
has light "light: the status bar is white on colour 24" "$ESC\[37m$ESC\[48;5;24m +local: "
TAP_N=$((TAP_N+1))
if attrs light | tail -1 | grep -q "$ESC\[41m"; then
  echo "not ok $TAP_N - light: no error colour in the status bar without an error"; TAP_FAILED=$((TAP_FAILED+1))
else echo "ok $TAP_N - light: no error colour in the status bar without an error"; fi

start hc "$CONSOLE" --db "$DB" --theme high-contrast
check "high-contrast: the console opens" hc "Packages: 1 "
has hc "high-contrast: the active tab is bold black on bright yellow" "$ESC\[1m$ESC\[30m$ESC\[103m 1 Packages"
has hc "high-contrast: text is bold bright white on black" "$ESC\[1m$ESC\[97m"
has hc "high-contrast: headers are bright yellow and underlined" "$ESC\[4m$ESC\[93mID +Component"
has hc "high-contrast: the selection is black on bright white" "$ESC\[30m$ESC\[107m1 +mcu"

ok "nothing was written to stderr" test ! -s "$TMP/stderr.log"
done_testing
