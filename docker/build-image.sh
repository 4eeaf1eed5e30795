#!/usr/bin/env bash
# Builds an emulated board image with no image registry: the root filesystem comes from this
# machine's own apt sources through mmdebstrap (arm64, run under QEMU through binfmt), then
# `docker build` of a FROM-scratch Dockerfile. Usage: build-image.sh [debian|bare]
#   debian (the default): leakgate/board-aarch64, Debian with valgrind, libc6-dbg and OpenSSH;
#   bare: leakgate/board-aarch64-bare, a camera-like root: glibc, busybox, dropbear without an SFTP
#         server, no valgrind (leakgate brings its own), a small tmpfs /tmp.
# Idempotent: the image is tagged with a hash of its files and rebuilt only when they change.
# Needs: root, a running Docker engine, binfmt for aarch64, mmdebstrap (scripts/setup-board.sh).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
variant=${1:-debian}
case $variant in
  debian) image=${LEAKGATE_BOARD_IMAGE:-leakgate/board-aarch64}; files=$here ;;
  bare) image=leakgate/board-aarch64-bare; files=$here/bare ;;
  *) echo "build-image.sh: the variant is debian or bare, not '$variant'" >&2; exit 64 ;;
esac
hash=$( (cd "$files" && find . -maxdepth 1 -type f ! -name '*.md' ! -name 'Dockerfile.registry' -print0 | sort -z \
         | xargs -0 sha256sum; sha256sum < "$here/build-image.sh") | sha256sum | cut -c1-16)

say() { printf 'leakgate board image: %s\n' "$*"; }

if docker image inspect "$image:$hash" >/dev/null 2>&1; then
  docker tag "$image:$hash" "$image:latest"
  say "$image:$hash is up to date with docker/ (tagged latest)"
  exit 0
fi

# the machine's own Debian sources: read at run time, never written into the repository
sources=""
for f in /etc/apt/sources.list.d/debian.sources /etc/apt/sources.list; do
  if [[ -s $f ]] && grep -qE '^(deb |Types:)' "$f"; then sources=$f; break; fi
done
[[ -n $sources ]] || { say "no Debian apt sources found in /etc/apt; cannot build the root filesystem" >&2; exit 1; }

work=$(mktemp -d /var/tmp/leakgate-board.XXXXXX)
trap 'rm -rf "$work"' EXIT
if [[ $variant == debian ]]; then
  mmvariant=minbase
  packages=valgrind,libc6-dbg,openssh-server,procps,busybox,tini
  shell=/bin/sh
  hook=--customize-hook
else
  # only extracted, as firmware is: glibc, busybox, dropbear and what dropbear needs
  mmvariant=extract
  packages=libc6,libgcc-s1,libcrypt1,zlib1g,libtomcrypt1,libtommath1,busybox,dropbear-bin
  shell="/bin/busybox sh"
  hook=--extract-hook # the extract variant runs no customize hooks
fi

build_rootfs() { # $1: sources file
  mmdebstrap --quiet --variant=$mmvariant --architectures=arm64 --include="$packages" \
    $hook="mkdir -p \"\$1/tmp\" && cp '$files/board-setup.sh' \"\$1/tmp/board-setup.sh\"" \
    $hook="chroot \"\$1\" $shell /tmp/board-setup.sh" \
    $hook="mkdir -p \"\$1/usr/local/sbin\" && install -m 755 '$files/board-init.sh' \"\$1/usr/local/sbin/leakgate-board-init\"" \
    $hook='rm -f "$1/tmp/board-setup.sh"' \
    bookworm "$work/rootfs.tar" "$1"
}

say "building the arm64 root filesystem with mmdebstrap from $sources (a few minutes)"
if ! build_rootfs "$sources" 2>"$work/mmdebstrap.log"; then
  if grep -q 'security' "$sources" && grep -qiE 'unexpected size|mirror sync|Hash Sum mismatch' "$work/mmdebstrap.log"; then
    say "the security index is mid-sync; retrying without the security entry"
    awk 'BEGIN{RS=""; ORS="\n\n"} !/security/' "$sources" > "$work/no-security.sources"
    [[ $sources == *.list ]] && grep -v security "$sources" > "$work/no-security.sources"
    rm -f "$work/rootfs.tar"
    build_rootfs "$work/no-security.sources"
  else
    cat "$work/mmdebstrap.log" >&2
    exit 1
  fi
fi

cp "$files/Dockerfile" "$work/Dockerfile"
say "docker build --platform linux/arm64 -t $image:$hash"
DOCKER_BUILDKIT=0 docker build -q --platform linux/arm64 --label "dev.leakgate.docker-hash=$hash" \
  -t "$image:$hash" -t "$image:latest" "$work" >/dev/null
say "built $image:$hash (tagged latest)"
# images of older docker/ contents are not needed any more (kept when a container still uses one)
docker images --format '{{.Repository}}:{{.Tag}}' "$image" | grep -v -e ":$hash\$" -e ':latest$' \
  | xargs -r docker rmi >/dev/null 2>&1 || true
