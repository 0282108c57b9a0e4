#!/usr/bin/env bash
# Builds tandem-bench-keepalived:bookworm, the image of the keepalived + HAProxy comparison pair that
# lb-it's KeepalivedPairBench runs (docs/benchmarks.md): Debian bookworm's keepalived (2.2.7) and
# haproxy (2.6), iproute2, curl and procps, from a debootstrap of the Debian mirror this machine's apt
# uses, like .ci/docker-up builds tandem-base:bookworm (no container registry is needed). The test
# copies bench/keepalived/pair-entrypoint.sh and the configurations into each container.
#
# Benchmark only: .ci/run does not call it. Idempotent: does nothing when the image exists
# (FORCE=1 builds it again). Needs root, debootstrap and Docker.
set -euo pipefail

IMAGE="${KEEPALIVED_IMAGE:-tandem-bench-keepalived:bookworm}"

if [ "${FORCE:-0}" != 1 ] && docker image inspect "$IMAGE" >/dev/null 2>&1; then
  echo "build-image: $IMAGE exists ($(docker run --rm --network none --entrypoint /bin/sh "$IMAGE" \
    -c 'dpkg-query -W -f "\${Package} \${Version}  " keepalived haproxy'))"
  exit 0
fi

debian=false
grep -qx 'ID=debian' /etc/os-release 2>/dev/null && debian=true
command -v debootstrap >/dev/null 2>&1 || { echo "build-image: debootstrap is missing (apt-get install debootstrap)"; exit 1; }

# The same mirror as .ci/docker-up: the one this machine's apt uses (deb822 or one-line format);
# Debian's own redirector on other distributions.
mirror() {
  local m=""
  if ! $debian; then
    echo "http://deb.debian.org/debian"
    return
  fi
  if compgen -G "/etc/apt/sources.list.d/*.sources" >/dev/null; then
    m=$(awk '/^URIs:/ {for (i = 2; i <= NF; i++) if ($i !~ /security/) {print $i; exit}}' \
        /etc/apt/sources.list.d/*.sources | head -1)
  fi
  if [ -z "$m" ] && [ -f /etc/apt/sources.list ]; then
    m=$(awk '$1 == "deb" && $0 !~ /security/ {for (i = 2; i <= NF; i++) if ($i ~ /^(http|https|file):/) {print $i; exit}}' \
        /etc/apt/sources.list | head -1)
  fi
  echo "${m:-http://deb.debian.org/debian}"
}

dir=$(mktemp -d /tmp/tandem-bench-keepalived.XXXXXX)
trap 'rm -rf "$dir"' EXIT
url=$(mirror)
log=/tmp/tandem-bench-keepalived-debootstrap.log
echo "build-image: building $IMAGE with debootstrap from $url (log: $log)"
debootstrap --variant=minbase --include=keepalived,haproxy,iproute2,curl,procps \
  --keyring=/usr/share/keyrings/debian-archive-keyring.gpg bookworm "$dir" "$url" >"$log" 2>&1 \
  || { tail -30 "$log"; exit 1; }
rm -f "$dir"/var/cache/apt/archives/*.deb
tar -C "$dir" -c . | docker import \
  --change 'ENTRYPOINT ["/bin/sh", "/etc/pair-entrypoint.sh"]' \
  --change 'LABEL io.tandem.bench=keepalived' - "$IMAGE" >/dev/null
echo "build-image: $IMAGE ready ($(chroot "$dir" dpkg-query -W -f '${Package} ${Version}  ' keepalived haproxy))"
