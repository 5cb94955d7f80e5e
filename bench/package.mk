# bench/package.mk: otactl package add of 100 MiB vs sha256sum + cp + sync (bench/package.sh).
dist_noinst_SCRIPTS += bench/package.sh
