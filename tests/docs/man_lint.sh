#!/bin/sh
# The man pages: clean under mandoc's lint and groff's warnings, rendered as
# man -l would, stamped with autoconf's version, cross-referenced, and all
# of them installed (man/local.mk).  A broken copy proves the lint bites.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/docs_lib.sh"

# lint_clean FILE: mandoc -T lint -W warning exits 0 and says nothing
lint_clean() {
  out=$(mandoc -T lint -W warning "$1" 2>&1); rc=$?
  printf '%s' "$out"
  [ "$rc" -eq 0 ] && [ -z "$out" ]
}
# groff_quiet FILE: groff with every warning on prints nothing
groff_quiet() {
  out=$(groff -ww -man -Tutf8 -z "$1" 2>&1); rc=$?
  printf '%s' "$out"
  [ "$rc" -eq 0 ] && [ -z "$out" ]
}

like "the build's version is known" "$VERSION" '^[0-9]'
for p in $PAGES; do
  f="$MANDIR/$p"
  name=${p%.*}
  sec=${p##*.}
  ok "$p: mandoc -T lint -W warning is clean" lint_clean "$f"
  ok "$p: groff -ww -man is silent" groff_quiet "$f"
  text=$(render "$f")
  like "$p: renders with a NAME section" "$text" "^NAME"
  like "$p: NAME names it" "$(section "$f" NAME)" "^ +$name - "
  like "$p: the header is $name($sec)" "$(printf '%s\n' "$text" | head -1)" \
    "^$(echo "$name" | tr a-z A-Z | sed 's/\./\\./g')\\($sec\\)"
  is "$p: .TH carries the version $VERSION" \
    "$(sed -n 's/^\.TH [^ ]* [0-9] [0-9-]* "\([^"]*\)".*/\1/p' "$f")" "otaconsole $VERSION"
  like "$p: .TH carries a date" "$(sed -n 1,10p "$f" | grep '^\.TH')" '^\.TH [^ ]+ [0-9] 20[0-9][0-9]-[01][0-9]-[0-3][0-9] '
  # SEE ALSO names the other three pages
  see=$(section "$f" "SEE ALSO")
  want=""
  for q in $PAGES; do [ "$q" = "$p" ] || want="$want ${q%.*}(${q##*.})"; done
  is "$p: SEE ALSO names the other pages" "$(missing "$want" "$see")" ""
  is "$p: installed by make install (man/local.mk)" \
    "$(missing "man/$p" "$(sed -n '/^dist_man_MANS/,/[^\\]$/p' "$MANDIR/local.mk")")" ""
done
is "every page in man/ is one of the four" \
  "$(cd "$MANDIR" && ls | grep -E '\.[1-8]$' | sort | tr '\n' ' ')" \
  "$(printf '%s\n' $PAGES | sort | tr '\n' ' ')"

# man -l renders through man-db and groff, as a user would read the file
for p in $PAGES; do
  out=$(MANPAGER=cat MANWIDTH=80 man -l "$MANDIR/$p" 2>"$TMP/man.err")
  like "$p: man -l renders it" "$out" "SEE ALSO"
done

# the checks can fail: a page with a bad macro and an empty section
sed -e 's/^\.SH DESCRIPTION$/.SH DESCRIPTION\n.SH OPTIONS/' -e '$a .XX bogus' \
  "$MANDIR/otactl.1" >"$TMP/broken.1"
fails "a broken page fails the lint" lint_clean "$TMP/broken.1"
printf '.TH X 1\n.SH NAME\nx \\- y\n.XX bogus\n' >"$TMP/broken2.1"
fails "a broken page makes groff warn" groff_quiet "$TMP/broken2.1"
done_testing
