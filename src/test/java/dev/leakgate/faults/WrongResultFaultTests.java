package dev.leakgate.faults;

import static dev.leakgate.faults.LocalRuns.kit;
import static dev.leakgate.faults.LocalRuns.verdict;
import static org.assertj.core.api.Assertions.assertThat;

import dev.leakgate.harness.KitReplies;
import dev.leakgate.memcheck.Amount;
import dev.leakgate.memcheck.LeakCheck;
import dev.leakgate.memcheck.LeakGate;
import dev.leakgate.memcheck.LeakKind;
import dev.leakgate.memcheck.LeakRecord;
import dev.leakgate.memcheck.LeakTotals;
import dev.leakgate.memcheck.MemcheckReport;
import dev.leakgate.memcheck.MemcheckRun;
import dev.leakgate.memcheck.Outcome;
import dev.leakgate.memcheck.Verdict;
import dev.leakgate.testing.TestPrograms;
import dev.leakgate.testing.ValgrindTextSummary;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The fault matrix, wrong results: what leakgate read differently from what valgrind wrote. */
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
        assertThat(report.totals().of(LeakKind.DEFINITELY_LOST)).isEqualTo(java.util.Optional.of(
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
}
