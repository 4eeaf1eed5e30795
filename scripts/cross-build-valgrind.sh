#!/usr/bin/env bash
# Cross-compiles valgrind for a board's toolchain into a prefix folder leakgate deploys
# (leakgate.valgrind.deploy): the field report's step one, scripted.
#   Usage: scripts/cross-build-valgrind.sh TRIPLET PREFIX [SOURCE_DIR]
#     TRIPLET     the cross compiler's prefix: aarch64-linux-gnu (64-bit ARM) or arm-linux-gnueabihf
#                 (32-bit ARM, Cortex-A7 class); its TRIPLET-gcc must be on PATH (a vendor SDK's, or
#                 Debian's gcc-aarch64-linux-gnu / gcc-arm-linux-gnueabihf)
#     PREFIX      where `make install` puts bin/valgrind and libexec/valgrind (a folder here, not on the board:
#                 leakgate sets VALGRIND_LIB on the board, so the compiled-in prefix does not matter)
#     SOURCE_DIR  an unpacked valgrind source tree; without one, Debian's valgrind source package is fetched
#                 with `apt-get source` from this machine's own apt sources (their deb-src twin)
# It runs configure with --host and --prefix, make and make install; about 15 minutes on two cores.
# valgrind's configure knows 32-bit ARM as armv7*, so arm-linux-gnueabihf builds with --host=armv7-linux-gnueabihf.
# Afterwards it prints the settings to use. For the board's loader symbols see scripts/valgrind-prefix.sh.
set -euo pipefail
triplet=${1:?usage: cross-build-valgrind.sh TRIPLET PREFIX [SOURCE_DIR]}
prefix=${2:?usage: cross-build-valgrind.sh TRIPLET PREFIX [SOURCE_DIR]}
source_dir=${3:-}
command -v "$triplet-gcc" >/dev/null || { echo "cross-build-valgrind.sh: no $triplet-gcc on PATH: install the board's"\
  "toolchain (Debian: apt-get install gcc-$triplet)" >&2; exit 1; }
case $triplet in
  aarch64-*) host=$triplet ;;
  arm-*hf|armv7*) host=armv7-${triplet#*-} ;;
  *) host=$triplet ;;
esac
prefix=$(mkdir -p "$prefix" && cd "$prefix" && pwd)
work=$(mktemp -d /var/tmp/leakgate-vgbuild.XXXXXX)
trap 'rm -rf "$work"' EXIT

if [[ -z $source_dir ]]; then
  echo "cross-build-valgrind.sh: fetching Debian's valgrind source"
  source_dir=$("$(dirname "$0")/debian-source.sh" valgrind "$work/src")
fi
[[ -x $source_dir/configure ]] || { echo "cross-build-valgrind.sh: $source_dir has no configure script" >&2; exit 1; }

echo "cross-build-valgrind.sh: configure --host=$host --prefix=$prefix (CC=$triplet-gcc) in $source_dir"
build=$work/build
mkdir -p "$build"
(cd "$build" && "$source_dir/configure" --host="$host" --prefix="$prefix" CC="$triplet-gcc" AR="$triplet-ar" \
  LD="$triplet-ld" >"$work/configure.log" 2>&1) || { tail -30 "$work/configure.log" >&2; exit 1; }
(cd "$build" && make -j"$(nproc)" >"$work/make.log" 2>&1 && make install >>"$work/make.log" 2>&1) \
  || { tail -40 "$work/make.log" >&2; exit 1; }
tool=$(cd "$prefix/libexec/valgrind" && ls memcheck-*-linux | head -1)
echo "cross-build-valgrind.sh: built $prefix/bin/valgrind and $prefix/libexec/valgrind/$tool"
echo "  use it with: -Dleakgate.valgrind.deploy=$prefix"
echo "  if the board's ld.so is stripped, add -Dleakgate.valgrind.debuginfo=<folder with the C library's debug files>"
