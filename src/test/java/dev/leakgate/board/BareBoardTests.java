package dev.leakgate.board;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.leakgate.board.emulated.EmulatedBoard;
import dev.leakgate.board.ssh.BoardException;
import dev.leakgate.board.ssh.SshBoard;
import dev.leakgate.board.ssh.SshTarget;
import dev.leakgate.config.Settings;
import dev.leakgate.gate.LeakGate;
import dev.leakgate.gate.Outcome;
import dev.leakgate.gate.Verdict;
import dev.leakgate.process.MemcheckCommand;
import dev.leakgate.process.MemcheckProcess;
import dev.leakgate.process.MemcheckRun;
import dev.leakgate.process.RunOptions;
import dev.leakgate.process.ShellQuoting;
import dev.leakgate.process.Termination;
import dev.leakgate.testing.TestPrograms;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The bare, camera-like board for real (docker/bare: busybox, dropbear without SFTP or scp, a
 * read-only root with a 160 MB tmpfs /tmp, no valgrind): leakgate brings valgrind and the loader's debug file, files
 * travel as a checked stream, and each way this goes wrong on such a board says the fix.
 */
@Tag("board")
class BareBoardTests {

    /** Made by scripts/setup-board.sh (scripts/valgrind-prefix.sh arm64 ...). */
    static final Path PREFIX = Path.of(System.getProperty("leakgate.test.valgrindPrefix",
            Objects.requireNonNullElse(System.getenv("LEAKGATE_CACHE"), "/var/cache/leakgate")
                    + "/valgrind-arm64"));
    static final Path DEBUGINFO = Path.of(PREFIX + "-debuginfo");
    /** Made by scripts/test.sh (scripts/cross-build-valgrind.sh aarch64-linux-gnu ...). */
    static final Path CROSS_BUILT = Path.of(PREFIX + "-cross");

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
        Deployment d = board.deploy("bare", List.of(program));
        MemcheckCommand command = board.command(d.pathOf(program)).build();
        if (preflight) {
            board.preflight(program, List.of(), command);
        }
        return board.run(command, RunOptions.named("bare-board"));
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
    void aValgrindCrossCompiledFromSourceWithTheBoardsToolchainGatesTheBoard() {
        assertThat(CROSS_BUILT.resolve("libexec/valgrind/memcheck-arm64-linux")).as("the cross-built valgrind: run"
                + " scripts/test.sh, or scripts/cross-build-valgrind.sh aarch64-linux-gnu " + CROSS_BUILT).isRegularFile();
        try (Board board = board(Settings.VALGRIND_DEPLOY, CROSS_BUILT.toString(),
                Settings.VALGRIND_DEBUGINFO, DEBUGINFO.toString(), Settings.BOARD_DIR, "/tmp/cross")) {
            Verdict verdict = LeakGate.defaults().evaluate(leakyRun(board, true));

            assertThat(verdict.outcome()).as(verdict.message()).isEqualTo(Outcome.FAIL);
            assertThat(verdict.message()).startsWith("leakgate: FAIL: definitely lost: 128 bytes in 2 blocks")
                    .contains("at make_buffer (leaky.c:6)");
            assertThat(verdict.report().valgrindArgs()).anyMatch(a -> a.startsWith("--extra-debuginfo-path="));
        } finally {
            sh("rm -rf /tmp/cross");
        }
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
    void theRootIsReadOnlyAsOnFirmwareAndAFolderThereIsRefusedWithTheFix() {
        assertThat(sh("touch /usr/leakgate-was-here 2>&1; mkdir /opt/leakgate 2>&1; echo end"))
                .contains("Read-only file system").endsWith("end");
        try (Board board = board(Settings.BOARD_DIR, "/opt/leakgate")) {
            assertThatThrownBy(() -> board.deploy("bare", List.of(TestPrograms.aarch64Program("leaky"))))
                    .isInstanceOf(BoardException.class)
                    .hasMessageStartingWith("cannot make the folder /opt/leakgate/deploy/bare on the emulated"
                            + " aarch64-bare board (mkdir: ")
                    .hasMessageEndingWith("Read-only file system): that part of the board's file system is read-only,"
                            + " as on most camera firmware; set leakgate.board.dir to a writable folder (a RAM disk such"
                            + " as /tmp)");
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
        values.put(Settings.SSH_ALGORITHMS, "mac=+umac-64-etm@openssh.com"); // JSch has no UMAC
        assertThatThrownBy(() -> Board.open(Settings.of(values), "emulated").close())
                .hasMessageStartingWith("leakgate.ssh.algorithms: 'umac-64-etm@openssh.com' is not a mac algorithm"
                        + " leakgate knows; it knows hmac-sha2-256-etm@openssh.com,");
    }

    /**
     * Starts hang.c ("sleep N": it ends by itself and loses 16 bytes) on the shared connection and
     * returns it running, with the pid of the dropbear process that serves that connection, found
     * from another connection.
     */
    private static MemcheckProcess startAndFindItsDropbear(Board board, SshBoard watcher, int seconds,
                                                           String[] dropbear) {
        Path program = TestPrograms.aarch64Program("hang");
        Deployment d = board.deploy("bare", List.of(program));
        MemcheckCommand command = board.command(d.pathOf(program)).args("sleep", String.valueOf(seconds)).build();
        board.preflight(program, List.of(), command); // valgrind and the loader's debug file in place
        MemcheckProcess p = board.start(command, RunOptions.named("dropped"));
        String pidFile = ShellQuoting.quote(p.runFolder() + "/.pid");
        // from the run's shell up its parents to the dropbear process of its connection
        SshBoard.Result found = watcher.run("n=0; while [ ! -s " + pidFile + " ] && [ $n -lt 300 ]; do sleep 0.1; n=$((n+1)); done;"
                + " read q < " + pidFile + "; while [ \"$q\" -gt 1 ]; do c=; read -r c < /proc/$q/comm;"
                + " [ \"$c\" = dropbear ] && break; q=$(awk '/^PPid:/{print $2}' /proc/$q/status); done; echo $q",
                Duration.ofSeconds(60));
        dropbear[0] = found.stdout().strip();
        assertThat(dropbear[0]).as(found.toString()).matches("[0-9]+").isNotEqualTo("1");
        return p;
    }

    /** Aborts a dropbear process, as its channel-close crash does, and waits until the connection is gone. */
    private static void crash(SshBoard watcher, String dropbear) throws InterruptedException {
        watcher.run("kill -ABRT " + dropbear, Duration.ofSeconds(30));
        for (int i = 0; i < 200 && emulated.board().isConnected(); i++) {
            Thread.sleep(50);
        }
        assertThat(emulated.board().isConnected()).as("the connection dropped").isFalse();
    }

    @Test
    void aConnectionDroppedAfterTheBoardReportedValgrindsEndIsJoinedAgainAndTheRunIsJudged() throws Exception {
        String[] dropbear = new String[1];
        try (Board board = board(Settings.VALGRIND_DEPLOY, PREFIX.toString(),
                Settings.VALGRIND_DEBUGINFO, DEBUGINFO.toString());
             SshBoard watcher = SshBoard.connect(emulated.board().target(), "the watcher")) {
            MemcheckProcess p = startAndFindItsDropbear(board, watcher, 1, dropbear);
            assertThat(p.awaitEnd(Duration.ofMinutes(2))).isTrue();
            crash(watcher, dropbear[0]); // the program's end was reported; nothing was fetched yet
            MemcheckRun run = p.finish(Termination.EXITED, null);

            Verdict verdict = LeakGate.defaults().evaluate(run);
            assertThat(verdict.outcome()).as(verdict.message()).isEqualTo(Outcome.FAIL);
            assertThat(verdict.message()).startsWith("leakgate: FAIL: definitely lost: 16 bytes in 1 block")
                    .contains("(hang.c:");
            assertThat(run.notes()).anySatisfy(n -> assertThat(n).startsWith("the SSH connection to")
                    .contains("dropped after the board had reported valgrind's end (exit status 0); leakgate connected"
                            + " again (host key checked) and fetched the run's files"));
            assertThat(sh("ls -d " + ShellQuoting.quote(p.runFolder()) + " 2>&1")).contains("No such file");
        } finally {
            emulated.board().reconnect();
        }
    }

    @Test
    void aConnectionDroppedWhileTheProgramRunsIsInconclusiveThoughTheReportOnTheBoardIsComplete() throws Exception {
        String[] dropbear = new String[1];
        String folder = null;
        try (Board board = board(Settings.VALGRIND_DEPLOY, PREFIX.toString(),
                Settings.VALGRIND_DEBUGINFO, DEBUGINFO.toString());
             SshBoard watcher = SshBoard.connect(emulated.board().target(), "the watcher")) {
            MemcheckProcess p = startAndFindItsDropbear(board, watcher, 6, dropbear);
            folder = p.runFolder();
            crash(watcher, dropbear[0]);
            Termination t;
            try {
                t = p.awaitEnd(Duration.ofMinutes(2)) ? Termination.EXITED : Termination.TERMINATED;
            } catch (BoardException lost) {
                t = Termination.BOARD_LOST;
            }
            MemcheckRun run = p.finish(t, null);
            Verdict verdict = LeakGate.defaults().evaluate(run);

            assertThat(verdict.outcome()).isEqualTo(Outcome.INCONCLUSIVE);
            assertThat(verdict.message()).contains("lost the connection to");
            // valgrind ran on and wrote a whole report, but nobody saw how the run ended: never judged
            String xml = ShellQuoting.quote(folder + "/memcheck.xml");
            assertThat(watcher.run("n=0; until grep -q '</valgrindoutput>' " + xml + " 2>/dev/null || [ $n -ge 120 ];"
                    + " do sleep 0.5; n=$((n+1)); done; tail -c 200 " + xml, Duration.ofMinutes(2)).stdout())
                    .as(watcher.run("ls -la " + ShellQuoting.quote(folder) + "; cat "
                            + ShellQuoting.quote(folder + "/memcheck.log") + "; ps", Duration.ofSeconds(30)).toString())
                    .contains("</valgrindoutput>");
        } finally {
            emulated.board().reconnect();
            if (folder != null) {
                sh("rm -rf " + ShellQuoting.quote(folder));
            }
        }
    }
}
