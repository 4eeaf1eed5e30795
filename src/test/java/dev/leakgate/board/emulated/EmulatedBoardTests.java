package dev.leakgate.board.emulated;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.leakgate.board.BoardMemcheckRunner;
import dev.leakgate.board.Deployment;
import dev.leakgate.board.ssh.AskedCommand;
import dev.leakgate.board.ssh.BoardException;
import dev.leakgate.board.ssh.SshBoard;
import dev.leakgate.board.ssh.SshFiles;
import dev.leakgate.board.ssh.SshTarget;
import dev.leakgate.gate.LeakGate;
import dev.leakgate.gate.Outcome;
import dev.leakgate.gate.Verdict;
import dev.leakgate.memcheck.LeakKind;
import dev.leakgate.process.MemcheckCommand;
import dev.leakgate.process.MemcheckProcess;
import dev.leakgate.process.MemcheckRun;
import dev.leakgate.process.MemoryTimeline;
import dev.leakgate.process.RunOptions;
import dev.leakgate.process.Termination;
import dev.leakgate.testing.EndAfter;
import dev.leakgate.testing.SharedEmulatedBoard;
import dev.leakgate.testing.TestPrograms;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** The real emulated board: real sshd, real aarch64 valgrind, real cross-compiled programs. */
@ExtendWith(SharedEmulatedBoard.class)
@Tag("board")
class EmulatedBoardTests {

    private final EmulatedBoard emulated;
    private final SshBoard board;
    private final BoardMemcheckRunner runner;

    EmulatedBoardTests(EmulatedBoard emulated) {
        this.emulated = emulated;
        this.board = emulated.board();
        this.runner = new BoardMemcheckRunner(board);
    }

    private String deployed(String program) {
        return runner.deploy("tests", List.of(TestPrograms.aarch64Program(program))).paths().get(0);
    }

    @Test
    void leakIsFoundWithFunctionFileAndLine() {
        MemcheckRun run = runner.run(MemcheckCommand.builder(deployed("leaky")).build(),
                RunOptions.named("board-leaky"));

        Verdict verdict = LeakGate.defaults().evaluate(run);

        assertThat(run.termination()).isEqualTo(Termination.EXITED);
        assertThat(run.report().valgrindArgs()).contains("--leak-check=full");
        assertThat(verdict.outcome()).as(verdict.message()).isEqualTo(Outcome.FAIL);
        assertThat(verdict.message())
                .startsWith("leakgate: FAIL: definitely lost: 128 bytes in 2 blocks (limit 0 bytes)")
                .contains("at make_buffer (leaky.c:6)", "at main (leaky.c:12)",
                        "vgpreload_memcheck-arm64-linux.so)", "raw XML: " + run.files().xml());
        assertThat(run.files().xml()).isRegularFile();
        assertThat(run.files().log()).isRegularFile();
        assertThat(board.run("ls /tmp/leakgate/runs", Duration.ofSeconds(10)).stdout())
                .as("the board's run folder is removed").doesNotContain(run.files().folder().getFileName().toString());
    }

    @Test
    void valgrindInACustomPrefixRunsThroughValgrindLib() {
        String program = deployed("clean");

        MemcheckRun withLib = runner.run(MemcheckCommand.builder(program).valgrindPrefix("/opt/valgrind").build(),
                RunOptions.named("board-prefix"));
        MemcheckRun withoutLib = runner.run(MemcheckCommand.builder(program).valgrind("/opt/valgrind/bin/valgrind")
                .build(), RunOptions.named("board-prefix-nolib"));

        assertThat(withLib.problems()).isEmpty();
        assertThat(LeakGate.defaults().evaluate(withLib).passed()).isTrue();
        assertThat(Files.exists(withLib.files().command())).isTrue();
        assertThat(LeakGate.defaults().evaluate(withoutLib).outcome()).isEqualTo(Outcome.INCONCLUSIVE);
        assertThat(withoutLib.problems()).anySatisfy(p -> assertThat(p)
                .contains("valgrind: failed to start tool 'memcheck' for platform 'arm64-linux'"));
    }

    @Test
    void secondDeployOfUnchangedFilesCopiesNothing() {
        Path program = TestPrograms.aarch64Program("interior");
        board.run("rm -rf /tmp/leakgate/deploy/skip-test /tmp/leakgate/deploy/.store", Duration.ofSeconds(10));

        Deployment first = runner.deploy("skip-test", List.of(program));
        Deployment second = runner.deploy("skip-test", List.of(program));

        board.run("echo tampered >> /tmp/leakgate/deploy/skip-test/interior", Duration.ofSeconds(10));
        Deployment third = runner.deploy("skip-test", List.of(program));

        assertThat(first.copied()).containsExactly(program);
        assertThat(second.copied()).isEmpty();
        assertThat(second.paths()).containsExactly("/tmp/leakgate/deploy/skip-test/interior");
        assertThat(third.copied()).as("a file changed on the board is copied again").containsExactly(program);
        assertThat(board.run("sha256sum /tmp/leakgate/deploy/skip-test/interior", Duration.ofSeconds(10)).stdout())
                .startsWith(SshFiles.sha256(program));
    }

    @Test
    void anUnchangedDeployIsOneCommandAndOnlyAFileChangedLocallyIsCopiedAgain(@TempDir Path dir) throws Exception {
        List<Path> files = new ArrayList<>();
        for (String name : List.of("clean", "leaky", "interior")) {
            files.add(Files.copy(TestPrograms.aarch64Program(name), dir.resolve(name)));
        }
        board.run("rm -rf /tmp/leakgate/deploy/batch", Duration.ofSeconds(10));
        Deployment first = runner.deploy("batch", files);

        long before = board.channelsOpened();
        Deployment second = runner.deploy("batch", files);
        long unchangedDeploy = board.channelsOpened() - before;
        Files.write(files.get(1), new byte[] {0}, StandardOpenOption.APPEND); // a rebuilt library
        Deployment third = runner.deploy("batch", files);
        Deployment fourth = runner.deploy("batch", files);

        assertThat(first.paths()).hasSize(3);
        assertThat(first.copied().size() + first.linked().size()).as("copied, or linked from the store").isEqualTo(3);
        assertThat(second.copied()).isEmpty();
        assertThat(second.linked()).isEmpty();
        assertThat(unchangedDeploy).as("three unchanged files are looked at in one command").isEqualTo(1);
        assertThat(third.copied()).as("only the file changed locally crosses again").containsExactly(files.get(1));
        assertThat(fourth.copied()).as("and never twice").isEmpty();
        assertThat(board.run("sha256sum /tmp/leakgate/deploy/batch/leaky", Duration.ofSeconds(10)).stdout())
                .startsWith(SshFiles.sha256(files.get(1)));
    }

    @Test
    void aRepeatedCommandIsAskedOfOneShellOnOneChannel() {
        // the memory sampler's way: a new channel, SSH session and shell per sample cost a capped board most of its CPU
        long before = board.channelsOpened();
        List<List<String>> answers = new ArrayList<>();
        try (AskedCommand asked = board.asked("echo $$; while read k v u; do case $k in Pid:) echo ok;; esac; done"
                + " < /proc/self/status")) {
            for (int i = 0; i < 20; i++) {
                answers.add(asked.ask());
            }
        }

        assertThat(board.channelsOpened() - before).as("one channel for 20 answers").isEqualTo(1);
        assertThat(answers).hasSize(20).allSatisfy(a -> assertThat(a).hasSize(2).endsWith("ok"));
        assertThat(answers.stream().map(a -> a.get(0)).distinct()).as("one shell answered them all").hasSize(1);
    }

    @Test
    void theSameFileForTwoFoldersCrossesTheConnectionOnceAndAChangedStoreEntryIsNeverUsed() {
        Path program = TestPrograms.aarch64Program("clean");
        Path other = TestPrograms.aarch64Program("leaky");
        board.run("rm -rf /tmp/leakgate/deploy/cas-a /tmp/leakgate/deploy/cas-b /tmp/leakgate/deploy/cas-c"
                + " /tmp/leakgate/deploy/cas-d /tmp/leakgate/deploy/.store", Duration.ofSeconds(10));

        Deployment a = runner.deploy("cas-a", List.of(program));
        Deployment b = runner.deploy("cas-b", List.of(program));
        String inodes = board.run("stat -c %i /tmp/leakgate/deploy/cas-a/clean /tmp/leakgate/deploy/cas-b/clean",
                Duration.ofSeconds(10)).stdout();
        // changed on the board through one of its names: the store's copy changed with it
        board.run("echo tampered >> /tmp/leakgate/deploy/cas-a/clean", Duration.ofSeconds(10));
        Deployment c = runner.deploy("cas-c", List.of(program));
        // an entry no deploy folder uses any more is removed by the next runner's first deploy
        runner.deploy("cas-d", List.of(other));
        board.run("rm -rf /tmp/leakgate/deploy/cas-d", Duration.ofSeconds(10));
        new BoardMemcheckRunner(board).deploy("cas-a", List.of(program));

        assertThat(a.copied()).containsExactly(program);
        assertThat(b.copied()).isEmpty();
        assertThat(b.linked()).as("linked from the board's store, not copied again").containsExactly(program);
        assertThat(inodes.lines().distinct()).as("one file on the board, two names").hasSize(1);
        assertThat(c.linked()).as("a store entry changed on the board is never used").isEmpty();
        assertThat(c.copied()).containsExactly(program);
        assertThat(board.run("sha256sum /tmp/leakgate/deploy/cas-c/clean", Duration.ofSeconds(10)).stdout())
                .startsWith(SshFiles.sha256(program));
        assertThat(board.run("ls /tmp/leakgate/deploy/.store", Duration.ofSeconds(10)).stdout())
                .doesNotContain(SshFiles.sha256(other)).contains(SshFiles.sha256(program));
    }

    @Test
    void namesWithSpacesQuotesAndSemicolonsCannotInject(@TempDir Path dir) throws Exception {
        Path odd = Files.copy(TestPrograms.aarch64Program("echo_env"), dir.resolve("it's a; $(touch pwned) prog"));
        odd.toFile().setExecutable(true);
        String hostile = "x'; touch /tmp/pwned; echo '$(touch /tmp/pwned)` `";

        Deployment d = runner.deploy("odd; $(touch /tmp/pwned) 'dir'", List.of(odd));
        MemcheckRun run = runner.run(MemcheckCommand.builder(d.paths().get(0)).args(hostile)
                        .env("LEAKGATE_TEST_VALUE", hostile).build(),
                RunOptions.named("board; odd $(x)").withStdin("stdin line\n"));

        assertThat(run.problems()).isEmpty();
        assertThat(Files.readAllLines(run.files().stdout()))
                .containsExactly("arg:" + hostile, "env:" + hostile, "stdin line");
        assertThat(board.run("test -e /tmp/pwned", Duration.ofSeconds(10)).ok()).as("nothing was injected").isFalse();
    }

    @Test
    void harnessThatReadsStdinEndsWhenTheTimeoutClosesItButTheRunIsInconclusive() {
        MemcheckRun run = runner.run(MemcheckCommand.builder(deployed("hang")).args("stdin").build(),
                RunOptions.named("board-hang-stdin").withStdinKeptOpen()
                        .withTimeout(Duration.ofSeconds(8)).withGrace(Duration.ofSeconds(10), Duration.ofSeconds(10)));

        assertThat(run.termination()).isEqualTo(Termination.STDIN_CLOSED);
        assertThat(run.report().isComplete()).isTrue();
        assertThat(run.problems()).singleElement().asString()
                .startsWith("the program did not end by itself: leakgate ended it at the timeout after 8 s");
        assertThat(run.report().totals().bytes(LeakKind.DEFINITELY_LOST)).isEqualTo(16);
        // sampled over a second channel while it waited: VmData/VmRSS (of QEMU, under emulation), MemAvailable
        var memory = MemoryTimeline.readCsv(run.files().memory()).points();
        assertThat(memory).hasSizeGreaterThanOrEqualTo(3)
                .allSatisfy(p -> assertThat(p.vmRssKb()).isPositive())
                .allSatisfy(p -> assertThat(p.vmDataKb()).isPositive())
                .allSatisfy(p -> assertThat(p.memAvailableKb()).isPositive());
    }

    @Test
    void programThatIgnoresSigtermIsKilledWithItsGroupAndNothingIsLeftRunning() {
        MemcheckRun run;
        try (MemcheckProcess p = runner.start(MemcheckCommand.builder(deployed("hang")).args("stubborn").build(),
                RunOptions.named("board-hang-stubborn").withTimeout(Duration.ofSeconds(120)))) {
            // ended once it ignores SIGTERM, however long a busy machine takes to get it there
            run = EndAfter.line(p, "ready stubborn", Duration.ofSeconds(110), Duration.ofSeconds(1),
                    Duration.ofSeconds(3));
        }

        assertThat(run.termination()).isEqualTo(Termination.KILLED);
        assertThat(LeakGate.defaults().evaluate(run).outcome()).isEqualTo(Outcome.INCONCLUSIVE);
        assertThat(board.run("pgrep -f '[h]ang stubborn'", Duration.ofSeconds(10)).stdout()).isEmpty();
    }

    @Test
    void sigtermGivesAnInconclusiveRunWithTheLeakCheck() {
        MemcheckRun run = runner.run(MemcheckCommand.builder(deployed("hang")).args("pause").build(),
                RunOptions.named("board-hang-pause").withTimeout(Duration.ofSeconds(8))
                        .withGrace(Duration.ofSeconds(1), Duration.ofSeconds(20)));

        assertThat(run.termination()).isEqualTo(Termination.TERMINATED);
        assertThat(run.report().fatalSignal()).hasValueSatisfying(s -> assertThat(s.signame()).isEqualTo("SIGTERM"));
        assertThat(run.report().finalLeakCheck()).isPresent();
    }

    @Test
    void changedHostKeyIsRefused() {
        SshTarget impostor = board.target().withPinnedHostKey(
                "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl");

        assertThatThrownBy(() -> SshBoard.connect(impostor))
                .isInstanceOf(BoardException.class)
                .hasMessageContaining("does not match the expected key: this may not be the board you meant");
    }

    @Test
    void unknownHostKeyIsRefusedNotTrustedOnFirstUse(@TempDir Path dir) throws Exception {
        Path emptyKnownHosts = Files.createFile(dir.resolve("known_hosts"));
        SshTarget unknown = SshTarget.of("root", board.target().host(), board.target().port())
                .withKnownHosts(emptyKnownHosts).withPassword(emulated.password().toCharArray());

        assertThatThrownBy(() -> SshBoard.connect(unknown))
                .hasMessageContaining("is not known, and leakgate does not trust a key on first use");
        assertThat(Files.readString(emptyKnownHosts)).isEmpty();
    }

    @Test
    void passwordLoginWorksAndAWrongPasswordIsRefusedWithoutShowingIt() {
        SshTarget byPassword = SshTarget.of("root", board.target().host(), board.target().port())
                .withPinnedHostKey(board.target().pinnedHostKey());

        try (SshBoard ok = SshBoard.connect(byPassword.withPassword(emulated.password().toCharArray()))) {
            assertThat(ok.run("uname -m", Duration.ofSeconds(10)).stdout()).isEqualTo("aarch64\n");
        }
        assertThatThrownBy(() -> SshBoard.connect(byPassword.withPassword("not-the-password".toCharArray())))
                .hasMessageContaining("cannot log in to")
                .hasMessageContaining("the board refused the password")
                .hasMessageNotContaining("not-the-password");
        assertThat(byPassword.withPassword("s3cret".toCharArray()).toString()).doesNotContain("s3cret");
    }
}
