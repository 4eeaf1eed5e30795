package dev.leakgate.faults;

import static org.assertj.core.api.Assertions.assertThat;

import dev.leakgate.board.BoardMemcheckRunner;
import dev.leakgate.board.BoardReaper;
import dev.leakgate.board.Deployment;
import dev.leakgate.board.emulated.EmulatedBoard;
import dev.leakgate.board.ssh.SshBoard;
import dev.leakgate.gate.LeakGate;
import dev.leakgate.gate.Outcome;
import dev.leakgate.gate.Verdict;
import dev.leakgate.memcheck.LeakKind;
import dev.leakgate.process.MemcheckCommand;
import dev.leakgate.process.MemcheckRun;
import dev.leakgate.process.RunIdentity;
import dev.leakgate.process.RunOptions;
import dev.leakgate.process.Termination;
import dev.leakgate.testing.SharedEmulatedBoard;
import dev.leakgate.testing.TestPrograms;

import com.github.dockerjava.api.exception.NotFoundException;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.testcontainers.DockerClientFactory;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The fault matrix on the real emulated board (sshd, aarch64 valgrind under QEMU): runs that share
 * a board, children that hold the channel, input that is never read, a board without ld.so symbols
 * or without space, hostile file names, and the leftovers of a JVM killed with SIGKILL.
 */
@ExtendWith(SharedEmulatedBoard.class)
@Tag("board")
class BoardFaultTests {

    private final EmulatedBoard emulated;
    private final SshBoard board;
    private final BoardMemcheckRunner runner;

    BoardFaultTests(EmulatedBoard emulated) {
        this.emulated = emulated;
        this.board = emulated.board();
        this.runner = new BoardMemcheckRunner(board);
    }

    private String deployed(String program) {
        return runner.deploy("faults", List.of(TestPrograms.aarch64Program(program))).paths().get(0);
    }

    private static RunOptions options(String name, int timeoutSeconds) {
        return RunOptions.named(name).withTimeout(Duration.ofSeconds(timeoutSeconds))
                .withGrace(Duration.ofSeconds(2), Duration.ofSeconds(5));
    }

    /** Pids on the board whose environment holds {@code NAME=VALUE}. */
    private String processesWith(String variable, String value) {
        return board.run("grep -ls '" + variable + "=" + value + "' /proc/[0-9]*/environ 2>/dev/null", Duration.ofSeconds(20))
                .stdout().strip();
    }

    @Test
    void twoRunsOfTheSameTestAtTheSameSecondEachJudgeTheirOwnReport(@TempDir Path a, @TempDir Path b) {
        // as two JVMs would: runners of their own, the same test name, at once, on one board
        BoardMemcheckRunner first = new BoardMemcheckRunner(board, a, "/tmp/leakgate");
        BoardMemcheckRunner second = new BoardMemcheckRunner(board, b, "/tmp/leakgate");
        String leaky = deployed("leaky");
        String clean = deployed("clean");

        CompletableFuture<MemcheckRun> one = CompletableFuture.supplyAsync(() ->
                first.run(MemcheckCommand.builder(leaky).build(), options("SameTest-same", 120)));
        CompletableFuture<MemcheckRun> two = CompletableFuture.supplyAsync(() ->
                second.run(MemcheckCommand.builder(clean).build(), options("SameTest-same", 120)));
        MemcheckRun leakyRun = one.join();
        MemcheckRun cleanRun = two.join();

        // their folders on the board are named by their run ids, whatever their local names
        assertThat(LocalRuns.text(leakyRun.files().command())).contains("/tmp/leakgate/runs/SameTest-same-")
                .contains("-" + leakyRun.command().runId() + "/memcheck.xml");
        assertThat(LocalRuns.text(cleanRun.files().command())).contains("-" + cleanRun.command().runId() + "/memcheck.xml");
        assertThat(leakyRun.problems()).isEmpty();
        assertThat(cleanRun.problems()).isEmpty();
        assertThat(LeakGate.defaults().evaluate(leakyRun).outcome()).isEqualTo(Outcome.FAIL);
        assertThat(LeakGate.defaults().evaluate(cleanRun).outcome()).isEqualTo(Outcome.PASS);
        assertThat(leakyRun.report().userComment()).isEqualTo("leakgate-run:" + leakyRun.command().runId());
        assertThat(cleanRun.report().userComment()).isEqualTo("leakgate-run:" + cleanRun.command().runId());
    }

    @Test
    void forkedWorkersThatLeakOnTheBoardFailTheRunEachNamedWithItsStack() {
        MemcheckRun run = runner.run(MemcheckCommand.builder(deployed("workers")).args("leak").build(),
                options("workers-leak", 180));

        Verdict v = LeakGate.defaults().evaluate(run);

        assertThat(run.problems()).isEmpty();
        assertThat(run.children()).hasSize(3).allSatisfy(c -> {
            assertThat(c.report().ppid()).isEqualTo(run.report().pid());
            assertThat(run.files().folder().resolve("memcheck." + c.pid() + ".xml")).exists();
        });
        assertThat(v.outcome()).as(v.message()).isEqualTo(Outcome.FAIL);
        assertThat(v.violations()).hasSize(3);
        assertThat(v.message()).contains("In pid " + run.children().get(2).pid() + " (", "at worker_request (workers.c:18)");
    }

    @Test
    void childThatHoldsTheChannelInAnotherSessionOrTheSameGroupIsEndedWithoutWaitingForTheTimeout() {
        String orphan = deployed("orphan");
        for (String mode : List.of("session", "group")) {
            MemcheckRun run = runner.run(MemcheckCommand.builder(orphan).args(mode).build(), options("orphan-" + mode, 60));

            Verdict v = LeakGate.defaults().evaluate(run);

            // ended because the child held the channel (the note), not by the timeout's steps
            assertThat(run.termination()).as(mode).isEqualTo(Termination.EXITED);
            assertThat(v.outcome()).as(v.message()).isEqualTo(Outcome.INCONCLUSIVE);
            assertThat(v.reasons()).singleElement().asString().endsWith(" was still running when the program's run"
                    + " ended, so leakgate ended it (SIGKILL) and valgrind never wrote its leak check; make the"
                    + " program end its children, and wait for them, before it exits");
            assertThat(run.notes()).anySatisfy(n -> assertThat(n).startsWith("ended 1 process the run left running on"
                    + " the emulated aarch64 board: pid "));
            assertThat(run.notes()).contains("a process the program started kept its output open after valgrind"
                    + " exited; leakgate ended it instead of waiting for the timeout");
            assertThat(processesWith(MemcheckCommand.RUN_ID_VARIABLE, run.command().runId())).isEmpty();
        }
    }

    @Test
    void childThatClearsItsEnvironmentAndLeavesTheSessionIsEndedOnTheBoardAndNamed() {
        MemcheckRun run = runner.run(MemcheckCommand.builder(deployed("orphan")).args("escape").build(),
                options("orphan-escape", 120));

        Verdict v = LeakGate.defaults().evaluate(run);

        assertThat(v.outcome()).as(v.message()).isEqualTo(Outcome.INCONCLUSIVE);
        assertThat(run.children()).singleElement().satisfies(c -> assertThat(c.endedByLeakgate()).isTrue());
        assertThat(v.reasons()).singleElement().asString().endsWith(" was still running when the program's run"
                + " ended, so leakgate ended it (SIGKILL) and valgrind never wrote its leak check; make the"
                + " program end its children, and wait for them, before it exits");
        assertThat(board.run("pgrep -f 'leakgate-run:" + run.command().runId() + "'", Duration.ofSeconds(20))
                .stdout().strip()).as("nothing of the run left").isEmpty();
    }

    @Test
    void twoConnectionsDeployingTheSameNewFileAtOnceBothPlaceIt(@TempDir Path dir) throws Exception {
        // as two JVMs would: connections and runners of their own, the same file, the same folder, at once
        Path file = dir.resolve("shared.bin");
        byte[] bytes = new byte[4 << 20];
        new Random(7).nextBytes(bytes);
        Files.write(file, bytes);
        try (SshBoard other = SshBoard.connect(board.target(), "the emulated aarch64 board (second connection)")) {
            BoardMemcheckRunner first = new BoardMemcheckRunner(board, dir.resolve("a"), "/tmp/leakgate");
            BoardMemcheckRunner second = new BoardMemcheckRunner(other, dir.resolve("b"), "/tmp/leakgate");
            for (int round = 0; round < 3; round++) {
                board.run("rm -rf /tmp/leakgate/deploy/race", Duration.ofSeconds(20));
                CompletableFuture<Deployment> one = CompletableFuture.supplyAsync(() ->
                        first.deploy("race", List.of(file)));
                CompletableFuture<Deployment> two = CompletableFuture.supplyAsync(() ->
                        second.deploy("race", List.of(file)));
                String placed = one.get(120, TimeUnit.SECONDS).paths().get(0);

                assertThat(two.get(120, TimeUnit.SECONDS).paths().get(0)).isEqualTo(placed);
                assertThat(board.run("sha256sum < '" + placed + "'; ls '" + placed.substring(0, placed.lastIndexOf('/'))
                        + "'", Duration.ofSeconds(30)).stdout()).as("round " + round)
                        .startsWith(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                                .digest(bytes))).doesNotContain(".partial");
            }
        }
    }

    @Test
    void aProgramThatReplacesItsReportOnTheBoardIsCaughtAndItsLeakStillShown() {
        MemcheckRun run = runner.run(MemcheckCommand.builder(deployed("forges_report")).build(),
                options("forges-report", 120));

        Verdict v = LeakGate.defaults().evaluate(run);

        assertThat(v.outcome()).as(v.message()).isEqualTo(Outcome.INCONCLUSIVE);
        assertThat(v.reasons().get(0)).startsWith("the program's report file on the emulated aarch64 board was replaced"
                + " while the run ran");
        assertThat(run.report().totals().bytes(LeakKind.DEFINITELY_LOST)).isEqualTo(100);
        assertThat(run.files().folder().resolve("memcheck.replaced.xml")).exists();

        MemcheckRun both = runner.run(MemcheckCommand.builder(deployed("forges_report")).args("kept").build(),
                options("forges-report-kept", 120));
        assertThat(LeakGate.defaults().evaluate(both).reasons().get(0)).startsWith("the second name leakgate gave the"
                + " program's report file (");
    }

    @Test
    void eightMegabytesOfInputThatIsNeverReadCannotBlockTheTimeoutOnABoard() {
        long start = System.nanoTime();
        MemcheckRun run = runner.run(MemcheckCommand.builder(deployed("hang")).args("pause").build(),
                options("board-no-reader", 4).withGrace(Duration.ofSeconds(2), Duration.ofSeconds(60))
                        .withStdin("x".repeat(8 << 20)).withStdinKeptOpen());
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        // the cause and the order: the timeout's steps ran (stdin closed, then SIGTERM, whose leak check valgrind
        // writes within the generous grace even on a busy machine), never held up by the unread input
        assertThat(run.termination()).isEqualTo(Termination.TERMINATED);
        assertThat(LeakGate.defaults().evaluate(run).outcome()).isEqualTo(Outcome.INCONCLUSIVE);
        assertThat(took).as("within the configured steps: 4 s, 2 s, then up to 60 s after SIGTERM")
                .isLessThan(Duration.ofSeconds(4 + 2 + 60 + 30));
        assertThat(processesWith(MemcheckCommand.RUN_ID_VARIABLE, run.command().runId())).isEmpty();
    }

    @Test
    void boardWithoutLdSoSymbolsIsExplainedFromValgrindsLog() {
        String clean = deployed("clean");
        board.run("mv /usr/lib/debug /usr/lib/debug.hidden", Duration.ofSeconds(20));
        MemcheckRun run;
        try {
            run = runner.run(MemcheckCommand.builder(clean).build(), options("no-libc6-dbg", 60));
        } finally {
            board.run("mv /usr/lib/debug.hidden /usr/lib/debug", Duration.ofSeconds(20));
        }

        Verdict v = LeakGate.defaults().evaluate(run);

        assertThat(v.outcome()).isEqualTo(Outcome.INCONCLUSIVE);
        assertThat(v.reasons()).contains("valgrind stopped at start: the dynamic linker (ld.so) has no symbols, so"
                + " valgrind cannot redirect functions such as strlen; install the C library's debug symbols where"
                + " the program runs (Debian: apt-get install libc6-dbg; others: glibc debuginfo), or let leakgate"
                + " bring the loader's debug file (leakgate.valgrind.debuginfo)");
        assertThat(LocalRuns.text(run.files().log())).contains("must-be-redirected function");
    }

    @Test
    void boardFolderThatFillsUpDuringTheRunIsNamedAsTheCause() {
        String leaky = deployed("structures");
        String root = "/dev/shm/leakgate-full";
        BoardMemcheckRunner small = new BoardMemcheckRunner(board, Path.of("target/leakgate/runs"), root);
        // leave two pages free: the run's pid file and owner record take them, valgrind's files get nothing
        board.run("mkdir -p " + root + "/runs && f=$(df -Pk /dev/shm | awk 'NR==2{print $4}')"
                + " && dd if=/dev/zero of=/dev/shm/fill bs=1k count=$((f - 8)) 2>/dev/null", Duration.ofSeconds(60));
        MemcheckRun run;
        try {
            run = small.run(MemcheckCommand.builder(leaky).build(), options("disk-full", 60));
        } finally {
            board.run("rm -rf /dev/shm/fill " + root, Duration.ofSeconds(20));
        }

        Verdict v = LeakGate.defaults().evaluate(run);

        assertThat(v.outcome()).isEqualTo(Outcome.INCONCLUSIVE);
        assertThat(v.reasons().get(0)).startsWith("the board's folder " + root + " on the emulated aarch64 board is"
                + " full (").endsWith(" KB free), so valgrind could not write its whole report; free space on the"
                + " board, or set leakgate.board.dir to a folder with room");
        assertThat(v.reasons()).as("no second, false reason").noneMatch(r -> r.contains("replaced itself"));
    }

    @Test
    void fileNamesThatJschWouldReadAsPatternsArriveAsThemselves(@TempDir Path dir) throws Exception {
        Path odd = Files.copy(TestPrograms.aarch64Program("clean"), dir.resolve("we*ird?na\\me clean"));
        odd.toFile().setExecutable(true);

        Deployment d = runner.deploy("odd-names", List.of(odd));
        MemcheckRun run = runner.run(MemcheckCommand.builder(d.pathOf(odd)).build(), options("odd-names", 60));

        assertThat(d.pathOf(odd)).endsWith("/we*ird?na\\me clean");
        assertThat(board.run("ls /tmp/leakgate/deploy/odd-names", Duration.ofSeconds(20)).stdout())
                .contains("we*ird?na\\me clean\n");
        assertThat(LeakGate.defaults().evaluate(run).outcome()).isEqualTo(Outcome.PASS);
    }

    @Test
    void runLeftOnABoardByAKilledJvmIsRemovedWithItsProcesses(@TempDir Path dir) throws Exception {
        Path key = Files.write(dir.resolve("key"), emulated.privateKey());
        var t = board.target();
        Process owner = DyingOwner.start("board", t.host(), String.valueOf(t.port()), t.pinnedHostKey(),
                key.toString(), deployed("hang"));
        String ownerKey = RunIdentity.host() + "/" + owner.pid() + "/";
        String running = "";
        for (int i = 0; i < 300 && running.isEmpty(); i++) {
            Thread.sleep(100);
            running = processesWith(RunIdentity.OWNER_VARIABLE, ownerKey);
        }
        assertThat(running).as("the owner's valgrind runs on the board").isNotEmpty();

        owner.destroyForcibly().waitFor(10, TimeUnit.SECONDS); // kill -9
        assertThat(processesWith(RunIdentity.OWNER_VARIABLE, ownerKey)).as("still running").isNotEmpty();

        List<String> removed = BoardReaper.reap(board, "/tmp/leakgate");

        assertThat(removed).singleElement().asString().startsWith("removed the run /tmp/leakgate/runs/dying-owner-")
                .contains(" left on the emulated aarch64 board by a leakgate that is gone (" + ownerKey, "; ended group=");
        assertThat(processesWith(RunIdentity.OWNER_VARIABLE, ownerKey)).isEmpty();
        assertThat(board.run("ls /tmp/leakgate/runs", Duration.ofSeconds(20)).stdout()).doesNotContain("dying-owner");
    }

    @Test
    void boardContainerLeftByAKilledJvmIsRemovedByTheNextStart() throws Exception {
        Process owner = DyingOwner.start("container");
        String container = null;
        var out = new BufferedReader(new InputStreamReader(owner.getInputStream(),
                StandardCharsets.UTF_8));
        for (String line; container == null && (line = out.readLine()) != null; ) {
            if (line.startsWith("container ")) {
                container = line.substring("container ".length()).strip();
            }
        }
        assertThat(container).as("the owner started a board").isNotNull();
        owner.destroyForcibly().waitFor(10, TimeUnit.SECONDS); // kill -9: the container stays up
        assertThat(containerExists(container)).isTrue();

        try (EmulatedBoard next = EmulatedBoard.start()) {
            assertThat(containerExists(container)).as("removed when the next board started").isFalse();
            assertThat(next.containerId()).isNotEqualTo(container);
        }
    }

    private static boolean containerExists(String id) {
        try {
            DockerClientFactory.instance().client().inspectContainerCmd(id).exec();
            return true;
        } catch (NotFoundException e) {
            return false;
        }
    }
}
