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
mkdir -p "$work/lists/partial" "$work/archives/partial" "$work/parts"
# the machine's own sources, the security archive left out (it has no plain release suite), the suite replaced
for f in /etc/apt/sources.list.d/*.sources; do
  [[ -s $f ]] || continue
  awk -v suite="$suite" 'BEGIN{RS=""; ORS="\n\n"} !/security/ { gsub(/Suites:[^\n]*/, "Suites: " suite); print }' \
    "$f" > "$work/parts/$(basename "$f")"
done
: > "$work/sources.list"
if [[ -s /etc/apt/sources.list ]]; then
  awk -v suite="$suite" '$1 == "deb" && !/security/ { $3 = suite; print }' /etc/apt/sources.list > "$work/sources.list"
fi
opts=(-o Dir::Etc::SourceList="$work/sources.list" -o Dir::Etc::SourceParts="$work/parts"
      -o Dir::State::Lists="$work/lists" -o Dir::Cache::Archives="$work/archives" -o APT::Sandbox::User=root)
echo "valgrind-release.sh: fetching the valgrind package of Debian $suite" >&2
apt-get "${opts[@]}" update -qq >&2
(cd "$work" && apt-get "${opts[@]}" download -qq valgrind >&2) \
  || { echo "valgrind-release.sh: no valgrind package for Debian $suite in this machine's apt sources" >&2; exit 1; }
deb=$(ls "$work"/valgrind_*.deb | head -1)
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
