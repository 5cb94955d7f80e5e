#!/bin/sh
# The backend contract against a real otad on a free loopback port.
. "${OTA_SRCDIR:-.}/tests/lib.sh"
. "$OTA_SRCDIR/tests/contract/lib-otad.sh"
otad_start || { echo "1..0 # SKIP otad did not start: $OTAD_WHY"; exit 0; }
VIEWER=$("$OTAD_BIN" token create --db "$OTAD_DB" --role viewer --name viewer 2>/dev/null | tail -1)
exec "$OTA_BUILDDIR/tests/contract/test_contract" --remote "$OTAD_URL" "$OTAD_TOKEN" "$OTAD_BLOBS" "$VIEWER"
