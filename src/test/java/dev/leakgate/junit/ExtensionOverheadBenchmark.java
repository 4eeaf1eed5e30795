package dev.leakgate.junit;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import dev.leakgate.board.BoardMemcheckRunner;
import dev.leakgate.board.EmulatedBoard;
import dev.leakgate.board.SshBoard;
import dev.leakgate.memcheck.MemcheckCommand;
import dev.leakgate.memcheck.ShellQuoting;
import dev.leakgate.testing.TestPrograms;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.EngineTestKit;

/**
 * Per-test overhead of {@link ValgrindOnBoard} against a bare {@code ssh board valgrind ...} of the
 * same harness, with the same valgrind options and input, on the same warm emulated board, in one
 * run (see scripts/bench-extension.sh). The extension reaches the board as a lab board would be
 * configured: {@code leakgate.board=ssh://...} with a key and known_hosts.
 */
public final class ExtensionOverheadBenchmark {

    static final int TESTS = 5;
    static final String SCRIPT = "run onvifStartStream 20\nquit\n";

    @ValgrindOnBoard(harness = "target/test-programs/onvif/fixed/onvif_harness",
            libs = "target/test-programs/onvif/fixed/libonvif_server.so")
    static class OverheadTestCase {
        @RepeatedTest(TESTS)
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
            Path dir = Files.createTempDirectory("leakgate-bench");
            Path key = dir.resolve("key");
            Files.write(key, emulated.privateKey());
            Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
            Path knownHosts = Files.writeString(dir.resolve("known_hosts"),
                    "[" + t.host() + "]:" + t.port() + " " + t.pinnedHostKey() + "\n");

            // the bare run: the same options the extension uses, over OpenSSH, files deployed beforehand
            BoardMemcheckRunner.Deployment d = new BoardMemcheckRunner(board).deploy("bare", List.of(harness, lib));
            MemcheckCommand bare = MemcheckCommand.builder(d.pathOf(harness)).env("LD_LIBRARY_PATH", d.folder())
                    .xmlFile("/tmp/bare/memcheck.xml").logFile("/tmp/bare/memcheck.log").workingDirectory("/tmp/bare")
                    .build();
            String remote = "mkdir -p /tmp/bare && " + bare.shellCommand();
            List<String> ssh = List.of("ssh", "-q", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes",
                    "-o", "UserKnownHostsFile=" + knownHosts, "-i", key.toString(), "-p", String.valueOf(t.port()),
                    "root@" + t.host(), remote);
            List<Double> bareTimes = new ArrayList<>();
            for (int i = 0; i < TESTS; i++) {
                long start = System.nanoTime();
                Process p = new ProcessBuilder(ssh).redirectErrorStream(true).start();
                p.getOutputStream().write(SCRIPT.getBytes());
                p.getOutputStream().close();
                String out = new String(p.getInputStream().readAllBytes());
                if (!p.waitFor(300, TimeUnit.SECONDS) || p.exitValue() != 0 || !out.contains("bye")) {
                    throw new IllegalStateException("the bare run failed: " + out);
                }
                bareTimes.add((System.nanoTime() - start) / 1e9);
            }

            System.setProperty("leakgate.board", "ssh://root@" + t.host() + ":" + t.port());
            System.setProperty("leakgate.ssh.key", key.toString());
            System.setProperty("leakgate.ssh.knownHosts", knownHosts.toString());
            EngineTestKit.engine("junit-jupiter").selectors(selectClass(OverheadTestCase.class)).execute(); // warm-up
            long start = System.nanoTime();
            EngineExecutionResults results = EngineTestKit.engine("junit-jupiter")
                    .selectors(selectClass(OverheadTestCase.class)).execute();
            double extensionTotal = (System.nanoTime() - start) / 1e9;
            if (results.testEvents().succeeded().count() != TESTS) {
                throw new IllegalStateException("the extension's tests did not all pass: "
                        + results.testEvents().failed().list());
            }

            Collections.sort(bareTimes);
            double bareMedian = bareTimes.get(TESTS / 2);
            double perTest = extensionTotal / TESTS;
            System.out.printf("bare ssh board valgrind (OpenSSH, one harness run): median %.2f s of %d%n", bareMedian,
                    TESTS);
            System.out.printf("@ValgrindOnBoard per test (%d tests in %.2f s, board connection, preflight and deploy"
                    + " check included): %.2f s%n", TESTS, extensionTotal, perTest);
            System.out.printf("extension vs bare: %.2fx (goal <= 1.10x)%n", perTest / bareMedian);
        }
    }
}
