package dev.leakgate.board;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.leakgate.memcheck.LeakGate;
import dev.leakgate.memcheck.LocalMemcheckRunner;
import dev.leakgate.memcheck.MemcheckCommand;
import dev.leakgate.memcheck.MemcheckRun;
import dev.leakgate.memcheck.Outcome;
import dev.leakgate.memcheck.Verdict;
import dev.leakgate.testing.TestPrograms;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bare, camera-like board for real (docker/bare: busybox, dropbear without SFTP or scp, a
 * 160 MB tmpfs /tmp, no valgrind): leakgate brings valgrind and the loader's debug file, files
 * travel as a checked stream, and each way this goes wrong on such a board says the fix.
 */
class BareBoardTests {

    /** Made by scripts/setup-board.sh (scripts/valgrind-prefix.sh arm64 ...). */
    static final Path PREFIX = Path.of(System.getProperty("leakgate.test.valgrindPrefix",
            java.util.Objects.requireNonNullElse(System.getenv("LEAKGATE_CACHE"), "/var/cache/leakgate")
                    + "/valgrind-arm64"));
    static final Path DEBUGINFO = Path.of(PREFIX + "-debuginfo");

    private static EmulatedBoard emulated;

    @BeforeAll
    static void start() {
        emulated = EmulatedBoard.start(new BoardSpec.Emulated("aarch64-bare").image());
    }

    @AfterAll
    static void stop() {
        if (emulated != null) {
            emulated.close();
        }
    }

    private static Board board(String... settings) {
        Map<String, String> values = new HashMap<>();
        for (int i = 0; i < settings.length; i += 2) {
            values.put(settings[i], settings[i + 1]);
        }
        return Board.over(emulated.board(), Settings.of(values));
    }

    private static String sh(String command) {
        return emulated.board().run(command, Duration.ofSeconds(30)).stdout().strip();
    }

    private static MemcheckRun leakyRun(Board board, boolean preflight) {
        Path program = TestPrograms.aarch64Program("leaky");
        BoardMemcheckRunner.Deployment d = board.deploy("bare", List.of(program));
        MemcheckCommand command = board.command(d.pathOf(program)).build();
        if (preflight) {
            board.preflight(program, List.of(), command);
        }
        return board.run(command, LocalMemcheckRunner.Options.named("bare-board"));
    }

    @Test
    void aBoardWithoutValgrindIsGatedWithTheValgrindAndLoaderDebugFileLeakgateBrings() {
        assertThat(sh("command -v valgrind sftp-server scp; echo end")).isEqualTo("end");
        try (Board board = board(Settings.VALGRIND_DEPLOY, PREFIX.toString(),
                Settings.VALGRIND_DEBUGINFO, DEBUGINFO.toString())) {
            assertThat(board.fileTransfer()).isEqualTo("a stream (cat) checked with sha256sum");
            Verdict verdict = LeakGate.defaults().evaluate(leakyRun(board, true));

            assertThat(verdict.outcome()).isEqualTo(Outcome.FAIL);
            assertThat(verdict.message()).startsWith("leakgate: FAIL: definitely lost: 128 bytes in 2 blocks")
                    .contains("at make_buffer (leaky.c:6)");
            assertThat(sh("ls /tmp/leakgate/valgrind/bin /tmp/leakgate/valgrind/libexec/valgrind | sort | tr '\\n' ' '"))
                    .contains("valgrind", "memcheck-arm64-linux", "vgpreload_memcheck-arm64-linux.so", "default.supp");
            assertThat(sh("find /tmp/leakgate/valgrind/debug -type f")).endsWith(".debug");
        }
        String stamps = "find /tmp/leakgate/valgrind -type f ! -name '*.leakgate-sha256' -exec stat -c '%n %Y %i' {} +";
        String before = sh(stamps);
        assertThat(before.lines()).hasSize(6);
        try (Board again = board(Settings.VALGRIND_DEPLOY, PREFIX.toString(),
                Settings.VALGRIND_DEBUGINFO, DEBUGINFO.toString())) {
            assertThat(LeakGate.defaults().evaluate(leakyRun(again, true)).outcome()).isEqualTo(Outcome.FAIL);
        }
        // deployed once per board: the second connection copied nothing
        assertThat(sh(stamps)).isEqualTo(before);
    }

    @Test
    void withoutTheLoadersDebugFileThePreflightSaysWhatToGiveAndARunAnywayIsInconclusive() throws Exception {
        try (Board board = board(Settings.VALGRIND_DEPLOY, PREFIX.toString(), Settings.BOARD_DIR, "/tmp/nodebug")) {
            assertThatThrownBy(() -> leakyRun(board, true))
                    .isInstanceOf(BoardException.class)
                    .hasMessageContaining("its loader /lib/aarch64-linux-gnu/ld-linux-aarch64.so.1 has no symbols")
                    .hasMessageContaining("Set leakgate.valgrind.debuginfo to a folder with .build-id/")
                    .hasMessageContaining("libc6-dbg");

            MemcheckRun run = leakyRun(board, false);
            Verdict verdict = LeakGate.defaults().evaluate(run);
            assertThat(verdict.outcome()).isEqualTo(Outcome.INCONCLUSIVE);
            assertThat(verdict.reasons()).contains("valgrind stopped at start: the dynamic linker (ld.so) has no"
                    + " symbols, so valgrind cannot redirect functions such as strlen; install the C library's debug"
                    + " symbols where the program runs (Debian: apt-get install libc6-dbg; others: glibc debuginfo),"
                    + " or let leakgate bring the loader's debug file (leakgate.valgrind.debuginfo)");
            assertThat(Files.readString(run.files().log())).contains("must-be-redirected function");
        } finally {
            sh("rm -rf /tmp/nodebug");
        }
    }

    @Test
    void aDebugFolderWithoutTheLoadersFileIsNamedWithTheBuildIdItLacks(@TempDir Path empty) {
        try (Board board = board(Settings.VALGRIND_DEPLOY, PREFIX.toString(),
                Settings.VALGRIND_DEBUGINFO, empty.toString())) {
            assertThatThrownBy(() -> leakyRun(board, true))
                    .isInstanceOf(BoardException.class)
                    .hasMessageContaining("leakgate.valgrind.debuginfo = " + empty + " (system property"
                            + " leakgate.valgrind.debuginfo) has no debug file for the emulated aarch64-bare board's"
                            + " loader /lib/aarch64-linux-gnu/ld-linux-aarch64.so.1 (build-id ")
                    .hasMessageContaining("it needs .build-id/");
        }
    }

    @Test
    void aValgrindBuiltForAnotherCpuIsRefusedBeforeItIsCopied(@TempDir Path dir) throws Exception {
        // this machine's own valgrind, as a prefix: built for x86-64
        Path prefix = dir.resolve("x86");
        Files.createDirectories(prefix.resolve("bin"));
        Files.createDirectories(prefix.resolve("libexec/valgrind"));
        Files.copy(Path.of("/usr/bin/valgrind.bin"), prefix.resolve("bin/valgrind"));
        Files.copy(Path.of("/usr/libexec/valgrind/memcheck-amd64-linux"),
                prefix.resolve("libexec/valgrind/memcheck-amd64-linux"));
        try (Board board = board(Settings.VALGRIND_DEPLOY, prefix.toString(), Settings.BOARD_DIR, "/tmp/wrongcpu")) {
            assertThatThrownBy(() -> leakyRun(board, true))
                    .isInstanceOf(BoardException.class)
                    .hasMessage("the valgrind in leakgate.valgrind.deploy = " + prefix + " (system property"
                            + " leakgate.valgrind.deploy) is built for amd64-linux, but the emulated aarch64-bare board"
                            + " runs aarch64 (valgrind's arm64-linux): build valgrind with --host for the board's"
                            + " toolchain (scripts/cross-build-valgrind.sh), or make a prefix with"
                            + " scripts/valgrind-prefix.sh arm64 DIR");
        }
        assertThat(sh("ls /tmp/wrongcpu/valgrind 2>&1; echo end")).endsWith("end").doesNotContain("bin");
    }

    @Test
    void aTmpTooSmallForValgrindSaysHowMuchIsNeededAndHowMuchIsFree() {
        // the board's /tmp is a 160 MB tmpfs, as a camera's RAM disk: fill it to leave less than valgrind needs
        String free = sh("df -Pk /tmp | awk 'NR==2{print $4}'");
        long fill = Long.parseLong(free) / 1024 - 1;
        sh("dd if=/dev/zero of=/tmp/filler bs=1M count=" + fill + " 2>/dev/null; sync");
        try (Board board = board(Settings.VALGRIND_DEPLOY, PREFIX.toString(), Settings.BOARD_DIR, "/tmp/small")) {
            assertThatThrownBy(() -> leakyRun(board, true))
                    .isInstanceOf(BoardException.class)
                    .hasMessageMatching("(?s)not enough space on the emulated aarch64-bare board under"
                            + " /tmp/small/valgrind for valgrind from .*: it needs 3\\.\\d MB and \\d\\.\\d MB are free;"
                            + " give leakgate a bigger folder with leakgate.board.dir .*");
        } finally {
            sh("rm -rf /tmp/filler /tmp/small");
        }
    }

    @Test
    void aKeyExchangeDropbearLacksNamesWhatTheBoardOffersAndTheSettingThatAddsOne(@TempDir Path dir)
            throws Exception {
        SshTarget t = emulated.board().target();
        Path key = Files.write(dir.resolve("id"), emulated.privateKey());
        Map<String, String> values = new HashMap<>(Map.of(
                Settings.BOARD, "ssh://root@" + t.host() + ":" + t.port(),
                Settings.SSH_HOST_KEY, t.pinnedHostKey(),
                Settings.SSH_KEY, key.toString(),
                // dropbear has no group exchange: offering only that is what an old or trimmed client would do
                Settings.SSH_ALGORITHMS, "kex=diffie-hellman-group-exchange-sha256"));

        assertThatThrownBy(() -> Board.open(Settings.of(values), "emulated").close())
                .isInstanceOf(BoardException.class)
                .hasMessageContaining("and leakgate share no key exchange algorithm: the board offers curve25519-sha256,"
                        + " curve25519-sha256@libssh.org, ecdh-sha2-nistp521")
                .hasMessageContaining("diffie-hellman-group14-sha1; leakgate offered diffie-hellman-group-exchange-sha256.")
                .hasMessageContaining("Add one the board offers with leakgate.ssh.algorithms=kex=+curve25519-sha256");

        // the setting reaches the connection: a list of one that dropbear has connects, and a bad kind is named
        values.put(Settings.SSH_ALGORITHMS, "kex=diffie-hellman-group14-sha256;cipher=+aes256-ctr");
        try (Board board = Board.open(Settings.of(values), "emulated")) {
            assertThat(board.shell("echo connected", Duration.ofSeconds(30)).stdout().strip()).isEqualTo("connected");
        }
        values.put(Settings.SSH_ALGORITHMS, "kx=+curve25519-sha256");
        assertThatThrownBy(() -> Board.open(Settings.of(values), "emulated").close())
                .hasMessageContaining("'kx' is not a kind of SSH algorithm; write kex=..., server_host_key=...");
    }
}
