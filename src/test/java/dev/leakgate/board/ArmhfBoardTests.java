package dev.leakgate.board;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.leakgate.board.emulated.EmulatedBoard;
import dev.leakgate.board.ssh.BoardException;
import dev.leakgate.config.Settings;
import dev.leakgate.gate.LeakGate;
import dev.leakgate.gate.Outcome;
import dev.leakgate.gate.Verdict;
import dev.leakgate.process.MemcheckCommand;
import dev.leakgate.process.RunOptions;
import dev.leakgate.testing.TestPrograms;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The emulated 32-bit ARM board for real (docker/build-image.sh armhf: Debian armhf under qemu-arm,
 * valgrind's memcheck-arm-linux with libc6-dbg and valgrind-dbg): programs cross-compiled with
 * arm-linux-gnueabihf-gcc are gated with the same code as on aarch64, and binaries for the other
 * ARM CPU or ABI are refused before anything runs, naming the toolchain to use.
 */
@Tag("board")
class ArmhfBoardTests {

    private static EmulatedBoard emulated;

    @BeforeAll
    static void start() {
        emulated = EmulatedBoard.start(new BoardSpec.Emulated("armhf").image());
    }

    @AfterAll
    static void stop() {
        if (emulated != null) {
            emulated.close();
        }
    }

    private static Board board(Map<String, String> settings) {
        return Board.over(emulated.board(), Settings.of(settings));
    }

    private static Verdict gate(Board board, Path program) {
        Deployment d = board.deploy("armhf", List.of(program));
        MemcheckCommand command = board.command(d.pathOf(program)).build();
        board.preflight(program, List.of(), command);
        return LeakGate.defaults().evaluate(board.run(command, RunOptions.named("armhf")));
    }

    @Test
    void aLeakInA32BitArmProgramIsFoundWithItsFileAndLineAndACleanOnePasses() {
        assertThat(emulated.board().run("uname -m", Duration.ofSeconds(30)).stdout().strip()).isEqualTo("armv7l");
        try (Board board = board(Map.of())) {
            Verdict leaky = gate(board, TestPrograms.armhfProgram("leaky"));
            assertThat(leaky.outcome()).as(leaky.message()).isEqualTo(Outcome.FAIL);
            assertThat(leaky.message()).startsWith("leakgate: FAIL: definitely lost: 128 bytes in 2 blocks")
                    .contains("at make_buffer (leaky.c:6)", "at malloc (vg_replace_malloc.c:"); // valgrind-dbg: its own frames named

            Verdict clean = gate(board, TestPrograms.armhfProgram("clean"));
            assertThat(clean.outcome()).as(clean.message()).isEqualTo(Outcome.PASS);
        }
    }

    @Test
    void programsForAarch64OrForSoftFloatArmAreRefusedNamingTheBoardsToolchain(@TempDir Path dir) throws Exception {
        // an armel (soft-float EABI) build of the same program: its header's float ABI flag says so
        // (this machine has no armel cross compiler: the armhf build's e_flags rewritten, as armel gcc writes them)
        Path armel = Files.copy(TestPrograms.armhfProgram("leaky"), dir.resolve("leaky-armel"));
        byte[] elf = Files.readAllBytes(armel);
        ByteBuffer header = ByteBuffer.wrap(elf).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(header.getInt(0x24)).isEqualTo(0x05000400); // EABI version 5, hard-float
        header.putInt(0x24, 0x05000200);
        Files.write(armel, elf);

        try (Board board = board(Map.of())) {
            for (Path wrong : List.of(TestPrograms.aarch64Program("leaky"), armel)) {
                MemcheckCommand command = board.command("/tmp/" + wrong.getFileName()).build();
                assertThatThrownBy(() -> board.preflight(wrong, List.of(), command))
                        .isInstanceOf(BoardException.class)
                        .hasMessageContaining(wrong.getFileName().toString().equals("leaky")
                                ? wrong + " is built for aarch64, but the board's CPU is armv7l: build it with the"
                                        + " board's cross compiler (arm-linux-gnueabihf-gcc)"
                                : armel + " is built for armel (32-bit ARM, soft-float ABI), but the board's root is"
                                        + " armhf (its loader is /lib/ld-linux-armhf.so.3): build it with the board's"
                                        + " toolchain (arm-linux-gnueabihf-gcc)");
            }
        }
    }

    @Test
    void aValgrindForAarch64IsNotDeployedToThe32BitBoard() {
        try (Board board = board(Map.of(Settings.VALGRIND_DEPLOY, BareBoardTests.PREFIX.toString(),
                Settings.BOARD_DIR, "/tmp/wrong-valgrind"))) {
            Path program = TestPrograms.armhfProgram("leaky");
            assertThatThrownBy(() -> gate(board, program))
                    .isInstanceOf(BoardException.class)
                    .hasMessageContaining("is built for arm64-linux, but the emulated armhf board runs armv7l"
                            + " (valgrind's arm-linux)")
                    .hasMessageContaining("scripts/valgrind-prefix.sh armhf DIR");
        } finally {
            emulated.board().run("rm -rf /tmp/wrong-valgrind", Duration.ofSeconds(30));
        }
    }
}
