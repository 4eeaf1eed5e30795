package dev.leakgate.process;

import static org.assertj.core.api.Assertions.assertThat;

import dev.leakgate.board.Board;
import dev.leakgate.config.Settings;
import dev.leakgate.gate.LeakGate;
import dev.leakgate.gate.Outcome;
import dev.leakgate.gate.Verdict;
import dev.leakgate.kit.KitReplies;
import dev.leakgate.memcheck.LeakKind;
import dev.leakgate.run.Session;
import dev.leakgate.run.SessionGate;
import dev.leakgate.run.SessionOptions;
import dev.leakgate.run.SessionReport;
import dev.leakgate.testing.TestPrograms;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The same programs under two valgrind releases, run for real: this machine's (Debian 12's 3.19) and
 * Debian 13's 3.24, unpacked by scripts/valgrind-release.sh (scripts/test.sh does it once). Reports of
 * either release are read, judged and traced the same way: the same totals, stacks and verdicts.
 */
@Tag("valgrind")
class ValgrindReleasesTests {

    private static Path trixie;

    @BeforeAll
    static void findTheSecondRelease() {
        trixie = Path.of(System.getenv().getOrDefault("LEAKGATE_CACHE", "/var/cache/leakgate"), "valgrind-trixie-amd64");
        assertThat(trixie.resolve("bin/valgrind")).as("Debian 13's valgrind: run scripts/valgrind-release.sh trixie "
                + trixie + " (scripts/test.sh does)").isRegularFile();
    }

    private static MemcheckRun run(String program, boolean second, String... options) {
        MemcheckCommand.Builder b = MemcheckCommand.builder(TestPrograms.program(program).toString()).options(options);
        if (second) {
            b.valgrindPrefix(trixie.toString());
        }
        return new LocalMemcheckRunner().run(b.build(), RunOptions.named((second ? "vg324-" : "vg319-") + program));
    }

    @Test
    void aLeakIsFoundWithTheSameTotalsAndStackUnderBothReleases() {
        MemcheckRun old = run("leaky", false);
        MemcheckRun now = run("leaky", true);

        assertThat(old.report().valgrindVersion()).startsWith("3.19");
        assertThat(now.report().valgrindVersion()).startsWith("3.24");
        for (MemcheckRun r : new MemcheckRun[] {old, now}) {
            Verdict v = LeakGate.defaults().evaluate(r);
            assertThat(r.problems()).as(r.report().valgrindVersion()).isEmpty();
            assertThat(v.outcome()).isEqualTo(Outcome.FAIL);
            assertThat(v.message()).startsWith("leakgate: FAIL: definitely lost: 128 bytes in 2 blocks")
                    .contains("at make_buffer (leaky.c:6)");
        }
        assertThat(now.report().totals()).isEqualTo(old.report().totals());
    }

    @Test
    void aCleanProgramAQuietReportAndAForkedChildAreJudgedAsUnder319() {
        MemcheckRun clean = run("clean", true);
        MemcheckRun quiet = run("leaky", true, "--quiet");
        MemcheckRun forks = run("forks", true);

        assertThat(LeakGate.defaults().evaluate(clean).outcome()).isEqualTo(Outcome.PASS);
        assertThat(quiet.problems()).as("a --quiet report of 3.24 is whole").isEmpty();
        assertThat(quiet.report().totals().bytes(LeakKind.DEFINITELY_LOST)).isEqualTo(128);
        Verdict v = LeakGate.defaults().evaluate(forks);
        assertThat(v.outcome()).isEqualTo(Outcome.FAIL);
        assertThat(forks.children()).singleElement()
                .satisfies(c -> assertThat(c.report().valgrindVersion()).startsWith("3.24"));
        assertThat(v.message()).contains("at child_leak (forks.c:7)", "at parent_leak (forks.c:6)");
    }

    @Test
    void aBoardWhoseValgrindChangesDuringTheRunIsNamedAndItsReportJudgedAsWritten(@TempDir Path dir) throws Exception {
        Board here = Board.open(Settings.of(Map.of("leakgate.board", "local")), "local");
        Path valgrind = dir.resolve("valgrind");
        Files.writeString(valgrind, "#!/bin/sh\nexec /usr/bin/valgrind \"$@\"\n");
        valgrind.toFile().setExecutable(true);
        MemcheckCommand command = MemcheckCommand.builder(TestPrograms.program("leaky").toString())
                .valgrind(valgrind.toString()).build();
        SessionReport before = Session.start(here, command, SessionOptions.plain("vg-before", new byte[0])).stop();
        // the board's valgrind is replaced with another release while the test run goes on
        Files.writeString(valgrind, "#!/bin/sh\nVALGRIND_LIB=" + trixie.resolve("libexec/valgrind") + " exec "
                + trixie.resolve("bin/valgrind") + " \"$@\"\n");
        SessionReport after = Session.start(here, command, SessionOptions.plain("vg-after", new byte[0])).stop();

        SessionGate.SessionVerdict first = new SessionGate(LeakGate.defaults(), true).judge(before, here.toString());
        SessionGate.SessionVerdict second = new SessionGate(LeakGate.defaults(), true).judge(after, here.toString());
        assertThat(first.message()).doesNotContain("Note: the report was written by");
        assertThat(after.board().valgrind()).as("asked once per board and valgrind").isEqualTo("valgrind-3.19.0");
        assertThat(after.run().report().valgrindVersion()).isEqualTo("3.24.0");
        assertThat(second.outcome()).as("a whole report of the run's own, judged as written").isEqualTo(Outcome.FAIL);
        assertThat(second.message()).contains("at make_buffer (leaky.c:6)", "Note: the report was written by"
                + " valgrind-3.24.0, but the board said valgrind-3.19.0 when leakgate asked it");
    }

    @Test
    void theKitsScenariosAndItsBoardLineUnder324() throws Exception {
        Board here = Board.open(Settings.of(Map.of("leakgate.board", "local")), "local");
        Session session = Session.start(here, MemcheckCommand.builder(TestPrograms.kitProgram("kit_demo").toString())
                .valgrindPrefix(trixie.toString()).build(), SessionOptions.kit("vg324-kit"));
        KitReplies.ScenarioResult leaks = session.run("leaks", 2);
        SessionReport report = session.stop();

        assertThat(leaks.lost()).isEqualTo(600);
        assertThat(report.run().problems()).isEmpty();
        assertThat(report.board().valgrind()).isEqualTo("valgrind-3.24.0");
        assertThat(report.board().from()).contains(trixie.toString());
        assertThat(Files.readString(report.run().files().folder().resolve("board.txt")))
                .contains("valgrind: valgrind-3.24.0\n");
    }
}
