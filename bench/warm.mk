# bench/warm.mk: check-ins right after a restart, with and without the cache warm-up (issue 20)
noinst_PROGRAMS += bench/warm
bench_warm_SOURCES = bench/warm.c bench/fleet.h
bench_warm_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) $(SODIUM_CFLAGS) $(SQLITE_CFLAGS)
bench_warm_LDADD = $(CORE_LIBS) $(PTHREAD_LIBS)
