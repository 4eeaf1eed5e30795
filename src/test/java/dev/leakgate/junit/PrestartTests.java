package dev.leakgate.junit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import dev.leakgate.board.emulated.EmulatedBoard;
import dev.leakgate.board.ssh.SshBoard;
import dev.leakgate.process.LocalMemcheckRunner;
import dev.leakgate.testing.OpenSshAccess;
import dev.leakgate.testing.SharedEmulatedBoard;
import dev.leakgate.testing.TestPrograms;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.platform.engine.DiscoverySelector;
import org.junit.platform.engine.reporting.ReportEntry;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.EngineTestKit;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Processes prestarted for the next class (lifecycle = PER_CLASS), on the real emulated board over
 * SSH: once a second class of the run has run a program, the program is started again as that class
 * ends; the next class with it takes it; one no class takes is ended at the run's end, judged, and
 * leaves nothing on the board; a class of another program ends it before it begins.
 */
@ExtendWith(SharedEmulatedBoard.class)
@Tag("board")
class PrestartTests {

    private static final String KIT = "target/test-programs/aarch64/kit_shared";

    private final EmulatedBoard emulated;

    PrestartTests(EmulatedBoard emulated) {
        this.emulated = emulated;
    }

    @BeforeAll
    static void build() {
        TestPrograms.aarch64KitProgram("kit_shared");
    }

    @ValgrindOnBoard(harness = KIT, lifecycle = ValgrindOnBoard.Lifecycle.PER_CLASS)
    static class PrestartACase {
        @Test
        void frees(Harness kit) {
            kit.run("frees", 2);
        }
    }

    @ValgrindOnBoard(harness = KIT, lifecycle = ValgrindOnBoard.Lifecycle.PER_CLASS)
    static class PrestartBCase {
        @Test
        void frees(Harness kit) {
            kit.run("frees", 2);
        }
    }

    @ValgrindOnBoard(harness = KIT, lifecycle = ValgrindOnBoard.Lifecycle.PER_CLASS)
    static class PrestartCCase {
        @Test
        void frees(Harness kit) {
            kit.run("frees", 2);
        }
    }

    /** Another program (other arguments): it ends the process prestarted for the one before. */
    @ValgrindOnBoard(harness = KIT, lifecycle = ValgrindOnBoard.Lifecycle.PER_CLASS, args = "other")
    static class PrestartDCase {
        @Test
        void frees(Harness kit) {
            kit.run("frees", 2);
        }
    }

    private EngineExecutionResults inOrder(Path dir, Map<String, String> settings, Class<?>... classes) throws Exception {
        OpenSshAccess access = OpenSshAccess.write(emulated, Files.createDirectories(dir));
        var t = emulated.board().target();
        System.setProperty("leakgate.board", "ssh://root@" + t.host() + ":" + t.port());
        System.setProperty("leakgate.ssh.key", access.key().toString());
        System.setProperty("leakgate.ssh.knownHosts", access.knownHosts().toString());
        System.setProperty(LocalMemcheckRunner.RUNS_DIR_PROPERTY, dir.toString()); // the runs in dir/runs
        settings.forEach(System::setProperty);
        try {
            return EngineTestKit.engine("junit-jupiter")
                    .configurationParameter("junit.jupiter.testclass.order.default",
                            "org.junit.jupiter.api.ClassOrderer$ClassName")
                    .selectors(Stream.of(classes).map(c -> selectClass(c)).toArray(DiscoverySelector[]::new))
                    .execute();
        } finally {
            Stream.of("leakgate.board", "leakgate.ssh.key", "leakgate.ssh.knownHosts",
                    LocalMemcheckRunner.RUNS_DIR_PROPERTY).forEach(System::clearProperty);
            settings.keySet().forEach(System::clearProperty);
        }
    }

    /** The shared process's folder of each test, in the order the tests ran. */
    private static List<String> sharedFolders(EngineExecutionResults results) {
        return results.testEvents().reportingEntryPublished().list().stream()
                .map(e -> e.getPayload(ReportEntry.class).orElseThrow().getKeyValuePairs())
                .filter(kv -> kv.containsKey("leakgate.shared"))
                .map(kv -> Path.of(kv.get("leakgate.shared")).getFileName().toString()).toList();
    }

    private String onBoard(String command) {
        return emulated.board().run(command, Duration.ofSeconds(20)).stdout();
    }

    private static List<String> runFolders(Path dir) throws Exception {
        try (var list = Files.list(dir.resolve("runs"))) {
            return list.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void theThirdClassTakesTheProcessPrestartedAfterTheSecondAndTheLastOneIsEndedLeavingNothing(@TempDir Path dir)
            throws Exception {
        EngineExecutionResults results = inOrder(dir, Map.of(), PrestartACase.class, PrestartBCase.class,
                PrestartCCase.class);

        assertThat(results.testEvents().failed().list()).isEmpty();
        assertThat(results.containerEvents().failed().list()).isEmpty();
        List<String> folders = sharedFolders(results);
        assertThat(folders).hasSize(3);
        assertThat(folders.get(0)).contains("PrestartACase-shared");
        assertThat(folders.get(1)).as("after one class, nothing is prestarted")
                .contains("PrestartBCase-shared");
        assertThat(folders.get(2)).as("the third class takes the process started as the second ended")
                .startsWith("prestarted-after-PrestartBCase");
        // the one started as the third ended was taken by no class: ended with the run, judged, its files kept
        Path unused = dir.resolve("runs").resolve(runFolders(dir).stream()
                .filter(f -> f.startsWith("prestarted-after-PrestartCCase")).findFirst().orElseThrow());
        assertThat(Files.readString(unused.resolve("memcheck.xml"))).contains("</valgrindoutput>");
        SshBoard board = emulated.board();
        assertThat(board.run("ps -eo args | grep -c '[k]it_shared' || true", Duration.ofSeconds(20)).stdout().trim())
                .as("no process of the run is left on the board").isEqualTo("0");
        assertThat(onBoard("ls /tmp/leakgate/runs 2>/dev/null")).as("nor its run folders").isBlank();
    }

    @Test
    void aClassOfAnotherProgramEndsTheProcessPrestartedBeforeItAndNoneIsStartedWhenPrestartIsOff(@TempDir Path dir)
            throws Exception {
        EngineExecutionResults results = inOrder(dir, Map.of(), PrestartACase.class, PrestartBCase.class,
                PrestartDCase.class);
        EngineExecutionResults off = inOrder(dir.resolve("off"), Map.of("leakgate.prestart", "false"),
                PrestartACase.class, PrestartBCase.class, PrestartCCase.class);

        assertThat(results.testEvents().failed().list()).isEmpty();
        assertThat(sharedFolders(results).get(2)).as("another program starts its own")
                .contains("PrestartDCase-shared");
        Path unused = dir.resolve("runs").resolve(runFolders(dir).stream()
                .filter(f -> f.startsWith("prestarted-after-PrestartBCase")).findFirst().orElseThrow());
        assertThat(Files.readString(unused.resolve("memcheck.xml"))).as("ended and judged, not left running")
                .contains("</valgrindoutput>");
        assertThat(off.testEvents().failed().list()).isEmpty();
        assertThat(sharedFolders(off)).noneMatch(f -> f.startsWith("prestarted"));
        assertThat(runFolders(dir.resolve("off"))).noneMatch(f -> f.startsWith("prestarted"));
        assertThat(onBoard("ps -eo args | grep -c '[k]it_shared' || true").trim()).isEqualTo("0");
    }
}
