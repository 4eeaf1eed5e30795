package dev.leakgate.junit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.leakgate.board.Board;
import dev.leakgate.config.Settings;
import dev.leakgate.gate.GrowthGate;
import dev.leakgate.gate.GrowthSeries;
import dev.leakgate.kit.KitProtocol;
import dev.leakgate.memcheck.ClientMessage;
import dev.leakgate.memcheck.LeakCheck;
import dev.leakgate.memcheck.LeakKind;
import dev.leakgate.process.LocalMemcheckRunner;
import dev.leakgate.process.MemcheckCommand;
import dev.leakgate.process.MemcheckRun;
import dev.leakgate.process.NativeRun;
import dev.leakgate.process.RunOptions;
import dev.leakgate.testing.TestPrograms;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** leakgate_harness.h on its own: natively, under the host's valgrind, and when signalled. */
class HarnessKitTests {

    private static final String SCRIPT = "run leaks 2\nrun frees 3\nrun nothing 1\nquit\n";

    /** The lines without their heap figure, which depends on the C library's own allocations. */
    private static List<String> withoutHeap(List<String> lines) {
        return lines.stream().map(l -> l.replaceFirst(" heap=\\d+( us=\\d+)?$", "")).toList();
    }

    @Test
    void runsUnchangedOutsideValgrind() throws Exception {
        Process p = new ProcessBuilder(TestPrograms.kitProgram("kit_demo").toString()).start();
        p.getOutputStream().write(SCRIPT.getBytes(StandardCharsets.US_ASCII));
        p.getOutputStream().close();
        List<String> out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).lines().toList();

        assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isZero();
        assertThat(out).filteredOn(l -> l.startsWith("ok ")).allMatch(l -> l.matches(".* heap=[1-9][0-9]* us=[0-9]+"),
                "reports the heap in use (glibc's count) after each scenario, and the time it took");
        assertThat(withoutHeap(out)).as("run by hand, without a token, its lines carry none").containsExactly(
                "leakgate-harness 2 ready scenarios=leaks,frees,grows",
                "ok leaks 2 lost=0 possibly=0 reachable=0", "ok frees 3 lost=0 possibly=0 reachable=0",
                "error unknown-scenario nothing", "bye");
    }

    @Tag("valgrind")
    @Test
    void underValgrindEachScenarioReportsItsOwnLeaksWithMarkersInTheReport() throws IOException {
        String token = KitProtocol.newToken();
        MemcheckRun run = new LocalMemcheckRunner().run(
                MemcheckCommand.builder(TestPrograms.kitProgram("kit_demo").toString())
                        .env(KitProtocol.TOKEN_VARIABLE, token).build(),
                RunOptions.named("kit").withStdin(SCRIPT));

        assertThat(run.problems()).isEmpty();
        assertThat(run.files().memory()).as("memory sampled while it ran").isRegularFile();
        assertThat(Files.readAllLines(run.files().stdout())).allMatch(l -> l.startsWith("@" + token + " "),
                "every protocol line carries the run's token");
        assertThat(withoutHeap(KitProtocol.replies(run.files().stdout(), token))).containsExactly(
                "leakgate-harness 2 ready scenarios=leaks,frees,grows",
                "ok leaks 2 lost=600 possibly=0 reachable=0",
                "ok frees 3 lost=0 possibly=0 reachable=0",
                "error unknown-scenario nothing", "bye");
        assertThat(withoutHeap(run.report().clientMessages().stream().map(ClientMessage::text).toList())).containsExactly(
                "leakgate: begin leaks 2", "leakgate: end leaks ran=2 lost=600 possibly=0 reachable=0",
                "leakgate: begin frees 3", "leakgate: end frees ran=3 lost=0 possibly=0 reachable=0");
        // the added leak check of "leaks" stands between its markers, with its stack
        LeakCheck duringLeaks = run.report().intermediateLeakChecks().stream()
                .filter(c -> c.clientMessagesBefore() == 1).findFirst().orElseThrow();
        assertThat(duringLeaks.records(LeakKind.DEFINITELY_LOST)).singleElement()
                .satisfies(r -> assertThat(r.allocationSite().describe()).isEqualTo("leaks (kit_demo.c:10)"));
        assertThat(run.report().totals().bytes(LeakKind.DEFINITELY_LOST)).isEqualTo(600);
    }

    @Test
    void nativeSoakShowsACacheThatGrowsWhileNothingIsLost() {
        Settings local = Settings.of(Map.of("leakgate.board", "local"));
        try (Board board = Board.open(local, "local")) {
            NativeRun run = board.runNative(TestPrograms.kitProgram("kit_demo").toString(),
                    List.of(), Map.of(), "kit-soak",
                    "soak grows 4000 200\nsoak frees 4000 200\nquit\n".getBytes(StandardCharsets.US_ASCII),
                    Duration.ofSeconds(60));
            List<String> out = Files.readAllLines(run.files().stdout());

            GrowthGate.Result grows = new GrowthGate(16, 0.2).evaluate(GrowthSeries.parse(out, "grows", 4000));
            GrowthGate.Result frees = new GrowthGate(16, 0.2).evaluate(GrowthSeries.parse(out, "frees", 4000));

            assertThat(grows.passed()).isFalse();
            assertThat(grows.heapSlope()).as("a 200-byte payload and its list pointer, with malloc's overhead")
                    .isBetween(208.0, 240.0);
            assertThat(frees.passed()).isTrue();
            assertThat(frees.heapSlope()).isZero();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Tag("valgrind")
    @Test
    void sigtermMakesItReturnFromMainSoValgrindWritesTheWholeLeakCheckThoughTheRunIsInconclusive() throws Exception {
        MemcheckRun run = new LocalMemcheckRunner().run(
                MemcheckCommand.builder(TestPrograms.kitProgram("kit_demo").toString()).build(),
                RunOptions.named("kit-term").withStdin("run leaks 1\n").withStdinKeptOpen()
                        .withTimeout(Duration.ofSeconds(3))
                        .withGrace(Duration.ofMillis(1), Duration.ofSeconds(20)));
        Process p = new ProcessBuilder(TestPrograms.kitProgram("kit_demo").toString()).start();
        Thread.sleep(300);
        new ProcessBuilder("kill", "-TERM", String.valueOf(p.pid())).start().waitFor();
        List<String> out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).lines().toList();

        assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("returned from main, not killed by the signal").isZero();
        assertThat(out).endsWith("bye stopped=SIGTERM");
        assertThat(run.report().fatalSignal()).as("valgrind saw a normal exit").isEmpty();
        assertThat(run.report().isComplete()).isTrue();
        assertThat(run.report().totals().bytes(LeakKind.DEFINITELY_LOST)).isEqualTo(300);
        assertThat(run.problems()).as("leakgate had to end it: never a conclusive run").singleElement().asString()
                .startsWith("the program did not end by itself: leakgate ended it at the timeout after 3 s");
    }
}
