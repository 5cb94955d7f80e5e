# bench/package.mk: otactl package add of 100 MiB vs sha256sum + cp + sync
# (bench/package.sh), and libsodium's SHA-256 alone (bench/sha256_floor).
dist_noinst_SCRIPTS += bench/package.sh
noinst_PROGRAMS += bench/sha256_floor
bench_sha256_floor_SOURCES = bench/sha256_floor.c
bench_sha256_floor_CFLAGS = $(AM_CFLAGS) $(SODIUM_CFLAGS)
bench_sha256_floor_LDADD = $(SODIUM_LIBS)
