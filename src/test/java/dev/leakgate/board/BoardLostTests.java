package dev.leakgate.board;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.leakgate.board.emulated.EmulatedBoard;
import dev.leakgate.board.ssh.BoardException;
import dev.leakgate.board.ssh.SshBoard;
import dev.leakgate.config.Settings;
import dev.leakgate.gate.LeakGate;
import dev.leakgate.gate.Outcome;
import dev.leakgate.gate.Verdict;
import dev.leakgate.process.MemcheckCommand;
import dev.leakgate.process.MemcheckRun;
import dev.leakgate.process.RunOptions;
import dev.leakgate.process.Termination;
import dev.leakgate.run.Session;
import dev.leakgate.run.SessionException;
import dev.leakgate.run.SessionOptions;
import dev.leakgate.testing.TestPrograms;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/** A board that goes away mid-run: a clear, inconclusive result within the timeout, never a hang. */
@Tag("board")
class BoardLostTests {

    @Test
    void boardKilledMidRunGivesAnInconclusiveRunThatSaysSo() {
        ScheduledExecutorService killer = Executors.newSingleThreadScheduledExecutor();
        try (EmulatedBoard emulated = EmulatedBoard.start()) {
            BoardMemcheckRunner runner = new BoardMemcheckRunner(emulated.board());
            String program = runner.deploy("lost", List.of(TestPrograms.aarch64Program("hang"))).paths().get(0);
            killer.schedule(emulated::kill, 6, TimeUnit.SECONDS);
            long start = System.nanoTime();

            MemcheckRun run = runner.run(MemcheckCommand.builder(program).args("pause").build(),
                    RunOptions.named("board-lost").withTimeout(Duration.ofSeconds(60)));
            Duration took = Duration.ofNanos(System.nanoTime() - start);

            Verdict verdict = LeakGate.defaults().evaluate(run);
            assertThat(run.termination()).isEqualTo(Termination.BOARD_LOST);
            assertThat(took).isLessThan(Duration.ofSeconds(30));
            assertThat(verdict.outcome()).isEqualTo(Outcome.INCONCLUSIVE);
            assertThat(verdict.message()).contains("lost the connection to the emulated aarch64 board",
                    "check that the board is still running and reachable", "raw XML: " + run.files().xml());
        } finally {
            killer.shutdownNow();
        }
    }

    @Test
    void boardKilledWhileAKitHarnessRunsAScenarioSaysTheConnectionWasLost() {
        ScheduledExecutorService killer = Executors.newSingleThreadScheduledExecutor();
        try (EmulatedBoard emulated = EmulatedBoard.start()) {
            Board board = Board.over(emulated.board(), Settings.of(Map.of()));
            String harness = board.deploy("lost-kit", List.of(TestPrograms.aarch64KitProgram("kit_faults")))
                    .paths().get(0);
            Session session = Session.start(board, board.command(harness).build(),
                    SessionOptions.kit("board-lost-kit").withTimeout(Duration.ofSeconds(300)));
            assertThat(session.run("binary", 1).times()).isEqualTo(1); // it answers while the board runs
            // killed once the harness has greeted and answered, so that the kill comes while it blocks
            killer.schedule(emulated::kill, 3, TimeUnit.SECONDS);

            // blocks: the scenario pauses for good, so only the board's end can end the request
            assertThatThrownBy(() -> session.run("blocks", 1)).isInstanceOf(SessionException.class)
                    .hasMessageStartingWith("the harness ended before it answered run blocks 1, and the run says why:"
                            + " lost the connection to the emulated aarch64 board");
            session.close();
        } finally {
            killer.shutdownNow();
        }
    }

    @Test
    void boardPausedWhileAKitHarnessRunsAScenarioIsGivenUpOnAndSaysTheConnectionWasLost() throws Exception {
        try (EmulatedBoard emulated = EmulatedBoard.start()) {
            Board board = Board.over(emulated.board(), Settings.of(Map.of()));
            String harness = board.deploy("paused-kit", List.of(TestPrograms.aarch64KitProgram("kit_faults")))
                    .paths().get(0);
            Session session = Session.start(board, board.command(harness).build(),
                    SessionOptions.kit("board-paused-kit").withTimeout(Duration.ofSeconds(300)));
            assertThat(session.run("binary", 1).times()).isEqualTo(1); // it answers while the board runs
            // frozen, not gone: its TCP connection stays open, but nothing on the board answers any more
            Process pause = new ProcessBuilder("docker", "pause", emulated.containerId()).redirectErrorStream(true)
                    .start();
            assertThat(pause.waitFor()).as(new String(pause.getInputStream().readAllBytes())).isZero();
            try {
                long start = System.nanoTime();
                assertThatThrownBy(() -> session.run("blocks", 1)).isInstanceOf(SessionException.class)
                        .hasMessageStartingWith("the harness ended before it answered run blocks 1, and the run says"
                                + " why: lost the connection to the emulated aarch64 board");
                // given up on by the SSH keepalive, long before the session's 300 s timeout
                assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(150));
            } finally {
                new ProcessBuilder("docker", "unpause", emulated.containerId()).start().waitFor();
                session.close();
            }
        }
    }

    @Test
    void aDroppedConnectionIsMadeAnewForTheNextCommandButTheRunItCarriedStaysLost() throws Exception {
        ScheduledExecutorService dropper = Executors.newSingleThreadScheduledExecutor();
        try (EmulatedBoard emulated = EmulatedBoard.start()) {
            SshBoard ssh = emulated.board();
            BoardMemcheckRunner runner = new BoardMemcheckRunner(ssh);
            String program = runner.deploy("dropped", List.of(TestPrograms.aarch64Program("hang"))).paths().get(0);
            ScheduledFuture<String> again = dropper.schedule(() -> {
                try { // the connection's own server process ends: the connection drops, the board lives on
                    ssh.run("kill -s KILL $PPID", Duration.ofSeconds(10));
                } catch (BoardException expected) {
                    // the command went down with its connection
                }
                // the next command of leakgate's own goes over a new connection, while the run still waits
                return ssh.run("echo again", Duration.ofSeconds(30)).stdout();
            }, 6, TimeUnit.SECONDS);

            MemcheckRun run = runner.run(MemcheckCommand.builder(program).args("pause").build(),
                    RunOptions.named("board-dropped").withTimeout(Duration.ofSeconds(60)));

            assertThat(again.get(60, TimeUnit.SECONDS)).as("a new connection while the run waited").isEqualTo("again\n");
            assertThat(run.termination()).as("the run's own connection dropped: it was not seen to end")
                    .isEqualTo(Termination.BOARD_LOST);
            assertThat(LeakGate.defaults().evaluate(run).outcome()).isEqualTo(Outcome.INCONCLUSIVE);
            assertThat(ssh.run("echo still", Duration.ofSeconds(30)).stdout()).isEqualTo("still\n");
        } finally {
            dropper.shutdownNow();
        }
    }
}
