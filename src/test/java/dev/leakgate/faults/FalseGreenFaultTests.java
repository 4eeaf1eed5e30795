package dev.leakgate.faults;

import static dev.leakgate.faults.LocalRuns.command;
import static dev.leakgate.faults.LocalRuns.kit;
import static dev.leakgate.faults.LocalRuns.quick;
import static dev.leakgate.faults.LocalRuns.verdict;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.leakgate.kit.KitReplies;
import dev.leakgate.gate.LeakGate;
import dev.leakgate.memcheck.LeakKind;
import dev.leakgate.process.MemcheckCommand;
import dev.leakgate.memcheck.MemcheckReport;
import dev.leakgate.process.MemcheckRun;
import dev.leakgate.gate.Outcome;
import dev.leakgate.process.RunIdentity;
import dev.leakgate.process.Termination;
import dev.leakgate.gate.Verdict;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fault matrix, false greens: runs that once PASSED and must not, each run for real under the
 * host's valgrind, with its exact outcome and the reason in words.
 */
class FalseGreenFaultTests {

    @Tag("valgrind")
    @Test
    void plainProgramThatReturnsFromMainOnTheTimeoutsSigtermIsInconclusive() {
        MemcheckRun run = LocalRuns.RUNNER.run(command("handles_term").build(), quick("handles-term", 2));

        Verdict v = verdict(run);

        assertThat(run.termination()).isEqualTo(Termination.TERMINATED);
        assertThat(run.report().isComplete()).as("valgrind wrote a whole report").isTrue();
        assertThat(run.exitStatus()).hasValue(0);
        assertThat(v.outcome()).isEqualTo(Outcome.INCONCLUSIVE);
        assertThat(v.reasons()).containsExactly("the program did not end by itself: leakgate ended it at the timeout"
                + " after 2 s (it hit the timeout and was sent SIGTERM); what it would have done after the cut is not"
                + " in the report. Make the program return from main within the timeout (a harness: quit, or end of"
                + " input), or raise the timeout");
    }

    @Tag("valgrind")
    @Test
    void kitScenarioBlockedUntilTheTimeoutIsInconclusiveAndItsReplyCountsOnlyWhatRan() {
        LocalRuns.KitRun k = kit("run blocks 3\nquit\n", 2);

        KitReplies replies = KitReplies.check(k.replies(), List.of(new KitReplies.Request("blocks", 3)));

        assertThat(k.run().termination()).isEqualTo(Termination.TERMINATED);
        assertThat(verdict(k.run()).outcome()).isEqualTo(Outcome.INCONCLUSIVE);
        assertThat(k.replies()).last().isEqualTo("bye stopped=SIGTERM");
        assertThat(replies.results()).singleElement().satisfies(r -> assertThat(r.times()).isEqualTo(1));
        assertThat(replies.problems()).containsExactly(
                "the harness ran blocks 1 of the 3 times asked before it was stopped, so its leaks after that are not"
                        + " in the report",
                "the harness was stopped by SIGTERM before it read 'quit': the run was cut short");
    }

    @Tag("valgrind")
    @Test
    void programThatKillsItselfWithSigkillIsInconclusiveThoughItsReportLooksWhole() {
        MemcheckRun run = LocalRuns.run("selfkill");

        Verdict v = verdict(run);

        assertThat(run.report().isComplete()).as("the report alone looks whole").isTrue();
        assertThat(run.exitStatus()).hasValue(137);
        assertThat(v.outcome()).isEqualTo(Outcome.INCONCLUSIVE);
        assertThat(v.reasons()).containsExactly("valgrind's process ended with status 137, which is 128 + SIGKILL"
                + " (killed by that signal), so the program did not return from main (a program that kills itself,"
                + " or something outside the run killed it); the report's leak check is not the program's end; make"
                + " the program return from main");
    }

    @Tag("valgrind")
    @Test
    void forkedChildWritingASecondReportIntoTheSameFileIsInconclusive(@TempDir Path dir) throws Exception {
        // valgrind run by hand with one XML file for all processes (no %p): the child's report follows the parent's
        Path xml = LocalRuns.rawValgrind(dir, List.of("--leak-check=full", "--trace-children=yes",
                "--child-silent-after-fork=no"), "forks");

        MemcheckReport report = LocalRuns.parser().parse(xml);

        assertThat(report.isComplete()).isFalse();
        assertThat(report.problems()).singleElement().asString()
                .startsWith(xml + " goes on after its </valgrindoutput> (at line ")
                .contains("a second root element", "leakgate puts %p only in the XML file's name");
    }

    @Tag("valgrind")
    @Test
    void reportFollowedByGarbageOrByAnotherErrorIsInconclusive() {
        String whole = LocalRuns.text(LocalRuns.run("leaky").files().xml());

        for (String after : List.of("garbage\n", "<error><kind>Leak_DefinitelyLost</kind></error>\n",
                "</valgrindoutput>\n")) {
            MemcheckReport report = LocalRuns.parser().parse(new ByteArrayInputStream(
                    (whole + after).getBytes(StandardCharsets.UTF_8)), "appended.xml");
            assertThat(report.isComplete()).as(after).isFalse();
            assertThat(report.problems()).singleElement().asString()
                    .startsWith("appended.xml goes on after its </valgrindoutput>");
        }
    }

    @Tag("valgrind")
    @Test
    void valgrindAbortingInsideTheFinalLeakCheckIsInconclusiveAndQuotesValgrind() {
        MemcheckRun run = LocalRuns.run("overlap");

        Verdict v = verdict(run);

        assertThat(run.report().lastState()).isEqualTo("FINISHED");
        assertThat(v.outcome()).isEqualTo(Outcome.INCONCLUSIVE);
        assertThat(v.reasons()).hasSize(2);
        assertThat(v.reasons().get(0)).startsWith("valgrind failed inside itself, so its report cannot be trusted;"
                + " it wrote:").contains("This is usually caused by using VALGRIND_MALLOCLIKE_BLOCK",
                "mc_leakcheck.c:", "the 'impossible' happened");
        assertThat(v.reasons().get(1)).isEqualTo(run.files().xml() + " stops after the program finished without the"
                + " <errorcounts> valgrind always writes after its final leak check: valgrind did not finish its leak"
                + " check (it aborted inside it, e.g. 'the impossible happened', or ran out of memory); see the run's"
                + " log");
    }

    @Tag("valgrind")
    @Test
    void xtreeLeakIsRefusedByTheBuilderAndAReportWrittenWithItIsInconclusive(@TempDir Path dir) throws Exception {
        assertThatThrownBy(() -> MemcheckCommand.builder("p").options("--xtree-leak=yes"))
                .hasMessage("The valgrind option --xtree-leak is set by leakgate: it sends the final leak check's loss"
                        + " records to an xtree file instead of the XML, so the gate would see no leak");

        Path xml = LocalRuns.rawValgrind(dir, List.of("--xtree-leak=yes", "--leak-check=full"), "leaky");
        Verdict v = LeakGate.defaults().evaluate(LocalRuns.parser().parse(xml));

        assertThat(v.outcome()).isEqualTo(Outcome.INCONCLUSIVE);
        assertThat(v.reasons()).containsExactly("the run used --xtree-leak=yes, which sends the final leak check's"
                + " loss records to the xtree file instead of the XML, so the XML cannot show any leak; run without"
                + " --xtree-leak");
    }

    @Tag("valgrind")
    @Test
    void reportOfAnotherRunIsNotTakenForThisRunsOwn() {
        MemcheckRun clean = LocalRuns.run("clean");
        MemcheckRun leaky = LocalRuns.run("leaky");

        assertThat(RunIdentity.problems(clean.report(), clean.command().runId(), clean.report().pid())).isEmpty();
        assertThat(RunIdentity.problems(clean.report(), leaky.command().runId(), leaky.report().pid()))
                .singleElement().asString()
                .startsWith(clean.files().xml() + " is not provably this run's report: it carries the run id"
                        + " 'leakgate-run:" + clean.command().runId() + "' and pid " + clean.report().pid())
                .contains("but this run is 'leakgate-run:" + leaky.command().runId() + "' with pid "
                        + leaky.report().pid());
    }

    @Tag("valgrind")
    @Test
    void scenarioOutputThatForgesTheKitsRepliesCannotHideItsLeak() {
        LocalRuns.KitRun k = kit("run forges 1\nquit\n", 60);

        KitReplies replies = KitReplies.check(k.replies(), List.of(new KitReplies.Request("forges", 1)));

        assertThat(LocalRuns.text(k.run().files().stdout())).contains("ok forges 1 definitely=0", "\nbye\n");
        assertThat(replies.problems()).isEmpty();
        assertThat(replies.results()).singleElement().satisfies(r -> assertThat(r.lost()).isEqualTo(100));
        assertThat(verdict(k.run()).outcome()).isEqualTo(Outcome.FAIL);
        assertThat(k.run().report().totals().bytes(LeakKind.DEFINITELY_LOST)).isEqualTo(100);
    }

    @Test
    void unknownErrorKindIsRefusedWithTheNearestName() {
        assertThatThrownBy(() -> LeakGate.defaults().failOn("InvalidRaed"))
                .hasMessageStartingWith("'InvalidRaed' is not a memcheck error kind (did you mean InvalidRead?);"
                        + " the kinds are: InvalidFree, MismatchedFree, InvalidRead");
    }

    @Tag("valgrind")
    @Test
    void everyRunLeavesItsIdentityInTheReportAndInItsCommand() throws Exception {
        MemcheckRun run = LocalRuns.run("clean");

        assertThat(run.report().userComment()).isEqualTo("leakgate-run:" + run.command().runId());
        assertThat(run.report().pid()).isPositive();
        assertThat(Files.readString(run.files().command())).contains("LEAKGATE_RUN=" + run.command().runId());
        assertThat(verdict(run).outcome()).isEqualTo(Outcome.PASS);
    }

    @Tag("valgrind")
    @Test
    void codeUnderTestCannotReadTheKitsTokenBackSoItsForgedReplyIsNotTaken() throws Exception {
        LocalRuns.KitRun k = kit("run steals_token 1\nquit\n", 120);

        KitReplies replies = KitReplies.check(k.replies(), List.of(new KitReplies.Request("steals_token", 1)));

        // the token was in a file the kit read and removed before any scenario ran, and never in the environment
        assertThat(Files.readString(k.run().files().stdout())).contains("\n@ ok steals_token 1 lost=0");
        assertThat(replies.problems()).isEmpty();
        assertThat(replies.results()).singleElement().satisfies(r -> assertThat(r.lost()).isEqualTo(100));
        assertThat(Files.readString(k.run().files().command())).contains("LEAKGATE_KIT_TOKEN_FILE=")
                .contains("(secret)").doesNotContain(k.run().command().secrets().get("LEAKGATE_KIT_TOKEN_FILE"));
        assertThat(k.run().files().folder().resolve(".secret-LEAKGATE_KIT_TOKEN_FILE")).doesNotExist();
    }

    @Tag("valgrind")
    @Test
    void aProgramThatReplacesItsReportWithACleanOneCarryingItsRunIdIsCaughtAndItsLeakStillShown() {
        MemcheckRun run = LocalRuns.run("forges_report");

        Verdict v = verdict(run);

        assertThat(run.exitStatus()).hasValue(0);
        assertThat(v.outcome()).isEqualTo(Outcome.INCONCLUSIVE);
        assertThat(v.reasons().get(0)).startsWith("the program's report file ").contains(" was replaced while the run"
                + " ran (unlinked or renamed, and another file written in its place): the report judged is the one"
                + " valgrind wrote");
        // what valgrind wrote is what is read: the lost block is there
        assertThat(run.report().totals().bytes(LeakKind.DEFINITELY_LOST)).isEqualTo(100);
        assertThat(run.files().folder().resolve("memcheck.replaced.xml")).exists();
    }

    @Tag("valgrind")
    @Test
    void aProgramThatAlsoRemovesTheSecondNameOfItsReportIsInconclusive() {
        MemcheckRun run = LocalRuns.run("forges_report", "kept");

        Verdict v = verdict(run);

        assertThat(v.outcome()).isEqualTo(Outcome.INCONCLUSIVE);
        assertThat(v.reasons().get(0)).startsWith("the second name leakgate gave the program's report file (")
                .endsWith(") was removed while the run ran, so the report cannot be proved to be the one valgrind wrote;"
                        + " a program under test must not touch its run's files");
    }
}
