# bench/http.mk
