package dev.leakgate.run;

import static dev.leakgate.testing.LineClient.request;
import static dev.leakgate.testing.LineClient.udpRequest;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.leakgate.board.Board;
import dev.leakgate.board.Deployment;
import dev.leakgate.board.emulated.EmulatedBoard;
import dev.leakgate.config.Settings;
import dev.leakgate.gate.LeakGate;
import dev.leakgate.gate.Outcome;
import dev.leakgate.memcheck.LeakKind;
import dev.leakgate.process.MemcheckCommand;
import dev.leakgate.process.Termination;
import dev.leakgate.testing.DaemonDrive;
import dev.leakgate.testing.SharedEmulatedBoard;
import dev.leakgate.testing.TestPrograms;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Live sessions on the real emulated board: a daemon under valgrind and QEMU, ready when its port
 * accepts (asked through the SSH connection), driven over a port forwarded through it, with leak
 * checks through the aarch64 probe, and stopped as planned.
 */
@ExtendWith(SharedEmulatedBoard.class)
@Tag("board")
class BoardLiveSessionTests {

    private final Board board;
    private final Deployment deployed;
    private final Deployment x86;

    BoardLiveSessionTests(EmulatedBoard emulated) {
        this.board = Board.over(emulated.board(), Settings.of(Map.of()));
        this.deployed = board.deploy("live", List.of(TestPrograms.aarch64Program("daemon"),
                TestPrograms.aarch64Probe(), TestPrograms.aarch64Program("udp_daemon"), TestPrograms.aarch64UdpRelay()));
        this.x86 = board.deploy("live-x86", List.of(TestPrograms.probe(), TestPrograms.udpRelay()));
    }

    @Test
    void twoFilesOfOneNameInOneDeploymentAreRefused() {
        assertThatThrownBy(() -> board.deploy("clash", List.of(TestPrograms.aarch64Probe(), TestPrograms.probe())))
                .hasMessage("cannot deploy " + TestPrograms.probe() + " and " + TestPrograms.aarch64Probe()
                        + " together: both are named leakgate_probe.so and would land on one file on the board;"
                        + " rename one");
    }

    private MemcheckCommand daemon(int port, String... mode) {
        return board.command(deployed.pathOf(TestPrograms.aarch64Program("daemon"))).args(String.valueOf(port))
                .args(mode).build();
    }

    @Test
    void daemonOnTheBoardIsDrivenThroughAForwardedPortWithLeakChecksThroughTheProbe() throws Exception {
        Session session = Session.start(board, daemon(7070), SessionOptions.daemon("board-daemon", 7070)
                .withProbe(deployed.pathOf(TestPrograms.aarch64Probe())));
        session.awaitReady();
        InetSocketAddress address = session.address(7070);

        CheckResult started = session.leakCheck("started");
        for (int i = 0; i < 4; i++) {
            assertThat(request(address, "leak 25")).isEqualTo("ok");
        }
        request(address, "ping");
        CheckResult batch = session.leakCheck("after 4 leaks");
        SessionReport report = session.stop();

        assertThat(address.getPort()).as("a local port, forwarded over SSH").isNotEqualTo(7070);
        assertThat(started.lost()).isZero();
        assertThat(batch.lost()).isEqualTo(100);
        assertThat(report.run().termination()).isEqualTo(Termination.STOPPED);
        assertThat(report.run().exitSignal()).isEqualTo("TERM");
        assertThat(report.run().problems()).isEmpty();
        assertThat(report.run().report().totals().bytes(LeakKind.POSSIBLY_LOST)).isZero();
        SessionGate.SessionVerdict v = new SessionGate(LeakGate.defaults(), true).judge(report, board.toString());
        assertThat(v.outcome()).isEqualTo(Outcome.FAIL);
        assertThat(v.message()).startsWith("leak check 'after 4 leaks' found 100 bytes lost since 'started'")
                .contains("at serve (daemon.c:", "leakgate: FAIL: definitely lost: 100 bytes in 4 blocks");
        // the machine it ran on, in the verdict's board line and the run's board.txt: user-mode QEMU shows
        // an aarch64 machine on the host's kernel
        assertThat(report.board().cpu()).isEqualTo("aarch64");
        assertThat(report.board().libc()).isEqualTo("glibc 2.36");
        assertThat(report.board().valgrind()).isEqualTo("valgrind-3.19.0");
        assertThat(v.message()).contains("\nBoard: " + board + ": aarch64, Linux ");
        assertThat(Files.readString(report.run().files().folder().resolve("board.txt")))
                .startsWith("board: " + board + "\ncpu: aarch64\nkernel: Linux ").contains("\nlibc: glibc 2.36\n");
        assertThat(board.shell("ls /tmp/leakgate/runs", Duration.ofSeconds(20)).stdout())
                .as("the board's run folder is removed").doesNotContain("board-daemon");
    }

    private MemcheckCommand udpDaemon(int port) {
        return board.command(deployed.pathOf(TestPrograms.aarch64Program("udp_daemon"))).args(String.valueOf(port))
                .build();
    }

    @Test
    void udpDaemonOnTheBoardIsReachedThroughTheRelayEachSenderAnsweredAndNothingOutlivesTheRun() throws Exception {
        Session session = Session.start(board, udpDaemon(7090), SessionOptions.daemon("board-udp")
                .withUdp(List.of(7090), deployed.pathOf(TestPrograms.aarch64UdpRelay())));
        session.awaitReady(); // once UDP port 7090 is bound on the board
        InetSocketAddress address = session.udpAddress(7090);
        try (DatagramSocket one = new DatagramSocket();
             DatagramSocket two = new DatagramSocket()) {
            assertThat(udpRequest(one, address, "leak 70")).isEqualTo("ok leak 70");
            assertThat(udpRequest(two, address, "from two")).as("the answer goes to its own sender")
                    .isEqualTo("ok from two");
            assertThat(udpRequest(one, address, "leak 30")).isEqualTo("ok leak 30");
        }
        SessionReport report = session.stop();

        assertThat(address.getPort()).as("a local UDP port, relayed over SSH").isNotEqualTo(7090);
        assertThat(report.run().termination()).isEqualTo(Termination.STOPPED);
        SessionGate.SessionVerdict v = new SessionGate(LeakGate.defaults(), true).judge(report, board.toString());
        assertThat(v.outcome()).isEqualTo(Outcome.FAIL);
        assertThat(v.message()).contains("definitely lost: 100 bytes in 2 blocks", "at lose (udp_daemon.c:");
        assertThat(board.shell("sleep 1; ps -eo args | grep '[l]eakgate_udp_relay' || echo none",
                Duration.ofSeconds(20)).stdout()).as("the relay ends with the run").isEqualTo("none\n");
    }

    @Test
    void udpPortOnABoardWithoutTheRelayIsRefusedBeforeAnythingStarts() {
        assertThatThrownBy(() -> Session.start(board, udpDaemon(7091), SessionOptions.daemon("board-udp-none")
                .withUdp(List.of(7091), null)))
                .isInstanceOf(SessionException.class)
                .hasMessage("UDP port 7091 cannot be reached on " + board + ": SSH forwards TCP only, and UDP travels"
                        + " through leakgate's UDP relay on the board, which was not given. Build leakgate_udp_relay.c"
                        + " from leakgate's kit (java -jar leakgate-cli.jar kit) with the board's cross compiler and"
                        + " name it in udpRelay (--udp-relay on the command line); nothing was started");
        assertThat(board.shell("ls /tmp/leakgate/runs", Duration.ofSeconds(20)).stdout()).doesNotContain("board-udp-none");
    }

    @Test
    void udpRelayBuiltForAnotherCpuIsRefusedAtStartWithTheBoardsWords() {
        assertThatThrownBy(() -> Session.start(board, udpDaemon(7092), SessionOptions.daemon("board-udp-x86")
                .withUdp(List.of(7092), x86.pathOf(TestPrograms.udpRelay()))))
                .isInstanceOf(SessionException.class)
                .hasMessageStartingWith("the UDP relay " + x86.pathOf(TestPrograms.udpRelay()) + " did not start on "
                        + board + " for UDP port 7092: ")
                .hasMessageContaining("Build leakgate_udp_relay.c from leakgate's kit")
                .hasMessageEndingWith("; the program was ended before the test began");
        assertThat(board.shell("sleep 1; ps -eo args | grep '[u]dp_daemon' || echo none",
                Duration.ofSeconds(20)).stdout()).as("the daemon was ended").isEqualTo("none\n");
    }

    @Test
    void leakChecksThroughVgdbAreRefusedUnderQemuUserModeWithTheReasonBeforeAnythingStarts() {
        assertThatThrownBy(() -> Session.start(board, daemon(7079), SessionOptions.daemon("board-vgdb", 7079).withVgdb()))
                .isInstanceOf(SessionException.class)
                .hasMessageStartingWith("leak checks through vgdb cannot be taken on the emulated aarch64 board (ssh://")
                .hasMessageContaining("runs its programs under QEMU user mode (")
                .hasMessageContaining("vgdb needs ptrace to reach a program that waits in a system call: take leak checks"
                        + " through the probe, or use the system-emulated board (emulated-system)")
                .hasMessageEndingWith("; nothing was started");
        assertThat(board.shell("ps -eo args | grep '[d]aemon 7079' || echo none", Duration.ofSeconds(20)).stdout())
                .isEqualTo("none\n");
    }

    @Test
    void withoutAProbeUnderQemuUserModeALeakCheckSaysWhyVgdbCannotTakeItEither() throws Exception {
        try (Session session = Session.start(board, daemon(7080), SessionOptions.daemon("board-no-probe", 7080))) {
            session.awaitReady();
            assertThatThrownBy(() -> session.leakCheck("now")).isInstanceOf(IllegalStateException.class)
                    .hasMessageStartingWith("a leak check on demand needs the probe: build leakgate_probe.c")
                    .hasMessageContaining("vgdb cannot take it here: the board runs its programs under QEMU user mode");
        }
    }

    @Test
    void daemonThatDropsToNobodyOnTheBoardKeepsItsLeakChecksAndStopsAsPlanned() throws Exception {
        CheckResult[] again = new CheckResult[1];
        DaemonDrive.Driven d = DaemonDrive.drive(Session.start(board, daemon(7075, "drop-privileges"),
                SessionOptions.daemon("board-nobody", 7075).withProbe(deployed.pathOf(TestPrograms.aarch64Probe()))),
                7075, "after 1 leak, as nobody", s -> again[0] = s.leakCheck("once more"), "leak 30");

        assertThat(d.check().lost()).isEqualTo(30);
        assertThat(again[0].lost()).isZero();
        assertThat(d.report().run().termination()).isEqualTo(Termination.STOPPED);
        assertThat(d.report().run().problems()).isEmpty();
    }

    @Test
    void daemonThatChangesItsRootOnTheBoardKeepsItsLeakChecks() throws Exception {
        DaemonDrive.Driven d = DaemonDrive.drive(Session.start(board, daemon(7078, "chroot"),
                SessionOptions.daemon("board-chroot", 7078).withProbe(deployed.pathOf(TestPrograms.aarch64Probe()))),
                7078, "after a leak, in its new root", "leak 24");

        assertThat(d.check().lost()).isEqualTo(24);
        assertThat(d.report().run().termination()).isEqualTo(Termination.STOPPED);
        assertThat(d.report().run().problems()).isEmpty();
    }

    @Test
    void daemonWhoseForkedWorkersLeakOnTheBoardFailsNamingEachWorker() throws Exception {
        Session session = Session.start(board, daemon(7076, "fork-workers"),
                SessionOptions.daemon("board-workers", 7076).withProbe(deployed.pathOf(TestPrograms.aarch64Probe())));
        session.awaitReady();
        InetSocketAddress address = session.address(7076);
        assertThat(request(address, "leak 40")).isEqualTo("ok");
        assertThat(request(address, "ping")).isEqualTo("ok");

        CheckResult check = session.leakCheck("after 2 requests");
        SessionReport report = session.stop();

        assertThat(check.lost()).as("the daemon's own process lost nothing; a worker did").isZero();
        assertThat(report.run().termination()).isEqualTo(Termination.STOPPED);
        assertThat(report.run().children()).hasSize(2);
        SessionGate.SessionVerdict v = new SessionGate(LeakGate.defaults(), true).judge(report, board.toString());
        assertThat(v.outcome()).as(v.message()).isEqualTo(Outcome.FAIL);
        assertThat(v.message()).contains("in pid " + report.run().children().get(0).pid() + " (",
                "definitely lost: 40 bytes in 1 blocks", "at serve (daemon.c:");
    }

    @Test
    void aSigtermSentByHandReachesADaemonWithTheProbeLoaded() throws Exception {
        Session session = Session.start(board, daemon(7077), SessionOptions.daemon("board-by-hand", 7077)
                .withProbe(deployed.pathOf(TestPrograms.aarch64Probe())));
        session.awaitReady();
        session.leakCheck("started");

        // as a person on the board would: kill -TERM PID, not through leakgate or its probe
        board.shell("kill -s TERM $(cat '" + session.runFolder() + "/.pid')", Duration.ofSeconds(20));
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (!session.hasEnded() && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
        boolean ended = session.hasEnded();
        SessionReport report = session.stop();

        assertThat(ended).as("the daemon ended on the SIGTERM sent by hand").isTrue();
        assertThat(report.run().termination()).isEqualTo(Termination.EXITED);
        assertThat(report.run().report().fatalSignal()).hasValueSatisfying(f -> assertThat(f.signame())
                .isEqualTo("SIGTERM"));
    }

    @Test
    void portThatNeverOpensOnTheBoardTimesOutQuotingTheDaemon() {
        Session session = Session.start(board, daemon(7071), SessionOptions.daemon("board-wrong-port", 7072)
                .withReadyTimeout(Duration.ofSeconds(8)));

        assertThatThrownBy(session::awaitReady).isInstanceOf(SessionException.class)
                .hasMessageStartingWith("the program was not ready within 8 s (waited for port 7072 on the emulated"
                        + " aarch64 board to listen)")
                .hasMessageContaining("listening on 7071");
        assertThat(session.stop().run().termination()).isEqualTo(Termination.STOPPED);
    }

    @Test
    void daemonThatExitsEarlyOnTheBoardIsQuoted() {
        Session session = Session.start(board, daemon(7073, "exit-early"), SessionOptions.daemon("board-early", 7073));

        assertThatThrownBy(session::awaitReady).isInstanceOf(SessionException.class)
                .hasMessageStartingWith("the program ended before it was ready")
                .hasMessageContaining("daemon: cannot read /etc/daemon.conf");
        SessionReport report = session.stop();
        assertThat(report.run().exitStatus()).hasValue(3);
    }

    @Test
    void probeForAnotherCpuDoesNotLoadAndIsNamed() {
        Session session = Session.start(board, daemon(7074), SessionOptions.daemon("board-x86-probe", 7074)
                .withProbe(x86.pathOf(TestPrograms.probe())));

        assertThatThrownBy(session::awaitReady).isInstanceOf(SessionException.class)
                .hasMessageContaining("did not load into the program")
                .hasMessageContaining("cannot be preloaded");
        session.stop();
    }
}
