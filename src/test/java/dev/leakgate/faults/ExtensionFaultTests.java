package dev.leakgate.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import dev.leakgate.assertj.LeakgateAssertions;
import dev.leakgate.junit.Daemon;
import dev.leakgate.junit.Harness;
import dev.leakgate.junit.ValgrindOnBoard;
import dev.leakgate.testing.LineClient;
import dev.leakgate.testing.TestPrograms;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.reporting.ReportEntry;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Event;
import org.junit.platform.testkit.engine.Events;

/**
 * The fault matrix through {@code @ValgrindOnBoard} on this machine's valgrind (board = "local"):
 * fixture classes run by a JUnit engine of their own, with the exact messages checked.
 */
class ExtensionFaultTests {

    private static final String KIT = "target/test-programs/kit_faults";

    private static final String DAEMON = "target/test-programs/daemon";
    private static final String PROBE = "target/test-programs/leakgate_probe.so";

    @BeforeAll
    static void build() {
        TestPrograms.kitProgram("kit_faults");
        TestPrograms.kitProgram("kit_shared");
        TestPrograms.program("daemon");
        TestPrograms.probe();
        TestPrograms.program("reads_config");
    }

    /** The values of one report entry key the events published, in order. */
    private static List<String> entries(Events events, String key) {
        return events.reportingEntryPublished().list().stream()
                .map(e -> e.getPayload(ReportEntry.class).orElseThrow())
                .map(r -> r.getKeyValuePairs().get(key)).filter(Objects::nonNull).toList();
    }

    private static String failure(Class<?> testCase) {
        EngineExecutionResults results = EngineTestKit.engine("junit-jupiter").selectors(selectClass(testCase)).execute();
        List<Event> failed = results.testEvents().failed().list();
        assertThat(failed).as("one test, failed").hasSize(1);
        assertThat(results.testEvents().succeeded().count()).isZero();
        return failed.get(0).getPayload(TestExecutionResult.class).flatMap(TestExecutionResult::getThrowable)
                .map(Throwable::getMessage).orElse("");
    }

    /** A process shared by the class: its scenario loses nothing, but reads past a block. */
    @ValgrindOnBoard(board = "local", harness = "target/test-programs/kit_shared", failOnErrors = "InvalidRead",
            lifecycle = ValgrindOnBoard.Lifecycle.PER_CLASS)
    static class SharedProcessWithAnErrorTestCase {
        @Test
        void readsPast(Harness kit) {
            kit.run("reads_past", 1);
        }
    }

    @Tag("valgrind")
    @Test
    void aSharedProcessWhoseErrorNoTestWasGatedOnFailsTheClass() {
        EngineExecutionResults results = EngineTestKit.engine("junit-jupiter")
                .selectors(selectClass(SharedProcessWithAnErrorTestCase.class)).execute();

        // the test is gated on its scenario's bytes (none); the error kind the class asks for fails the class
        results.testEvents().assertStatistics(s -> s.started(1).succeeded(1));
        List<Event> failed = results.containerEvents().failed().list();
        assertThat(failed).hasSize(1);
        assertThat(failed.get(0).getPayload(TestExecutionResult.class).flatMap(TestExecutionResult::getThrowable)
                .map(Throwable::getMessage).orElse(""))
                .startsWith("leakgate: FAIL: ")
                .contains("InvalidRead")
                .contains("at reads_past (kit_shared.c:");
    }

    @ValgrindOnBoard(board = "local", harness = KIT, timeoutSeconds = 2)
    static class BlockedScenarioTestCase {
        @Test
        void blocks(Harness kit) {
            kit.run("blocks", 3);
        }
    }

    @Tag("valgrind")
    @Test
    void scenarioThatBlocksUntilTheTimeoutFailsTheBodyAndItsRunIsInconclusive() {
        EngineExecutionResults results = EngineTestKit.engine("junit-jupiter")
                .selectors(selectClass(BlockedScenarioTestCase.class)).execute();
        String message = results.testEvents().failed().list().get(0).getPayload(TestExecutionResult.class)
                .flatMap(TestExecutionResult::getThrowable).map(Throwable::getMessage).orElse("");

        assertThat(message).startsWith("the harness ran blocks 1 of the 3 times asked before it was stopped (the"
                + " session's timeout of 2 s passed)");
        // the run is still stopped and kept, and its page says what it was
        String page = entries(results.testEvents(), "leakgate.report").get(0);
        assertThat(LocalRuns.text(Path.of(page))).contains("badge inconclusive",
                "the program did not end by itself: leakgate ended it at the timeout after 2 s");
    }

    @ValgrindOnBoard(board = "local", harness = KIT)
    static class ForgingScenarioTestCase {
        @Test
        void forges(Harness kit) {
            kit.run("forges", 1);
        }
    }

    @Tag("valgrind")
    @Test
    void scenarioThatPrintsAForgedReplyStillFailsOnItsLeak() {
        String message = failure(ForgingScenarioTestCase.class);

        assertThat(message).startsWith("scenario forges (x1) lost 100 bytes while it ran (definitely and indirectly lost; limit 0)\n"
                + "leakgate: FAIL: definitely lost: 100 bytes in 1 blocks (limit 0 bytes)")
                .contains("at forges (kit_faults.c:");
    }

    @ValgrindOnBoard(board = "local", harness = KIT, timeoutSeconds = 3)
    static class CutSoakTestCase {
        @Test
        void soaksTooLong(Harness kit) {
            kit.soak("slow", 1000, 16);
        }
    }

    @Test
    void soakCutByTheTimeoutIsInconclusiveNotJudgedOnItsFirstSamples() {
        String message = failure(CutSoakTestCase.class);

        assertThat(message).startsWith("leakgate: INCONCLUSIVE: the growth of scenario slow cannot be judged: the"
                + " harness did not finish the soak (it crashed or was ended by the timeout)")
                .contains("the soak was ended by the timeout after 3 s, so it did not finish");
    }

    @ValgrindOnBoard(board = "local", harness = KIT, failOnErrors = "InvalidRaed")
    static class TypoInErrorKindTestCase {
        @Test
        void test(Harness kit) {
            kit.run("binary", 1);
        }
    }

    @Test
    void misspelledErrorKindIsAConfigurationErrorNotASilentlyUngatedKind() {
        String message = failure(TypoInErrorKindTestCase.class);

        assertThat(message).startsWith("@ValgrindOnBoard on test(Harness) is wrong:\n  - failOnErrors names"
                + " 'InvalidRaed' is not a memcheck error kind (did you mean InvalidRead?); the kinds are: InvalidFree,");
    }

    @ValgrindOnBoard(board = "local", harness = KIT, libs = "target/test-programs")
    static class FolderAsLibsTestCase {
        @Test
        void test(Harness kit) {
            kit.run("binary", 1);
        }
    }

    @Test
    void folderNamedAsALibraryIsCalledAFolder() {
        String message = failure(FolderAsLibsTestCase.class);

        assertThat(message).isEqualTo("@ValgrindOnBoard on test(Harness) is wrong:\n  - libs names"
                + " \"target/test-programs\", which is a folder (" + Path.of("target/test-programs").toAbsolutePath()
                + "): name each file in it, e.g. \"target/test-programs/libname.so\"");
    }

    @ValgrindOnBoard(board = "local", harness = KIT)
    static class NoScenarioTestCase {
        @Test
        void forgetsToAsk(Harness kit) {
            // nothing asked of the harness
        }
    }

    @Test
    void testThatAsksForNoScenarioFailsInsteadOfPassingSilently() {
        assertThat(failure(NoScenarioTestCase.class)).isEqualTo("leakgate: the test asked its harness for no"
                + " scenario, so nothing was run or gated: call run(\"SCENARIO\", N) or soak(..) on the Harness"
                + " parameter in the test body, or set plain = true on @ValgrindOnBoard to run the program as it is");
    }

    @ValgrindOnBoard(board = "local", harness = KIT)
    static class NamedByFullClassNameTestCase {
        @Test
        void leaksATree(Harness kit) {
            kit.run("leaks_tree", 1);
        }
    }

    @Tag("valgrind")
    @Test
    void runFoldersAreNamedByTheFullClassNameSoSameSimpleNamesCannotCollide() throws Exception {
        String message = failure(NamedByFullClassNameTestCase.class);

        String xml = message.lines().filter(l -> l.startsWith("  raw XML: ")).findFirst().orElseThrow()
                .substring("  raw XML: ".length());
        assertThat(Path.of(xml).getParent().getFileName().toString()).startsWith(
                "dev.leakgate.faults.ExtensionFaultTests_NamedByFullClassNameTestCase-leaksATree-");
        assertThat(Files.readString(Path.of(xml))).contains("5,440 (+5,440) (64 (+64) direct, 5,376 (+5,376) indirect)");
        assertThat(message).contains("definitely lost: 64 bytes in 1 blocks");
    }

    @ValgrindOnBoard(board = "local", harness = DAEMON, args = "18471", ports = 18471, probe = PROBE)
    static class DaemonBodyThrowsTestCase {
        @Test
        void bodyFails(Daemon daemon) throws Exception {
            LineClient.request(daemon.address(18471), "leak 64");
            daemon.leakCheck("after one leak");
            throw new IllegalStateException("the client under test failed");
        }
    }

    @Tag("valgrind")
    @Test
    void daemonIsStoppedAndItsReportKeptWhenTheBodyThrows() throws Exception {
        EngineExecutionResults results = EngineTestKit.engine("junit-jupiter")
                .selectors(selectClass(DaemonBodyThrowsTestCase.class)).execute();

        String message = results.testEvents().failed().list().get(0).getPayload(TestExecutionResult.class)
                .flatMap(TestExecutionResult::getThrowable).map(Throwable::getMessage).orElse("");
        assertThat(message).as("the body's own failure is the one shown").isEqualTo("the client under test failed");
        String page = entries(results.testEvents(), "leakgate.report").get(0);
        assertThat(LocalRuns.text(Path.of(page))).contains("badge fail", "definitely lost: 64 bytes in 1 blocks",
                "after one leak");
        try (Socket s = new Socket()) {
            assertThatThrownBy(() -> s.connect(new InetSocketAddress("127.0.0.1", 18471), 1000))
                    .as("the daemon was stopped").isInstanceOf(IOException.class);
        }
    }

    @ValgrindOnBoard(board = "local", harness = DAEMON, args = "18472", ports = 18472, probe = PROBE)
    static class CleanDaemonTestCase {
        @Test
        void cacheButNoLeak(Daemon daemon) throws Exception {
            for (int i = 0; i < 3; i++) {
                LineClient.request(daemon.address(18472), "keep 32");
            }
            daemon.mark("3 cached");
            LeakgateAssertions.assertThat(daemon.leakCheck("after 3 keep")).hasLostNothing();
        }
    }

    @Tag("valgrind")
    @Test
    void daemonThatLosesNothingPassesAndIsStoppedAsPlanned() {
        EngineExecutionResults results = EngineTestKit.engine("junit-jupiter")
                .selectors(selectClass(CleanDaemonTestCase.class)).execute();

        results.testEvents().assertStatistics(s -> s.started(1).succeeded(1));
        // a passing daemon says what it checked, in one entry (and one block on stdout)
        assertThat(entries(results.testEvents(), "leakgate.checks"))
                .singleElement().asString().startsWith("leak check 'after 3 keep' at ")
                .contains(": lost 0 bytes since the program started (definitely and indirectly)");
    }

    /** A program that needs its config file, named through the placeholder of the folder it travelled to. */
    @ValgrindOnBoard(board = "local", harness = "target/test-programs/reads_config", plain = true,
            files = "src/test/resources/appconfig", args = "${board.files}/etc/app.conf",
            env = "APP_HOME=${board.files}", workDir = "${board.dir}")
    static class ConfigFileTestCase {
        @Test
        void test() {
        }
    }

    @Tag("valgrind")
    @Test
    void aProgramReadsItsConfigFileThroughThePlaceholdersAndItsLeakIsCaught() throws Exception {
        EngineExecutionResults results = EngineTestKit.engine("junit-jupiter")
                .selectors(selectClass(ConfigFileTestCase.class)).execute();
        String message = results.testEvents().failed().list().get(0).getPayload(TestExecutionResult.class)
                .flatMap(TestExecutionResult::getThrowable).map(Throwable::getMessage).orElse("");
        Path files = Path.of("src/test/resources/appconfig").toAbsolutePath();

        assertThat(message).startsWith("leakgate: FAIL: definitely lost: 64 bytes in 1 blocks (limit 0 bytes)")
                .contains("at apply_config (reads_config.c:12)");
        String stdout = message.lines().filter(l -> l.contains("program stdout: ")).findFirst().orElseThrow()
                .replaceFirst(".*program stdout: ", "");
        assertThat(Files.readString(Path.of(stdout))).isEqualTo("read " + files + "/etc/app.conf\nAPP_HOME=" + files
                + "\ncwd=" + Path.of("target/test-programs").toAbsolutePath() + "\n");
    }

    @ValgrindOnBoard(board = "local", harness = KIT, ports = 8080, udpPorts = 70000, udpRelay = "build/no-such-relay")
    static class WrongUdpTestCase {
        @Test
        void test(Daemon daemon) {
        }
    }

    @Test
    void aUdpPortOutOfRangeAndAMissingRelayAreRefusedBeforeAnythingRuns() {
        String message = failure(WrongUdpTestCase.class);

        assertThat(message).isEqualTo("@ValgrindOnBoard on test(Daemon) is wrong:\n"
                + "  - udpRelay = \"build/no-such-relay\" does not exist (looked in "
                + Path.of("build/no-such-relay").toAbsolutePath() + "): build it first, or fix the path (relative to"
                + " the test's working directory)\n"
                + "  - udpPorts names 70000, which is not a UDP port (1 to 65535)");
    }

    @ValgrindOnBoard(board = "local", harness = "target/test-programs/reads_config", plain = true,
            args = {"${board.dri}/app.conf", "${board.files}/app.conf"}, env = {"APP_HOME", "LD_PRELOAD=/x.so"},
            files = "src/test/resources/no-such-folder")
    static class MisspeltPlaceholderTestCase {
        @Test
        void test() {
        }
    }

    @Test
    void misspeltPlaceholdersAMissingFilesFolderAndLeakgatesOwnVariablesAreRefusedBeforeAnythingRuns() {
        String message = failure(MisspeltPlaceholderTestCase.class);

        assertThat(message).isEqualTo("@ValgrindOnBoard on test() is wrong:\n"
                + "  - files = \"src/test/resources/no-such-folder\" is not a folder (looked in "
                + Path.of("src/test/resources/no-such-folder").toAbsolutePath() + "): name the local folder whose files"
                + " travel with the program (config, certificates)\n"
                + "  - env names \"APP_HOME\", which is not NAME=VALUE with a name of letters, digits and '_'\n"
                + "  - env sets LD_PRELOAD, which leakgate sets itself (the deployed libraries, the probe, the run's"
                + " identity, the board's valgrind): leave it out\n"
                + "  - args names the placeholder ${board.dri}, which leakgate does not know: use ${board.dir} (the"
                + " folder of the program and its libraries on the board) or ${board.files} (the folder its data files"
                + " travelled to)");
    }

    @ValgrindOnBoard(board = "local", harness = DAEMON, args = "18473", ports = 18473, probe = PROBE)
    static class CleanDaemonBodyErrsTestCase {
        @Test
        void bodyErrs(Daemon daemon) throws Exception {
            LineClient.request(daemon.address(18473), "ping");
            throw new IllegalStateException("the camera's client crashed");
        }
    }

    @Tag("valgrind")
    @Test
    void aTestWhoseBodyErredIsRecordedAsAnErrorNotAsThePassOfItsRun() throws Exception {
        EngineExecutionResults results = EngineTestKit.engine("junit-jupiter")
                .selectors(selectClass(CleanDaemonBodyErrsTestCase.class), selectClass(TypoInErrorKindTestCase.class))
                .execute();

        String page = entries(results.testEvents(), "leakgate.report").get(0);
        assertThat(LocalRuns.text(Path.of(page))).contains("<span class=\"badge error\">ERROR</span>",
                "the test body failed (IllegalStateException): the camera&#39;s client crashed", "The run under"
                + " valgrind: leakgate: PASS");
        // the configuration error has no run and no page, and is in the index all the same
        String index = LocalRuns.text(Path.of("target/leakgate/report/index.html"));
        assertThat(index).contains("2 tests: 2 ERROR")
                .contains("CleanDaemonBodyErrsTestCase &gt; bodyErrs(Daemon)", "TypoInErrorKindTestCase &gt; ");
    }

    @ValgrindOnBoard(board = "local", harness = KIT)
    static class CrashingScenarioTestCase {
        @Test
        void crashes(Harness kit) {
            kit.run("segfaults", 1);
        }
    }

    @Tag("valgrind")
    @Test
    void aHarnessThatDiesMidRequestSaysOfWhatAndWhereInTheMessage() {
        String message = failure(CrashingScenarioTestCase.class);

        assertThat(message).startsWith("the harness ended before it answered run segfaults 1, and the run says why:"
                + " the program was ended by SIGSEGV (Access not within mapped region) at segfaults (kit_faults.c:")
                .contains("its stdout ends with:");
    }

    /** The first test starts a thread that loses 77 bytes a second later, while the second test runs. */
    @ValgrindOnBoard(board = "local", harness = "target/test-programs/kit_shared",
            lifecycle = ValgrindOnBoard.Lifecycle.PER_CLASS)
    @TestMethodOrder(MethodOrderer.OrderAnnotation.class)
    static class ThreadOutlivesItsTestTestCase {
        @Test
        @Order(1)
        void startsAThread(Harness kit) {
            kit.run("starts_thread", 1);
        }

        @Test
        @Order(2)
        void waits(Harness kit) {
            kit.run("waits", 1);
        }
    }

    @Tag("valgrind")
    @Test
    void aThreadThatOutlivesItsTestIsNamedOnItAndOnTheTestItsLeakIsBlamedOn() {
        System.setProperty("leakgate.progress.seconds", "1");
        EngineExecutionResults results;
        try {
            results = EngineTestKit.engine("junit-jupiter").selectors(selectClass(ThreadOutlivesItsTestTestCase.class))
                    .execute();
        } finally {
            System.clearProperty("leakgate.progress.seconds");
        }
        // a test of a shared process prints progress lines as a PER_TEST one does (waits takes 3 s)
        assertThat(entries(results.testEvents(), "leakgate.progress"))
                .anySatisfy(l -> assertThat(l).startsWith("ThreadOutlivesItsTestTestCase > waits(Harness): ")
                        .contains("running waits x1"));

        results.testEvents().assertStatistics(s -> s.started(2).succeeded(1).failed(1));
        String left = entries(results.testEvents(), "leakgate.threads").get(0);
        assertThat(left).isEqualTo("ThreadOutlivesItsTestTestCase > startsAThread(Harness) left 1 more thread running"
                + " in the process the class shares (1 when its turn began, 2 at its end)");
        String blamed = results.testEvents().failed().list().get(0).getPayload(TestExecutionResult.class)
                .flatMap(TestExecutionResult::getThrowable).map(Throwable::getMessage).orElse("");
        // the class's page: its words agree with its numbers (the 77 bytes failed a test; the class passes)
        String classPage = entries(results.containerEvents(), "leakgate.report").get(0);
        assertThat(LocalRuns.text(Path.of(classPage))).contains("PASS</span>", "lost nothing beyond what their scenarios"
                + " showed (77 bytes, definitely and indirectly lost, which failed the tests whose scenarios lost them)",
                "for the record: FAIL: definitely lost: 77 bytes").doesNotContain("leakgate: FAIL");
        assertThat(blamed).contains("scenario waits (x1) lost 77 bytes while it ran", "at lose_77 (kit_shared.c:",
                "Note: " + left + ", and a thread of it may have lost these bytes while this test ran: a thread that"
                + " outlives its test is blamed on the tests after it");
    }
}
