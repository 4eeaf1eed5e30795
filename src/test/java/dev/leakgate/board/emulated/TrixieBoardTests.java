package dev.leakgate.board.emulated;

import static org.assertj.core.api.Assertions.assertThat;

import dev.leakgate.board.Board;
import dev.leakgate.board.BoardSpec;
import dev.leakgate.board.Deployment;
import dev.leakgate.config.Settings;
import dev.leakgate.gate.LeakGate;
import dev.leakgate.gate.Outcome;
import dev.leakgate.gate.Verdict;
import dev.leakgate.kit.KitReplies;
import dev.leakgate.memcheck.LeakKind;
import dev.leakgate.process.MemcheckRun;
import dev.leakgate.process.RunOptions;
import dev.leakgate.run.Session;
import dev.leakgate.run.SessionOptions;
import dev.leakgate.run.SessionReport;
import dev.leakgate.testing.DaemonDrive;
import dev.leakgate.testing.TestPrograms;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The emulated aarch64 board built for Debian 13 (trixie: valgrind 3.24, glibc 2.41; {@code docker/build-image.sh
 * debian trixie}, chosen with {@code leakgate.board.release=trixie}): the reports of another valgrind release,
 * written on the board for real, read and judged as bookworm's 3.19 ones are.
 */
@Tag("board")
class TrixieBoardTests {

    private static EmulatedBoard emulated;
    private static Board board;
    private static Deployment deployed;

    @BeforeAll
    static void start() {
        emulated = EmulatedBoard.start(new BoardSpec.Emulated().image("trixie"));
        board = Board.over(emulated.board(), Settings.of(Map.of()));
        deployed = board.deploy("trixie", List.of(TestPrograms.aarch64Program("leaky"), TestPrograms.aarch64Program("daemon"),
                TestPrograms.aarch64Probe(), TestPrograms.aarch64KitProgram("kit_demo")));
    }

    @AfterAll
    static void stop() {
        if (emulated != null) {
            emulated.close();
        }
    }

    @Test
    void aLeakOnTheBoardIsFoundWithItsStackInA324Report() {
        MemcheckRun run = board.run(board.command(deployed.pathOf(TestPrograms.aarch64Program("leaky"))).build(),
                RunOptions.named("trixie-leaky"));
        Verdict verdict = LeakGate.defaults().evaluate(run);

        assertThat(run.report().valgrindVersion()).startsWith("3.24");
        assertThat(run.problems()).isEmpty();
        assertThat(verdict.outcome()).isEqualTo(Outcome.FAIL);
        assertThat(verdict.message()).startsWith("leakgate: FAIL: definitely lost: 128 bytes in 2 blocks")
                .contains("at make_buffer (leaky.c:6)", "at main (leaky.c:12)");
    }

    @Test
    void theKitAndItsBoardLineUnder324() throws Exception {
        Session session = Session.start(board, board.command(deployed.pathOf(TestPrograms.aarch64KitProgram("kit_demo")))
                .build(), SessionOptions.kit("trixie-kit"));
        KitReplies.ScenarioResult leaks = session.run("leaks", 2);
        KitReplies.ScenarioResult frees = session.run("frees", 2);
        SessionReport report = session.stop();

        assertThat(leaks.lost()).isEqualTo(600);
        assertThat(frees.lost()).isZero();
        assertThat(report.run().problems()).isEmpty();
        assertThat(report.run().report().totals().bytes(LeakKind.DEFINITELY_LOST)).isEqualTo(600);
        assertThat(Files.readString(report.run().files().folder().resolve("board.txt")))
                .contains("libc: glibc 2.41\n", "valgrind: valgrind-3.24.0\n");
    }

    @Test
    void theProbesLeakChecksUnder324() throws Exception {
        DaemonDrive.Driven d = DaemonDrive.drive(Session.start(board, board.command(deployed.pathOf(
                TestPrograms.aarch64Program("daemon"))).args("7093").build(), SessionOptions.daemon("trixie-probe", 7093)
                // valgrind 3.24 takes about 30 s to start a program under QEMU user mode (3.19: 4 s)
                .withReadyTimeout(Duration.ofSeconds(240)).withProbe(deployed.pathOf(TestPrograms.aarch64Probe()))), 7093,
                "after a leak", "leak 50");

        assertThat(d.check().lost()).isEqualTo(50);
        assertThat(d.report().run().problems()).isEmpty();
        assertThat(d.report().run().report().valgrindVersion()).startsWith("3.24");
        assertThat(d.report().run().report().suppressionCounts()).containsKey("leakgate_probe_thread");
    }
}
