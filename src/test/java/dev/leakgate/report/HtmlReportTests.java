package dev.leakgate.report;

import static org.assertj.core.api.Assertions.assertThat;

import dev.leakgate.board.Board;
import dev.leakgate.config.Settings;
import dev.leakgate.gate.LeakGate;
import dev.leakgate.gate.Verdict;
import dev.leakgate.memcheck.MemcheckReport;
import dev.leakgate.memcheck.MemcheckXmlParser;
import dev.leakgate.process.LocalMemcheckRunner;
import dev.leakgate.process.MemcheckCommand;
import dev.leakgate.process.MemcheckRun;
import dev.leakgate.process.MemoryTimeline;
import dev.leakgate.process.RunFiles;
import dev.leakgate.process.RunOptions;
import dev.leakgate.run.Session;
import dev.leakgate.run.SessionOptions;
import dev.leakgate.run.SessionReport;
import dev.leakgate.testing.Chromium;
import dev.leakgate.testing.TestPrograms;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** The HTML report, rendered by headless Chromium (Debian's chromium) and looked at through its DOM and a screenshot. */
class HtmlReportTests {

    private static String render(Path page) throws IOException, InterruptedException {
        return Chromium.render(page);
    }

    @Tag("valgrind")
    @Test
    void pageOfARealLeakShowsVerdictFramesSourceLinesTimelineAndRawFiles() throws Exception {
        MemcheckRun run = new LocalMemcheckRunner().run(
                MemcheckCommand.builder(TestPrograms.program("hang").toString()).args("sleep", "2").build(),
                RunOptions.named("report-leaky").withTimeout(Duration.ofSeconds(60))
                        .withSampling(Duration.ofMillis(200)));
        Verdict verdict = LeakGate.defaults().evaluate(run);

        Path page = HtmlReport.writeRunPage("hangTest (ReportTests)", verdict, run.files(),
                List.of("scenario x1: definitely lost 16 bytes"));
        String dom = render(page);

        assertThat(dom).contains("<span class=\"badge fail\">FAIL</span>", "hangTest (ReportTests)",
                "definitely lost: 16 bytes in 1 blocks (limit 0 bytes)", "at main (hang.c:14)",
                "scenario x1: definitely lost 16 bytes");
        assertThat(dom).as("the source line of the allocation, highlighted")
                .containsPattern("<div class=\"hit\">(&nbsp;)+14&nbsp;&nbsp;(&nbsp;)+char&nbsp;\\*lost&nbsp;=&nbsp;malloc\\(16\\);</div>");
        assertThat(dom).as("the memory timeline").containsPattern("<polyline class=\"rss\"[^>]*points=\"[0-9.]+,[0-9.]+ [0-9.]+,");
        assertThat(dom).contains("<a href=\"memcheck.xml\">memcheck.xml</a>", "<a href=\"memory.csv\">memory.csv</a>");
        assertThat(dom).as("this machine's kernel counted them").contains("as the board's kernel counts them")
                .doesNotContain("describe the emulator");
        // the same figures from a board under QEMU user mode are the emulator's, and the page says so
        Files.writeString(run.files().folder().resolve("board.txt"), "board: emulated aarch64 board (container 0123456789ab,"
                + " ssh://root@localhost:32768)\ncpu: aarch64\n");
        assertThat(Files.readString(HtmlReport.writeRunPage("hangTest (ReportTests)", verdict, run.files(), List.of())))
                .contains("under QEMU user mode they describe the emulator").doesNotContain("as the board's kernel counts them");
    }

    @Test
    void namesAndPathsAreShownAsTextNeverRunAsMarkup(@TempDir Path dir) throws Exception {
        String xml = new String(getClass().getResourceAsStream("/xml/valgrind-3.19-leak.xml").readAllBytes(),
                StandardCharsets.UTF_8)
                .replace("<fn>make</fn>", "<fn>&lt;script&gt;document.title='pwned'&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;</fn>")
                .replace("<file>leak.c</file>", "<file>&quot;&gt;&lt;b&gt;bold.c</file>");
        Path runFolder = Files.createDirectories(dir.resolve("run"));
        Files.writeString(runFolder.resolve("memcheck.xml"), xml);
        MemcheckReport report = new MemcheckXmlParser().parse(runFolder.resolve("memcheck.xml"));
        Verdict verdict = LeakGate.defaults().evaluate(report);

        Path page = HtmlReport.writeRunPage("<i>title</i> & \"quotes\"", verdict, RunFiles.in(runFolder), List.of());
        String dom = render(page);

        assertThat(dom).contains("&lt;script&gt;document.title='pwned'&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;",
                "&lt;i&gt;title&lt;/i&gt; &amp; \"quotes\"", "\"&gt;&lt;b&gt;bold.c");
        assertThat(dom).doesNotContain("<script>", "<img", "<b>", "<i>title");
        assertThat(dom).contains("<title>&lt;i&gt;title&lt;/i&gt; &amp; \"quotes\"</title>");
    }

    @Test
    void indexLinksEveryRunWithItsVerdict(@TempDir Path dir) throws Exception {
        Path a = Files.writeString(Files.createDirectories(dir.resolve("runs/a")).resolve("report.html"), "<p>a</p>");
        Path b = Files.writeString(Files.createDirectories(dir.resolve("runs/b c")).resolve("report.html"), "<p>b</p>");

        Path index = HtmlReport.writeIndex(dir.resolve("report"), List.of(
                new HtmlReport.Entry("OnvifLeakTest > start()", "PASS", "leakgate: PASS: definitely lost 0 bytes", a),
                new HtmlReport.Entry("OnvifLeakTest > <sub>()", "FAIL", "leakgate: FAIL: definitely lost: 16 bytes", b)));
        String dom = render(index);

        assertThat(dom).contains("<a href=\"../runs/a/report.html\">OnvifLeakTest &gt; start()</a>",
                "<a href=\"../runs/b%20c/report.html\">OnvifLeakTest &gt; &lt;sub&gt;()</a>",
                "<span class=\"badge pass\">PASS</span>", "<span class=\"badge fail\">FAIL</span>");
    }

    @Tag("valgrind")
    @Test
    void inconclusivePageShowsEveryReasonInFullAndWhatTheRunWroteLast() throws Exception {
        MemcheckRun run = new LocalMemcheckRunner().run(
                MemcheckCommand.builder(TestPrograms.program("hang").toString()).args("pause").build(),
                RunOptions.named("report-inconclusive").withTimeout(Duration.ofSeconds(2))
                        .withGrace(Duration.ofSeconds(1), Duration.ofSeconds(5)));
        Verdict verdict = LeakGate.defaults().evaluate(run);

        String dom = render(HtmlReport.writeRunPage("hangs (ReportTests)", verdict, run.files(), List.of()));

        assertThat(dom).contains("<span class=\"badge inconclusive\">INCONCLUSIVE</span>",
                "leakgate ended it at the timeout after 2 s", "Make the program return from main within the timeout",
                "the program was ended by SIGTERM at", "What the run wrote last", "ready pause");
        assertThat(dom).as("the reasons wrap instead of running off the page").contains("white-space:pre-wrap");
    }

    @Tag("valgrind")
    @Test
    void lostTreeHeadlineCountsWhatItHoldsAndTheKitsFramesAreFolded() throws Exception {
        MemcheckRun run = new LocalMemcheckRunner().run(
                MemcheckCommand.builder(TestPrograms.kitProgram("kit_faults").toString()).build(),
                RunOptions.named("report-tree").withStdin("run leaks_tree 1\nquit\n"));
        Verdict verdict = LeakGate.defaults().evaluate(run);

        String dom = render(HtmlReport.writeRunPage("tree (ReportTests)", verdict, run.files(), List.of()));

        assertThat(verdict.message()).startsWith("leakgate: FAIL: definitely lost: 64 bytes in 1 blocks, holding 5376"
                + " bytes indirectly lost (limit 0 bytes)");
        assertThat(dom).contains("holding 5376 bytes indirectly lost", "at leaks_tree (kit_faults.c:")
                .containsPattern("<details class=\"kit\"><summary>2 frames of the leakgate harness kit</summary>"
                        + "\\s*<div>at leakgate_run_scenario \\(leakgate_harness.h:\\d+\\)</div>");
    }

    @Tag("valgrind")
    @Test
    void scenariosAreDrawnWithTheHeapAfterEach() throws Exception {
        try (Board local = Board.open(
                Settings.of(Map.of("leakgate.board", "local")), "local")) {
            Session session = Session.start(local, MemcheckCommand.builder(
                    TestPrograms.kitProgram("kit_demo").toString()).build(), SessionOptions.kit("plot"));
            session.run("frees", 2);
            session.run("leaks", 1);
            session.run("grows", 5);
            SessionReport report = session.stop();
            Verdict verdict = LeakGate.defaults().evaluate(report.run());

            String dom = render(HtmlReport.writeRunPage("plot (ReportTests)", verdict, report.run().files(),
                    report.results().stream().map(Object::toString).toList()));

            assertThat(dom).contains("<svg class=\"scenarios\"", "frees x2", "leaks x1", "grows x5",
                    "lost while it ran (bytes)", "heap in use after it (bytes)")
                    .containsPattern("<rect class=\"lost\"[^>]*height=\"[1-9]")
                    .containsPattern("<polyline class=\"heap\"[^>]*points=\"[0-9.]+,[0-9.]+ [0-9.]+,[0-9.]+ [0-9.]+,");
        }
    }

    @Test
    void indexShowsEarlierRunsOfTheSameTestsAndMarksAChange(@TempDir Path dir) throws Exception {
        Path page = Files.writeString(Files.createDirectories(dir.resolve("runs/a")).resolve("report.html"), "<p>a</p>");
        Path report = dir.resolve("report");
        new ReportIndex(report).add(new HtmlReport.Entry("T > stable()", "PASS", "ok", page));
        new ReportIndex(report).add(new HtmlReport.Entry("T > stable()", "PASS", "ok", page));

        ReportIndex third = new ReportIndex(report);
        third.add(new HtmlReport.Entry("T > stable()", "FAIL", "leakgate: FAIL: definitely lost: 16 bytes", page,
                List.of("known leak accepted: definitely_lost 100 f < g (16 bytes now)")));
        String dom = render(third.add(new HtmlReport.Entry("T > new()", "PASS", "ok", page)));

        assertThat(dom).contains("2 tests: 1 FAIL, 1 PASS; 1 note", "(was PASS)",
                "known leak accepted: definitely_lost 100 f &lt; g (16 bytes now)")
                .containsPattern("<td class=\"history\"><span class=\"badge pass\">PASS</span><span class=\"badge"
                        + " pass\">PASS</span></td>");
        assertThat(Files.readAllLines(report.resolve("history.csv"))).hasSize(1 + 4);
    }

    @Test
    void checkLabelsStayInsideTheChartAndALeakingCheckIsRed() {
        List<MemoryTimeline.Point> points = List.of(new MemoryTimeline.Point(0, 1000, 800, -1),
                new MemoryTimeline.Point(10_000, 1500, 900, -1));
        String svg = MemoryChart.svg(points, List.of(new MemoryChart.Mark(1_000, "check started: lost 0 B"),
                new MemoryChart.Mark(10_000, "check after 50 GetStreamUri main: lost 7,100 B")));

        assertThat(svg).contains("<text class=\"mark\" x=\"98.0\" y=\"50\" font-size=\"10\" fill=\"#555\">check"
                        + " started: lost 0 B</text>")
                .as("at the right edge: anchored at its end, inside the 640 px chart, red for its leak")
                .contains("<text class=\"mark leaked\" x=\"598.0\" y=\"61\" font-size=\"10\" fill=\"#c62828\""
                        + " text-anchor=\"end\">check after 50 GetStreamUri main: lost 7,100 B</text>");
    }
}
