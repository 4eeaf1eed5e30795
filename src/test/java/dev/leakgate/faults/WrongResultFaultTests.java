package dev.leakgate.faults;

import static dev.leakgate.faults.LocalRuns.command;
import static dev.leakgate.faults.LocalRuns.kit;
import static dev.leakgate.faults.LocalRuns.verdict;
import static org.assertj.core.api.Assertions.assertThat;

import dev.leakgate.gate.KnownLeaks;
import dev.leakgate.gate.LeakGate;
import dev.leakgate.gate.Outcome;
import dev.leakgate.gate.Verdict;
import dev.leakgate.kit.KitReplies;
import dev.leakgate.memcheck.Amount;
import dev.leakgate.memcheck.LeakCheck;
import dev.leakgate.memcheck.LeakKind;
import dev.leakgate.memcheck.LeakRecord;
import dev.leakgate.memcheck.LeakTotals;
import dev.leakgate.memcheck.MemcheckReport;
import dev.leakgate.process.MemcheckRun;
import dev.leakgate.process.RunOptions;
import dev.leakgate.testing.TestPrograms;
import dev.leakgate.testing.ValgrindTextSummary;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The fault matrix, wrong results: what leakgate read differently from what valgrind wrote. */
@Tag("valgrind")
class WrongResultFaultTests {

    @Test
    void scenarioThatLosesAWholeTreeFailsWithItsStackInsteadOfARejectedFile() {
        LocalRuns.KitRun k = kit("run leaks_tree 1\nquit\n", 60);
        MemcheckRun run = k.run();

        Verdict v = verdict(run);

        assertThat(run.problems()).isEmpty();
        assertThat(v.outcome()).isEqualTo(Outcome.FAIL);
        assertThat(run.report().totals().of(LeakKind.DEFINITELY_LOST)).contains(new Amount(64, 1));
        assertThat(run.report().totals().of(LeakKind.INDIRECTLY_LOST)).contains(new Amount(5376, 84));
        assertThat(v.message()).contains("5,440 (64 direct, 5,376 indirect) bytes in 1 blocks are definitely lost",
                "at build (kit_faults.c:", "at leaks_tree (kit_faults.c:");
        // the kit's added check in between: delta texts, read as deltas
        LeakCheck added = run.report().intermediateLeakChecks().stream()
                .filter(c -> c.mode() == LeakCheck.Mode.DELTA).findFirst().orElseThrow();
        LeakRecord root = added.largest(LeakKind.DEFINITELY_LOST).orElseThrow();
        assertThat(root.text()).isEqualTo("5,440 (+5,440) (64 (+64) direct, 5,376 (+5,376) indirect) bytes in 1 (+1)"
                + " blocks are definitely lost in loss record " + root.lossRecord() + " of " + root.lossRecordCount());
        assertThat(root.indirectBytes()).isEqualTo(5376);
        assertThat(root.change()).isEqualTo(new LeakRecord.Change(5440, 1));
        assertThat(KitReplies.check(k.replies(), List.of(new KitReplies.Request("leaks_tree", 1))).results())
                .singleElement().satisfies(r -> assertThat(r.lost()).as("the root and what it held").isEqualTo(5440));
    }

    @Test
    void midRunChecksOfEveryModeAreKeptApartAndDeltaChecksGiveNoTotals() throws Exception {
        MemcheckRun run = LocalRuns.run("checks");
        MemcheckReport report = run.report();

        // five checks were asked for; the last (added, nothing changed) lists nothing, so four are visible
        assertThat(report.intermediateLeakChecks()).extracting(LeakCheck::mode).containsExactly(
                LeakCheck.Mode.FULL, LeakCheck.Mode.DELTA, LeakCheck.Mode.DELTA, LeakCheck.Mode.DELTA);
        LeakCheck full = report.intermediateLeakChecks().get(0);
        assertThat(full.totals().of(LeakKind.STILL_REACHABLE)).contains(new Amount(10, 1));
        for (LeakCheck delta : report.intermediateLeakChecks().subList(1, 4)) {
            assertThat(delta.totals().source()).isEqualTo(LeakTotals.Source.DELTA_CHECK);
            assertThat(delta.totals().of(LeakKind.DEFINITELY_LOST)).isEmpty();
            assertThat(delta.totals().whyUnknown(LeakKind.DEFINITELY_LOST)).startsWith("a delta leak check");
            assertThat(delta.records()).allMatch(LeakRecord::isDelta);
        }
        assertThat(report.intermediateLeakChecks().get(2).records()).extracting(LeakRecord::change)
                .containsExactly(new LeakRecord.Change(10, 1));
        assertThat(report.intermediateLeakChecks().get(3).records()).extracting(LeakRecord::change)
                .containsExactly(new LeakRecord.Change(-10, -1));
        assertThat(report.finalLeakCheck().orElseThrow().mode()).isEqualTo(LeakCheck.Mode.FULL);
        assertThat(report.totals().of(LeakKind.DEFINITELY_LOST)).isEqualTo(Optional.of(
                ValgrindTextSummary.of(List.of(), List.of(TestPrograms.program("checks").toString()), Map.of())
                        .get(LeakKind.DEFINITELY_LOST)));
    }

    @Test
    void leakCheckOptionIsOverruledUnderXmlSoTheReportIsJudgedAsWritten(@TempDir Path dir) throws Exception {
        Path xml = LocalRuns.rawValgrind(dir, List.of("--leak-check=summary", "--show-leak-kinds=all"), "structures");
        Map<LeakKind, Amount> expected = ValgrindTextSummary.of(List.of(),
                List.of(TestPrograms.program("structures").toString()), Map.of());

        MemcheckReport report = LocalRuns.parser().parse(xml);

        assertThat(report.problems()).isEmpty();
        for (LeakKind kind : List.of(LeakKind.DEFINITELY_LOST, LeakKind.INDIRECTLY_LOST, LeakKind.POSSIBLY_LOST,
                LeakKind.STILL_REACHABLE)) {
            assertThat(report.totals().of(kind)).as(kind.label()).contains(expected.get(kind));
        }
    }

    @Test
    void showReachableNoHidesStillReachableOnlyNotIndirectlyLost(@TempDir Path dir) throws Exception {
        Path xml = LocalRuns.rawValgrind(dir, List.of("--leak-check=full", "--show-leak-kinds=all",
                "--show-reachable=no"), "structures");
        Map<LeakKind, Amount> expected = ValgrindTextSummary.of(List.of(),
                List.of(TestPrograms.program("structures").toString()), Map.of());

        LeakTotals totals = LocalRuns.parser().parse(xml).totals();

        assertThat(totals.of(LeakKind.INDIRECTLY_LOST)).contains(expected.get(LeakKind.INDIRECTLY_LOST));
        assertThat(totals.of(LeakKind.DEFINITELY_LOST)).contains(expected.get(LeakKind.DEFINITELY_LOST));
        assertThat(totals.of(LeakKind.STILL_REACHABLE)).isEmpty();
        assertThat(expected.get(LeakKind.INDIRECTLY_LOST).bytes()).as("the program loses blocks indirectly").isPositive();
    }

    @Test
    void cleanProgramWritingValgrindLikeWordsOnItsStderrPasses() {
        MemcheckRun run = LocalRuns.run("fake_stderr");

        Verdict v = LeakGate.defaults().evaluate(run);

        assertThat(LocalRuns.text(run.files().stderr())).contains("must-be-redirected", "the 'impossible' happened");
        assertThat(v.outcome()).as(v.message()).isEqualTo(Outcome.PASS);
    }

    @Test
    void quietReportsAreJudgedWithExactTotals() {
        for (String quiet : List.of("--quiet", "--show-error-list=no")) {
            MemcheckRun leaky = LocalRuns.RUNNER.run(command("leaky").options(quiet).build(),
                    RunOptions.named("quiet-leaky"));
            MemcheckRun clean = LocalRuns.RUNNER.run(command("clean").options(quiet).build(),
                    RunOptions.named("quiet-clean"));

            assertThat(LocalRuns.text(leaky.files().xml())).as(quiet).contains("<errorcounts>")
                    .doesNotContain("<suppcounts>");
            Verdict v = verdict(leaky);
            assertThat(v.outcome()).as(quiet).isEqualTo(Outcome.FAIL);
            assertThat(v.message()).as(quiet).startsWith("leakgate: FAIL: definitely lost: 128 bytes in 2 blocks"
                    + " (limit 0 bytes)");
            assertThat(verdict(clean).outcome()).as(quiet).isEqualTo(Outcome.PASS);
        }
    }

    @Test
    void lossRecordsOfAKindLeakgateDoesNotKnowAreInconclusiveAndNamed() {
        String whole = LocalRuns.text(LocalRuns.run("leaky").files().xml());
        String renamed = whole.replace("<kind>Leak_DefinitelyLost</kind>", "<kind>Leak_DefinitelyGone</kind>");

        MemcheckReport report = LocalRuns.parser().parse(new ByteArrayInputStream(
                renamed.getBytes(StandardCharsets.UTF_8)), "renamed.xml");

        assertThat(renamed).isNotEqualTo(whole);
        assertThat(LeakGate.defaults().evaluate(report).outcome()).isEqualTo(Outcome.INCONCLUSIVE);
        assertThat(report.problems()).containsExactly("renamed.xml has loss records of a kind leakgate does not know:"
                + " Leak_DefinitelyGone (128 bytes); their bytes belong to no total leakgate can gate (it knows"
                + " Leak_DefinitelyLost, Leak_IndirectlyLost, Leak_PossiblyLost, Leak_StillReachable): use a leakgate"
                + " that reads this valgrind, or report the file to leakgate");
    }

    @Test
    void scenarioThatFreesWhatAnEarlierOneKeptGivesANegativeDeltaThatIsNeverALeak() {
        LocalRuns.KitRun k = LocalRuns.kit("run init 1\nrun teardown 1\nquit\n", 60);

        KitReplies replies = KitReplies.check(k.replies(), List.of(new KitReplies.Request("init", 1),
                new KitReplies.Request("teardown", 1)));

        assertThat(replies.problems()).isEmpty();
        assertThat(replies.results()).extracting(KitReplies.ScenarioResult::reachable).containsExactly(200L, -200L);
        assertThat(replies.results()).extracting(KitReplies.ScenarioResult::lost).containsExactly(0L, 0L);
        assertThat(verdict(k.run()).outcome()).isEqualTo(Outcome.PASS);
    }

    @Test
    void aOneFunctionKnownLeakLineIsNamedAsBroadAndALineWithItsCallerIsNot(@TempDir Path dir) throws Exception {
        MemcheckRun run = LocalRuns.run("leaky");
        Path broad = Files.writeString(dir.resolve("broad.txt"), "definitely_lost 200 make_buffer\n");
        Path narrow = Files.writeString(dir.resolve("narrow.txt"),
                "definitely_lost 200 make_buffer < main\n");

        Verdict wide = LeakGate.defaults().withKnownLeaks(KnownLeaks.read(broad)).evaluate(run);
        Verdict exact = LeakGate.defaults().withKnownLeaks(KnownLeaks.read(narrow)).evaluate(run);

        assertThat(wide.outcome()).isEqualTo(Outcome.PASS);
        assertThat(wide.notes()).contains("the known leak line 'definitely_lost 200 make_buffer' names one function"
                + " only, so it accepts its leaks from any caller, new ones too: name the caller as well ('make_buffer"
                + " < CALLER') to accept only the one you know");
        assertThat(exact.outcome()).isEqualTo(Outcome.PASS);
        assertThat(exact.notes()).noneMatch(n -> n.contains("names one function only"));
    }
}
