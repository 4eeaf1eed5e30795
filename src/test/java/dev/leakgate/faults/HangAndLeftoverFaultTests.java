package dev.leakgate.faults;

import static dev.leakgate.faults.LocalRuns.command;
import static dev.leakgate.faults.LocalRuns.quick;
import static dev.leakgate.faults.LocalRuns.verdict;
import static org.assertj.core.api.Assertions.assertThat;

import dev.leakgate.kit.KitReplies;
import dev.leakgate.process.LocalProcesses;
import dev.leakgate.process.MemcheckCommand;
import dev.leakgate.process.MemcheckRun;
import dev.leakgate.gate.Outcome;
import dev.leakgate.process.ProcessReport;
import dev.leakgate.gate.Verdict;
import dev.leakgate.process.RunIdentity;
import dev.leakgate.process.Termination;
import dev.leakgate.testing.TestPrograms;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The fault matrix, hangs and leftovers on this machine: bounded waits, bounded memory, nothing left running. */
@Tag("valgrind")
class HangAndLeftoverFaultTests {

    private static final byte[] EIGHT_MB = new byte[8 << 20];

    @Test
    void eightMegabytesOfInputToAProgramThatNeverReadsCannotBlockTheTimeout() {
        for (boolean keepOpen : List.of(false, true)) {
            var options = quick("no-reader", 2).withGrace(Duration.ofSeconds(2), Duration.ofSeconds(60))
                    .withStdin(new String(EIGHT_MB, StandardCharsets.ISO_8859_1));
            long start = System.nanoTime();
            MemcheckRun run = LocalRuns.RUNNER.run(command("hang", "pause").build(),
                    keepOpen ? options.withStdinKeptOpen() : options);
            Duration took = Duration.ofNanos(System.nanoTime() - start);

            assertThat(run.termination()).as("keep open: " + keepOpen).isEqualTo(Termination.TERMINATED);
            assertThat(verdict(run).outcome()).isEqualTo(Outcome.INCONCLUSIVE);
            // the order of the steps, not their speed: a busy machine may take long over SIGTERM's leak check
            assertThat(took).as("within the configured steps: 2 s, 2 s, then up to 60 s after SIGTERM")
                    .isLessThan(Duration.ofSeconds(2 + 2 + 60 + 30));
            assertThat(LocalProcesses.withVariable(MemcheckCommand.RUN_ID_VARIABLE, run.command().runId())).isEmpty();
        }
    }

    @Test
    void hundredsOfMegabytesOfStderrOnOneLineNeedNoMoreMemoryThanAnyOtherRun() throws Exception {
        // the command line tool in a JVM of 32 MB heap: an unbounded tail would die of OutOfMemoryError
        Process cli = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx32m", "-cp", System.getProperty("java.class.path"), "dev.leakgate.cli.LeakgateCommand", "run",
                "--", TestPrograms.program("spew").toString(), "200").redirectErrorStream(true).start();
        String out = new String(cli.getInputStream().readAllBytes(), StandardCharsets.UTF_8);

        assertThat(cli.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(cli.exitValue()).as(out).isZero();
        assertThat(out).contains("\nleakgate: PASS: definitely lost 0 bytes in 0 blocks");
    }

    @Test
    void childrenThatOutliveMainAreEndedAndNamedInAnySessionOrGroup() {
        for (String mode : List.of("session", "group")) {
            long start = System.nanoTime();
            MemcheckRun run = LocalRuns.RUNNER.run(command("orphan", mode).build(), quick("orphan-" + mode, 60));
            Duration took = Duration.ofNanos(System.nanoTime() - start);

            assertThat(run.termination()).isEqualTo(Termination.EXITED);
            assertThat(took).as("the run does not wait for its child").isLessThan(Duration.ofSeconds(30));
            // the child's own report was never finished: the run cannot pass, and says which process it was
            assertThat(verdict(run).outcome()).as(mode).isEqualTo(Outcome.INCONCLUSIVE);
            assertThat(run.children()).singleElement().satisfies(c -> assertThat(c.endedByLeakgate()).isTrue());
            assertThat(verdict(run).reasons()).containsExactly(run.children().get(0).describe() + " was still running"
                    + " when the program's run ended, so leakgate ended it (SIGKILL) and valgrind never wrote its leak"
                    + " check; make the program end its children, and wait for them, before it exits");
            assertThat(run.notes()).singleElement().asString().startsWith("ended 1 process the run left running: pid ");
            assertThat(verdict(run).message()).contains("Note: ended 1 process the run left running");
            assertThat(LocalProcesses.withVariable(MemcheckCommand.RUN_ID_VARIABLE, run.command().runId())).isEmpty();
        }
    }

    @Test
    void childThatClearsItsEnvironmentAndLeavesTheSessionIsStillFoundEndedAndNamed() {
        MemcheckRun run = LocalRuns.RUNNER.run(command("orphan", "escape").build(), quick("orphan-escape", 60));

        Verdict v = verdict(run);

        // found by the run's id in valgrind's command line, which the program cannot clear
        assertThat(v.outcome()).isEqualTo(Outcome.INCONCLUSIVE);
        ProcessReport child = run.children().get(0);
        assertThat(child.endedByLeakgate()).isTrue();
        // killed at once, so its report is the fork's preamble or, had valgrind started sleep by then, sleep's
        assertThat(child.command()).isIn(TestPrograms.program("orphan") + " escape", "/bin/sleep 300");
        assertThat(v.reasons()).containsExactly(child.describe() + " was still running when the program's run"
                + " ended, so leakgate ended it (SIGKILL) and valgrind never wrote its leak check; make the program"
                + " end its children, and wait for them, before it exits");
        assertThat(run.notes()).singleElement().asString().startsWith("ended 1 process the run left running: pid "
                + child.pid() + " (");
        assertThat(LocalProcesses.ofRun(run.command().runId())).isEmpty();
    }

    @Test
    void kitScenarioThatClosesStdinAndStdoutStillGetsItsRepliesThroughAndEndsByItself() {
        LocalRuns.KitRun k = LocalRuns.kit("run closes_stdio 1\nrun init 2\nquit\n", 300);

        KitReplies replies = KitReplies.check(k.replies(), List.of(new KitReplies.Request("closes_stdio", 1),
                new KitReplies.Request("init", 2)));

        // the kit's channel is its own copy of stdin and stdout: the run ends by itself, not at the timeout
        assertThat(k.run().termination()).isEqualTo(Termination.EXITED);
        assertThat(replies.problems()).isEmpty();
        assertThat(replies.results()).extracting(KitReplies.ScenarioResult::times).containsExactly(1, 2);
        assertThat(k.replies()).last().isEqualTo("bye");
    }

    @Test
    void valgrindLeftRunningByAKilledJvmIsEndedByTheNextLeakgate() throws Exception {
        Process owner = DyingOwner.start("local", TestPrograms.program("hang").toString(), "pause");
        String ownerKey = RunIdentity.host() + "/" + owner.pid() + "/";
        List<Long> left = List.of();
        for (int i = 0; i < 200 && left.isEmpty(); i++) {
            Thread.sleep(100);
            left = runsOf(ownerKey);
        }
        assertThat(left).as("the owner's valgrind started").isNotEmpty();

        owner.destroyForcibly().waitFor(); // kill -9: no clean-up of its own
        Thread.sleep(300);
        assertThat(runsOf(ownerKey)).as("valgrind outlives its JVM").isNotEmpty();

        List<String> ended = LocalProcesses.reapDeadOwners();

        assertThat(ended).anySatisfy(l -> assertThat(l).contains("left running by a leakgate run whose JVM ("
                + ownerKey));
        Thread.sleep(300);
        assertThat(runsOf(ownerKey)).isEmpty();
    }

    /** Live processes whose owner record starts with {@code ownerKey} ("host/pid/"). */
    private static List<Long> runsOf(String ownerKey) throws Exception {
        Process p = new ProcessBuilder("sh", "-c", "grep -ls 'LEAKGATE_OWNER=" + ownerKey + "' /proc/[0-9]*/environ")
                .start();
        List<Long> pids = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                String pid = line.replace("/proc/", "").replace("/environ", "");
                if (!pid.equals("self") && !pid.equals("thread-self")) {
                    pids.add(Long.parseLong(pid));
                }
            }
        }
        p.waitFor();
        return pids.stream().filter(pid -> ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).toList();
    }
}
