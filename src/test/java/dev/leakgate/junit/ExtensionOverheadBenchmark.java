package dev.leakgate.junit;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import dev.leakgate.board.BoardMemcheckRunner;
import dev.leakgate.board.EmulatedBoard;
import dev.leakgate.board.SshBoard;
import dev.leakgate.memcheck.MemcheckCommand;
import dev.leakgate.testing.OpenSshAccess;
import dev.leakgate.testing.TestPrograms;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.EngineTestKit;

/**
 * Per-test overhead of {@link ValgrindOnBoard} against a bare {@code ssh board valgrind ...} of the
 * same harness, with the same valgrind options and input, on the same warm emulated board, in one
 * run (see scripts/bench-extension.sh). The extension reaches the board as a lab board would be
 * configured: {@code leakgate.board=ssh://...} with a key and known_hosts. The per-test cost is the
 * difference between a class of 6 tests and a class of 1, over 5; the bare runs are taken before
 * and after the extension's, to even out drift.
 */
public final class ExtensionOverheadBenchmark {

    static final int TESTS = 6;
    static final String SCRIPT = "run onvifStartStream 20\nquit\n";

    @ValgrindOnBoard(harness = "target/test-programs/onvif/fixed/onvif_harness",
            libs = "target/test-programs/onvif/fixed/libonvif_server.so")
    static class ManyTestsCase {
        @RepeatedTest(TESTS)
        void startStream(Harness onvif) {
            onvif.run("onvifStartStream", 20);
        }
    }

    @ValgrindOnBoard(harness = "target/test-programs/onvif/fixed/onvif_harness",
            libs = "target/test-programs/onvif/fixed/libonvif_server.so")
    static class OneTestCase {
        @Test
        void startStream(Harness onvif) {
            onvif.run("onvifStartStream", 20);
        }
    }

    public static void main(String[] args) throws Exception {
        Path example = TestPrograms.onvifExample().resolve("fixed");
        Path harness = example.resolve("onvif_harness");
        Path lib = example.resolve("libonvif_server.so");
        try (EmulatedBoard emulated = EmulatedBoard.start()) {
            SshBoard board = emulated.board();
            var t = board.target();
            OpenSshAccess access = OpenSshAccess.write(emulated, Files.createTempDirectory("leakgate-bench"));

            // the bare run: the same options the extension uses, over OpenSSH, files deployed beforehand
            BoardMemcheckRunner.Deployment d = new BoardMemcheckRunner(board).deploy("bare", List.of(harness, lib));
            MemcheckCommand bare = MemcheckCommand.builder(d.pathOf(harness)).env("LD_LIBRARY_PATH", d.folder())
                    .xmlFile("/tmp/bare/memcheck.xml").logFile("/tmp/bare/memcheck.log").workingDirectory("/tmp/bare")
                    .build();
            List<String> ssh = new ArrayList<>(List.of("ssh"));
            ssh.addAll(access.options());
            ssh.addAll(List.of("-p", String.valueOf(t.port()), "root@" + t.host(), "mkdir -p /tmp/bare && "
                    + bare.shellCommand()));

            System.setProperty("leakgate.board", "ssh://root@" + t.host() + ":" + t.port());
            System.setProperty("leakgate.ssh.key", access.key().toString());
            System.setProperty("leakgate.ssh.knownHosts", access.knownHosts().toString());
            engine(OneTestCase.class, 1); // warm-up: JIT, deployment

            List<Double> bareTimes = new ArrayList<>();
            for (int i = 0; i < TESTS / 2; i++) {
                bareTimes.add(bare(ssh));
            }
            double one = engine(OneTestCase.class, 1);
            double many = engine(ManyTestsCase.class, TESTS);
            for (int i = 0; i < TESTS / 2; i++) {
                bareTimes.add(bare(ssh));
            }
            double perTest = (many - one) / (TESTS - 1);

            Collections.sort(bareTimes);
            double bareMedian = (bareTimes.get(TESTS / 2 - 1) + bareTimes.get(TESTS / 2)) / 2;
            System.out.printf("bare ssh board valgrind (OpenSSH, one harness run): median %.2f s of %d (half before,"
                    + " half after)%n", bareMedian, TESTS);
            System.out.printf("@ValgrindOnBoard: 1 test in %.2f s, %d tests in %.2f s: %.2f s per test (the class's"
                    + " board connection, preflight and deploy check: %.2f s once)%n", one, TESTS, many, perTest,
                    one - perTest);
            System.out.printf("extension per test vs bare: %.2fx (goal <= 1.10x); with the per-class cost spread over"
                    + " %d tests: %.2fx%n", perTest / bareMedian, TESTS, many / TESTS / bareMedian);
        }
    }

    private static double engine(Class<?> testCase, int tests) {
        long start = System.nanoTime();
        EngineExecutionResults results = EngineTestKit.engine("junit-jupiter").selectors(selectClass(testCase)).execute();
        double seconds = (System.nanoTime() - start) / 1e9;
        if (results.testEvents().succeeded().count() != tests) {
            throw new IllegalStateException("the extension's tests did not all pass: "
                    + results.testEvents().failed().list());
        }
        return seconds;
    }

    private static double bare(List<String> ssh) throws Exception {
        long start = System.nanoTime();
        Process p = new ProcessBuilder(ssh).redirectErrorStream(true).start();
        p.getOutputStream().write(SCRIPT.getBytes());
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(300, TimeUnit.SECONDS) || p.exitValue() != 0 || !out.contains("bye")) {
            throw new IllegalStateException("the bare run failed: " + out);
        }
        return (System.nanoTime() - start) / 1e9;
    }
}
