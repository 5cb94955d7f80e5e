# bench/checkin.mk: check-in decisions per second on a generated fleet (issue 3)
noinst_PROGRAMS += bench/checkin
bench_checkin_SOURCES = bench/checkin.c bench/fleet.h
bench_checkin_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) $(SODIUM_CFLAGS) $(SQLITE_CFLAGS)
bench_checkin_LDADD = $(CORE_LIBS)
