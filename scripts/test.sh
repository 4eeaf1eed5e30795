#!/usr/bin/env bash
# Runs leakgate's own tests (real valgrind on real programs, on the host and on the emulated aarch64
# board), after the one-time set-up (scripts/setup-board.sh, which runs scripts/setup.sh); then, in
# a full run, a fresh project built from the README's pom snippet (scripts/fresh-project.sh).
# Extra arguments go to Maven, e.g. scripts/test.sh -Dtest=LeakGateTests
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-board.sh
mvn -B -ntp test "$@"
if (($# == 0)); then
  scripts/fresh-project.sh
fi
