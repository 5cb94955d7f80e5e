noinst_LIBRARIES += core/libotacore.a
core_libotacore_a_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) $(SODIUM_CFLAGS) $(SQLITE_CFLAGS) $(NETTLE_CFLAGS)
core_libotacore_a_SOURCES = \
	core/ota.h core/ota_lifecycle.h core/ota_time.h core/ota_tokens.h core/ota_devauth.h core/ota_json.h core/internal.h \
	core/err.c core/clock.c core/util.c core/engine.c \
	core/store.h core/store/sqlite.h core/store/sqlite.c core/store/checkpoint.c \
	core/store/products.c core/store/devauth.c core/store/tokens.c core/store/audit.c \
	core/store/packages.c core/store/sign.c \
	core/store/plans.c core/store/sim.c \
	core/store/status.c core/store/ddi.c \
	core/store/jobs.c core/store/fleet.c core/store/gates.c core/store/waves.c \
	core/devfile.c \
	core/lifecycle.c core/validate.c core/tz.c core/tz_cache.c core/window.c core/blob.c core/blob_pipe.h core/blob_pipe.c \
	core/codec.h core/codec.c core/codec_catalog.c core/codec_plans.c core/codec_offers.c core/codec_devauth.c \
	core/products.c core/packages.c core/plans.c \
	core/rollout.h core/rollout_cache.c core/rollout_tick.c core/rollout_transition.c core/rollout_waves.c core/rollout_brake.c core/rollout_rollback.c \
	core/checkin.c core/rollout_warm.c core/reports.c core/status.c core/sim.c core/ddi_support.c \
	core/tokens.c core/roles.c core/devauth.c core/sign.c core/audit.c
