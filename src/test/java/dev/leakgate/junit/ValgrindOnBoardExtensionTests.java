package dev.leakgate.junit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import dev.leakgate.testing.Chromium;
import dev.leakgate.testing.TestPrograms;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.platform.engine.DiscoverySelector;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.reporting.ReportEntry;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Event;

/**
 * The extension on the real emulated board, through the EngineTestKit: fixture classes
 * ({@code ...TestCase}) are run by a JUnit engine of their own and the exact events and messages
 * are checked.
 */
class ValgrindOnBoardExtensionTests {

    private static final String LEAKY = "target/test-programs/onvif/leaky/";
    private static final String FIXED = "target/test-programs/onvif/fixed/";

    @BeforeAll
    static void buildTheExample() {
        TestPrograms.onvifExample();
        TestPrograms.aarch64Program("leaky");
        TestPrograms.aarch64Program("clean");
        TestPrograms.aarch64KitProgram("kit_demo");
        TestPrograms.aarch64Program("reads_config");
    }

    private static EngineExecutionResults run(Class<?>... testCases) {
        return EngineTestKit.engine("junit-jupiter")
                .selectors(Arrays.stream(testCases).map(c -> selectClass(c))
                        .toArray(DiscoverySelector[]::new))
                .execute();
    }

    /** The values published under a key as report entries, in order. */
    private static List<String> reportEntries(EngineExecutionResults results, String key) {
        return results.testEvents().reportingEntryPublished().list().stream()
                .map(e -> e.getPayload(ReportEntry.class).orElseThrow())
                .filter(r -> r.getKeyValuePairs().containsKey(key))
                .map(r -> r.getKeyValuePairs().get(key)).toList();
    }

    private static String failureMessage(Event event) {
        return event.getPayload(TestExecutionResult.class).flatMap(TestExecutionResult::getThrowable)
                .map(Throwable::getMessage).orElse("");
    }

    // ---- fixtures -----------------------------------------------------------------------------

    @ValgrindOnBoard(harness = LEAKY + "onvif_harness", libs = LEAKY + "libonvif_server.so")
    static class LeakyOnvifTestCase {
        @Test
        void startStreamDoesNotLeak(Harness onvif) {
            onvif.run("onvifStartStream", 100);
            onvif.run("onvifStartSubStream", 10);
        }
    }

    @ValgrindOnBoard(harness = FIXED + "onvif_harness", libs = FIXED + "libonvif_server.so")
    static class FixedOnvifTestCase {
        @Test
        void startStreamDoesNotLeak(Harness onvif) {
            onvif.run("onvifStartStream", 100);
        }

        @ParameterizedTest
        @ValueSource(ints = {1, 25})
        void startSubStreamAnyNumberOfTimes(int times, Harness onvif) {
            onvif.run("onvifStartSubStream", times);
        }

        @RepeatedTest(2)
        void startStreamAgain(Harness onvif) {
            onvif.run("onvifStartStream", 3);
        }

        @Nested
        class WhenNested {
            @Test
            void theEnclosingAnnotationApplies(Harness onvif) {
                onvif.run("onvifStartStream", 2);
            }
        }

        @Test
        @ValgrindOnBoard(harness = LEAKY + "onvif_harness", libs = LEAKY + "libonvif_server.so")
        void aMethodAnnotationReplacesTheClasses(Harness onvif) {
            onvif.run("onvifStartStream", 1);
        }

        @Test
        void unknownScenarioIsNamed(Harness onvif) {
            onvif.run("onvifStartStreem", 1);
        }
    }

    @ValgrindOnBoard(harness = FIXED + "onvif_harness", libs = FIXED + "libonvif_server.so")
    static class ParallelTestCase {
        @Test
        void first(Harness onvif) {
            onvif.run("onvifStartStream", 5);
        }

        @Test
        void second(Harness onvif) {
            onvif.run("onvifStartSubStream", 5);
        }

        @Test
        @ValgrindOnBoard(harness = LEAKY + "onvif_harness", libs = LEAKY + "libonvif_server.so")
        void third(Harness onvif) {
            onvif.run("onvifStartStream", 5);
        }
    }

    @ValgrindOnBoard(harness = LEAKY + "onvif_harness", libs = LEAKY + "libonvif_server.so",
            baseline = "src/test/resources/baselines/onvif-known-leaks.txt")
    static class KnownLeakTestCase {
        @Test
        void knownLeakWithinItsBudget(Harness onvif) {
            onvif.run("onvifStartStream", 10);
        }

        @Test
        @ValgrindOnBoard(harness = LEAKY + "onvif_harness", libs = LEAKY + "libonvif_server.so",
                baseline = "src/test/resources/baselines/onvif-tight-budget.txt")
        void knownLeakOverItsBudget(Harness onvif) {
            onvif.run("onvifStartStream", 10);
        }
    }

    @ValgrindOnBoard(harness = FIXED + "onvif_harness", libs = FIXED + "libonvif_server.so")
    static class ProgressTestCase {
        @Test
        void slowScenarios(Harness onvif) {
            onvif.run("onvifStartStream", 3000); // a few seconds under valgrind: progress ticks each second
            onvif.run("onvifStartSubStream", 50);
        }
    }

    @ValgrindOnBoard(harness = "target/test-programs/aarch64/kit_demo")
    static class GrowthTestCase {
        @Test
        void cacheThatGrowsForever(Harness h) {
            h.soak("grows", 2000, 16);
        }

        @Test
        void scenarioThatFreesEverything(Harness h) {
            h.soak("frees", 2000, 16);
        }

        @Test
        void soakAndLeakCheckTogether(Harness h) {
            h.soak("frees", 1000, 16).run("leaks", 1);
        }
    }

    @ValgrindOnBoard(harness = "target/test-programs/aarch64/leaky", plain = true)
    static class PlainProgramTestCase {
        @Test
        void plainLeakyProgram() {
        }

        @Test
        @ValgrindOnBoard(harness = "target/test-programs/aarch64/clean", plain = true)
        void plainCleanProgram() {
        }
    }

    /** Its config file travels in a folder of data files, named through the placeholders. */
    @ValgrindOnBoard(harness = "target/test-programs/aarch64/reads_config", plain = true,
            files = "src/test/resources/appconfig", args = "${board.files}/etc/app.conf",
            env = "APP_HOME=${board.files}", workDir = "${board.files}/etc")
    static class ConfigFileOnTheBoardTestCase {
        @Test
        void readsItsConfig() {
        }
    }

    @ValgrindOnBoard(harness = "build/no/such/harness", libs = "build/no/libfoo.so", maxPossiblyLost = -5,
            timeoutSeconds = 0)
    static class MisconfiguredTestCase {
        @Test
        void neverRuns(Harness h) {
        }
    }

    // ---- tests --------------------------------------------------------------------------------

    @Tag("board")
    @Test
    void leakyLibraryFailsNamingTheFunctionFileAndLineAndTheScenario() {
        EngineExecutionResults results = run(LeakyOnvifTestCase.class);

        results.testEvents().assertStatistics(s -> s.started(1).failed(1).succeeded(0));
        String message = failureMessage(results.testEvents().failed().list().get(0));
        assertThat(message)
                .startsWith("scenario onvifStartStream (x100) lost ")
                .contains(" bytes while it ran (definitely and indirectly lost; limit 0)\nleakgate: FAIL: definitely lost: ")
                .contains("at read_profile_xml (onvif_server.c:20)", "at onvifStartStream (onvif_server.c:51)",
                        "at start_stream (onvif_harness.c:33)")
                .contains("Scenarios (bytes each leaked while it ran, on emulated aarch64 board")
                .containsPattern("onvifStartStream x100: lost [1-9][0-9]* bytes \\(definitely and indirectly\\)")
                .contains("onvifStartSubStream x10: lost 0 bytes (definitely and indirectly)")
                .contains("raw XML: ");
    }

    @Tag("valgrind")
    @Test
    void fixedLibraryPassesWithNestedParameterizedAndRepeatedTests() {
        EngineExecutionResults results = run(FixedOnvifTestCase.class);

        List<Event> failed = results.testEvents().failed().list();
        assertThat(failed).extracting(e -> e.getTestDescriptor().getDisplayName())
                .containsExactlyInAnyOrder("aMethodAnnotationReplacesTheClasses(Harness)", "unknownScenarioIsNamed(Harness)");
        results.testEvents().assertStatistics(s -> s.started(8).succeeded(6).failed(2));
        assertThat(failed).filteredOn(e -> e.getTestDescriptor().getDisplayName().startsWith("unknown"))
                .singleElement().extracting(ValgrindOnBoardExtensionTests::failureMessage).asString()
                .isEqualTo("the harness has no scenario 'onvifStartStreem' (register it with"
                        + " LEAKGATE_SCENARIO(onvifStartStreem)); it has: onvifStartStream, onvifStartSubStream");
        assertThat(results.testEvents().reportingEntryPublished().list()).isNotEmpty();
    }

    @Tag("valgrind")
    @Test
    void testsRunInParallelOnOneBoardEachWithItsOwnFiles() {
        EngineExecutionResults results = EngineTestKit.engine("junit-jupiter")
                .configurationParameter("junit.jupiter.execution.parallel.enabled", "true")
                .configurationParameter("junit.jupiter.execution.parallel.mode.default", "concurrent")
                .selectors(selectClass(ParallelTestCase.class))
                .execute();

        results.testEvents().assertStatistics(s -> s.started(3).succeeded(2).failed(1));
        assertThat(results.testEvents().failed().list()).singleElement()
                .satisfies(e -> assertThat(e.getTestDescriptor().getDisplayName()).isEqualTo("third(Harness)"))
                .extracting(ValgrindOnBoardExtensionTests::failureMessage).asString()
                .contains("at onvifStartStream (onvif_server.c:51)");
    }

    @Tag("valgrind")
    @Test
    void growthGateFailsACacheThatGrowsWhileNothingIsLostAndNamesTheScenario() {
        EngineExecutionResults results = run(GrowthTestCase.class);

        results.testEvents().assertStatistics(s -> s.started(3).succeeded(1).failed(2));
        List<Event> failed = results.testEvents().failed().list();
        assertThat(failed).filteredOn(e -> e.getTestDescriptor().getDisplayName().startsWith("cache"))
                .singleElement().extracting(ValgrindOnBoardExtensionTests::failureMessage).asString()
                .startsWith("leakgate: FAIL: scenario grows grows the heap by 2")
                .contains("bytes per run over the steady state (runs 500 to 2000; limit 16 bytes per run)")
                .contains("(warm-up)", "(natively on emulated aarch64 board", "growth-grows.csv")
                .doesNotContain("definitely lost");
        assertThat(failed).filteredOn(e -> e.getTestDescriptor().getDisplayName().startsWith("soak"))
                .singleElement().extracting(ValgrindOnBoardExtensionTests::failureMessage).asString()
                .contains("leakgate: FAIL: definitely lost: 300 bytes in 1 blocks", "at leaks (kit_demo.c:10)")
                .doesNotContain("grows the heap");
        // each soak has its page: the growth series drawn, the warm-up shaded
        String page = reportEntries(results, "leakgate.growth.report").get(0);
        try {
            assertThat(Chromium.render(Path.of(page))).contains("<span class=\"badge fail\">FAIL</span>",
                    "(growth, natively)", "<svg class=\"growth\"", "<rect class=\"warmup\"")
                    .containsPattern("<polyline class=\"heap\"[^>]*points=\"[0-9.]+,[0-9.]+ [0-9.]+,");
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    @Tag("board")
    @Test
    void knownLeaksPassWithinBudgetAndFailBeyondItWithSuppressionsInTheRenderedReport() throws Exception {
        EngineExecutionResults results = run(KnownLeakTestCase.class);

        results.testEvents().assertStatistics(s -> s.started(2).succeeded(1).failed(1));
        assertThat(failureMessage(results.testEvents().failed().list().get(0)))
                .startsWith("leakgate: FAIL: definitely lost: 1420 bytes in 10 blocks (limit 0 bytes); known leak"
                        + " 'read_profile_xml < onvifStartStream' (definitely lost) is over its budget: 1420 bytes"
                        + " (budget 100)")
                .contains("at read_profile_xml (onvif_server.c:20)");
        // the report of a real run on the emulated board, as a browser renders it
        String passingPage = results.testEvents().reportingEntryPublished().list().stream()
                .map(e -> e.getPayload(ReportEntry.class).orElseThrow())
                .map(ReportEntry::getKeyValuePairs)
                .filter(m -> "PASS".equals(m.get("leakgate.verdict"))).map(m -> m.get("leakgate.report"))
                .findFirst().orElseThrow();
        String dom = Chromium.render(Path.of(passingPage));
        assertThat(dom).contains("<span class=\"badge pass\">PASS</span>", "known leak accepted: definitely_lost"
                        + " 100000 read_profile_xml &lt; onvifStartStream", "at read_profile_xml (onvif_server.c:20)",
                "valgrind suppression for this leak", "fun:read_profile_xml", "fun:onvifStartStream",
                "<a href=\"memcheck.xml\">memcheck.xml</a>", "<a href=\"scenarios.csv\">scenarios.csv</a>")
                .containsPattern("<div class=\"hit\">(&nbsp;)+20&nbsp;&nbsp;(&nbsp;)+char&nbsp;\\*xml&nbsp;=&nbsp;malloc")
                .containsPattern("<polyline class=\"rss\"[^>]*points=\"[0-9.]+,[0-9.]+ [0-9.]+,")
                // the machine it ran on, from the run's board.txt
                .containsPattern("<h2>Board</h2>\\s*<pre class=\"board\">board: emulated aarch64 board [^<]*\\s+cpu:"
                        + " aarch64\\s+kernel: Linux [^<]*libc: glibc 2\\.36\\s+valgrind: valgrind-3\\.19\\.0");
        assertThat(reportEntries(results, "leakgate.report")).hasSize(2);
    }

    @Tag("valgrind")
    @Test
    void progressIsReportedWhileTheHarnessRunsUnderValgrind() {
        EngineExecutionResults results;
        System.setProperty(ValgrindOnBoardExtension.PROGRESS_SECONDS, "1");
        try {
            results = run(ProgressTestCase.class);
        } finally {
            System.clearProperty(ValgrindOnBoardExtension.PROGRESS_SECONDS);
        }

        results.testEvents().assertStatistics(s -> s.started(1).succeeded(1));
        List<String> progress = reportEntries(results, "leakgate.progress");
        assertThat(progress).hasSizeGreaterThanOrEqualTo(2)
                .allMatch(l -> l.startsWith("ProgressTestCase > slowScenarios(Harness): "))
                .allMatch(l -> l.matches(".*: \\d+ s under valgrind.*"))
                .anyMatch(l -> l.endsWith(", running onvifStartStream x3000 (request 1)"));
    }

    @Tag("valgrind")
    @Test
    void plainProgramsRunOnceAndAreGatedAsAWhole() {
        EngineExecutionResults results = run(PlainProgramTestCase.class);

        results.testEvents().assertStatistics(s -> s.started(2).succeeded(1).failed(1));
        assertThat(failureMessage(results.testEvents().failed().list().get(0)))
                .startsWith("leakgate: FAIL: definitely lost: 128 bytes in 2 blocks (limit 0 bytes)")
                .contains("at make_buffer (leaky.c:6)")
                .doesNotContain("Scenarios");
    }

    @Tag("board")
    @Test
    void dataFilesTravelToTheBoardKeepingTheirFoldersAndThePlaceholdersNameWhereTheyAre() throws Exception {
        EngineExecutionResults results = run(ConfigFileOnTheBoardTestCase.class);

        results.testEvents().assertStatistics(s -> s.started(1).failed(1));
        String message = failureMessage(results.testEvents().failed().list().get(0));
        assertThat(message).startsWith("leakgate: FAIL: definitely lost: 64 bytes in 1 blocks (limit 0 bytes)")
                .contains("at apply_config (reads_config.c:12)");
        String stdout = Files.readString(Path.of(message.lines()
                .filter(l -> l.contains("program stdout: ")).findFirst().orElseThrow()
                .replaceFirst(".*program stdout: ", "")));
        String files = stdout.lines().filter(l -> l.startsWith("APP_HOME=")).findFirst().orElseThrow()
                .substring("APP_HOME=".length());
        assertThat(files).startsWith("/tmp/leakgate/deploy/").endsWith("/files");
        assertThat(stdout).isEqualTo("read " + files + "/etc/app.conf\nAPP_HOME=" + files + "\ncwd=" + files
                + "/etc\n");
    }

    @Test
    void wrongConfigurationNamesEachAttributeAndItsFixBeforeAnythingRuns() {
        EngineExecutionResults results = run(MisconfiguredTestCase.class);

        results.testEvents().assertStatistics(s -> s.started(1).failed(1));
        assertThat(failureMessage(results.testEvents().failed().list().get(0)))
                .startsWith("@ValgrindOnBoard on neverRuns(Harness) is wrong:\n")
                .contains("  - libs names \"build/no/libfoo.so\", which does not exist (looked in ")
                .contains("  - harness = \"build/no/such/harness\" does not exist (looked in ")
                .contains("): build it first, or fix the path (relative to the test's working directory)")
                .contains("  - maxPossiblyLost = -5 must be a number of bytes (>= 0), or ValgrindOnBoard.NOT_GATED")
                .contains("  - timeoutSeconds = 0 must be at least 1");
    }

    @ValgrindOnBoard(harness = "pom.xml", lifecycle = ValgrindOnBoard.Lifecycle.PER_CLASS)
    static class PrestartSettingTestCase {
        @Test
        void neverRuns(Harness h) {
            h.run("frees", 1);
        }
    }

    @Test
    void aPrestartSettingThatIsNeitherTrueNorFalseIsAConfigurationErrorBeforeAnythingRuns() {
        System.setProperty("leakgate.prestart", "maybe");
        EngineExecutionResults results;
        try {
            results = run(PrestartSettingTestCase.class);
        } finally {
            System.clearProperty("leakgate.prestart");
        }

        results.testEvents().assertStatistics(s -> s.started(1).failed(1));
        assertThat(failureMessage(results.testEvents().failed().list().get(0)))
                .startsWith("@ValgrindOnBoard on neverRuns(Harness) is wrong:\n")
                .contains("  - leakgate.prestart = 'maybe' (from system property leakgate.prestart) is neither true nor false");
    }
}
