#!/usr/bin/env bash
# Builds the system-emulated aarch64 board, leakgate/board-aarch64-system, with no image registry:
#   the guest: Debian's own arm64 kernel (linux-image-arm64, from this machine's apt sources for arm64,
#     in a private apt state) and the Debian board's root file system (leakgate/board-aarch64, built
#     first when missing) as the initramfs, with the few kernel modules it needs and guest-init.sh;
#   the container: qemu-system-aarch64 for this machine's CPU (Debian's qemu-system-arm), from mmdebstrap.
# Idempotent: tagged with a hash of its files and the Debian board image's; rebuilt only when they change.
# Called by build-image.sh system. Needs: root, a running Docker engine, mmdebstrap, cpio.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
docker_dir=$(cd "$here/.." && pwd)
image=leakgate/board-aarch64-system
say() { printf 'leakgate board image: %s\n' "$*"; }

"$docker_dir/build-image.sh" debian
guest_image=$(docker image inspect -f '{{.Id}}' leakgate/board-aarch64:latest)
hash=$( (cd "$here" && sha256sum Dockerfile build.sh guest-init.sh system-board.sh; echo "$guest_image") | sha256sum | cut -c1-16)
if docker image inspect "$image:$hash" >/dev/null 2>&1; then
  docker tag "$image:$hash" "$image:latest"
  say "$image:$hash is up to date with docker/system (tagged latest)"
  exit 0
fi
command -v cpio >/dev/null || { echo "build.sh: no cpio: run scripts/setup-board.sh" >&2; exit 1; }

source "$docker_dir/../scripts/mmdebstrap-sources.sh"
sources=$(leakgate_apt_sources) || exit 1
work=$(mktemp -d /var/tmp/leakgate-system.XXXXXX)
trap 'rm -rf "$work"' EXIT

say "fetching Debian's arm64 kernel (linux-image-arm64) from $sources"
deb=$(leakgate_apt_download "$work" arm64 linux-image-arm64) \
  || { echo "build.sh: no linux-image-arm64 for arm64 in this machine's apt sources" >&2; exit 1; }
mkdir -p "$work/kernel" "$work/board"
dpkg-deb -x "$deb" "$work/kernel"
release=$(ls "$work/kernel/lib/modules" | head -1)
cp "$work/kernel/boot/vmlinuz-$release" "$work/board/vmlinuz"

say "the guest's root: leakgate/board-aarch64 with kernel $release's virtio and fw_cfg modules"
container=$(docker create --platform linux/arm64 leakgate/board-aarch64:latest)
mkdir -p "$work/guest"
docker export "$container" | tar -x -C "$work/guest"
docker rm "$container" >/dev/null
guest=$work/guest
rm -f "$guest/.dockerenv"
rm -rf "$guest/usr/share/doc" "$guest/usr/share/man" "$guest/usr/share/info" "$guest/usr/share/locale"
mkdir -p "$guest/lib/modules/$release"
for m in net/core/failover drivers/net/net_failover drivers/virtio/virtio_pci_legacy_dev \
         drivers/virtio/virtio_pci_modern_dev drivers/virtio/virtio_pci drivers/net/virtio_net \
         drivers/char/hw_random/virtio-rng drivers/firmware/qemu_fw_cfg; do
  cp "$work/kernel/lib/modules/$release/kernel/$m.ko" "$guest/lib/modules/$release/"
done
install -m 755 "$here/guest-init.sh" "$guest/sbin/leakgate-init"
(cd "$guest" && find . | cpio -o -H newc --quiet) > "$work/board/root.cpio"

say "the container: qemu-system-aarch64 for $(dpkg --print-architecture), with mmdebstrap (a few minutes)"
mkdir -p "$work/context"
leakgate_mmdebstrap "$work" "$work/context/rootfs.tar" "$sources" --variant=minbase --architectures="$(dpkg --print-architecture)" \
  --include=qemu-system-arm,tini \
  "--customize-hook=mkdir -p \"\$1/board\" && cp '$work/board/vmlinuz' '$work/board/root.cpio' \"\$1/board/\"" \
  "--customize-hook=install -m 755 '$here/system-board.sh' \"\$1/usr/local/sbin/leakgate-system-board\"" \
  "--customize-hook=rm -rf \"\$1/usr/share/doc\" \"\$1/usr/share/man\" \"\$1/usr/share/locale\"" || exit 1

cp "$here/Dockerfile" "$work/context/Dockerfile"
say "docker build -t $image:$hash"
DOCKER_BUILDKIT=0 docker build -q --label "dev.leakgate.docker-hash=$hash" -t "$image:$hash" -t "$image:latest" "$work/context" >/dev/null
say "built $image:$hash (tagged latest)"
docker images --format '{{.Repository}}:{{.Tag}}' "$image" | grep -v -e ":$hash\$" -e ':latest$' \
  | xargs -r docker rmi >/dev/null 2>&1 || true
