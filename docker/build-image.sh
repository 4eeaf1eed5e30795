#!/usr/bin/env bash
# Builds the emulated aarch64 board image (default leakgate/board-aarch64) with no image registry:
# the root filesystem comes from this machine's own apt sources through mmdebstrap (arm64, run
# under QEMU through binfmt), then `docker build` of a FROM-scratch Dockerfile.
# Idempotent: the image is tagged with a hash of this folder and rebuilt only when it changes.
# Needs: root, a running Docker engine, binfmt for aarch64, mmdebstrap (scripts/setup-board.sh).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
image=${LEAKGATE_BOARD_IMAGE:-leakgate/board-aarch64}
hash=$(cd "$here" && find . -type f ! -name '*.md' ! -name 'Dockerfile.registry' -print0 | sort -z \
         | xargs -0 sha256sum | sha256sum | cut -c1-16)

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
packages=valgrind,libc6-dbg,openssh-server,procps,busybox,tini

build_rootfs() { # $1: sources file
  mmdebstrap --quiet --variant=minbase --architectures=arm64 --include="$packages" \
    --customize-hook="cp '$here/board-setup.sh' \"\$1/tmp/board-setup.sh\"" \
    --customize-hook='chroot "$1" /bin/sh /tmp/board-setup.sh' \
    --customize-hook="install -m 755 '$here/board-init.sh' \"\$1/usr/local/sbin/leakgate-board-init\"" \
    --customize-hook='rm -f "$1/tmp/board-setup.sh"' \
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

cp "$here/Dockerfile" "$work/Dockerfile"
say "docker build --platform linux/arm64 -t $image:$hash"
DOCKER_BUILDKIT=0 docker build -q --platform linux/arm64 --label "dev.leakgate.docker-hash=$hash" \
  -t "$image:$hash" -t "$image:latest" "$work" >/dev/null
say "built $image:$hash (tagged latest)"
# images of older docker/ contents are not needed any more (kept when a container still uses one)
docker images --format '{{.Repository}}:{{.Tag}}' "$image" | grep -v -e ":$hash\$" -e ':latest$' \
  | xargs -r docker rmi >/dev/null 2>&1 || true
