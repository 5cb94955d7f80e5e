#!/bin/bash
# Package uploads: streamed to the blob store while hashing, limits enforced
# as they are seen, and nothing left behind by a refused or interrupted
# upload (no blob, no package row, no temporary file).
. "$OTA_SRCDIR/tests/http/otad_lib.sh"

OPS=$(token operator ops)
otad_start
BLOBS="$TMP/srv/blobs"
META='meta={"component":"module","kind":"full","target_version":"2.0.0"}'

nfiles() { find "$BLOBS" -type f 2>/dev/null | wc -l; }
npkgs() { curl -s -H "Authorization: Bearer $OPS" "$API/packages" | jq '.items | length'; }
rss_kb() { sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\).*/\1/p' "/proc/$OTAD_PID/status"; }

# A package already stored: refused uploads sharing its bytes must not take them away.
head -c 4096 /dev/urandom >"$TMP/keep.bin"
acall "$OPS" POST /packages -F "$META" -F "file=@$TMP/keep.bin"
is "a first package" "$CODE" 201
KEEP=$(jq_ .id)
BASE_FILES=$(nfiles)

for i in 1 2 3 4 5 6; do head -c 1000 /dev/urandom >"$TMP/f$i.bin"; done
acall "$OPS" POST /packages -F "$META" -F "file=@$TMP/keep.bin" \
  -F "file=@$TMP/f1.bin" -F "file=@$TMP/f2.bin" -F "file=@$TMP/f3.bin" -F "file=@$TMP/f4.bin" -F "file=@$TMP/f5.bin"
expect_err "a 6th file" 422 validation_failed
like "the error names the limit" "$(jq_ .error.message)" '5'
is "6th file: no blob left (the shared one kept)" "$(nfiles)" "$BASE_FILES"
is "6th file: no package row" "$(npkgs)" 1
acall "$OPS" GET "/packages/$KEEP/files/keep.bin"
is "the earlier package's file still served" "$CODE" 200

acall "$OPS" POST /packages -F "$META" -F "file=@$TMP/f1.bin;filename=../x.bin"
expect_err "path traversal in a file name" 422 validation_failed
acall "$OPS" POST /packages -F "$META" -F "file=@$TMP/f1.bin;filename=fw.exe"
expect_err "a bad ending" 422 validation_failed
like "bad ending names the allowed list" "$(jq_ .error.message)" '\.tar\.gz'
acall "$OPS" POST /packages -F 'meta={"component":"module","kind":"diff","target_version":"2.0.0"}' -F "file=@$TMP/f1.bin"
expect_err "a diff without source version" 422 validation_failed
is "field names source_version" "$(jq_ .error.field)" source_version
LONG=$(printf 'x%.0s' $(seq 201))
acall "$OPS" POST /packages -F "meta={\"component\":\"module\",\"kind\":\"full\",\"target_version\":\"2.0.0\",\"remark\":\"$LONG\"}" -F "file=@$TMP/f1.bin"
expect_err "a remark over 200 characters" 422 validation_failed
ZH=$(printf '版%.0s' $(seq 200))
acall "$OPS" POST /packages -F "meta={\"component\":\"module\",\"kind\":\"full\",\"target_version\":\"2.0.1\",\"remark\":\"$ZH\"}" -F "file=@$TMP/f6.bin"
is "200 Chinese characters are a valid remark" "$CODE" 201
acall "$OPS" POST /packages -F "file=@$TMP/f1.bin"
expect_err "no meta part" 400 bad_request
acall "$OPS" POST /packages -F "$META" -F "other=@$TMP/f1.bin"
expect_err "an unknown part" 400 bad_request
acall "$OPS" POST /packages -F 'meta={"component":"module","kind":"full","target_version":"2.0.0","extra":1}' -F "file=@$TMP/f1.bin"
expect_err "unknown meta field" 400 bad_request
acall "$OPS" POST /packages -H 'Content-Type: application/json' --data '{}'
expect_err "not multipart" 415 unsupported_media_type
printf -- '--XyZ\r\nContent-Disposition: form-data; name="file"; filename="a.bin"\r\n\r\nabc' >"$TMP/trunc"
acall "$OPS" POST /packages -H 'Content-Type: multipart/form-data; boundary=XyZ' --data-binary "@$TMP/trunc"
expect_err "a body without its closing boundary" 400 bad_request
is "refused uploads left no blob" "$(nfiles)" $((BASE_FILES + 1))
is "no temporary files" "$(find "$BLOBS/tmp" -type f 2>/dev/null | wc -l)" 0
healthy "after refused uploads"
BASE_FILES=$(nfiles)

# --- 100 MiB exactly: accepted, hash right, memory flat
head -c 104857600 /dev/urandom >"$TMP/big.bin"
BIGSUM=$(sha256sum "$TMP/big.bin" | cut -d' ' -f1)
RSS0=$(rss_kb)
acall "$OPS" POST /packages -F "$META" -F "file=@$TMP/big.bin;filename=big.bin"
is "100 MiB file accepted" "$CODE" 201
is "100 MiB file: the right sha256" "$(jq_ '.files[0].sha256')" "$BIGSUM"
is "100 MiB file: the right size" "$(jq_ '.files[0].size')" 104857600
BIG=$(jq_ .id)
RSS1=$(rss_kb)
ok "server memory grew by less than 32 MiB during a 100 MiB upload ($RSS0 -> $RSS1 kB)" \
  test $((RSS1 - RSS0)) -lt 32768
curl -s -H "Authorization: Bearer $OPS" "$API/packages/$BIG/files/big.bin" -o "$TMP/big.down"
is "100 MiB download matches" "$(sha256sum <"$TMP/big.down" | cut -d' ' -f1)" "$BIGSUM"
rm -f "$TMP/big.down"
BASE_FILES=$(nfiles)

# --- 100 MiB + 1 byte: 413, nothing stored
cp "$TMP/big.bin" "$TMP/big1.bin"; printf 'x' >>"$TMP/big1.bin"
acall "$OPS" POST /packages -F "$META" -F "file=@$TMP/big1.bin;filename=big1.bin"
expect_err "100 MiB + 1 byte" 413 too_large
is "413: no blob" "$(nfiles)" "$BASE_FILES"
is "413: no temporary file" "$(find "$BLOBS/tmp" -type f 2>/dev/null | wc -l)" 0
is "413: no package row" "$(npkgs)" 3
rm -f "$TMP/big1.bin"
healthy "after 413"

# --- interrupted: curl killed mid-upload
curl -s -H "Authorization: Bearer $OPS" --limit-rate 20M -F "$META" -F "file=@$TMP/big.bin;filename=cut.bin" \
  "$API/packages" -o /dev/null &
CURL=$!
i=0; while [ $i -lt 200 ] && [ "$(find "$BLOBS/tmp" -type f 2>/dev/null | wc -l)" = 0 ]; do sleep 0.05; i=$((i+1)); done
ok "upload in progress writes a temporary file" test "$(find "$BLOBS/tmp" -type f | wc -l)" -ge 1
kill -9 $CURL 2>/dev/null; wait $CURL 2>/dev/null
i=0; while [ $i -lt 200 ] && ! grep -q 'POST /api/v1/packages 0 .*ops \(aborted\|read-error\|error\)' "$LOG"; do sleep 0.05; i=$((i+1)); done
ok "server saw the client go" grep -q 'POST /api/v1/packages 0 .*ops \(aborted\|read-error\|error\)' "$LOG"
is "interrupted: no temporary file" "$(find "$BLOBS/tmp" -type f 2>/dev/null | wc -l)" 0
is "interrupted: no blob" "$(nfiles)" "$BASE_FILES"
is "interrupted: no package row" "$(npkgs)" 3

# --- interrupted after a whole file: a raw socket that closes early
B=rawXYZ
{ printf -- "--$B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"raw1.bin\"\r\n\r\n"
  head -c 3000 /dev/urandom
  printf -- "\r\n--$B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"raw2.bin\"\r\n\r\n"
  head -c 3000 /dev/urandom; } >"$TMP/raw.body"
LEN=$(( $(wc -c <"$TMP/raw.body") + 5000 ))
exec 3<>"/dev/tcp/127.0.0.1/$PORT"
printf "POST /api/v1/packages HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: multipart/form-data; boundary=%s\r\nContent-Length: %d\r\n\r\n" "$OPS" "$B" "$LEN" >&3
cat "$TMP/raw.body" >&3
exec 3>&-
i=0; while [ $i -lt 200 ] && [ "$(grep -c 'POST /api/v1/packages 0 ' "$LOG")" -lt 2 ]; do sleep 0.05; i=$((i+1)); done
is "raw early close: no temporary file" "$(find "$BLOBS/tmp" -type f 2>/dev/null | wc -l)" 0
is "raw early close: the finished first file removed too" "$(nfiles)" "$BASE_FILES"
is "raw early close: no package row" "$(npkgs)" 3
healthy "after interrupted uploads"

# --- SIGTERM while an upload is in flight: it finishes, then otad exits
head -c 3000000 /dev/urandom >"$TMP/slow.bin"
curl -s -m 60 -H "Authorization: Bearer $OPS" --limit-rate 1M -F "$META" -F "file=@$TMP/slow.bin" \
  -o "$TMP/slow.out" -w '%{http_code}' "$API/packages" >"$TMP/slow.code" &
CURL=$!
i=0; while [ $i -lt 200 ] && [ "$(find "$BLOBS/tmp" -type f 2>/dev/null | wc -l)" = 0 ]; do sleep 0.05; i=$((i+1)); done
otad_stop
wait $CURL
is "the upload in flight at SIGTERM completed" "$(cat "$TMP/slow.code")" 201
is "its hash is right" "$(jq -r '.files[0].sha256' "$TMP/slow.out")" "$(sha256sum <"$TMP/slow.bin" | cut -d' ' -f1)"
is "then otad exited cleanly" "$OTAD_RC" 0
ok "a request after SIGTERM is refused or finds no listener" sh -c "! curl -s -m 2 -o /dev/null '$BASE/healthz'"
done_testing
