# Bare Debian 12 roots for checks that must not trust this machine's
# packages (sourced by scripts/fresh-debian-check and scripts/deb-check).
#
#   fresh_base             make (once) the cached debootstrap --variant=minbase
#                          image of bookworm, with this machine's apt sources
#   fresh_new DIR          unpack a new bare root into DIR
#   fresh_run DIR CMD      run CMD (a shell command) as root inside DIR, in its
#                          own PID and mount namespaces: /proc, /dev, /sys and
#                          the shared apt download cache are mounted for it
#                          only, and every process it leaves is killed when it
#                          ends.  Fails (status 3) when any process is still
#                          running inside after CMD has ended.
#   fresh_remove DIR       delete a root (refuses while anything is mounted in it)
#
# The cache lives in $OTA_FRESH_CACHE (default /var/cache/otaconsole-fresh):
# base.tar (the image; delete it to make a new one) and archives/ (downloaded
# .deb files, so a second run does not download them again; nothing there is
# installed unless the run asks apt for it).  Needs root, debootstrap,
# unshare and chroot (util-linux, coreutils).

FRESH_CACHE=${OTA_FRESH_CACHE:-/var/cache/otaconsole-fresh}
FRESH_SUITE=bookworm

fresh_die() { echo "fresh-root: $*" >&2; exit 2; }

# The first Debian mirror of this machine's apt sources that serves bookworm.
fresh_mirror() {
  local m=""
  if ls /etc/apt/sources.list.d/*.sources >/dev/null 2>&1; then
    m=$(awk 'BEGIN{RS=""} /Suites:[^\n]*bookworm( |\n|$)/ && !/debian-security/ {
            if (match($0, /URIs:[ \t]*[^ \t\n]+/)) { s=substr($0,RSTART,RLENGTH); sub(/URIs:[ \t]*/,"",s); print s; exit } }' \
          /etc/apt/sources.list.d/*.sources)
  fi
  if [ -z "$m" ] && [ -f /etc/apt/sources.list ]; then
    m=$(awk '$1=="deb" && $3=="bookworm" {print $2; exit}' /etc/apt/sources.list)
  fi
  echo "${m:-http://deb.debian.org/debian}"
}

fresh_base() {
  [ "$(id -u)" -eq 0 ] || fresh_die "must run as root (debootstrap, chroot)"
  mkdir -p "$FRESH_CACHE/archives/partial"
  [ -s "$FRESH_CACHE/base.tar" ] && return 0
  if ! command -v debootstrap >/dev/null 2>&1; then
    echo "fresh-root: installing debootstrap" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null ||
      fresh_die "needs debootstrap (Debian package debootstrap)"
  fi
  local tmp="$FRESH_CACHE/base.new" mirror
  mirror=$(fresh_mirror)
  rm -rf --one-file-system "$tmp"
  echo "fresh-root: debootstrap --variant=minbase $FRESH_SUITE from $mirror (cached in $FRESH_CACHE)" >&2
  debootstrap --variant=minbase --cache-dir="$FRESH_CACHE/archives" "$FRESH_SUITE" "$tmp" "$mirror" \
    >"$FRESH_CACHE/debootstrap.log" 2>&1 ||
    { tail -20 "$FRESH_CACHE/debootstrap.log" >&2; fresh_die "debootstrap failed (log: $FRESH_CACHE/debootstrap.log)"; }
  # This machine's apt sources (not debootstrap's one line), as a new
  # machine set up from the same mirror would have them.
  rm -f "$tmp/etc/apt/sources.list"
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] && cp "$f" "$tmp$f"
  done
  rm -rf "$tmp/var/cache/apt/archives"/*.deb "$tmp/var/lib/apt/lists"/* 2>/dev/null
  tar -C "$tmp" -cf "$FRESH_CACHE/base.tar.new" . && mv "$FRESH_CACHE/base.tar.new" "$FRESH_CACHE/base.tar"
  rm -rf --one-file-system "$tmp"
}

fresh_new() {
  local r=$1
  fresh_base
  mkdir -p "$r"
  tar -C "$r" -xf "$FRESH_CACHE/base.tar"
  cp /etc/resolv.conf "$r/etc/resolv.conf" 2>/dev/null || true
  # PID 1 inside the root: runs the command, then reports whatever is still
  # running (every process in the namespace but itself).
  cat >"$r/.fresh-init" <<'EOF'
#!/bin/sh
sh -c "$1"
rc=$?
left=""
for d in /proc/[0-9]*; do
  p=${d#/proc/}
  [ "$p" = 1 ] && continue
  read -r c <"$d/comm" 2>/dev/null || continue
  st=$(sed -n 's/^State:[[:space:]]*\(.\).*/\1/p' "$d/status" 2>/dev/null)
  [ "$st" = Z ] && continue   # exited, only not yet reaped
  left="$left
  $p $c: $(tr '\0' ' ' <"$d/cmdline" 2>/dev/null)"
done
if [ -n "$left" ]; then
  echo "fresh-root: processes left running after the command:$left"
  [ "$rc" -ne 0 ] || rc=3
fi
exit "$rc"
EOF
  chmod 755 "$r/.fresh-init"
}

fresh_run() {
  local r=$1; shift
  [ -x "$r/.fresh-init" ] || fresh_die "$r is not a fresh root (fresh_new first)"
  mkdir -p "$r/var/cache/apt/archives"
  env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root CI="${CI:-}" \
    FRESH_ROOT="$r" FRESH_CACHE="$FRESH_CACHE" \
    unshare --fork --pid --mount --propagation private /bin/sh -c '
      set -e
      mount -t proc proc "$FRESH_ROOT/proc"
      mount --rbind /dev "$FRESH_ROOT/dev"
      mount -t sysfs -o ro sysfs "$FRESH_ROOT/sys"
      mount --bind "$FRESH_CACHE/archives" "$FRESH_ROOT/var/cache/apt/archives"
      exec chroot "$FRESH_ROOT" /.fresh-init "$1"' fresh-root "$*"
}

fresh_remove() {
  local r=$1
  [ -n "$r" ] && [ -d "$r" ] || return 0
  if grep -q " $r/" /proc/self/mountinfo; then
    echo "fresh-root: $r still has mounts; not removing it" >&2; return 1
  fi
  rm -rf --one-file-system "$r"
}
