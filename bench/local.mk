# Benchmarks print figures; they are built by `make bench` and never run by `make check`.
BENCH_PROGRAMS =
include bench/checkin.mk
include bench/http.mk
include bench/console.mk
noinst_PROGRAMS += $(BENCH_PROGRAMS)
bench: $(BENCH_PROGRAMS)
.PHONY: bench
