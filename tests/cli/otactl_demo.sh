#!/bin/sh
# otactl end to end: demo seed (products, fleets, packages, plans in every
# state, a staged plan in waves, a plan its failure brake paused), refusing
# to seed twice, the simulator (waves opened and the brake tripping, as the
# engine's status says), and the fleet generator.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/cli_lib.sh"

run demo seed
is "demo seed: exit 0" "$RC" 0
like "demo seed: summary" "$OUT" "demo seeded: 4000 devices, 8 packages, 8 plans"

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
is "plan list --json shows the demo plans" "$(echo "$OUT" | py 'len(d["items"])')" 8
is "demo plans: one in each state, and a staged one upgrading and one braked" \
  "$(echo "$OUT" | py 'sorted(p["state"] for p in d["items"])')" \
  "['active', 'ended', 'paused', 'paused', 'saved', 'terminated', 'upgrading', 'upgrading']"
is "demo plans: the Chinese-named plan is upgrading" \
  "$(echo "$OUT" | py '[p["state"] for p in d["items"] if p["name"] == "三季度模组升级"]')" "['upgrading']"
run plan list
like "plan list table aligns CJK names" "$OUT" "三季度模组升级 +EC600N-meter +upgrading"

plan_id() { otactl --json plan list | pyraw "[p['id'] for p in d['items'] if p['name'] == '$1'][0]"; }
UPG=$(plan_id "三季度模组升级")
run --json plan status "$UPG"
is "the upgrading plan has succeeded devices" "$(echo "$OUT" | py 'd["counts"]["succeeded"] > 0')" True
PAUSED=$(plan_id "Tracker app 1.5 geofence rollout")
is "the paused plan was paused from upgrading" "$(otactl --json plan show "$PAUSED" | py 'd["paused_from"]')" "'upgrading'"
is "... by an operator: no paused_reason" "$(otactl --json plan status "$PAUSED" | py '"paused_reason" in d')" False

# the staged plan: three waves, the engine opened the second after the first
WAVED=$(plan_id "Tracker app 1.5 staged (waves)")
run --json plan status "$WAVED"
is "waved plan: upgrading, wave 1 current" "$(echo "$OUT" | py 'd["state"], d["current_wave"]')" "('upgrading', 1)"
is "waved plan: its waves' sizes and states" "$(echo "$OUT" | py '[(w["size"], w["state"]) for w in d["waves"]]')" \
  "[('5%', 'done'), ('30%', 'open'), ('100%', 'waiting')]"
is "waved plan: the waves hold every device of the product" "$(echo "$OUT" | py 'sum(w["devices"] for w in d["waves"])')" 1200
is "waved plan: the first wave met its success threshold (80%)" \
  "$(echo "$OUT" | py 'd["waves"][0]["succeeded"] * 100 >= 80 * d["waves"][0]["devices"]')" True
is "waved plan: the second wave has devices upgraded" "$(echo "$OUT" | py 'd["waves"][1]["succeeded"] > 0')" True
is "waved plan: its audit trail holds no operator advance" \
  "$(otactl --json audit --target "plan:$WAVED" | py '[r["action"] for r in d["items"] if r["action"] == "plan.advance"]')" "[]"
run plan status "$WAVED"
like "plan status: the waves table marks the current wave" "$OUT" "1 \* +30% +[0-9]+ +open"
like "plan status: the first wave done" "$OUT" "0 +5% +[0-9]+ +done"

# the braked plan: the engine paused it when the first wave failed too often
BRAKED=$(plan_id "Tracker A04 canary (braked)")
run --json plan status "$BRAKED"
is "braked plan: paused, paused_reason failure_threshold" "$(echo "$OUT" | py 'd["state"], d["paused_reason"]')" \
  "('paused', 'failure_threshold')"
is "braked plan: still in its first wave, which has failed devices" \
  "$(echo "$OUT" | py 'd["current_wave"], d["waves"][0]["failed"] > 0')" "(0, True)"
is "braked plan: failed/finished of the open wave is over 20%" \
  "$(echo "$OUT" | py 'd["waves"][0]["failed"] * 100 > 20 * (d["waves"][0]["failed"] + d["waves"][0]["succeeded"])')" True
is "braked plan: failed devices in the counts" "$(echo "$OUT" | py 'd["counts"]["failed"] == d["waves"][0]["failed"]')" True
run plan status "$BRAKED"
like "plan status says the engine paused it" "$OUT" "paused by the engine: failure_threshold"
is "braked plan: the brake is in its audit trail, by the engine" \
  "$(otactl --json audit --target "plan:$BRAKED" | py '[r["actor"] for r in d["items"] if r["action"] == "plan.brake"]')" \
  "['local:engine']"

run --json device list EC600N-meter --limit 1000
is "fleet: a spread of module versions" "$(echo "$OUT" | py 'len(set(x["versions"]["module"] for x in d["items"])) >= 2')" True
is "fleet: some devices below 20% battery" "$(echo "$OUT" | py 'any(x["battery"] < 20 for x in d["items"])')" True

run demo seed
is "seeding twice: refused" "$RC" 1
like "seeding twice: a clear conflict" "$ERR" "^otactl: conflict: product: the demo is already seeded"
is "seeding twice added nothing" "$(otactl --json plan list | py 'len(d["items"])')" 8

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

# the simulator on staged plans: one line per wave the engine opens, one when
# its brake trips, with the figures of the plan's status
staged_plan() {  # NAME PRODUCT ON_FAILURE FAILURE_THRESHOLD
  otactl product add "$2" "Staged $2" >/dev/null
  otactl fleet generate "$2" 300 --prefix "$2" --versions "module=1.0" >/dev/null
  cat > "$TMP/$1.json" <<JSON
{"name":"$1","product":"$2","mode":"silent","strategy":{"retries":0,"min_rsrp":-140,"min_battery":0},
 "window":{"start":"$(hours_from_now -1)","end":"$(hours_from_now 100)"},
 "rollout":{"waves":[{"size":"10%"},{"size":"50%"},{"size":"100%"}],"success_threshold":50,
            "failure_threshold":$4,"min_finished":10,"soak_seconds":0,"advance":"auto","on_failure":"$3"},
 "components":[{"component":"module","package_id":$PKG}]}
JSON
  id=$(otactl --json plan create "$TMP/$1.json" | pyraw 'd["id"]')
  otactl plan activate "$id" >/dev/null
  echo "$id"
}
BRK=$(staged_plan brake BRK pause 20)
run sim --plan "$BRK" --until-done --rate 0.3 --failure-rate 0.6 --seed 3
SIMOUT=$OUT
is "sim on a braking plan: exit 0" "$RC" 0
is "sim: one line for the brake" "$(echo "$SIMOUT" | grep -c 'failure brake tripped')" 1
is "sim: no wave opened before the brake" "$(echo "$SIMOUT" | grep -c 'opened')" 0
like "sim: the run ends once the brake paused the plan" "$(echo "$SIMOUT" | tail -1)" "^done after [0-9]+ ticks$"
run --json plan status "$BRK"
is "braking plan: paused, paused_reason failure_threshold" "$(echo "$OUT" | py 'd["state"], d["paused_reason"]')" \
  "('paused', 'failure_threshold')"
FIG=$(echo "$OUT" | pyraw '"%d of %d" % (d["waves"][0]["failed"], d["waves"][0]["failed"] + d["waves"][0]["succeeded"])')
like "sim: the brake line gives the status' figures ($FIG) and the threshold" "$SIMOUT" \
  "^tick +[0-9]+ +plan $BRK: failure brake tripped: $FIG finished failed \\(threshold 20%\\), plan paused \\(failure_threshold\\)$"
# the engine weighed the figures at the report that tripped it: at least
# min_finished (10) finished, over 20% of them failed
TRIP=$(otactl --json audit --target "plan:$BRK" | pyraw '[r["detail"] for r in d["items"] if r["action"] == "plan.brake"][0]')
like "sim: the engine's audit row of the trip" "$TRIP" "^failure threshold passed: [0-9]+ of [0-9]+ finished failed \\(over 20%\\): paused$"
is "... past min_finished and over the threshold" \
  "$(echo "$TRIP" | awk '{ f = $4; n = $6; print (n >= 10 && f * 100 > 20 * n) ? "yes" : "no" }')" yes
run --json sim --plan "$BRK" --ticks 5
is "sim on the braked plan: it stays paused, nothing moves" "$(echo "$OUT" | py 'd["state"], d["ticks"], d["done"], d["moves"]')" \
  "('paused', 1, True, [])"
# terminate: the brake ends the plan; --json has the move with its figures
TRM=$(staged_plan brake-terminate TRM terminate 20)
run --json sim --plan "$TRM" --until-done --rate 0.3 --failure-rate 0.6 --seed 3
is "sim --json on a terminating brake: one move, the brake" \
  "$(echo "$OUT" | py '[(m["event"], m["plan"], m["state"], m["failure_threshold"]) for m in d["moves"]]')" \
  "[('brake', $TRM, 'terminated', 20)]"
MOVE=$(echo "$OUT" | py '[(m["failed"], m["finished"]) for m in d["moves"]][0]')
is "... its figures are the status' open wave" \
  "$(otactl --json plan status "$TRM" | py '(d["waves"][0]["failed"], d["waves"][0]["failed"] + d["waves"][0]["succeeded"])')" "$MOVE"
is "... and the plan is terminated" "$(otactl --json plan status "$TRM" | py 'd["state"]')" "'terminated'"
# rollback: the brake ends the plan and the engine saves rollback drafts for
# the devices already upgraded (a full package of 1.0 to go back to)
printf 'fw-1.0' > "$TMP/fw10.bin"
otactl package add --component module --kind full --target 1.0 "$TMP/fw10.bin" >/dev/null
ROL=$(staged_plan brake-rollback ROL rollback 20)
run --json sim --plan "$ROL" --until-done --rate 0.3 --failure-rate 0.6 --seed 3
is "sim --json on a rollback brake: the plan terminated" "$(echo "$OUT" | py '[(m["event"], m["state"]) for m in d["moves"]]')" \
  "[('brake', 'terminated')]"
RB=$(echo "$OUT" | py 'd["moves"][0]["rollback_plans"]')
is "... the drafts it names are the status' rollback_plans" "$(otactl --json plan status "$ROL" | py 'd["rollback_plans"]')" "$RB"
is "... at least one draft, each a saved plan" \
  "$(otactl --json plan list --state saved | pyraw "len($RB) > 0 and all(i in [p['id'] for p in d['items']] for i in $RB)")" True
run sim --plan "$(staged_plan brake-rollback2 ROL2 rollback 20)" --until-done --rate 0.3 --failure-rate 0.6 --seed 3
like "sim: the brake line names the rollback drafts" "$OUT" "failure brake tripped: .*, plan terminated, rollback drafts saved: [0-9]+"

# waves: a plan that fails rarely opens its waves one by one
WAV=$(staged_plan waves WAV pause 50)
run sim --plan "$WAV" --until-done --rate 0.3 --failure-rate 0.05 --seed 3
is "sim on a staged plan: one line per wave opened" "$(echo "$OUT" | grep -o 'wave [0-9] of 3 opened (size [0-9]*%, [0-9]* devices)')" \
  "wave 1 of 3 opened (size 50%, 120 devices)
wave 2 of 3 opened (size 100%, 150 devices)"
is "sim on a staged plan: no brake" "$(echo "$OUT" | grep -c 'brake')" 0
is "staged plan: the last wave is current, the others done" \
  "$(otactl --json plan status "$WAV" | py 'd["current_wave"], [w["state"] for w in d["waves"]][:2]')" "(2, ['done', 'done'])"

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
