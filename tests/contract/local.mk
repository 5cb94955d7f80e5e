# tests/contract: one contract suite, two backends (owner: remote backend work).
# test_contract is written once against ota_backend * and run twice: local.sh
# on a temp folder, remote.sh against a real otad on a loopback port.
CONTRACT_CFLAGS = $(TESTS_CFLAGS) $(CURL_CFLAGS)
check_PROGRAMS += tests/contract/test_contract tests/contract/test_async tests/contract/test_profile
tests_contract_test_contract_SOURCES = tests/contract/contract.h tests/contract/test_contract.c \
	tests/contract/test_contract_devauth.c
tests_contract_test_contract_CFLAGS = $(CONTRACT_CFLAGS)
tests_contract_test_contract_LDADD = $(CLIENT_LIBS)
tests_contract_test_async_CFLAGS = $(CONTRACT_CFLAGS)
tests_contract_test_async_LDADD = $(CLIENT_LIBS)
tests_contract_test_profile_CFLAGS = $(CONTRACT_CFLAGS)
tests_contract_test_profile_LDADD = $(CLIENT_LIBS)
TESTS += tests/contract/test_async tests/contract/test_profile \
	tests/contract/local.sh tests/contract/remote.sh tests/contract/push.sh \
	tests/contract/tls.sh
EXTRA_DIST += tests/contract/local.sh tests/contract/remote.sh tests/contract/push.sh tests/contract/tls.sh \
	tests/contract/lib-otad.sh
