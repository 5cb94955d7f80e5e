# Helpers for the man page tests (sourced after tests/lib.sh): where the
# pages and programs are, a page rendered as plain text, one section of it,
# and "which of these words does this text lack".
need mandoc mandoc
need groff groff-base
need man man-db
MANDIR="$OTA_SRCDIR/man"
PAGES="otaconsole.1 otactl.1 otaconsole.conf.5 otad.8"
OTACONSOLE="$OTA_BUILDDIR/tui/otaconsole"
OTACTL="$OTA_BUILDDIR/cli/otactl"
OTAD="$OTA_BUILDDIR/server/otad"
# autoconf's PACKAGE_VERSION, as the build folder's Makefile has it
VERSION=$(sed -n 's/^PACKAGE_VERSION = //p' "$OTA_BUILDDIR/Makefile")

# render FILE: the page as plain text (no bold/underline overstrikes), wide
# enough that a synopsis or a tag stays on one line.
render() { mandoc -T utf8 -O width=250 "$1" | sed 's/.\x08//g'; }

# section FILE TITLE: the rendered section TITLE (a top-level .SH), body only.
section() {
  render "$1" | awk -v t="$2" '$0 == t { on = 1; next } /^[^ ]/ { on = 0 } on'
}

# missing "WORDS" TEXT: the words (options, keys, names) that TEXT does not
# have as whole words (a word ends at anything but a letter, digit, _ or -).
missing() {
  printf '%s\n' "$2" | awk -v words="$1" '
    BEGIN { n = split(words, w, /[ \n]+/) }
    { text = text " " $0 }
    END {
      text = text " "
      for (i = 1; i <= n; i++) {
        if (w[i] == "") continue
        found = 0; off = 0
        while ((p = index(substr(text, off + 1), w[i])) > 0) {
          q = off + p   # where it starts in text (never 1: text starts with a blank)
          before = substr(text, q - 1, 1); after = substr(text, q + length(w[i]), 1)
          if (before !~ /[A-Za-z0-9_-]/ && after !~ /[A-Za-z0-9_-]/) { found = 1; break }
          off = q
        }
        if (!found) out = out (out == "" ? "" : " ") w[i]
      }
      print out
    }'
}

# options TEXT: every --option named in TEXT (a usage text), sorted, once.
options() { printf '%s\n' "$1" | grep -oE -- '--[a-z][a-z_-]*' | sort -u; }

# unescape: roff source text to plain text (font changes, \- and \& go).
unescape() { sed -e 's/\\f[BIRP]//g' -e 's/\\-/-/g' -e 's/\\&//g' -e "s/\\\\(aq/'/g" -e 's/\\e/\\/g'; }
