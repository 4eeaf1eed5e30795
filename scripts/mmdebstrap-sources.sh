# Sourced by docker/build-image.sh and scripts/valgrind-prefix.sh: mmdebstrap from this machine's own
# apt sources, read at run time (never written into the repository), and once more without the
# security entry when that index is mid-sync (its size does not match its Release file for a while).

# Prints the machine's Debian sources file; fails when there is none.
leakgate_apt_sources() {
  local f
  for f in /etc/apt/sources.list.d/debian.sources /etc/apt/sources.list; do
    if [[ -s $f ]] && grep -qE '^(deb |Types:)' "$f"; then
      echo "$f"
      return 0
    fi
  done
  echo "no Debian apt sources found in /etc/apt" >&2
  return 1
}

# leakgate_mmdebstrap WORK TARGET SOURCES ARGS...: mmdebstrap ARGS... bookworm TARGET SOURCES, its log
# in WORK/mmdebstrap.log (printed when it fails for good).
leakgate_mmdebstrap() {
  local work=$1 target=$2 sources=$3
  shift 3
  if mmdebstrap "$@" bookworm "$target" "$sources" >"$work/mmdebstrap.log" 2>&1; then
    return 0
  fi
  if grep -q security "$sources" && grep -qiE 'unexpected size|mirror sync|Hash Sum mismatch' "$work/mmdebstrap.log"; then
    echo "leakgate: the security index of the apt sources is mid-sync; mmdebstrap again without it" >&2
    if [[ $sources == *.list ]]; then
      grep -v security "$sources" >"$work/no-security.sources"
    else
      awk 'BEGIN{RS=""; ORS="\n\n"} !/security/' "$sources" >"$work/no-security.sources"
    fi
    rm -rf "$target"
    if mmdebstrap "$@" bookworm "$target" "$work/no-security.sources" >"$work/mmdebstrap.log" 2>&1; then
      return 0
    fi
  fi
  cat "$work/mmdebstrap.log" >&2
  return 1
}
