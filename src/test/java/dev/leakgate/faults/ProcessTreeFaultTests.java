package dev.leakgate.faults;

import static dev.leakgate.faults.LocalRuns.command;
import static dev.leakgate.faults.LocalRuns.quick;
import static dev.leakgate.faults.LocalRuns.verdict;
import static org.assertj.core.api.Assertions.assertThat;

import dev.leakgate.memcheck.LeakKind;
import dev.leakgate.process.MemcheckRun;
import dev.leakgate.gate.Outcome;
import dev.leakgate.process.ProcessReport;
import dev.leakgate.gate.Verdict;
import dev.leakgate.gate.Violation;

import dev.leakgate.testing.TestPrograms;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The fault matrix, processes the program starts: forked workers, helpers it execs, children left
 * running. Each runs for real under the host's valgrind, which follows every process and writes each
 * a report of its own; each process is judged on it and named by pid, command and parent.
 */
@Tag("valgrind")
class ProcessTreeFaultTests {

    @Test
    void workersThatLeakAndExitFailTheRunEachNamedWithItsStack() {
        MemcheckRun run = LocalRuns.run("workers", "leak");

        Verdict v = verdict(run);

        long main = run.report().pid();
        assertThat(run.children()).hasSize(3).allSatisfy(c -> {
            assertThat(c.report().ppid()).isEqualTo(main);
            assertThat(c.command()).endsWith("workers leak");
            assertThat(Files.exists(run.files().folder().resolve("memcheck." + c.pid() + ".xml"))).isTrue();
        });
        assertThat(run.report().totals().bytes(LeakKind.DEFINITELY_LOST)).isZero();
        assertThat(v.outcome()).isEqualTo(Outcome.FAIL);
        assertThat(v.violations()).hasSize(3).allSatisfy(violation -> assertThat(violation)
                .isInstanceOfSatisfying(Violation.InProcess.class, in -> assertThat(in.describe())
                        .isEqualTo("in " + in.process().describe() + ": definitely lost: 1000 bytes in 1 blocks"
                                + " (limit 0 bytes)")));
        ProcessReport first = run.children().get(0);
        assertThat(v.message()).startsWith("leakgate: FAIL: in pid " + first.pid() + " (")
                .contains("\n\nIn pid " + first.pid() + " (" + first.command() + ", started by pid " + main
                        + "), its report " + run.files().folder().resolve("memcheck." + first.pid() + ".xml") + ":"
                        + "\n\nDefinitely lost, largest first:\n1,000 bytes in 1 blocks are definitely lost in loss"
                        + " record 1 of 1\n    at malloc (in ")
                .contains("    at worker_request (workers.c:18)\n    at worker (workers.c:27)\n    at main (workers.c:51)");
    }

    @Test
    void cleanWorkersPassAndAreNamedAsJudged() {
        MemcheckRun run = LocalRuns.run("workers", "clean");

        Verdict v = verdict(run);

        assertThat(v.outcome()).isEqualTo(Outcome.PASS);
        assertThat(run.children()).hasSize(3);
        assertThat(v.notes()).singleElement().asString().startsWith("judged with the program, each on its own report"
                + " and within the limits: 3 processes it started: pid " + run.children().get(0).pid() + " (");
    }

    @Test
    void parentAndChildLeakingAreBothNamed() {
        MemcheckRun run = LocalRuns.run("forks");

        Verdict v = verdict(run);

        assertThat(v.outcome()).isEqualTo(Outcome.FAIL);
        // the child inherits its parent's lost block: its own report shows both
        assertThat(v.message()).startsWith("leakgate: FAIL: definitely lost: 77 bytes in 1 blocks (limit 0 bytes); in"
                + " pid " + run.children().get(0).pid() + " (").contains("at child_leak (forks.c:7)",
                "at parent_leak (forks.c:6)");
    }

    @Test
    void workerStillRunningWhenTheProgramEndsIsInconclusiveAndNamed() {
        MemcheckRun run = LocalRuns.RUNNER.run(command("workers", "running").build(), quick("worker-running", 120));

        Verdict v = verdict(run);

        assertThat(v.outcome()).isEqualTo(Outcome.INCONCLUSIVE);
        ProcessReport child = run.children().get(0);
        assertThat(child.endedByLeakgate()).isTrue();
        assertThat(v.reasons()).containsExactly(child.describe() + " was still running when the program's run"
                + " ended, so leakgate ended it (SIGKILL) and valgrind never wrote its leak check; make the program"
                + " end its children, and wait for them, before it exits");
    }

    @Test
    void workerKilledByASignalIsInconclusiveWithTheSignal() {
        MemcheckRun run = LocalRuns.run("workers", "signal");

        Verdict v = verdict(run);

        assertThat(v.outcome()).isEqualTo(Outcome.INCONCLUSIVE);
        ProcessReport child = run.children().get(0);
        assertThat(v.reasons()).singleElement().asString().startsWith(child.describe() + ": the program was ended"
                + " by SIGSEGV");
    }

    @Test
    void workerExecingAnotherProgramIsFollowedIntoIt() {
        MemcheckRun run = LocalRuns.run("workers", "exec");

        Verdict v = verdict(run);

        assertThat(v.outcome()).isEqualTo(Outcome.PASS);
        assertThat(run.children()).singleElement().satisfies(c -> assertThat(c.command()).isEqualTo("/bin/true"));
    }

    @Test
    void workerExecingASkippedProgramIsNamedAsNotChecked() {
        MemcheckRun run = LocalRuns.RUNNER.run(command("workers", "exec").options("--trace-children-skip=*/true")
                .build(), quick("worker-exec-skipped", 120));

        Verdict v = verdict(run);

        assertThat(v.outcome()).isEqualTo(Outcome.PASS);
        ProcessReport child = run.children().get(0);
        assertThat(v.notes()).containsExactly(child.describe() + " was not followed: it became a program"
                + " --trace-children-skip names (or was killed before its end), so its leaks are not checked");
    }

    @Test
    void workerKilledWithSigkillByItsParentLeavesOnlyItsPreambleAndIsInconclusive() {
        MemcheckRun run = LocalRuns.run("workers", "killed");

        Verdict v = verdict(run);

        assertThat(v.outcome()).isEqualTo(Outcome.INCONCLUSIVE);
        ProcessReport child = run.children().get(0);
        assertThat(v.reasons()).containsExactly(child.describe() + " wrote only valgrind's preamble: it replaced"
                + " itself (exec) with a program valgrind could not follow (a static or set-user-ID program), or was"
                + " killed with SIGKILL, so its leak check was never written; see " + child.report().source());
    }

    @Test
    void aWorkerThatExecsAProgramWithoutDebugInfoIsNamedSoItsStacksCanBeHad(@TempDir Path dir) throws Exception {
        Path stripped = Files.copy(TestPrograms.program("leaky"), dir.resolve("leaky-stripped"));
        Process strip = new ProcessBuilder("strip", stripped.toString()).inheritIO().start();
        assertThat(strip.waitFor()).isZero();

        MemcheckRun run = LocalRuns.run("workers", "exec-path", stripped.toString());

        Verdict v = verdict(run);

        assertThat(v.outcome()).isEqualTo(Outcome.FAIL);
        ProcessReport child = run.children().get(0);
        assertThat(child.command()).isEqualTo(stripped.toString());
        assertThat(v.notes()).contains(child.describe() + " runs a program without debug info: the stacks of what it"
                + " lost have no file:line; build it with -g and do not strip it to see where");
    }
}
