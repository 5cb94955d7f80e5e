#!/bin/sh
# otactl end to end: package add (limits of DESIGN.md §1), list, show,
# verify (a tampered blob fails), download, delete (in_use while a running
# plan needs it).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/cli_lib.sh"

mkdir -p "$TMP/f"
for i in 1 2 3 4 5 6; do printf 'firmware %s\n' "$i" > "$TMP/f/fw$i.bin"; done
printf 'app' > "$TMP/f/app.tar.gz"

run package add --component module --kind full --target 1.2.0 --remark "first" "$TMP/f/fw1.bin" "$TMP/f/app.tar.gz"
is "package add: exit 0" "$RC" 0
like "package add shows the package" "$OUT" "^package 1"
like "package add shows each file's SHA-256" "$OUT" "fw1\.bin .* $(sha256sum "$TMP/f/fw1.bin" | cut -c1-64)"

run package add --component module --kind full --target 1.3.0 "$TMP/f/fw1.bin" "$TMP/f/fw2.bin" \
  "$TMP/f/fw3.bin" "$TMP/f/fw4.bin" "$TMP/f/fw5.bin"
is "five files: accepted" "$RC" 0
run package add --component module --kind full --target 1.4.0 "$TMP/f/fw1.bin" "$TMP/f/fw2.bin" \
  "$TMP/f/fw3.bin" "$TMP/f/fw4.bin" "$TMP/f/fw5.bin" "$TMP/f/fw6.bin"
is "six files: refused with exit 1" "$RC" 1
like "six files: the rule on stderr" "$ERR" "^otactl: validation_failed: files.*at most 5 files"

for bad in fw.bin3 fw.tar.bz2 fw.BIN.txt; do
  cp "$TMP/f/fw1.bin" "$TMP/f/$bad"
  run package add --component module --kind full --target 1.5.0 "$TMP/f/$bad"
  is "ending of $bad: refused" "$RC" 1
  like "ending of $bad: message names the file and the endings" "$ERR" "validation_failed: files\[0\]: .*$bad.*\.bin .*\.tar\.gz"
done
for good in a.zip a.rar a.pack a.mini_1 a.mini_2 a.py a.tar a.s19 a.bin_1 a.bin_2; do
  cp "$TMP/f/fw1.bin" "$TMP/f/$good"
done
run package add --component app --kind full --target 2.0 "$TMP/f/a.zip" "$TMP/f/a.rar" "$TMP/f/a.pack" \
  "$TMP/f/a.mini_1" "$TMP/f/a.mini_2"
is "endings .zip .rar .pack .mini_1 .mini_2: accepted" "$RC" 0
run package add --component app --kind full --target 2.1 "$TMP/f/a.py" "$TMP/f/a.tar" "$TMP/f/a.s19" \
  "$TMP/f/a.bin_1" "$TMP/f/a.bin_2"
is "endings .py .tar .s19 .bin_1 .bin_2: accepted" "$RC" 0

R200=$(python3 -c "print('升' * 200)")
R201=$(python3 -c "print('升' * 201)")
run package add --component mcu --kind full --target 2.2 --remark "$R201" "$TMP/f/fw1.bin"
is "remark of 201 characters: refused" "$RC" 1
is "remark of 201 characters: the rule" "$ERR" "otactl: validation_failed: remark: at most 200 characters (got 201)"
run --json package add --component mcu --kind full --target 2.2 --remark "$R200" "$TMP/f/fw1.bin"
is "remark of 200 CJK characters: accepted" "$RC" 0
is "remark of 200 CJK characters: stored whole" "$(echo "$OUT" | py 'len(d["remark"])')" 200
MCU=$(echo "$OUT" | pyraw 'd["id"]')

run package add --component mcu --kind diff --target 2.3 "$TMP/f/fw1.bin"
is "diff without --source: refused" "$RC" 1
like "diff without --source: names source_version" "$ERR" "validation_failed: source_version:"
run package add --component mcu --kind half --target 2.3 "$TMP/f/fw1.bin"
is "--kind half: usage error" "$RC" 2
run package add --component mcu --kind full "$TMP/f/fw1.bin"
is "no --target: usage error" "$RC" 2
run package add --component mcu --kind full --target 2.3
is "no files: usage error" "$RC" 2
run package add --component mcu --kind full --target 2.3 "$TMP/f/missing.bin"
is "a missing file: refused" "$RC" 1
run --json package list
is "nothing half-made: refused adds left no package" "$(echo "$OUT" | py 'len(d["items"])')" 5

run --json package add --component mcu --kind diff --source 2.2 --target 2.3 "$TMP/f/fw2.bin"
is "diff package: source_version kept" "$(echo "$OUT" | py 'd["kind"], d["source_version"]')" "('diff', '2.2')"

run --json package list
is "package list --json: list shape" "$(echo "$OUT" | py 'sorted(d.keys()), len(d["items"])')" \
  "(['items', 'next_cursor'], 6)"
is "package JSON: exactly the API.md fields" "$(echo "$OUT" | py 'sorted(d["items"][0].keys())')" \
  "['component', 'created_at', 'files', 'id', 'kind', 'remark', 'source_version', 'target_version']"
is "full package: source_version null" \
  "$(echo "$OUT" | py '[p["source_version"] for p in d["items"] if p["id"] == 1]')" "[None]"
is "file JSON: name, size, sha256" "$(echo "$OUT" | py 'sorted(d["items"][0]["files"][0].keys())')" \
  "['name', 'sha256', 'size']"
run --json package list --component mcu
is "package list --component filters" "$(echo "$OUT" | py 'sorted(set(p["component"] for p in d["items"]))')" "['mcu']"
run package list
like "package list: aligned table" "$OUT" "^ID +COMPONENT +KIND +TARGET +SOURCE +FILES +SIZE +REMARK"

run --json package show 1
is "package show --json" "$(echo "$OUT" | py 'd["id"], d["target_version"], [f["name"] for f in d["files"]]')" \
  "(1, '1.2.0', ['fw1.bin', 'app.tar.gz'])"
run package show 999
is "show of a missing package: exit 1" "$RC" 1
like "missing package: not_found" "$ERR" "^otactl: not_found:"
run package show abc
is "show of a non-number: exit 2" "$RC" 2

run package verify 1
is "verify of intact files: exit 0" "$RC" 0
like "verify lists each file ok" "$OUT" "app\.tar\.gz +ok"

run package download 1 fw1.bin "$TMP/out.bin"
is "download: exit 0" "$RC" 0
ok "download: the same bytes" cmp "$TMP/f/fw1.bin" "$TMP/out.bin"

# change one stored blob's bytes on disk
BLOB=$(find "$TMP/blobs" -type f | while read -r f; do
  [ "$(sha256sum "$f" | cut -c1-64)" = "$(sha256sum "$TMP/f/app.tar.gz" | cut -c1-64)" ] && echo "$f"; done | head -1)
ok "the blob of app.tar.gz is on disk" test -n "$BLOB"
chmod u+w "$BLOB"
printf 'tampered' > "$BLOB"
run package verify 1
is "verify after tampering: exit 1" "$RC" 1
like "verify names the bad file" "$OUT" "app\.tar\.gz +FAILED"
like "verify: refusal on stderr" "$ERR" "^otactl: io_error: files: package 1: 1 of 2 files differ"
run --json package verify 1
is "verify --json: ok false, the file flagged" "$RC/$(echo "$OUT" | py 'd["ok"], [f["ok"] for f in d["files"]]')" \
  "1/(False, [True, False])"
run package download 1 app.tar.gz "$TMP/app.out"
is "download of a corrupted blob: refused" "$RC" 1
ok "download of a corrupted blob leaves no file" test ! -e "$TMP/app.out"

# delete: refused while a running plan uses the package, allowed once saved-only
otactl product add P "Product" >/dev/null
cat > "$TMP/plan.json" <<JSON
{"name":"uses mcu","product":"P","mode":"silent",
 "window":{"start":"$(hours_from_now -1)","end":"$(hours_from_now 48)"},
 "components":[{"component":"mcu","package_id":$MCU}]}
JSON
otactl plan create "$TMP/plan.json" >/dev/null
run package delete "$MCU"
is "delete of a package only a saved plan uses: allowed" "$RC" 0
run --json package list --component mcu
is "deleted package is gone" "$(echo "$OUT" | py '[p["id"] for p in d["items"] if p["id"] == '"$MCU"']')" "[]"
run --json package add --component mcu --kind full --target 9.0 "$TMP/f/fw3.bin"
NEWMCU=$(echo "$OUT" | pyraw 'd["id"]')
sed "s/\"package_id\":$MCU/\"package_id\":$NEWMCU/" "$TMP/plan.json" > "$TMP/plan2.json"
PLAN=$(otactl --json plan create "$TMP/plan2.json" | pyraw 'd["id"]')
otactl plan activate "$PLAN" >/dev/null
run package delete "$NEWMCU"
is "delete of a package an active plan uses: refused" "$RC" 1
like "delete refused: in_use" "$ERR" "^otactl: in_use:"
run package delete 999
is "delete of a missing package: exit 1" "$RC" 1

done_testing
