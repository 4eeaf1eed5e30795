package dev.leakgate.report;

import static org.assertj.core.api.Assertions.assertThat;

import dev.leakgate.memcheck.LeakGate;
import dev.leakgate.memcheck.LocalMemcheckRunner;
import dev.leakgate.memcheck.MemcheckCommand;
import dev.leakgate.memcheck.MemcheckReport;
import dev.leakgate.memcheck.MemcheckRun;
import dev.leakgate.memcheck.MemcheckXmlParser;
import dev.leakgate.memcheck.RunFiles;
import dev.leakgate.memcheck.Verdict;
import dev.leakgate.testing.Chromium;
import dev.leakgate.testing.TestPrograms;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The HTML report, rendered by headless Chromium (Debian's chromium) and looked at through its DOM and a screenshot. */
class HtmlReportTests {

    private static String render(Path page) throws IOException, InterruptedException {
        return Chromium.render(page);
    }

    @Test
    void pageOfARealLeakShowsVerdictFramesSourceLinesTimelineAndRawFiles() throws Exception {
        MemcheckRun run = new LocalMemcheckRunner().run(
                MemcheckCommand.builder(TestPrograms.program("hang").toString()).args("sleep", "2").build(),
                LocalMemcheckRunner.Options.named("report-leaky").withTimeout(Duration.ofSeconds(60))
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
}
