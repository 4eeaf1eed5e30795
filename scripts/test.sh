#!/usr/bin/env bash
# Runs leakgate's own tests (real valgrind on real programs, on the host and on the emulated aarch64
# board), after the one-time set-up (scripts/setup-board.sh, which runs scripts/setup.sh).
# Extra arguments go to Maven, e.g. scripts/test.sh -Dtest=LeakGateTests
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-board.sh
exec mvn -B -ntp test "$@"
