#!/bin/sh
# The backend contract against a real otad on a free loopback port.
. "${OTA_SRCDIR:-.}/tests/lib.sh"
. "$OTA_SRCDIR/tests/contract/lib-otad.sh"
otad_start || { echo "Bail out! otad did not start: $OTAD_WHY"; exit 1; }
VIEWER=$("$OTAD_BIN" token create --db "$OTAD_DB" --role viewer --name viewer 2>/dev/null | tail -1)
OPERATOR=$("$OTAD_BIN" token create --db "$OTAD_DB" --role operator --name operator 2>/dev/null | tail -1)
# Not exec: the exit trap must stay to stop otad and remove $TMP.
"$OTA_BUILDDIR/tests/contract/test_contract" --remote "$OTAD_URL" "$OTAD_TOKEN" "$OTAD_BLOBS" "$VIEWER" "$OPERATOR"
exit $?
