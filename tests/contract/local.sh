#!/bin/sh
# The backend contract against the local engine in a temp folder.
exec "${OTA_BUILDDIR:-.}/tests/contract/test_contract" --local
