# bench/upload.mk: a 100 MiB upload to otad and its downloads vs sha256sum (bench/upload.sh).
dist_noinst_SCRIPTS += bench/upload.sh
