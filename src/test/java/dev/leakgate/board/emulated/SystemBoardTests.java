package dev.leakgate.board.emulated;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.leakgate.board.Board;
import dev.leakgate.board.BoardInfo;
import dev.leakgate.board.BoardSpec;
import dev.leakgate.board.Deployment;
import dev.leakgate.board.ssh.BoardException;
import dev.leakgate.config.Settings;
import dev.leakgate.gate.LeakGate;
import dev.leakgate.gate.Outcome;
import dev.leakgate.gate.Verdict;
import dev.leakgate.junit.Harness;
import dev.leakgate.junit.ValgrindOnBoard;
import dev.leakgate.memcheck.LeakKind;
import dev.leakgate.process.MemcheckCommand;
import dev.leakgate.process.MemcheckProcess;
import dev.leakgate.process.MemcheckRun;
import dev.leakgate.process.MemoryTimeline;
import dev.leakgate.process.RunOptions;
import dev.leakgate.process.Termination;
import dev.leakgate.report.HtmlReport;
import dev.leakgate.run.Session;
import dev.leakgate.run.SessionGate;
import dev.leakgate.run.SessionOptions;
import dev.leakgate.testing.DaemonDrive;
import dev.leakgate.testing.EndAfter;
import dev.leakgate.testing.TestPrograms;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.discovery.DiscoverySelectors;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.EngineTestKit;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The system-emulated board for real ({@code emulated-system}, docker/system): a whole aarch64 machine
 * under qemu-system-aarch64 booting Debian's own arm64 kernel, so the program's {@code /proc}, signals
 * and privilege drops are the board kernel's, not this machine's.
 */
@Tag("board")
class SystemBoardTests {

    private static final String IMAGE = new BoardSpec.Emulated("aarch64-system").image();

    private static EmulatedBoard emulated;
    private static Board board;
    private static Deployment deployed;

    @BeforeAll
    static void start() {
        emulated = EmulatedBoard.start(IMAGE);
        board = Board.over(emulated.board(), Settings.of(Map.of()));
        deployed = board.deploy("system", List.of(TestPrograms.aarch64Program("leaky"),
                TestPrograms.aarch64Program("grows"), TestPrograms.aarch64Program("hang"),
                TestPrograms.aarch64Program("forks"), TestPrograms.aarch64Program("daemon"), TestPrograms.aarch64Probe()));
    }

    @AfterAll
    static void stop() {
        if (emulated != null) {
            emulated.close();
        }
    }

    private static MemcheckCommand.Builder command(String program) {
        return board.command(deployed.pathOf(TestPrograms.aarch64Program(program)));
    }

    @Test
    void theBoardRunsItsOwnKernelAndEveryRunSaysWhichMachineItWas() {
        BoardInfo info = board.info(command("leaky").build());

        assertThat(emulated.toString()).startsWith("emulated aarch64-system board (container ");
        assertThat(info.cpu()).isEqualTo("aarch64");
        assertThat(info.kernel()).as("Debian's arm64 kernel, not this machine's")
                .matches("Linux \\d+\\.\\d+\\.\\d+-\\d+-arm64 aarch64")
                .doesNotContain(System.getProperty("os.version"));
        assertThat(info.libc()).startsWith("glibc ");
        assertThat(info.valgrind()).startsWith("valgrind-3.");
        assertThat(emulated.logs()).contains("leakgate-board: booted Linux ");
    }

    @Test
    void aLeakIsFoundWithFunctionFileAndLine() {
        MemcheckRun run = board.run(command("leaky").build(), RunOptions.named("system-leaky"));
        Verdict verdict = LeakGate.defaults().evaluate(run);

        assertThat(run.termination()).isEqualTo(Termination.EXITED);
        assertThat(verdict.outcome()).as(verdict.message()).isEqualTo(Outcome.FAIL);
        assertThat(verdict.message()).startsWith("leakgate: FAIL: definitely lost: 128 bytes in 2 blocks (limit 0 bytes)")
                .contains("at make_buffer (leaky.c:6)", "at main (leaky.c:12)");
    }

    @Test
    void theMemorySampledIsTheProgramsOwnAndClimbsWithItsLeak() throws Exception {
        // 24 blocks of 256 KiB lost, one every 300 ms: 6 MiB the program's own VmData must show
        MemcheckRun run = board.run(command("grows").args("24", "256", "300", "3").build(),
                RunOptions.named("system-grows").withSampling(Duration.ofMillis(250)));

        assertThat(run.report().totals().bytes(LeakKind.DEFINITELY_LOST)).isEqualTo(24L * 256 * 1024);
        List<MemoryTimeline.Point> points = MemoryTimeline.readCsv(run.files().memory()).points();
        assertThat(points).hasSizeGreaterThanOrEqualTo(4);
        long least = points.stream().mapToLong(MemoryTimeline.Point::vmDataKb).min().orElseThrow();
        long last = points.get(points.size() - 1).vmDataKb();
        assertThat(last - least).as("VmData of the program under valgrind, from the board kernel's /proc")
                .isGreaterThanOrEqualTo(4L * 1024);
        // the board's own memory: a 1 GiB machine, not this machine's
        assertThat(points).allSatisfy(p -> assertThat(p.memAvailableKb()).isLessThan(1024L * 1024));
        // and the page says so, from the board the run folder names
        Files.writeString(run.files().folder().resolve("board.txt"), board.info(command("grows").build()).text());
        Path page = HtmlReport.writeRunPage("system-grows", LeakGate.defaults().evaluate(run), run.files(), List.of());
        assertThat(Files.readString(page)).contains("<h2>Memory while it ran</h2>",
                "valgrind and the program it runs, as the board's kernel counts them").doesNotContain("describe the emulator");
    }

    /** The growth gate's soaks, run natively on a system board of the extension's own. */
    @ValgrindOnBoard(harness = "target/test-programs/aarch64/kit_demo")
    static class SoakCase {
        @Test
        void cacheThatGrowsForever(Harness h) {
            h.soak("grows", 2000, 16);
        }

        @Test
        void scenarioThatFreesEverything(Harness h) {
            h.soak("frees", 2000, 16);
        }
    }

    /** One valgrind process for the class's tests (lifecycle = PER_CLASS), on the same board. */
    @ValgrindOnBoard(harness = "target/test-programs/aarch64/kit_demo", lifecycle = ValgrindOnBoard.Lifecycle.PER_CLASS)
    static class SharedCase {
        @Test
        void frees(Harness h) {
            h.run("frees", 3);
        }

        @Test
        void leaks(Harness h) {
            h.run("leaks", 1);
        }
    }

    @Test
    void theGrowthGatesNativeSoakAndAClassSharingOneProcessRunUnderTheBoardsKernel() {
        TestPrograms.aarch64KitProgram("kit_demo");
        System.setProperty("leakgate.board", "emulated-system");
        EngineExecutionResults results;
        try {
            results = EngineTestKit.engine("junit-jupiter").selectors(DiscoverySelectors.selectClass(SoakCase.class),
                    DiscoverySelectors.selectClass(SharedCase.class)).execute();
        } finally {
            System.clearProperty("leakgate.board");
        }

        results.testEvents().assertStatistics(s -> s.started(4).succeeded(2).failed(2));
        Map<String, String> failures = new TreeMap<>();
        results.testEvents().failed().list().forEach(e -> failures.put(e.getTestDescriptor().getDisplayName(),
                e.getPayload(TestExecutionResult.class).flatMap(TestExecutionResult::getThrowable)
                        .map(Throwable::getMessage).orElse("")));
        assertThat(failures).containsOnlyKeys("cacheThatGrowsForever(Harness)", "leaks(Harness)");
        assertThat(failures.get("cacheThatGrowsForever(Harness)")).startsWith("leakgate: FAIL: scenario grows grows the heap by 2")
                .contains("(natively on emulated aarch64-system board", "growth-grows.csv");
        assertThat(failures.get("leaks(Harness)")).startsWith("leakgate: FAIL: this test's scenarios lost bytes while they ran")
                .contains("scenario leaks (x1) lost 300 bytes", "at leaks (kit_demo.c:10)", "emulated aarch64-system board");
        assertThat(results.containerEvents().failed().list()).as("the shared process lost nothing beyond its tests'")
                .isEmpty();
    }

    @Test
    void aForkedChildIsJudgedOnItsOwnReport() {
        MemcheckRun run = board.run(command("forks").build(), RunOptions.named("system-forks"));
        Verdict verdict = LeakGate.defaults().evaluate(run);

        assertThat(verdict.outcome()).isEqualTo(Outcome.FAIL);
        assertThat(run.children()).singleElement().satisfies(c -> assertThat(c.report().totals().bytes(LeakKind.DEFINITELY_LOST)).isPositive());
        assertThat(verdict.message()).contains("at child_leak (forks.c:7)", "at parent_leak (forks.c:6)");
    }

    @Test
    void aProgramThatIgnoresSigtermIsKilledWithItsGroupAndNothingIsLeftRunning() {
        MemcheckRun run;
        try (MemcheckProcess p = board.start(command("hang").args("stubborn").build(),
                RunOptions.named("system-hang-stubborn").withTimeout(Duration.ofSeconds(120)))) {
            run = EndAfter.line(p, "ready stubborn", Duration.ofSeconds(110), Duration.ofSeconds(1), Duration.ofSeconds(3));
        }

        assertThat(run.termination()).isEqualTo(Termination.KILLED);
        assertThat(LeakGate.defaults().evaluate(run).outcome()).isEqualTo(Outcome.INCONCLUSIVE);
        assertThat(board.shell("pgrep -f '[h]ang stubborn' || echo none", Duration.ofSeconds(10)).stdout())
                .isEqualTo("none\n");
    }

    @Test
    void aDaemonThatDropsToNobodyUnderTheBoardsKernelKeepsItsLeakChecks() throws Exception {
        String[] owner = new String[1];
        DaemonDrive.Driven d = DaemonDrive.drive(Session.start(board, command("daemon").args("7090", "drop-privileges").build(),
                SessionOptions.daemon("system-nobody", 7090).withProbe(deployed.pathOf(TestPrograms.aarch64Probe()))),
                7090, "after 1 leak, as nobody", s -> owner[0] = board.shell("ps -o user= -C memcheck-arm64-linux | sort -u",
                        Duration.ofSeconds(20)).stdout(), "leak 30");

        assertThat(owner[0].strip()).as("the kernel's own privilege drop").isEqualTo("nobody");
        assertThat(Files.readString(d.report().run().files().folder().resolve("board.txt")))
                .startsWith("board: the emulated aarch64-system board (ssh://").containsPattern("kernel: Linux .*-arm64 aarch64");
        assertThat(d.check().lost()).isEqualTo(30);
        assertThat(d.report().run().termination()).isEqualTo(Termination.STOPPED);
        assertThat(d.report().run().problems()).isEmpty();
    }

    /** The same daemon and requests; leak checks through the probe or through vgdb: [started, after leaks, reachable]. */
    private static long[] checks(String name, int port, boolean vgdb) throws Exception {
        SessionOptions options = SessionOptions.daemon(name, port);
        options = vgdb ? options.withVgdb() : options.withProbe(deployed.pathOf(TestPrograms.aarch64Probe()));
        DaemonDrive.Driven d = DaemonDrive.drive(Session.start(board, command("daemon").args(String.valueOf(port)).build(),
                options), port, "after 3 leaks", "leak 40", "leak 40", "leak 40", "keep 100");
        assertThat(d.report().run().problems()).isEmpty();
        if (vgdb) {
            SessionGate.SessionVerdict verdict = new SessionGate(LeakGate.defaults(), true).judge(d.report(), "the system board");
            assertThat(verdict.message()).as("the stacks vgdb found, in the failure")
                    .startsWith("leak check 'after 3 leaks' found 120 bytes lost since 'started'")
                    .contains("120 (+120) bytes in 3 (+3) blocks are definitely lost", "at serve (daemon.c:");
            assertThat(Files.readString(d.report().run().files().folder().resolve("vgdb-checks.txt")))
                    .contains("== leak check 'after 3 leaks' through vgdb\n", "LEAK SUMMARY:");
        }
        return new long[] {d.started().lost(), d.check().lost(), d.check().reachable()};
    }

    @Test
    void leakChecksThroughVgdbFindTheBytesTheProbeFinds() throws Exception {
        long[] byProbe = checks("system-probe", 7091, false);
        long[] byVgdb = checks("system-vgdb", 7092, true);

        assertThat(byProbe[1]).isEqualTo(120);
        assertThat(byVgdb).as("vgdb and the probe, the same daemon and requests").containsExactly(byProbe);
    }

    @Test
    void aMachineThatCannotBootIsGivenUpOnWithItsConsolesLastLines() {
        // 400 MiB cannot hold the 300 MB initramfs: the kernel panics and QEMU stops
        assertThatThrownBy(() -> EmulatedBoard.start(IMAGE, 0, 400).close())
                .isInstanceOf(BoardException.class)
                .hasMessageStartingWith("the emulated board did not start from " + IMAGE)
                .hasMessageContaining("qemu-system-aarch64 -M virt -cpu cortex-a53 -smp 2 -m 400M")
                .hasMessageContaining("Kernel panic");
    }

    @Test
    void aMachineWithoutEnoughMemoryForQemuIsRefusedWithTheFigures() {
        assertThatThrownBy(() -> EmulatedBoard.start(IMAGE, 0, 1_000_000).close())
                .isInstanceOf(BoardException.class)
                .hasMessageContaining("not enough memory for the system board: it needs 1000256 MiB (1000000 MiB for the"
                        + " guest, 256 for QEMU), ")
                .hasMessageContaining(" MiB are available");
    }
}
