#!/usr/bin/env bash
# Builds an emulated board image with no image registry: the root filesystem comes from this
# machine's own apt sources through mmdebstrap (arm64, run under QEMU through binfmt), then
# `docker build` of a FROM-scratch Dockerfile. Usage: build-image.sh [debian|bare|armhf|system] [SUITE]
#   SUITE: the Debian release of the debian board's root, bookworm unless given; another (trixie: valgrind
#         3.24, glibc 2.41) comes from this machine's sources with the release replaced and makes
#         leakgate/board-aarch64-SUITE (leakgate.board.release=SUITE chooses it).
#   debian (the default): leakgate/board-aarch64, Debian with valgrind, libc6-dbg and OpenSSH;
#   bare: leakgate/board-aarch64-bare, a camera-like root: glibc, busybox, dropbear without an SFTP
#         server, no valgrind (leakgate brings its own), a small tmpfs /tmp;
#   armhf: leakgate/board-armhf, the debian board for 32-bit ARM (Cortex-A7 class cameras), with
#         valgrind-dbg too: under emulation memcheck-arm-linux needs its own symbols to unwind;
#   system: leakgate/board-aarch64-system, a whole aarch64 machine under qemu-system-aarch64 booting
#         Debian's arm64 kernel with the debian board's root (docker/system/build.sh).
# Idempotent: the image is tagged with a hash of its files and rebuilt only when they change.
# Needs: root, a running Docker engine, binfmt for the board's CPU, mmdebstrap (scripts/setup-board.sh).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
variant=${1:-debian}
[[ $variant == system ]] && exec "$here/system/build.sh"
# the Debian release of the root (bookworm: valgrind 3.19, glibc 2.36; trixie: valgrind 3.24, glibc 2.41)
suite=${2:-bookworm}
export LEAKGATE_SUITE=$suite
if [[ $suite != bookworm && $variant != debian ]]; then
  echo "build-image.sh: only the debian board is built for another Debian release, not the $variant one" >&2; exit 64
fi
arch=arm64; platform=linux/arm64; flavour=aarch64
case $variant in
  debian) image=${LEAKGATE_BOARD_IMAGE:-leakgate/board-aarch64}; files=$here
          [[ $suite == bookworm ]] || image=leakgate/board-aarch64-$suite ;;
  bare) image=leakgate/board-aarch64-bare; files=$here/bare; flavour=aarch64-bare ;;
  armhf) image=leakgate/board-armhf; files=$here; arch=armhf; platform=linux/arm/v7; flavour=armhf ;;
  *) echo "build-image.sh: the variant is debian, bare, armhf or system, not '$variant'" >&2; exit 64 ;;
esac
hash=$( (cd "$files" && find . -maxdepth 1 -type f ! -name '*.md' ! -name 'Dockerfile.registry' -print0 | sort -z \
         | xargs -0 sha256sum; sha256sum < "$here/build-image.sh"; echo "$arch"; [[ $suite == bookworm ]] || echo "$suite") \
         | sha256sum | cut -c1-16)

say() { printf 'leakgate board image: %s\n' "$*"; }

if docker image inspect "$image:$hash" >/dev/null 2>&1; then
  docker tag "$image:$hash" "$image:latest"
  say "$image:$hash is up to date with docker/ (tagged latest)"
  exit 0
fi

# the machine's own Debian sources: read at run time, never written into the repository
source "$here/../scripts/mmdebstrap-sources.sh"
sources=$(leakgate_apt_sources) || exit 1

work=$(mktemp -d /var/tmp/leakgate-board.XXXXXX)
trap 'rm -rf "$work"' EXIT
if [[ $variant != bare ]]; then
  mmvariant=minbase
  packages=valgrind,libc6-dbg,openssh-server,procps,busybox,tini
  [[ $arch == armhf ]] && packages=$packages,valgrind-dbg
  shell=/bin/sh
  hook=--customize-hook
else
  # only extracted, as firmware is: glibc, busybox, dropbear and what dropbear needs
  mmvariant=extract
  packages=libc6,libgcc-s1,libcrypt1,zlib1g,libtomcrypt1,libtommath1,busybox,dropbear-bin
  shell="/bin/busybox sh"
  hook=--extract-hook # the extract variant runs no customize hooks
fi

say "building the $arch root filesystem of Debian $suite with mmdebstrap from $sources (a few minutes)"
leakgate_mmdebstrap "$work" "$work/rootfs.tar" "$sources" --variant=$mmvariant --architectures=$arch \
  --include="$packages" \
  "$hook=mkdir -p \"\$1/tmp\" && cp '$files/board-setup.sh' \"\$1/tmp/board-setup.sh\"" \
  "$hook=chroot \"\$1\" $shell /tmp/board-setup.sh" \
  "$hook=mkdir -p \"\$1/usr/local/sbin\" && install -m 755 '$files/board-init.sh' \"\$1/usr/local/sbin/leakgate-board-init\"" \
  "$hook=rm -f \"\$1/tmp/board-setup.sh\"" || exit 1

cp "$files/Dockerfile" "$work/Dockerfile"
say "docker build --platform $platform -t $image:$hash"
DOCKER_BUILDKIT=0 docker build -q --platform $platform --label "dev.leakgate.docker-hash=$hash" \
  --label "dev.leakgate.board=$flavour" \
  -t "$image:$hash" -t "$image:latest" "$work" >/dev/null
say "built $image:$hash (tagged latest)"
# images of older docker/ contents are not needed any more (kept when a container still uses one)
docker images --format '{{.Repository}}:{{.Tag}}' "$image" | grep -v -e ":$hash\$" -e ':latest$' \
  | xargs -r docker rmi >/dev/null 2>&1 || true
