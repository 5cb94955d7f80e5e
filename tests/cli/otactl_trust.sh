#!/bin/sh
# otactl end to end for trust: key generate (mode 0600, a readable secret
# key refused), package sign and verify against the trusted folder (untrusted,
# valid, revoked, tampered), a plan requiring signatures, and the audit trail
# (filters, refusals with their code, JSON lines export).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/cli_lib.sh"
export USER=ops
KEYS="$TMP/keys"
TRUSTED="$XDG_CONFIG_HOME/otaconsole/trusted"

run key generate alice --dir "$KEYS"
is "key generate: exit 0" "$RC" 0
like "key generate: names the key and its id" "$OUT" "^key alice \(id [0-9a-f]{16}\)"
is "secret key file mode 600" "$(stat -c %a "$KEYS/alice.key")" 600
is "public key file mode 644" "$(stat -c %a "$KEYS/alice.pub")" 644
run key generate alice --dir "$KEYS"
is "a second alice: refused" "$RC" 1
like "a second alice: conflict" "$ERR" "^otactl: conflict: name: .*exists already"
otactl key generate bob --dir "$KEYS" >/dev/null
otactl key generate carol --dir "$KEYS" >/dev/null
run key generate ../x --dir "$KEYS"
like "a key name with a path is refused" "$ERR" "validation_failed: name"

printf 'firmware 1.2.0' > "$TMP/fw.bin"
ID=$(otactl --json package add --component module --kind full --target 1.2.0 "$TMP/fw.bin" | pyraw 'd["id"]')
chmod 644 "$KEYS/bob.key"
run package sign "$ID" --key "$KEYS/bob.key"
is "sign with a 0644 secret key: refused" "$RC" 1
like "and says how to fix it" "$ERR" "forbidden: key: .*mode 0644.*chmod 600 $KEYS/bob.key"
chmod 600 "$KEYS/bob.key"
run package sign "$ID"
is "sign without --key: usage" "$RC" 2

run package sign "$ID" --key "$KEYS/alice.key"
is "alice signs: exit 0" "$RC" 0
like "alice signs: says so" "$OUT" "^package $ID signed by alice \(key [0-9a-f]{16}\); it carries 1 signature"
run package sign "$ID" --key "$KEYS/alice.key"
like "alice again: conflict" "$ERR" "^otactl: conflict: key_id: package $ID is already signed"
otactl package sign "$ID" --key "$KEYS/bob.key" >/dev/null
is "package show --json carries both signatures" \
  "$(otactl --json package show "$ID" | py '[s["signer"] for s in d["signatures"]], sorted(d["signatures"][0])')" \
  "(['alice', 'bob'], ['key_id', 'signature', 'signer'])"

run package verify "$ID"
is "verify, nobody trusted: exit 0 (untrusted is reported, not refused)" "$RC" 0
like "verify, nobody trusted: untrusted" "$OUT" "signatures: untrusted: key [0-9a-f]+ \(signed as alice\) is not in the trusted keys folder"
mkdir -p "$TRUSTED"
cp "$KEYS/alice.pub" "$KEYS/bob.pub" "$TRUSTED/"
run package verify "$ID"
is "verify, alice and bob trusted: exit 0" "$RC" 0
like "verify: says who signed" "$OUT" "signatures: signed by alice, bob"
is "verify --json: statuses" "$(otactl --json package verify "$ID" | py 'd["ok"], d["signature_state"], [s["status"] for s in d["signatures"]]')" \
  "(True, 'signed', ['valid', 'valid'])"
run package verify "$ID" --trusted "$TMP/elsewhere"
like "verify --trusted another folder: untrusted" "$OUT" "signatures: untrusted"

mkdir -p "$TRUSTED/revoked"
mv "$TRUSTED/bob.pub" "$TRUSTED/revoked/"
run package verify "$ID"
is "verify with bob revoked: refused" "$RC" 1
like "verify with bob revoked: names the key" "$OUT" "revoked +key [0-9a-f]+ \(bob\) is revoked"
like "verify with bob revoked: the error" "$ERR" "validation_failed: signatures: package $ID: 1 of 2 signatures fail"

# A plan that requires two trusted signatures: alice alone is not enough.
START=$(hours_from_now -1)
END=$(hours_from_now 48)
otactl product add meter "Meter" >/dev/null
cat > "$TMP/plan.json" <<JSON
{"name":"signed","product":"meter","window":{"start":"$START","end":"$END"},
 "components":[{"component":"module","package_id":$ID}],"required_signatures":2}
JSON
run plan create "$TMP/plan.json"
is "plan with required_signatures 2: created" "$RC" 0
is "plan show --json: required_signatures" "$(otactl --json plan show 1 | pyraw 'd["required_signatures"]')" 2
run plan activate 1
is "activate with one trusted signature of two: refused" "$RC" 1
like "activate: the policy error" "$ERR" "validation_failed: required_signatures: component module: package $ID has 1 valid signature from trusted keys, the plan requires 2"
otactl package sign "$ID" --key "$KEYS/carol.key" >/dev/null
run plan activate 1
like "carol signed but untrusted: still refused" "$ERR" "required_signatures: .*has 1 valid signature"
cp "$KEYS/carol.pub" "$TRUSTED/"
run plan activate 1
is "carol trusted: the plan activates" "$RC" 0

# Tampered manifest: the recorded hash changed behind the engine's back.
python3 -c "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute('UPDATE package_files SET sha256=? WHERE package=?', ('0'*64, int(sys.argv[2]))); c.commit()" "$DB" "$ID"
run package verify "$ID"
is "tampered: refused" "$RC" 1
like "tampered: alice's signature no longer matches" "$OUT" "invalid +the signature by key [0-9a-f]+ \(alice\) does not match the manifest"

# The audit trail.
run audit --target "plan:1"
is "audit --target plan:1: exit 0" "$RC" 0
is "audit --json --target plan:1: actions and outcomes" \
  "$(otactl --json audit --target plan:1 | py '[(r["action"], r["outcome"]) for r in d["items"]]')" \
  "[('plan.create', 'ok'), ('plan.activate', 'validation_failed'), ('plan.activate', 'validation_failed'), ('plan.activate', 'ok')]"
is "audit: the local actor" "$(otactl --json audit --target plan:1 | pyraw 'd["items"][0]["actor"]')" "local:ops"
is "audit: refusals of key loading never reach the engine; sign refusals do" \
  "$(otactl --json audit --target package:$ID | py '[(r["action"], r["outcome"]) for r in d["items"]]')" \
  "[('package.create', 'ok'), ('package.sign', 'ok'), ('package.sign', 'conflict'), ('package.sign', 'ok'), ('package.sign', 'ok')]"
is "audit --actor someone-else: nothing" "$(otactl --json audit --actor nobody | pyraw 'len(d["items"])')" 0
is "audit --since the future: nothing" "$(otactl --json audit --since 2999-01-01T00:00:00Z | pyraw 'len(d["items"])')" 0
is "audit --limit 2: a page and a cursor" "$(otactl --json audit --limit 2 | py 'len(d["items"]), d["next_cursor"] is not None')" "(2, True)"
run audit --since yesterday
is "audit --since junk: usage" "$RC" 2
TOTAL=$(otactl --json audit --limit 1000 | pyraw 'len(d["items"])')
run audit export --out "$TMP/audit.jsonl" --limit 3
is "audit export: exit 0" "$RC" 0
is "audit export: every row, one JSON object a line (across pages)" "$(wc -l < "$TMP/audit.jsonl")" "$TOTAL"
is "audit export: lines parse and keep order" \
  "$(python3 -c "import json,sys; r=[json.loads(l) for l in open(sys.argv[1])]; print(all(a['seq']<b['seq'] for a,b in zip(r,r[1:])), sorted(r[0]))" "$TMP/audit.jsonl")" \
  "True ['action', 'actor', 'at', 'detail', 'outcome', 'seq', 'target']"
is "audit export to stdout" "$(otactl audit export --target plan:1 | wc -l)" 4

done_testing
