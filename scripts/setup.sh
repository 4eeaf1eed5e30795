#!/usr/bin/env bash
# One-time host set-up for leakgate, idempotent: installs only what is missing and says what.
#   valgrind  (memcheck, the host's own: local runs and tests)
#   gcc       (builds the test programs and the example)
#   maven, a JDK 17, python3 (build, tests, benchmark baseline)
#   chromium  (headless: the tests render the HTML report and look at it)
set -euo pipefail

say() { printf 'leakgate set-up: %s\n' "$*"; }

# command -> Debian package that provides it
declare -A wanted=(
  [valgrind]=valgrind
  [gcc]=gcc
  [mvn]=maven
  [javac]=openjdk-17-jdk-headless
  [python3]=python3
  [chromium]=chromium
)

missing=()
for cmd in "${!wanted[@]}"; do
  command -v "$cmd" >/dev/null 2>&1 || missing+=("${wanted[$cmd]}")
done

if ((${#missing[@]} == 0)); then
  say "host tools present (valgrind, gcc, maven, JDK, python3, chromium); nothing to install"
  exit 0
fi

if [[ $(id -u) -ne 0 ]]; then
  say "missing: ${missing[*]}; run this as root (or: sudo apt-get install ${missing[*]})" >&2
  exit 1
fi
say "installing with apt-get: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
say "installed: ${missing[*]}"
