#!/bin/sh
# End-to-end: the real otaconsole in tmux shows each package's signature
# state (signed by whom, untrusted, unsigned, INVALID after tampering), the
# per-signature detail, and a plan's history from the audit trail (h).
. "${OTA_SRCDIR:-$(dirname "$0")/../..}/tests/lib.sh"
. "$OTA_SRCDIR/tests/e2e/lib-console.sh"
need python3 python3

DB="$TMP/ota.db"
export USER=ops

CTL key generate alice --dir "$TMP/keys" >/dev/null
CTL key generate eve --dir "$TMP/keys" >/dev/null
for v in 1.0 1.1 2.0; do printf 'firmware %s\n' "$v" > "$TMP/fw-$v.bin"; done
CTL package add --component module --kind full --target 1.0 "$TMP/fw-1.0.bin" >/dev/null
CTL package add --component module --kind full --target 1.1 "$TMP/fw-1.1.bin" >/dev/null
CTL package add --component app --kind full --target 2.0 "$TMP/fw-2.0.bin" >/dev/null
CTL package sign 1 --key "$TMP/keys/alice.key" >/dev/null
CTL package sign 2 --key "$TMP/keys/eve.key" >/dev/null
mkdir -p "$XDG_CONFIG_HOME/otaconsole/trusted"
cp "$TMP/keys/alice.pub" "$XDG_CONFIG_HOME/otaconsole/trusted/"
CTL product add meter Meter >/dev/null
cat > "$TMP/plan.json" <<JSON
{"name":"signed","product":"meter","window":{"start":"2020-01-01T00:00:00Z","end":"2099-01-01T00:00:00Z"},
 "components":[{"component":"module","package_id":2}],"required_signatures":1}
JSON
CTL plan create "$TMP/plan.json" >/dev/null
CTL plan activate 1 >/dev/null 2>&1

start s "$CONSOLE" --db "$DB"
check "package list has a Signed column" s "ID +Component.*Signed"
check "signed by a trusted key: the signer" s "^ 1 +module .* alice"
check "signed by an untrusted key" s "^ 2 +module .* untrusted"
check "unsigned" s "^ 3 +app .* unsigned"
keys s j Enter
check "detail: the signature's state and why" s "untrusted key [0-9a-f]+ \(signed as eve\) is not in the trusted keys folder"
keys s Escape
python3 -c "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute('UPDATE package_files SET size=99 WHERE package=1'); c.commit()" "$DB"
keys s R
check "a tampered package is INVALID after a reload" s "^ 1 +module .* INVALID"
keys s 2
check "plans pane" s "^ 1 +signed +meter"
keys s h
check "h opens the plan's history" s "History of plan 1: 2 audit rows"
check "history: the refused activation with its code" s "local:ops +plan\.activate +validation_failed"
keys s Escape q
done_testing
