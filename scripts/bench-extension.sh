#!/usr/bin/env bash
# Extension benchmark, measured in one run: the per-test time of @ValgrindOnBoard (a class of 6 tests
# against a class of 1; each test
# runs the example harness's onvifStartStream 20 times under memcheck) against a bare OpenSSH
# `ssh board valgrind ...` of the same harness with the same options and input (median of 6), on
# the same warm emulated board. Goal: <= 1.10x. Then a live daemon: the time from a session's start to its port
# accepting against a bare ssh board valgrind start of the same daemon, and the cost of one on-demand leak check;
# and a class of 10 tests sharing one valgrind process (lifecycle = PER_CLASS): per test against the bare run
# (goal <= 0.35x); and two classes of 3 tests run in parallel by JUnit on a pool of two emulated boards
# against one (leakgate.boards; goal >= 1.6x; this machine has 2 cores); and a daemon test whose 3
# requests are served by forked workers (each judged on its own report) against the same daemon serving
# them itself. The shared class also gives leakgate's own time per test (each test's wall time less the time
# its requests took inside the harness, which the kit measures: median over tests 2 to 10; goal <= 50 ms)
# and the first test's latency (it waits for valgrind's start; goal <= 1.5 s). The last line: RESULT
# shared_per_test_vs_bare=<ratio> pool2_vs_pool1=<ratio> workers3_vs_none=<ratio> overhead_ms=<ms>
# first_test_s=<s>. "scripts/bench-extension.sh workers" measures only the workers, "... shared" only the
# shared class (RESULT shared_per_test_vs_bare overhead_ms first_test_s).
# "scripts/bench-extension.sh pools [CPUS]" measures pools as labs have them: four classes of three tests
# on 1, 2 and 4 emulated boards each capped at CPUS of a core (default 0.4; leakgate.board.cpus), so that
# each board is a slower machine of its own; it ends with RESULT pool2_vs_pool1=<ratio> pool4_vs_pool1=<ratio>
# (goals: 1.8 and 3.2).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-board.sh >/dev/null
mvn -B -ntp -q -Dstyle.color=never test-compile dependency:build-classpath -Dmdep.outputFile=target/classpath.txt
cp="target/classes:target/test-classes:$(cat target/classpath.txt)"
java -cp "$cp" dev.leakgate.junit.ExtensionOverheadBenchmark "$@" 2>&1 | grep -v '^SLF4J'
