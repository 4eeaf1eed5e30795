#!/usr/bin/env bash
# Unpacks the valgrind of another Debian release for this machine's CPU into a prefix leakgate can run
# (OUT/bin/valgrind, OUT/libexec/valgrind; run with VALGRIND_LIB, as builder().valgrindPrefix(OUT) does):
# the releases field boards carry differ (Debian 12 has 3.19, Debian 13 has 3.24), and leakgate is
# tested against more than one. The package comes from this machine's own apt sources with the release
# (SUITE, e.g. trixie) put in place of this one, in a private apt state: the system's apt lists and
# sources stay untouched. Idempotent. Usage: scripts/valgrind-release.sh SUITE OUT
set -euo pipefail
suite=${1:?usage: valgrind-release.sh SUITE OUT}
out=${2:?usage: valgrind-release.sh SUITE OUT}
if [[ -x $out/bin/valgrind && -f $out/VERSION ]]; then
  echo "valgrind of Debian $suite: $out ($(cat "$out/VERSION"), up to date)"
  exit 0
fi
work=$(mktemp -d /var/tmp/leakgate-vgrel.XXXXXX)
trap 'rm -rf "$work"' EXIT
source "$(dirname "$0")/mmdebstrap-sources.sh"
echo "valgrind-release.sh: fetching the valgrind package of Debian $suite" >&2
deb=$(leakgate_apt_download "$work" "$(dpkg --print-architecture)" valgrind "$suite") \
  || { echo "valgrind-release.sh: no valgrind package for Debian $suite in this machine's apt sources" >&2; exit 1; }
dpkg-deb -x "$deb" "$work/root"
arch=$(dpkg --print-architecture)
case $arch in amd64) tool=amd64-linux ;; arm64) tool=arm64-linux ;; *) tool=$arch-linux ;; esac
rm -rf "$out"
mkdir -p "$out/bin" "$out/libexec/valgrind"
cp "$work/root/usr/bin/valgrind.bin" "$out/bin/valgrind" 2>/dev/null || cp "$work/root/usr/bin/valgrind" "$out/bin/valgrind"
for f in memcheck-$tool vgpreload_core-$tool.so vgpreload_memcheck-$tool.so default.supp; do
  cp "$work/root/usr/libexec/valgrind/$f" "$out/libexec/valgrind/"
done
VALGRIND_LIB=$out/libexec/valgrind "$out/bin/valgrind" --version > "$out/VERSION"
echo "valgrind of Debian $suite: $out ($(cat "$out/VERSION"))"
