#!/usr/bin/env bash
# Fetches and unpacks Debian's source package PACKAGE into DEST (DEST/PACKAGE-VERSION, Debian's patches
# applied), from the deb-src twin of this machine's own apt sources, in a private apt state: the system's
# apt lists and sources stay untouched. Prints the unpacked folder. When DEST already holds it, nothing is
# fetched. Needs dpkg-source (dpkg-dev; scripts/setup-board.sh installs it).
#   Usage: scripts/debian-source.sh PACKAGE DEST
set -euo pipefail
package=${1:?usage: debian-source.sh PACKAGE DEST}
dest=${2:?usage: debian-source.sh PACKAGE DEST}
mkdir -p "$dest"
dest=$(cd "$dest" && pwd)
have=$(find "$dest" -mindepth 1 -maxdepth 1 -type d -name "$package-[0-9]*" | sort | tail -1)
if [[ -n $have && -f $have/.leakgate-unpacked ]]; then
  echo "$have"
  exit 0
fi
command -v dpkg-source >/dev/null || { echo "debian-source.sh: no dpkg-source: apt-get install dpkg-dev" >&2; exit 1; }
work=$(mktemp -d /var/tmp/leakgate-src.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/apt/lists/partial" "$work/apt/archives/partial" "$work/src"
list=$work/apt/sources.list
for f in /etc/apt/sources.list.d/*.sources; do
  [[ -s $f ]] && sed -E 's/^Types:.*/Types: deb-src/' "$f" > "$work/apt/$(basename "$f")"
done
if [[ -s /etc/apt/sources.list ]]; then sed -nE 's/^deb /deb-src /p' /etc/apt/sources.list > "$list"; else : > "$list"; fi
opts=(-o Dir::Etc::SourceList="$list" -o Dir::Etc::SourceParts="$work/apt" -o Dir::State::Lists="$work/apt/lists"
      -o Dir::Cache::Archives="$work/apt/archives" -o APT::Sandbox::User=root)
echo "debian-source.sh: fetching Debian's $package source" >&2
apt-get "${opts[@]}" update -qq >&2
(cd "$work/src" && apt-get "${opts[@]}" source -qq "$package" >/dev/null 2>&1) \
  || { echo "debian-source.sh: apt-get source $package failed (are deb-src twins of this machine's apt sources served?)" >&2; exit 1; }
unpacked=$(find "$work/src" -mindepth 1 -maxdepth 1 -type d -name "$package-*" | head -1)
[[ -n $unpacked ]] || { echo "debian-source.sh: apt-get source $package unpacked nothing" >&2; exit 1; }
rm -rf "${dest:?}/$(basename "$unpacked")"
mv "$unpacked" "$dest/"
touch "$dest/$(basename "$unpacked")/.leakgate-unpacked"
echo "$dest/$(basename "$unpacked")"
