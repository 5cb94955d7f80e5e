#!/bin/bash
# tests/http/test_upload.sh again with a thread per connection (--threads 0),
# the mode where a check-in that writes waits for the group commit on its
# own thread instead of going to the committer.
export OTAD_TEST_ARGS="--threads 0"
exec bash "$OTA_SRCDIR/tests/http/test_upload.sh"
