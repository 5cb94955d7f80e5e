#!/bin/sh
# otactl package fill-hashes: SHA-1 and MD5 for package files stored before
# they were recorded (blanked here in SQL), on the local engine only.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/cli_lib.sh"

head -c 70000 /dev/urandom > "$TMP/a.bin"
head -c 900 /dev/urandom > "$TMP/b.bin"
run package add --component module --kind full --target 2.0 "$TMP/a.bin"
run package add --component mcu --kind full --target 3.0 "$TMP/b.bin" "$TMP/a.bin"
is "two packages added" "$RC" 0
hashes() { sqlite3 "$DB" "SELECT group_concat(sha1 || ' ' || md5, ',') FROM package_files WHERE package=$1"; }
want_a="$(sha1sum "$TMP/a.bin" | cut -d' ' -f1) $(md5sum "$TMP/a.bin" | cut -d' ' -f1)"
want_b="$(sha1sum "$TMP/b.bin" | cut -d' ' -f1) $(md5sum "$TMP/b.bin" | cut -d' ' -f1)"

run package fill-hashes
is "nothing missing: nothing filled" "$RC/$OUT" "0/filled SHA-1 and MD5 of 0 stored files"
sqlite3 "$DB" "UPDATE package_files SET sha1='', md5=''"
is "blanked in SQL" "$(hashes 1)" " "
run package fill-hashes 1
is "one package: its one file" "$RC/$OUT" "0/filled SHA-1 and MD5 of 1 stored file"
is "  its hashes are back" "$(hashes 1)" "$want_a"
is "  the other package untouched" "$(hashes 2)" " , "
run --json package fill-hashes
is "all packages (--json): the two files left" "$RC/$(echo "$OUT" | py 'd["filled"]')" "0/2"
is "  both files of the second package" "$(hashes 2)" "$want_b,$want_a"
run package fill-hashes 99
is "an unknown package: not found" "$RC/$ERR" '1/otactl: not_found: id: no package 99'
run package fill-hashes x
is "a bad id: usage" "$RC" 2
"$OTACTL" --remote http://127.0.0.1:9 --token t package fill-hashes >"$TMP/.stdout" 2>"$TMP/.stderr"
RC=$?; ERR=$(cat "$TMP/.stderr")
is "with a remote: refused, local engine only" "$RC" 1
like "  says why" "$ERR" "local engine only"

done_testing
