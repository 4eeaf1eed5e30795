package dev.leakgate.board;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.leakgate.board.emulated.EmulatedBoard;
import dev.leakgate.board.ssh.SshTarget;
import dev.leakgate.config.Settings;
import dev.leakgate.gate.LeakGate;
import dev.leakgate.gate.Verdict;
import dev.leakgate.process.MemcheckRun;
import dev.leakgate.process.RunOptions;
import dev.leakgate.testing.SharedEmulatedBoard;
import dev.leakgate.testing.TestPrograms;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/** The same test code on boards chosen by configuration only. */
@ExtendWith(SharedEmulatedBoard.class)
@Tag("board")
class BoardSessionTests {

    private final EmulatedBoard emulated;

    BoardSessionTests(EmulatedBoard emulated) {
        this.emulated = emulated;
    }

    /** What a test does, whatever the board: deploy, run, gate. */
    private static Verdict leakyRun(Board session, Path program) {
        Deployment d = session.deploy("session", List.of(program));
        MemcheckRun run = session.run(session.command(d.paths().get(0)).build(),
                RunOptions.named("session-" + session.spec()));
        return LeakGate.defaults().evaluate(run);
    }

    @Test
    void labBoardOverSshIsChosenByEnvironmentWithAKnownHostsFileAndAPassword(@TempDir Path dir) throws Exception {
        SshTarget t = emulated.board().target();
        Path knownHosts = Files.writeString(dir.resolve("known_hosts"),
                "[" + t.host() + "]:" + t.port() + " " + t.pinnedHostKey() + "\n");
        Map<String, String> env = Map.of(
                "LEAKGATE_BOARD", "ssh://root@" + t.host() + ":" + t.port(),
                "LEAKGATE_SSH_KNOWNHOSTS", knownHosts.toString(),
                "LEAKGATE_SSH_PASSWORD", emulated.password(),
                "LEAKGATE_VALGRIND", "/opt/valgrind/bin/valgrind",
                "LEAKGATE_VALGRIND_LIB", "/opt/valgrind/libexec/valgrind");
        Settings settings = new Settings(Map.of(), env, Map.of());

        try (Board session = Board.open(settings, "emulated")) {
            assertThat(session.spec()).isEqualTo(new BoardSpec.Ssh("root", t.host(), t.port()));
            Verdict verdict = leakyRun(session, TestPrograms.aarch64Program("leaky"));
            assertThat(verdict.message()).startsWith("leakgate: FAIL: definitely lost: 128 bytes in 2 blocks")
                    .contains("at make_buffer (leaky.c:6)");
            assertThat(verdict.report().valgrindArgs()).isNotEmpty();
        }
    }

    @Test
    void localBoardRunsTheHostsValgrindWithTheSameCode() {
        Properties file = new Properties();
        file.setProperty("leakgate.board", "local");
        Settings settings = new Settings(Map.of(), Map.of(), Map.of("leakgate.properties", file));

        try (Board session = Board.open(settings, "emulated")) {
            assertThat(session.spec()).isInstanceOf(BoardSpec.Local.class);
            assertThat(leakyRun(session, TestPrograms.program("leaky")).message())
                    .startsWith("leakgate: FAIL: definitely lost: 128 bytes in 2 blocks")
                    .contains("vgpreload_memcheck-amd64-linux.so");
        }
    }

    @Test
    void wrongBoardSettingFailsBeforeAnythingStarts() {
        Settings settings = new Settings(Map.of("leakgate.board", "qemu"), Map.of(), Map.of());

        assertThatThrownBy(() -> Board.open(settings, "emulated"))
                .hasMessageStartingWith("'qemu' (from system property leakgate.board) is not a board");
    }

    @Test
    void aCpuShareThatIsNotANumberFailsBeforeAnythingStarts() {
        Settings settings = new Settings(Map.of("leakgate.board.cpus", "fast"), Map.of(), Map.of());

        assertThatThrownBy(() -> Board.open(settings, "emulated")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("leakgate.board.cpus = 'fast' (from system property leakgate.board.cpus) is not a CPU"
                        + " share: give a number of cores such as 0.5, or leave it unset for no cap");
    }

    @Test
    void aBoardMemoryThatIsNotANumberOfMibFailsBeforeAnythingStarts() {
        for (String wrong : new String[] {"lots", "64", "1.5"}) {
            Settings settings = new Settings(Map.of("leakgate.board", "emulated-system", "leakgate.board.memory", wrong),
                    Map.of(), Map.of());

            assertThatThrownBy(() -> Board.open(settings, "emulated")).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("leakgate.board.memory = '" + wrong + "' (from system property leakgate.board.memory) is"
                            + " not a board's memory: give MiB from 128 up, such as 2048, or leave it unset for 1024");
        }
    }

    @Test
    void anEmulatedBoardWithACpuShareRunsInAContainerCappedAtIt() throws Exception {
        Settings settings = new Settings(Map.of("leakgate.board.cpus", "0.5"), Map.of(), Map.of());
        try (Board board = Board.open(settings, "emulated")) {
            String id = board.toString().replaceFirst(".*\\(container ([0-9a-f]+).*", "$1");
            Process inspect = new ProcessBuilder("docker", "inspect", "-f", "{{.HostConfig.NanoCpus}}", id)
                    .redirectErrorStream(true).start();
            String nano = new String(inspect.getInputStream().readAllBytes()).strip();

            assertThat(inspect.waitFor()).as(nano).isZero();
            assertThat(nano).isEqualTo("500000000");
            assertThat(board.shell("echo up", Duration.ofSeconds(60)).stdout()).isEqualTo("up\n");
        }
    }
}
