#!/bin/sh
# otactl end to end: products, device import (JSON and CSV), device list,
# usage errors, and the exit-status contract (0 ok, 1 refused, 2 usage).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/cli_lib.sh"

run product add EC600N-meter "Smart water meter (EC600N)"
is "product add exits 0" "$RC" 0
like "product add shows the device key once" "$OUT" "device key \(shown once\): [0-9a-f]{64}"

run product add EC600N-meter "Again"
is "adding a product key twice is refused" "$RC" 1
like "duplicate product: conflict on stderr" "$ERR" "^otactl: conflict: key: "

N101=$(python3 -c "print('表' * 101)")
N300=$(python3 -c "print('表' * 300)")
run product add LONG "$N101"
is "a product name of 101 characters: the rule" "$RC/$ERR" "1/otactl: validation_failed: name: at most 100 characters (got 101)"
run product add LONG "$N300"
is "a product name of 300 characters: the rule and the count" "$RC/$ERR" \
  "1/otactl: validation_failed: name: at most 100 characters (got 300)"
run product add "bad key" "Name"
is "a product key with a space: the rule" "$RC/$ERR" \
  "1/otactl: validation_failed: key: only letters, digits, '-', '_' and '.' are allowed (\"bad key\")"

run --json product add BG95-tracker "Asset tracker (BG95)"
is "product add --json: key, name and device_key" \
  "$(echo "$OUT" | py 'd["key"], d["name"], len(d["device_key"])')" "('BG95-tracker', 'Asset tracker (BG95)', 64)"

run product list
is "product list exits 0" "$RC" 0
like "product list: a header row" "$OUT" "^KEY +NAME +CREATED"
like "product list: the product" "$OUT" "EC600N-meter +Smart water meter \(EC600N\)"

run product list --json
is "product list --json: the API.md list shape" \
  "$(echo "$OUT" | py 'sorted(d.keys()), [p["key"] for p in d["items"]], d["next_cursor"]')" \
  "(['items', 'next_cursor'], ['BG95-tracker', 'EC600N-meter'], None)"
is "product list --json: items are {key,name,created_at,device_auth,enrollment}" \
  "$(echo "$OUT" | py 'sorted(d["items"][0].keys())')" "['created_at', 'device_auth', 'enrollment', 'key', 'name']"

run device import EC600N-meter "$OTA_SRCDIR/fixtures/demo/devices.csv"
is "device import csv exits 0" "$RC" 0
like "device import csv counts" "$OUT" "imported 3 devices into EC600N-meter \(3 added, 0 updated\)"

run --json device import EC600N-meter "$OTA_SRCDIR/fixtures/demo/devices.json"
is "device import json --json counts" "$(echo "$OUT" | py 'd["added"], d["updated"]')" "(2, 0)"

run --json device import EC600N-meter "$OTA_SRCDIR/fixtures/demo/devices.json"
is "importing again updates" "$(echo "$OUT" | py 'd["added"], d["updated"]')" "(0, 2)"

printf 'id,module\nok-1,1.0\nbad id with spaces,1.0\n' > "$TMP/bad.csv"
run device import EC600N-meter "$TMP/bad.csv"
is "a bad CSV row is refused" "$RC" 1
like "the error names the line" "$ERR" "^otactl: validation_failed: file: line 3"
run --json device list EC600N-meter --query ok-
is "a refused import adds nothing (all or nothing)" "$(echo "$OUT" | py 'len(d["items"])')" 0

printf 'id,module\ntw-1,1.0\ntw-2,1.0\ntw-1,1.1\n' > "$TMP/twice.csv"
run device import EC600N-meter "$TMP/twice.csv"
is "a device listed twice in a file: refused naming both lines" "$RC/$ERR" \
  '1/otactl: validation_failed: file: line 4: device "tw-1" is listed twice (first at line 2)'
run --json device list EC600N-meter --query tw-
is "... and none of that file is imported" "$(echo "$OUT" | py 'len(d["items"])')" 0

echo 'x' > "$TMP/devices.txt"
run device import EC600N-meter "$TMP/devices.txt"
is "a device file that is neither .json nor .csv is refused" "$RC" 1
like "unsupported file type named" "$ERR" "unsupported_media_type: file:"

run device import NOPE "$OTA_SRCDIR/fixtures/demo/devices.csv"
is "import into an unknown product is refused" "$RC" 1
like "unknown product: not_found" "$ERR" "^otactl: not_found: "

run device list EC600N-meter
like "device list: table with versions and telemetry" "$OUT" "csv-0002 +mcu=2.1 module=1.1.0 +-112 +15%"
run device list EC600N-meter --query json-
is "device list --query filters by id" "$(echo "$OUT" | grep -c '^json-')" 2

run --json device list EC600N-meter --limit 2
is "device list --json: page of 2 with a cursor" \
  "$(echo "$OUT" | py 'len(d["items"]), d["next_cursor"] is not None')" "(2, True)"
CUR=$(echo "$OUT" | pyraw 'd["next_cursor"]')
run --json device list EC600N-meter --limit 2 --cursor "$CUR"
is "the cursor gives the next page" "$(echo "$OUT" | py 'len(d["items"])')" 2
is "device JSON shape" "$(echo "$OUT" | py 'sorted(d["items"][0].keys())')" \
  "['battery', 'credential', 'credential_at', 'id', 'last_seen', 'product', 'rsrp', 'versions']"

# usage errors: exit 2 with a usage line, and no database is created
rm -f "$DB"
run
is "no command: exit 2" "$RC" 2
like "no command: usage text" "$ERR" "^usage: otactl"
run product
is "group without verb: exit 2" "$RC" 2
run product frobnicate
is "unknown verb: exit 2" "$RC" 2
run product add ONLYKEY
is "missing argument: exit 2" "$RC" 2
like "missing argument: the command's usage" "$ERR" "usage: otactl product add KEY NAME"
run product list extra
is "extra argument: exit 2" "$RC" 2
run device list P --bogus
is "unknown option: exit 2" "$RC" 2
run device list P --limit 0
is "--limit 0: exit 2" "$RC" 2
run device list P --query a --query b
is "an option given twice: exit 2" "$RC" 2
like "an option given twice: named" "$ERR" "^otactl: --query given twice"
run --db
is "--db without a value: exit 2" "$RC" 2
ok "usage errors create no database" test ! -e "$DB"
run help
is "help exits 0" "$RC" 0
like "help lists every group" "$OUT" "otactl demo seed"

done_testing
