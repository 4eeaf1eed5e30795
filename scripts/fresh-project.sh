#!/usr/bin/env bash
# Builds a fresh project from the README's pom.xml snippet (copied as it stands) with one
# leak-gated test on this machine's valgrind, and runs it: the snippet must be copy-paste correct.
# Needs leakgate in the local Maven repository (mvn install -DskipTests, done here).
set -euo pipefail
cd "$(dirname "$0")/.."
here=$PWD
mvn -B -ntp -q -Dstyle.color=never install -DskipTests
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
# the first ```xml block of the README is the pom
awk '/^```xml$/ {on=1; next} on && /^```$/ {exit} on {print}' README.md > "$dir/pom.xml"
grep -q '<artifactId>leakgate</artifactId>' "$dir/pom.xml" || { echo "fresh project: no pom snippet in README.md" >&2; exit 1; }
mkdir -p "$dir/src/test/java/fresh" "$dir/build"
cat > "$dir/build/leaks.c" <<'C'
#include "leakgate_harness.h"
#include <stdlib.h>
static void frees(int argc, char **argv) { (void) argc; (void) argv; free(malloc(32)); }
LEAKGATE_SCENARIOS(LEAKGATE_SCENARIO(frees))
C
cat > "$dir/src/test/java/fresh/FreshLeakTest.java" <<'JAVA'
package fresh;

import dev.leakgate.junit.Harness;
import dev.leakgate.junit.ValgrindOnBoard;
import org.junit.jupiter.api.Test;

@ValgrindOnBoard(board = "local", harness = "build/leaks")
class FreshLeakTest {
    @Test
    void freesWhatItAllocates(Harness h) {
        h.run("frees", 10);
    }
}
JAVA
cd "$dir"
mvn -B -ntp -q -Dstyle.color=never generate-test-resources
[[ -f target/leakgate-kit/leakgate/leakgate_harness.h ]] || { echo "fresh project: the kit was not unpacked" >&2; exit 1; }
gcc -g -O0 -Itarget/leakgate-kit/leakgate -o build/leaks build/leaks.c
mvn -B -ntp -Dstyle.color=never test > "$dir/test.log" 2>&1 || { cat "$dir/test.log" >&2; echo "fresh project: FAILED" >&2; exit 1; }
grep -q "Tests run: 1, Failures: 0, Errors: 0" "$dir/test.log" || { cat "$dir/test.log" >&2; exit 1; }
echo "fresh project from the README's pom snippet: the kit unpacked, 1 leak-gated test passed (in $here/README.md)"
