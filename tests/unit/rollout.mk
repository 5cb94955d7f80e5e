# tests/unit/rollout.mk: rollout engine tests (owner: rollout work)
