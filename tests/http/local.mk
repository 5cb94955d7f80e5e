# tests/http: otad over real HTTP (curl), each script starting its own
# server on a free loopback port.
HTTP_TESTS = tests/http/test_api.sh tests/http/test_roles.sh \
	tests/http/test_upload.sh tests/http/test_flow.sh tests/http/test_tls.sh
TESTS += $(HTTP_TESTS)
EXTRA_DIST += $(HTTP_TESTS) tests/http/otad_lib.sh
# hawkBit DDI with the real swupdate (tests/http/test_ddi.sh)
TESTS += tests/http/test_ddi.sh
EXTRA_DIST += tests/http/test_ddi.sh tests/http/ddi_lib.sh
# device tokens through DDI: swupdate -k <its token> installs; another device's token, the gateway key alone refused
TESTS += tests/http/test_ddi_tokens.sh
EXTRA_DIST += tests/http/test_ddi_tokens.sh
# staged rollouts through DDI: a device outside the open wave, then advanced
TESTS += tests/http/test_ddi_waves.sh
EXTRA_DIST += tests/http/test_ddi_waves.sh
# Trust: signatures over HTTP, plan signature policy, audit visibility by role
TESTS += tests/http/test_trust.sh
EXTRA_DIST += tests/http/test_trust.sh
# Device details with attributes, whoami, hashes filled in at startup
TESTS += tests/http/test_details.sh
EXTRA_DIST += tests/http/test_details.sh
# otad --threads N: the pool, SSE streams suspended while idle
TESTS += tests/http/test_pool.sh
EXTRA_DIST += tests/http/test_pool.sh
# check-ins queued to the committer with their credential; answers after a restart (warm-up)
TESTS += tests/http/test_checkin_queue.sh
EXTRA_DIST += tests/http/test_checkin_queue.sh
# the device flow and uploads with a thread per connection (--threads 0)
TESTS += tests/http/test_flow_tpc.sh tests/http/test_upload_tpc.sh
EXTRA_DIST += tests/http/test_flow_tpc.sh tests/http/test_upload_tpc.sh
# otad's config file keys applied, flags over the file
TESTS += tests/http/test_config.sh
EXTRA_DIST += tests/http/test_config.sh
# Staged rollouts over REST: waves, advance, the brake, the rate limit, /metrics
TESTS += tests/http/test_rollout.sh
EXTRA_DIST += tests/http/test_rollout.sh
# Refusals in the audit trail by object (plan:N, not the path); POST /audit
# for a refusal a client decided itself
TESTS += tests/http/test_refusals.sh
EXTRA_DIST += tests/http/test_refusals.sh
# Failed authentications throttled per address (429, Retry-After, /metrics,
# the log); a taken port, --reuse-port, /healthz's instance and store
TESTS += tests/http/test_throttle.sh
EXTRA_DIST += tests/http/test_throttle.sh
# Device identity: per-device tokens, rotation, revocation, enrollment, bulk issue, device_token mode
TESTS += tests/http/test_device_tokens.sh
EXTRA_DIST += tests/http/test_device_tokens.sh
