# tests/unit/server: unit tests of otad's parts that stand alone (C, TAP,
# no server running): the failed-authentication table.
SERVER_UNIT = tests/unit/server/test_throttle
check_PROGRAMS += $(SERVER_UNIT)
TESTS += $(SERVER_UNIT)
tests_unit_server_test_throttle_SOURCES = tests/unit/server/test_throttle.c server/throttle.c server/log.c
tests_unit_server_test_throttle_CFLAGS = $(TESTS_CFLAGS) $(MHD_CFLAGS)
tests_unit_server_test_throttle_LDADD = $(MHD_LIBS) $(CORE_LIBS)
