# otad: the REST server over core (libmicrohttpd).
bin_PROGRAMS += server/otad
server_otad_CFLAGS = $(AM_CFLAGS) $(MHD_CFLAGS) $(JANSSON_CFLAGS) $(SODIUM_CFLAGS)
server_otad_SOURCES = \
	server/otad.h server/main.c server/log.c server/http.c server/routes.c \
	server/plan_routes.c server/package_routes.c \
	server/multipart.h server/multipart.c server/upload.c \
	server/device.c server/credential.h server/credential.c server/events.c server/metrics.c \
	server/audit_routes.c server/throttle.h server/throttle.c \
	server/ddi.h server/ddi.c server/warm.c
server_otad_LDADD = $(MHD_LIBS) $(CORE_LIBS)
