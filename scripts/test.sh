#!/usr/bin/env bash
# Runs leakgate's own tests (real valgrind on real programs), after the one-time set-up.
# Extra arguments go to Maven, e.g. scripts/test.sh -Dtest=LeakGateTests
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec mvn -B -ntp test "$@"
