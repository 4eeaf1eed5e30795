#!/usr/bin/env bash
# One-time set-up for the emulated aarch64 board, idempotent and quick when already done:
#   apt packages: docker.io (the Docker engine), qemu-user-static (runs aarch64 and 32-bit ARM code),
#                 gcc-aarch64-linux-gnu + libc6-dev-arm64-cross, gcc-arm-linux-gnueabihf +
#                 libc6-dev-armhf-cross (cross compilers), mmdebstrap + arch-test, make + dpkg-dev + patch
#                 (Debian's source packages built for the boards: valgrind, the example's MQTT broker), cpio
#   the Docker engine running (dockerd started in the background if it is not)
#   binfmt_misc mounted and qemu-aarch64 and qemu-arm registered (with the F flag: works inside containers)
#   the board images built from docker/ (only when their files changed): the aarch64 board (Debian,
#     valgrind, OpenSSH), the bare one (busybox, dropbear, no valgrind: docker/bare), the armhf
#     board (the Debian one for 32-bit ARM), the system board (docker/system: qemu-system-aarch64
#     booting Debian's arm64 kernel with the aarch64 board's root; cpio packs its initramfs) and the
#     aarch64 board of Debian 13 (trixie: valgrind 3.24, glibc 2.41), beside bookworm's 3.19
#   a valgrind prefix for aarch64 boards without one, and the C library's debug files, in
#     ${LEAKGATE_CACHE:-/var/cache/leakgate}/valgrind-arm64[-debuginfo] (scripts/valgrind-prefix.sh)
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf 'leakgate set-up: %s\n' "$*"; }
fail() { printf 'leakgate set-up: %s\n' "$*" >&2; exit 1; }

scripts/setup.sh

missing=()
for p in docker.io qemu-user-static gcc-aarch64-linux-gnu libc6-dev-arm64-cross gcc-arm-linux-gnueabihf \
         libc6-dev-armhf-cross mmdebstrap arch-test make dpkg-dev patch cpio; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  [[ $(id -u) -eq 0 ]] || fail "missing: ${missing[*]}; run this as root (or: sudo apt-get install ${missing[*]})"
  say "installing with apt-get: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  say "board packages present (docker.io, qemu-user-static, aarch64 and armhf cross gcc, mmdebstrap, make, dpkg-dev)"
fi

# the Docker engine
if docker info >/dev/null 2>&1; then
  say "Docker engine running"
else
  [[ $(id -u) -eq 0 ]] || fail "the Docker engine is not running; start it (as root: dockerd &, or systemctl start docker)"
  say "starting dockerd in the background (log: /var/log/leakgate-dockerd.log)"
  nohup dockerd >/var/log/leakgate-dockerd.log 2>&1 &
  for _ in $(seq 1 60); do
    docker info >/dev/null 2>&1 && break
    sleep 1
  done
  docker info >/dev/null 2>&1 || fail "dockerd did not come up within 60 s; see /var/log/leakgate-dockerd.log"
  say "Docker engine running"
fi

# binfmt for the boards' CPUs
binfmt=/proc/sys/fs/binfmt_misc
if [[ ! -e $binfmt/register ]]; then
  [[ $(id -u) -eq 0 ]] || fail "binfmt_misc is not mounted; as root: mount -t binfmt_misc binfmt_misc $binfmt"
  mount -t binfmt_misc binfmt_misc "$binfmt"
fi
for cpu in aarch64 arm; do
  if [[ -e $binfmt/qemu-$cpu ]] && grep -q enabled "$binfmt/qemu-$cpu"; then
    say "binfmt for $cpu registered ($(grep flags "$binfmt/qemu-$cpu"))"
  else
    [[ $(id -u) -eq 0 ]] || fail "no binfmt for $cpu; as root: cat /usr/lib/binfmt.d/qemu-$cpu.conf > $binfmt/register"
    conf=/usr/lib/binfmt.d/qemu-$cpu.conf
    [[ -s $conf ]] || fail "$conf is missing; install qemu-user-static"
    cat "$conf" > "$binfmt/register"
    say "registered binfmt for $cpu ($(grep flags "$binfmt/qemu-$cpu"))"
  fi
done

docker/build-image.sh
docker/build-image.sh bare
docker/build-image.sh armhf
docker/build-image.sh system
docker/build-image.sh debian trixie
cache=${LEAKGATE_CACHE:-/var/cache/leakgate}
mkdir -p "$cache"
scripts/valgrind-prefix.sh arm64 "$cache/valgrind-arm64"
