# bench/console.mk: the console in a pty: first frame with 10,000 packages
# and 1,000 plans, keypress latency, bytes per minute (bench/console.c).
noinst_PROGRAMS += bench/console
bench_console_SOURCES = bench/console.c
bench_console_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS)
bench_console_LDADD = $(CORE_LIBS) -lutil
