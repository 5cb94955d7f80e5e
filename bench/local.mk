# Benchmarks print figures; built by `make` (noinst) and never run by `make check`.
# Each benchmark's fragment adds itself to noinst_PROGRAMS or dist_noinst_SCRIPTS.
include bench/checkin.mk
include bench/warm.mk
include bench/http.mk
include bench/console.mk
include bench/package.mk
include bench/upload.mk
