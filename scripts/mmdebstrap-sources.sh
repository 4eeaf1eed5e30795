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

# leakgate_suite_sources SOURCES SUITE OUT: the machine's sources file SOURCES with its release replaced by
# SUITE (e.g. trixie) and the security archive left out (it has no plain release suite), written to OUT.
leakgate_suite_sources() {
  local sources=$1 suite=$2 out=$3
  if [[ $sources == *.list ]]; then
    awk -v suite="$suite" '$1 == "deb" && !/security/ { $3 = suite; print }' "$sources" > "$out"
  else
    awk -v suite="$suite" 'BEGIN{RS=""; ORS="\n\n"} !/security/ { gsub(/Suites:[^\n]*/, "Suites: " suite); print }' \
      "$sources" > "$out"
  fi
}

# leakgate_mmdebstrap WORK TARGET SOURCES ARGS...: mmdebstrap ARGS... SUITE TARGET SOURCES, its log in
# WORK/mmdebstrap.log (printed when it fails for good). SUITE is $LEAKGATE_SUITE, bookworm (this machine's
# release) unless set; for another release the sources are this machine's with the release replaced.
leakgate_mmdebstrap() {
  local work=$1 target=$2 sources=$3 suite=${LEAKGATE_SUITE:-bookworm}
  shift 3
  if [[ $suite != bookworm ]]; then
    local ext=sources
    [[ $sources == *.list ]] && ext=list
    leakgate_suite_sources "$sources" "$suite" "$work/$suite.$ext"
    sources=$work/$suite.$ext
  fi
  if mmdebstrap "$@" "$suite" "$target" "$sources" >"$work/mmdebstrap.log" 2>&1; then
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
    if mmdebstrap "$@" "$suite" "$target" "$work/no-security.sources" >"$work/mmdebstrap.log" 2>&1; then
      return 0
    fi
  fi
  cat "$work/mmdebstrap.log" >&2
  return 1
}

# leakgate_apt_download WORK ARCH PACKAGE [SUITE]: downloads PACKAGE for ARCH (e.g. arm64) from this
# machine's own apt sources (with the release replaced by SUITE when given: leakgate_suite_sources) into
# WORK, in a private apt state (the system's lists, sources and architectures stay untouched), and prints
# the .deb's path. A metapackage (e.g. linux-image-arm64) is followed to the one package it depends on.
leakgate_apt_download() {
  local work=$1 arch=$2 package=$3 suite=${4:-} f deb
  mkdir -p "$work/apt/lists/partial" "$work/apt/archives/partial" "$work/apt/parts"
  : > "$work/apt/sources.list"
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list; do
    [[ -s $f ]] || continue
    if [[ -n $suite ]]; then
      leakgate_suite_sources "$f" "$suite" "$work/apt/parts/$(basename "$f")"
    elif [[ $f == /etc/apt/sources.list ]]; then
      grep -E '^deb ' "$f" > "$work/apt/parts/sources.list" || true
    else
      cp "$f" "$work/apt/parts/"
    fi
  done
  local opts=(-o Dir::Etc::SourceList="$work/apt/sources.list" -o Dir::Etc::SourceParts="$work/apt/parts"
              -o Dir::State::Lists="$work/apt/lists" -o Dir::Cache::Archives="$work/apt/archives"
              -o APT::Sandbox::User=root -o APT::Architecture="$arch" -o APT::Architectures::="$arch")
  apt-get "${opts[@]}" update -qq >&2 || return 1
  (cd "$work" && apt-get "${opts[@]}" download -qq "$package" >&2) || return 1
  deb=$(ls "$work/${package}"_*.deb | head -1)
  local size
  size=$(stat -c %s "$deb")
  if ((size < 100000)); then # a metapackage: follow its first dependency
    local target
    target=$(dpkg-deb -f "$deb" Depends | cut -d, -f1 | cut -d' ' -f1)
    [[ -n $target ]] || return 1
    (cd "$work" && apt-get "${opts[@]}" download -qq "$target" >&2) || return 1
    deb=$(ls "$work/${target}"_*.deb | head -1)
  fi
  echo "$deb"
}
