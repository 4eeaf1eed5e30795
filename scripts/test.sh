#!/usr/bin/env bash
# Runs leakgate's own tests (real valgrind on real programs, on the host and on the emulated boards),
# after the one-time set-up (scripts/setup-board.sh, which runs scripts/setup.sh) and, once, a valgrind
# cross-compiled from Debian's valgrind source for aarch64 (scripts/cross-build-valgrind.sh: about 4 minutes
# on two cores), which a test brings to the bare board, and Debian 13's valgrind 3.24 for this machine
# (scripts/valgrind-release.sh: a 15 MB package, once), which the tests run beside Debian 12's 3.19; then, in
# a full run, a fresh project built from the README's pom snippet (scripts/fresh-project.sh).
# mvn verify: the tests, the CLI jar and the style check (config/checkstyle.xml).
# Extra arguments go to Maven, e.g. scripts/test.sh -Dtest=LeakGateTests
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-board.sh
cross=${LEAKGATE_CACHE:-/var/cache/leakgate}/valgrind-arm64-cross
if [[ ! -f $cross/libexec/valgrind/memcheck-arm64-linux ]]; then
  echo "leakgate set-up: cross-compiling valgrind for aarch64 into $cross (once, about 4 minutes)"
  scripts/cross-build-valgrind.sh aarch64-linux-gnu "$cross"
fi
# a second valgrind release (Debian 13's 3.24) for this machine, which ValgrindReleasesTests run beside 3.19
scripts/valgrind-release.sh trixie "${LEAKGATE_CACHE:-/var/cache/leakgate}/valgrind-trixie-amd64"
mvn -B -ntp verify "$@"
if (($# == 0)); then
  scripts/fresh-project.sh
fi
