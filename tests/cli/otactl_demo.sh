#!/bin/sh
# otactl end to end: demo seed (products, fleets, packages, plans in every
# state), refusing to seed twice, the simulator, and the fleet generator.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/cli_lib.sh"

run demo seed
is "demo seed: exit 0" "$RC" 0
like "demo seed: summary" "$OUT" "demo seeded: 4000 devices, 8 packages, 6 plans"

run --json package list
is "package list --json shows the demo packages" "$(echo "$OUT" | py 'len(d["items"]), d["next_cursor"]')" "(8, None)"
is "demo packages: module, mcu and app in full and diff" \
  "$(echo "$OUT" | py 'sorted(set((p["component"], p["kind"]) for p in d["items"]))')" \
  "[('app', 'full'), ('mcu', 'diff'), ('mcu', 'full'), ('module', 'diff'), ('module', 'full')]"
# the bytes come from the fixture's refs and names, so every seed stores the same ones
is "demo package files have known hashes" \
  "$(echo "$OUT" | py '[(f["name"], f["sha256"]) for p in d["items"] if p["target_version"] == "1.2.0" for f in p["files"]]')" \
  "[('EC600N_1.2.0.bin', '07d8d1db135c07499813c40b2e178fc86ea7542641e3fed619e010cbb1aa60da')]"
BAD=""
for id in $(echo "$OUT" | pyraw '" ".join(str(p["id"]) for p in d["items"])'); do
  otactl package verify "$id" >/dev/null 2>&1 || BAD="$BAD $id"
done
is "every demo package verifies against its recorded hashes" "$BAD" ""

run --json plan list
is "plan list --json shows the demo plans" "$(echo "$OUT" | py 'len(d["items"])')" 6
is "demo plans: one in each state" "$(echo "$OUT" | py 'sorted(p["state"] for p in d["items"])')" \
  "['active', 'ended', 'paused', 'saved', 'terminated', 'upgrading']"
is "demo plans: the Chinese-named plan is upgrading" \
  "$(echo "$OUT" | py '[p["state"] for p in d["items"] if p["name"] == "三季度模组升级"]')" "['upgrading']"
run plan list
like "plan list table aligns CJK names" "$OUT" "三季度模组升级 +EC600N-meter +upgrading"

UPG=$(otactl --json plan list --state upgrading | pyraw 'd["items"][0]["id"]')
run --json plan status "$UPG"
is "the upgrading plan has succeeded devices" "$(echo "$OUT" | py 'd["counts"]["succeeded"] > 0')" True
PAUSED=$(otactl --json plan list --state paused | pyraw 'd["items"][0]["id"]')
is "the paused plan was paused from upgrading" "$(otactl --json plan show "$PAUSED" | py 'd["paused_from"]')" "'upgrading'"

run --json device list EC600N-meter --limit 1000
is "fleet: a spread of module versions" "$(echo "$OUT" | py 'len(set(x["versions"]["module"] for x in d["items"])) >= 2')" True
is "fleet: some devices below 20% battery" "$(echo "$OUT" | py 'any(x["battery"] < 20 for x in d["items"])')" True

run demo seed
is "seeding twice: refused" "$RC" 1
like "seeding twice: a clear conflict" "$ERR" "^otactl: conflict: product: the demo is already seeded"
is "seeding twice added nothing" "$(otactl --json plan list | py 'len(d["items"])')" 6

# the simulator moves the upgrading plan on, on a fake clock
BEFORE=$(otactl --json plan status "$UPG" | pyraw 'd["counts"]["succeeded"]')
run sim --plan "$UPG" --ticks 5 --seed 7
is "sim: exit 0" "$RC" 0
is "sim: a progress line per tick" "$(echo "$OUT" | grep -c '^tick ')" 5
AFTER=$(otactl --json plan status "$UPG" | pyraw 'd["counts"]["succeeded"]')
ok "sim: more devices succeeded ($BEFORE -> $AFTER)" test "$AFTER" -gt "$BEFORE"
# until done: a small plan without thresholds finishes
otactl product add SIM "Simulated" >/dev/null
otactl fleet generate SIM 200 --prefix sim --versions "module=1.0" >/dev/null
printf 'fw' > "$TMP/fw.bin"
PKG=$(otactl --json package add --component module --kind full --target 2.0 "$TMP/fw.bin" | pyraw 'd["id"]')
cat > "$TMP/sim.json" <<JSON
{"name":"sim","product":"SIM","mode":"confirm","strategy":{"retries":3,"min_rsrp":-140,"min_battery":0},
 "window":{"start":"$(hours_from_now -1)","end":"$(hours_from_now 100)"},
 "components":[{"component":"module","package_id":$PKG}]}
JSON
SIMPLAN=$(otactl --json plan create "$TMP/sim.json" | pyraw 'd["id"]')
otactl plan activate "$SIMPLAN" >/dev/null
run --json sim --plan "$SIMPLAN" --until-done --rate 0.5 --failure-rate 0.1 --seed 3
is "sim --until-done: exit 0, done" "$RC/$(echo "$OUT" | py 'd["done"]')" "0/True"
is "sim --until-done: every device finished" \
  "$(otactl --json plan status "$SIMPLAN" | py 'd["counts"]["succeeded"] + d["counts"]["failed"]')" 200
run --json sim --plan "$SIMPLAN" --until-done --rate 0.5 --failure-rate 0.1 --seed 3
is "sim on a finished plan stops at once" "$(echo "$OUT" | py 'd["ticks"], d["done"]')" "(1, True)"
run sim --ticks 3 --until-done
is "sim --ticks with --until-done: usage" "$RC" 2
run sim --rate 2
is "sim --rate 2: usage" "$RC" 2

# fleet generator: deterministic for a seed
otactl product add GEN "Generated" >/dev/null
run --json fleet generate GEN 5000 --seed 42
is "fleet generate: exit 0, 5000 devices" "$RC/$(echo "$OUT" | py 'd["devices"]')" "0/5000"
is "fleet generate: the last device is there, and no more" \
  "$(otactl --json device list GEN --query dev-0050 | py 'sorted(x["id"] for x in d["items"])[-1], len(d["items"])')" \
  "('dev-005000', 1)"
otactl product add GEN2 "Generated 2" >/dev/null
otactl fleet generate GEN2 50 --seed 42 --prefix a --out "$TMP/a.csv" >/dev/null
otactl fleet generate GEN2 50 --seed 42 --prefix a --out "$TMP/b.csv" >/dev/null
ok "fleet CSV: same seed, same fleet" cmp "$TMP/a.csv" "$TMP/b.csv"
otactl fleet generate GEN2 50 --seed 43 --prefix a --out "$TMP/c.csv" >/dev/null
fails "fleet CSV: another seed, another fleet" cmp -s "$TMP/a.csv" "$TMP/c.csv"
# a fixed seed is the same fleet on every machine and every run, not only twice in one
otactl fleet generate GEN2 1000 --seed 42 --prefix a --versions "module=1.0.0:3|1.1.0:6,mcu=2.0|2.1" \
  --out "$TMP/pinned.csv" >/dev/null
is "fleet CSV of seed 42: the same bytes as always" "$(sha256sum < "$TMP/pinned.csv" | cut -c1-64)" \
  165218893f69928904df7f698eb07b7f8f89cede2a8682302b5592f7a7cd2b4d
run fleet generate GEN2 1000000 --seed 7 --prefix m --versions "module=1.0" --out "$TMP/million.csv"
is "fleet CSV of 1,000,000 devices: header and every device" "$RC/$(wc -l < "$TMP/million.csv")" "0/1000001"
is "... the last one numbered 1000000" "$(tail -1 "$TMP/million.csv" | cut -d, -f1)" "m-1000000"
rm -f "$TMP/million.csv"
run fleet generate GEN2 50 --prefix g2 --versions "module=1.0:1|2.0:1,mcu=A"
is "fleet generate with versions through the backend: exit 0" "$RC" 0
is "generated devices carry the versions" "$(otactl --json device list GEN2 --query g2- | py 'sorted(set(x["versions"]["mcu"] for x in d["items"]))')" "['A']"
run fleet generate GEN2 50 --prefix g3 --versions "module"
is "fleet generate with bad versions: refused" "$RC" 1
run fleet generate NOPE 10
is "fleet generate for an unknown product: refused" "$RC" 1

done_testing
