#!/usr/bin/env bash
# Makes a valgrind for a board that has none, the way the field report's first step does, as a folder
# leakgate deploys (leakgate.valgrind.deploy): OUT/bin/valgrind and OUT/libexec/valgrind with memcheck,
# for valgrind's CPU name ARCH (arm64, armhf); and OUT-debuginfo/.build-id/..., the C library's debug
# files (leakgate.valgrind.debuginfo), which valgrind needs for the board's ld.so.
# Here they come from Debian's own packages for that CPU (valgrind, libc6-dbg; valgrind-dbg on armhf),
# unpacked with mmdebstrap from this machine's apt sources: the stand-in for a cross-build, which
# scripts/cross-build-valgrind.sh does from source. Idempotent. Usage: valgrind-prefix.sh ARCH OUT
set -euo pipefail
arch=${1:?usage: valgrind-prefix.sh ARCH OUT}
out=${2:?usage: valgrind-prefix.sh ARCH OUT}
case $arch in
  arm64) tool=arm64-linux; packages=valgrind,libc6-dbg ;;
  armhf) tool=arm-linux; packages=valgrind,valgrind-dbg,libc6-dbg ;;
  *) echo "valgrind-prefix.sh: ARCH is arm64 or armhf, not '$arch'" >&2; exit 64 ;;
esac
if [[ -x $out/bin/valgrind && -f $out/libexec/valgrind/memcheck-$tool && -d $out-debuginfo/.build-id ]]; then
  echo "valgrind prefix for $arch: $out (up to date)"
  exit 0
fi
source "$(dirname "$0")/mmdebstrap-sources.sh"
sources=$(leakgate_apt_sources) || exit 1
command -v mmdebstrap >/dev/null || { echo "valgrind-prefix.sh: no mmdebstrap: run scripts/setup-board.sh" >&2; exit 1; }
work=$(mktemp -d /var/tmp/leakgate-valgrind.XXXXXX)
trap 'rm -rf "$work"' EXIT
leakgate_mmdebstrap "$work" "$work/root.tar" "$sources" --variant=extract --architectures="$arch" \
  --include="$packages" || exit 1
mkdir -p "$work/root" && tar -xf "$work/root.tar" -C "$work/root"
rm -rf "$out" "$out-debuginfo"
mkdir -p "$out/bin" "$out/libexec/valgrind" "$out-debuginfo"
cp "$work/root/usr/bin/valgrind.bin" "$out/bin/valgrind"
for f in memcheck-$tool vgpreload_core-$tool.so vgpreload_memcheck-$tool.so default.supp; do
  cp "$work/root/usr/libexec/valgrind/$f" "$out/libexec/valgrind/"
done
cp -a "$work/root/usr/lib/debug/.build-id" "$out-debuginfo/"
echo "valgrind prefix for $arch: $out ($(du -sh "$out" | cut -f1)), debug files: $out-debuginfo"
