#!/usr/bin/env bash
# Extension benchmark, measured in one run: the per-test time of @ValgrindOnBoard (a class of 6 tests
# against a class of 1; each test runs the example harness's onvifStartStream 20 times under memcheck)
# against a bare OpenSSH `ssh board valgrind ...` of the same harness with the same options and input
# (median of 6), on the same warm emulated board. Goal: <= 1.10x. Then a live daemon: the time from a
# session's start to its port accepting against a bare ssh board valgrind start of the same daemon, and
# the cost of one on-demand leak check; a class of 10 tests sharing one valgrind process (lifecycle =
# PER_CLASS): per test against the bare run (goal <= 0.35x), leakgate's own time per test (each test's
# wall time less the time its requests took inside the harness, which the kit measures: median over
# tests 2 to 10; goal <= 50 ms) and the first test's latency, alone (it waits for valgrind's start) and
# after two classes of its program (it takes the process prestarted as the second ended; goal <= 1.5 s);
# pools as labs have them: four classes of three tests on 1, 2 and 4 emulated boards each capped at 0.4
# of a core (leakgate.board.cpus), each board a slower machine of its own (goals 1.8x and 3.2x the
# throughput of one); and a daemon test whose 3 requests are served by forked workers (each judged on
# its own report) against the same daemon serving them itself. The last line: RESULT
# shared_per_test_vs_bare=<ratio> pool2_vs_pool1=<ratio> pool4_vs_pool1=<ratio> workers3_vs_none=<ratio>
# overhead_ms=<ms> first_test_s=<s> first_test_alone_s=<s>.
# "scripts/bench-extension.sh shared" measures only the shared class (RESULT shared_per_test_vs_bare
# overhead_ms first_test_s first_test_alone_s), "... pools [CPUS]" only the pools (RESULT pool2_vs_pool1
# pool4_vs_pool1; CPUS defaults to 0.4), "... workers" only the workers.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-board.sh >/dev/null
mvn -B -ntp -q -Dstyle.color=never test-compile dependency:build-classpath -Dmdep.outputFile=target/classpath.txt
cp="target/classes:target/test-classes:$(cat target/classpath.txt)"
java -cp "$cp" dev.leakgate.junit.ExtensionOverheadBenchmark "$@" 2>&1 | grep -v '^SLF4J'
