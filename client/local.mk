noinst_LIBRARIES += client/libotaclient.a
client_libotaclient_a_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) $(SODIUM_CFLAGS) $(CURL_CFLAGS)
client_libotaclient_a_SOURCES = client/backend.h \
	client/local.c \
	client/remote_internal.h client/remote.c client/remote_http.c \
	client/remote_catalogue.c client/remote_rollout.c client/remote_devauth.c \
	client/async.h client/async.c \
	client/profile.h client/profile.c \
	client/push.h client/push.c
