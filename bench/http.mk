# bench/http.mk: otad check-ins over HTTP vs nginx, 100 MiB upload (bench/http.sh).
dist_noinst_SCRIPTS += bench/http.sh
