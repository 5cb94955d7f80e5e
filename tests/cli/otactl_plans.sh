#!/bin/sh
# otactl end to end: plan create/edit/show/list/delete/copy-components,
# stale revisions, transitions, preview/status/devices/events shapes, and one
# device checked in by hand through a whole job.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/cli_lib.sh"

otactl product add EC600N-meter "Smart water meter (EC600N)" >/dev/null
printf 'id,module,mcu,rsrp,battery\nm-1,1.0.0,2.1,-90,80\nm-2,1.0.0,2.1,-90,10\nm-3,1.0.0,2.0,-130,90\nm-9,1.0.0,2.1,-80,90\n' \
  > "$TMP/devs.csv"
otactl device import EC600N-meter "$TMP/devs.csv" >/dev/null
printf 'fw' > "$TMP/fw.bin"
MOD=$(otactl --json package add --component module --kind full --target 1.2.0 "$TMP/fw.bin" | pyraw 'd["id"]')
MCU=$(otactl --json package add --component mcu --kind diff --source 2.1 --target 2.2 "$TMP/fw.bin" | pyraw 'd["id"]')

START=$(hours_from_now -1)
END=$(hours_from_now 240)
plan_file() {  # plan_file NAME COMPONENTS_JSON [EXTRA]
  cat <<JSON
{"name":"$1","product":"EC600N-meter","mode":"silent","blacklist":["m-9"],"whitelist":[],
 "strategy":{"retries":1,"min_rsrp":-110,"min_battery":20},
 "window":{"start":"$START","end":"$END"},"components":$2${3:-}}
JSON
}
plan_file "三季度模组升级" "[{\"component\":\"module\",\"package_id\":$MOD}]" > "$TMP/p1.json"

run plan create "$TMP/p1.json"
is "plan create: exit 0" "$RC" 0
like "plan create: id and revision" "$OUT" "^plan 1 created \(revision 1\)"

run --json plan show 1
is "plan show --json: every API.md key" \
  "$(echo "$OUT" | py 'all(k in d for k in ["id","name","product","state","revision","blacklist","whitelist","mode","strategy","window","components"])')" True
is "plan show --json: values" \
  "$(echo "$OUT" | py 'd["name"], d["state"], d["revision"], d["blacklist"], d["strategy"]["min_rsrp"], d["window"]["start"] == "'"$START"'", d["components"]')" \
  "('三季度模组升级', 'saved', 1, ['m-9'], -110, True, [{'component': 'module', 'package_id': $MOD}])"
run plan show 1
like "plan show: the Chinese name" "$OUT" "^plan 1: 三季度模组升级"

# edits: the right revision wins, a stale one changes nothing
plan_file "Q3 module rollout" "[{\"component\":\"module\",\"package_id\":$MOD}]" > "$TMP/p1b.json"
run plan edit 1 "$TMP/p1b.json" --revision 1
is "edit at the current revision: exit 0" "$RC" 0
like "edit: revision 2" "$OUT" "revision 2"
run plan edit 1 "$TMP/p1.json" --revision 1
is "edit at a stale revision: exit 1" "$RC" 1
like "stale revision: conflict" "$ERR" "^otactl: conflict: revision: "
is "a refused edit changed nothing" "$(otactl --json plan show 1 | py 'd["name"], d["revision"]')" "('Q3 module rollout', 2)"
run plan edit 1 "$TMP/p1b.json"
is "edit without --revision: usage error" "$RC" 2

# hostile plan files
printf '{"name":"x","product":"EC600N-meter",' > "$TMP/broken.json"
run plan create "$TMP/broken.json"
is "malformed JSON: exit 1" "$RC" 1
like "malformed JSON: line and column" "$ERR" "^otactl: bad_request: file: .*broken\.json: invalid JSON at line 1 column"
plan_file "x" "[]" ',"priority":3' > "$TMP/unknown.json"
run plan create "$TMP/unknown.json"
like "unknown field: bad_request naming it" "$ERR" "^otactl: bad_request: priority: unknown field"
plan_file "x" "[{\"component\":\"module\",\"package_id\":\"1\"}]" > "$TMP/type.json"
run plan create "$TMP/type.json"
like "wrong type: names the element" "$ERR" "^otactl: bad_request: components\[0\]\.package_id: "
plan_file "x" "[]" > "$TMP/empty.json"
run plan create "$TMP/empty.json"
is "no components: refused" "$RC" 1
like "no components: validation_failed" "$ERR" "validation_failed: components"
run plan create "$TMP/nonexistent.json"
is "missing file: exit 1" "$RC" 1

# copy components, list, delete
plan_file "MCU 2.2" "[{\"component\":\"mcu\",\"package_id\":$MCU}]" > "$TMP/p2.json"
otactl plan create "$TMP/p2.json" >/dev/null
run --json plan copy-components 2 1
is "copy-components: exit 0" "$RC" 0
is "copy-components: both components now" "$(echo "$OUT" | py 'sorted(c["component"] for c in d["components"]), d["revision"]')" \
  "(['mcu', 'module'], 3)"
run plan copy-components 1 1
is "copy-components into itself: refused" "$RC/$ERR" \
  "1/otactl: validation_failed: to: components are copied from another plan (both 1)"
is "... and the plan kept its revision" "$(otactl --json plan show 1 | py 'd["revision"]')" 3
otactl plan create "$TMP/p2.json" >/dev/null
run plan delete 3
is "delete a saved plan: exit 0" "$RC" 0
run plan show 3
is "deleted plan is gone" "$RC" 1

run --json plan list
is "plan list --json: list shape with plans" "$(echo "$OUT" | py 'sorted(d.keys()), sorted(p["id"] for p in d["items"])')" \
  "(['items', 'next_cursor'], [1, 2])"
run plan list
like "plan list: table" "$OUT" "^ID +NAME +PRODUCT +STATE +REV +MODE +WINDOW END"
run plan list --state bogus
is "plan list --state bogus: usage" "$RC" 2

# preview before activation
run --json plan preview 1
is "preview shape and counts" "$(echo "$OUT" | py 'sorted(d.keys()), d["excluded"]["blacklisted"], d["excluded"]["version_mismatch"]')" \
  "(['deferred_now', 'excluded', 'targeted'], 1, 1)"
run plan preview 1
like "preview: human text" "$OUT" "targets [0-9]+ devices now"

# transitions
run plan pause 1
is "pause a saved plan: exit 1" "$RC" 1
like "pause of saved: invalid_transition" "$ERR" "^otactl: invalid_transition: "
run plan activate 1
is "activate: exit 0" "$RC" 0
like "activate: now active" "$OUT" "plan 1: active"
run plan edit 1 "$TMP/p1b.json" --revision 3
is "edit of an active plan: exit 1" "$RC" 1
like "edit of an active plan: not_editable" "$ERR" "^otactl: not_editable: "
run plan delete 1
is "delete of an active plan: refused" "$RC" 1

# one device by hand through the job
run --json device checkin EC600N-meter m-1 --versions module=1.0.0,mcu=2.1 --rsrp -90 --battery 80
is "check-in: a job" "$(echo "$OUT" | py 'd["job"]["plan_id"], sorted(c["component"] for c in d["job"]["components"])')" \
  "(1, ['mcu', 'module'])"
like "check-in: file urls" "$OUT" "/api/v1/packages/$MOD/files/fw.bin"
JOB=$(echo "$OUT" | pyraw 'd["job"]["id"]')
run device checkin EC600N-meter m-2 --versions module=1.0.0,mcu=2.1 --rsrp -90 --battery 10
is "low battery: no job" "$OUT" "no job"
run device report "$JOB" succeeded
is "succeeded before downloading: refused" "$RC" 1
like "impossible report: invalid_transition" "$ERR" "^otactl: invalid_transition: "
run device report "$JOB" downloading --progress 50
is "report downloading: exit 0" "$RC" 0
is "plan is upgrading" "$(otactl --json plan status 1 | py 'd["state"]')" "'upgrading'"
run device report "$JOB" installing
run device report "$JOB" succeeded --progress 100
is "report succeeded: exit 0" "$RC" 0
run device report "$JOB" exploded
is "unknown job state: usage" "$RC" 2
run device checkin EC600N-meter m-1 --versions module=1.0.0
is "checkin without --rsrp/--battery works" "$RC" 0
run device checkin EC600N-meter m-1 --versions module
is "checkin with a bad --versions: usage" "$RC" 2
run device checkin NOPE m-1 --versions module=1
is "checkin for an unknown product: refused" "$RC" 1

run --json plan status 1
is "status shape" "$(echo "$OUT" | py 'd["state"], sorted(d["counts"].keys()), d["counts"]["succeeded"], d["counts"]["pending"] >= 1')" \
  "('upgrading', ['awaiting_confirmation', 'downloading', 'expired', 'failed', 'installing', 'offered', 'pending', 'succeeded'], 1, True)"
run plan status 1
like "status table" "$OUT" "succeeded +1"

run --json plan devices 1
is "devices: list shape" "$(echo "$OUT" | py 'sorted(d.keys()), "m-1" in [r["device"] for r in d["items"]], "m-9" in [r["device"] for r in d["items"]]')" \
  "(['items', 'next_cursor'], True, False)"
is "devices: a deferred row" "$(echo "$OUT" | py '[(r["state"], r["reason"]) for r in d["items"] if r["device"] == "m-2"]')" \
  "[('pending', 'battery')]"
run --json plan devices 1 --state succeeded
is "devices --state filters" "$(echo "$OUT" | py '[r["device"] for r in d["items"]]')" "['m-1']"
is "job row fields" "$(echo "$OUT" | py 'all(k in d["items"][0] for k in ["device","state","attempt","progress","reason","updated_at"])')" True

run --json plan events 1
is "events shape" "$(echo "$OUT" | py 'sorted(d.keys()), sorted(d["events"][0].keys())')" \
  "(['events', 'last_seq'], ['at', 'device', 'from', 'seq', 'to'])"
is "events: the plan's activation first" "$(echo "$OUT" | py 'd["events"][0]["device"], d["events"][0]["from"], d["events"][0]["to"]')" \
  "(None, 'saved', 'active')"
LAST=$(echo "$OUT" | pyraw 'd["last_seq"]')
run --json plan events 1 --since "$LAST"
is "events --since the last seq: none" "$(echo "$OUT" | py 'len(d["events"])')" 0

run plan pause 1
like "pause" "$OUT" "plan 1: paused"
run --json plan resume 1
is "resume returns to upgrading" "$(echo "$OUT" | py 'd["state"]')" "'upgrading'"
run plan terminate 1
like "terminate" "$OUT" "plan 1: terminated"
run plan resume 1
is "resume of a terminated plan: refused" "$RC" 1

# staged rollouts: waves, thresholds, maintenance windows and a retry interval
# travel from the plan file through create/show, in JSON and in words
STAGED=',"rollout":{"waves":[{"size":"1%"},{"size":200},{"size":"100%"}],"success_threshold":90,"failure_threshold":5,"min_finished":10,"soak_seconds":3600,"advance":"manual","on_failure":"pause","max_offers_per_minute":1000},"maintenance":{"timezone":"Asia/Shanghai","windows":[{"days":["mon","tue","wed","thu","fri"],"start":"01:00","end":"05:00"}]}'
plan_file "staged" "[{\"component\":\"module\",\"package_id\":$MOD}]" "$STAGED" \
  | sed 's/"min_battery":20}/"min_battery":20,"retry_interval_seconds":600}/' > "$TMP/staged.json"
run --json plan create "$TMP/staged.json"
is "staged plan create: exit 0" "$RC" 0
SID=$(echo "$OUT" | pyraw 'd["id"]')
run --json plan show "$SID"
is "staged plan show --json: rollout as written" \
  "$(echo "$OUT" | py '[w["size"] for w in d["rollout"]["waves"]], d["rollout"]["success_threshold"], d["rollout"]["advance"], d["rollout"]["max_offers_per_minute"]')" \
  "(['1%', 200, '100%'], 90, 'manual', 1000)"
is "staged plan show --json: maintenance and retry interval" \
  "$(echo "$OUT" | py 'd["maintenance"]["timezone"], d["maintenance"]["windows"], d["strategy"]["retry_interval_seconds"]')" \
  "('Asia/Shanghai', [{'days': ['mon', 'tue', 'wed', 'thu', 'fri'], 'start': '01:00', 'end': '05:00'}], 600)"
run plan show "$SID"
like "staged plan show: waves" "$OUT" "waves +1%, 200, 100%"
like "staged plan show: thresholds" "$OUT" "thresholds +success 90%, failure 5% after 10 finished"
like "staged plan show: advance" "$OUT" "advance +manual, soak 3600s, on failure pause"
like "staged plan show: rate limit" "$OUT" "rate limit +1000 offers/min"
like "staged plan show: maintenance zone" "$OUT" "maintenance +Asia/Shanghai"
like "staged plan show: maintenance window" "$OUT" "mon,tue,wed,thu,fri 01:00-05:00"
like "staged plan show: retry interval" "$OUT" "retry interval +600s"
run --json plan preview "$SID"
is "staged preview --json: waves" "$(echo "$OUT" | py '"waves" in d')" True
run plan advance "$SID"
like "plan advance of a saved plan: refused" "$RC/$ERR" "^1/otactl: invalid_transition: state: cannot advance a plan that is saved"
run plan activate "$SID"
is "staged plan activate: exit 0" "$RC" 0
run plan advance "$SID"
is "plan advance: the next wave opens" "$RC/$OUT" "0/plan $SID: wave 2 of 3 open"
run --json plan status "$SID"
is "plan status --json: current wave" "$(echo "$OUT" | py 'd["current_wave"], [w["state"] for w in d["waves"]]')" \
  "(1, ['done', 'open', 'waiting'])"
run plan advance "$SID"
run plan advance "$SID"
like "plan advance past the last wave: refused" "$RC/$ERR" "^1/otactl: invalid_transition: rollout.waves: no wave is left"
run plan terminate "$SID"
plan_file "bad" "[{\"component\":\"module\",\"package_id\":$MOD}]" \
  ',"rollout":{"waves":[{"size":"1%"},{"size":"99%"}]}' > "$TMP/badwave.json"
run plan create "$TMP/badwave.json"
is "a last wave short of 100%: refused" "$RC/$ERR" \
  '1/otactl: validation_failed: rollout.waves[1].size: the last wave is "100%"'
plan_file "bad" "[{\"component\":\"module\",\"package_id\":$MOD}]" \
  ',"maintenance":{"timezone":"Asia/Shanghai","windows":[{"days":["mon"],"start":"25:00","end":"05:00"}]}' > "$TMP/badmw.json"
run plan create "$TMP/badmw.json"
like "a bad maintenance time: refused naming it" "$ERR" "^otactl: validation_failed: maintenance\.windows\[0\]\.start: "

done_testing
