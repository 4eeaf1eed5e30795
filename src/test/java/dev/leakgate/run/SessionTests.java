package dev.leakgate.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.leakgate.board.Board;
import dev.leakgate.config.Settings;
import dev.leakgate.kit.KitReplies;
import dev.leakgate.gate.LeakGate;
import dev.leakgate.memcheck.LeakKind;
import dev.leakgate.process.LocalProcesses;
import dev.leakgate.process.MemcheckCommand;
import dev.leakgate.gate.Outcome;
import dev.leakgate.process.Termination;
import dev.leakgate.gate.Verdict;
import dev.leakgate.testing.LineClient;
import dev.leakgate.testing.TestPrograms;
import static dev.leakgate.testing.LineClient.request;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Live sessions on this machine's valgrind: a kit harness answering each request at once, a daemon
 * driven over TCP with leak checks through the probe, and what goes wrong with them.
 */
@Tag("valgrind")
class SessionTests {

    private static Board local;

    @BeforeAll
    static void open() {
        local = Board.open(Settings.of(Map.of("leakgate.board", "local")), "local");
    }

    @AfterAll
    static void close() {
        local.close();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static MemcheckCommand daemon(int port, String... mode) {
        MemcheckCommand.Builder b = MemcheckCommand.builder(TestPrograms.program("daemon").toString())
                .args(String.valueOf(port));
        b.args(mode);
        return b.build();
    }

    @Test
    void kitHarnessAnswersEachRequestAtOnceAndTheWholeRunIsGatedAfterwards() {
        Session session = Session.start(local, MemcheckCommand.builder(TestPrograms.kitProgram("kit_demo").toString())
                .build(), SessionOptions.kit("live-kit"));

        KitReplies.ScenarioResult frees = session.run("frees", 3);
        int threads = session.threads(); // counted by the harness itself, between requests
        KitReplies.ScenarioResult leaks = session.run("leaks", 2);
        CheckResult check = session.leakCheck("after leaks");
        SessionReport report = session.stop();

        assertThat(frees.lost()).isZero();
        assertThat(leaks.lost()).isEqualTo(600);
        // what each request cost inside the harness, its leak checks included: leakgate's own time is the rest
        assertThat(List.of(frees, leaks)).allSatisfy(r -> assertThat(r.harnessMicros()).isPositive());
        assertThat(threads).as("valgrind runs the single-threaded harness on one thread").isEqualTo(1);
        assertThat(check.lost()).as("since the program started").isEqualTo(600);
        assertThat(check.previous()).isNull();
        assertThat(report.run().termination()).isEqualTo(Termination.EXITED);
        assertThat(report.run().problems()).isEmpty();
        assertThat(report.replies().problems()).isEmpty();
        assertThat(report.results()).extracting(KitReplies.ScenarioResult::scenario).containsExactly("frees", "leaks");
        SessionGate.SessionVerdict v = new SessionGate(LeakGate.defaults(), true).judge(report, "this machine");
        assertThat(v.outcome()).isEqualTo(Outcome.FAIL);
        assertThat(v.message()).startsWith("scenario leaks (x2) lost 600 bytes while it ran (definitely and"
                + " indirectly lost; limit 0)\nleak check 'after leaks' found 600 bytes lost since the program started")
                .contains("at leaks (kit_demo.c:10)")
                .endsWith("\nBoard: " + report.board().summary());
        assertThat(report.board().summary()).startsWith("this machine (local valgrind): x86_64, Linux ")
                .contains(", glibc 2.36, valgrind-3.19.0 (valgrind)");
        assertThat(report.run().files().folder().resolve("board.txt")).content()
                .contains("cpu: x86_64\n", "libc: glibc 2.36\n", "valgrind: valgrind-3.19.0\n");
        assertThat(session.stop()).as("stopping again gives the same report").isSameAs(report);
    }

    @Test
    void leakChecksGoThroughVgdbWhenNoProbeIsNamedAndTheKernelAllowsPtrace() throws Exception {
        int port = freePort();
        // leakgate.leakChecks = auto, the default: no probe named, and this machine's kernel lets root ptrace;
        // the daemon's own TMPDIR, where valgrind makes the FIFOs vgdb must find
        Path tmp = Files.createTempDirectory("leakgate-vgdb-tmp");
        Session session = Session.start(local, daemon(port).toBuilder().env("TMPDIR", tmp.toString()).build(),
                SessionOptions.daemon("live-vgdb", port));
        session.awaitReady();
        InetSocketAddress address = session.address(port);

        CheckResult started = session.leakCheck("started"); // the daemon waits in accept(): vgdb reaches it by ptrace
        for (int i = 0; i < 3; i++) {
            request(address, "leak 40");
        }
        request(address, "ping");
        CheckResult leaked = session.leakCheck("after 3 leak");
        SessionReport report = session.stop();

        assertThat(started.lost()).isZero();
        assertThat(leaked.lost()).isEqualTo(120);
        assertThat(report.run().problems()).isEmpty();
        assertThat(report.run().report().suppressionCounts()).as("no probe thread to suppress")
                .doesNotContainKey("leakgate_probe_thread");
        assertThat(Files.readString(report.run().files().folder().resolve("vgdb-checks.txt")))
                .contains("== leak check 'started' through vgdb\n", "== leak check 'after 3 leak' through vgdb\n",
                        "are definitely lost in loss record");
        SessionGate.SessionVerdict v = new SessionGate(LeakGate.defaults(), true).judge(report, "this machine");
        assertThat(v.message()).startsWith("leak check 'after 3 leak' found 120 bytes lost since 'started'"
                + " (definitely and indirectly lost; limit 0)\n  120 (+120) bytes in 3 (+3) blocks are definitely lost")
                .contains("at serve (daemon.c:");
    }

    @Test
    void daemonIsReadyWhenItsPortAcceptsAndNamesTheBatchThatLeakedThroughTheProbe() throws Exception {
        int port = freePort();
        Session session = Session.start(local, daemon(port),
                SessionOptions.daemon("live-daemon", port).withProbe(TestPrograms.probe().toString()));
        session.awaitReady();
        InetSocketAddress address = session.address(port);

        CheckResult started = session.leakCheck("started");
        for (int i = 0; i < 5; i++) {
            assertThat(request(address, "keep 100")).isEqualTo("ok");
        }
        CheckResult cached = session.leakCheck("after 5 keep");
        for (int i = 0; i < 3; i++) {
            request(address, "leak 40");
        }
        // a request that allocates nothing: the last leak's pointer may linger in a dead stack slot the
        // daemon's next call has not overwritten yet, and look reachable to a check taken at once
        request(address, "ping");
        session.mark("3 leaks sent");
        CheckResult leaked = session.leakCheck("after 3 leak");
        SessionReport report = session.stop();

        assertThat(started.lost()).isZero();
        assertThat(cached.lost()).isZero();
        assertThat(cached.reachable()).as("the cache grew, reachable").isGreaterThanOrEqualTo(500);
        assertThat(leaked.lost()).isEqualTo(120);
        assertThat(leaked.since()).isEqualTo("since 'after 5 keep'");
        assertThat(report.run().termination()).isEqualTo(Termination.STOPPED);
        assertThat(report.run().report().fatalSignal()).hasValueSatisfying(s -> assertThat(s.signame())
                .isEqualTo("SIGTERM"));
        assertThat(report.run().problems()).as("a planned SIGTERM is conclusive").isEmpty();
        assertThat(report.run().report().totals().bytes(LeakKind.POSSIBLY_LOST))
                .as("the probe's own thread is suppressed").isZero();
        assertThat(report.run().report().suppressionCounts()).containsKey("leakgate_probe_thread");
        assertThat(report.marks()).extracting(Mark::label).containsExactly("check started: lost 0 B",
                "check after 5 keep: lost 0 B", "3 leaks sent", "check after 3 leak: lost 120 B");
        SessionGate.SessionVerdict v = new SessionGate(LeakGate.defaults(), true).judge(report, "this machine");
        assertThat(v.outcome()).isEqualTo(Outcome.FAIL);
        assertThat(v.message()).startsWith("leak check 'after 3 leak' found 120 bytes lost since 'after 5 keep'"
                + " (definitely and indirectly lost; limit 0)\n  120 (+120) bytes in 3 (+3) blocks are definitely lost")
                .contains("at serve (daemon.c:", "leakgate: FAIL: definitely lost: 120 bytes in 3 blocks");
        assertThat(Files.readString(report.run().files().folder().resolve("checks.csv")))
                .startsWith("check,elapsed_ms,lost,possibly_lost,still_reachable,lost_total\nstarted,");
    }

    @Test
    void daemonThatDropsToNobodyKeepsItsLeakChecks() throws Exception {
        int port = freePort();
        Session session = Session.start(local, daemon(port, "drop-privileges"),
                SessionOptions.daemon("live-nobody", port).withProbe(TestPrograms.probe().toString()));
        session.awaitReady();
        InetSocketAddress address = session.address(port);
        session.leakCheck("started");
        request(address, "leak 40");
        request(address, "leak 40");
        request(address, "ping");

        CheckResult leaked = session.leakCheck("after 2 leak, as nobody");
        SessionReport report = session.stop();

        assertThat(leaked.lost()).isEqualTo(80);
        assertThat(report.run().problems()).isEmpty();
        assertThat(new SessionGate(LeakGate.defaults(), true).judge(report, "this machine").outcome())
                .isEqualTo(Outcome.FAIL);
    }

    @Test
    void daemonThatChangesItsRootKeepsItsLeakChecksAndItsReport() throws Exception {
        int port = freePort();
        Session session = Session.start(local, daemon(port, "chroot"),
                SessionOptions.daemon("live-chroot", port).withProbe(TestPrograms.probe().toString()));
        session.awaitReady();
        InetSocketAddress address = session.address(port);
        session.leakCheck("started");
        request(address, "leak 24");
        request(address, "ping");

        CheckResult leaked = session.leakCheck("after a leak, in its new root");
        SessionReport report = session.stop();

        assertThat(leaked.lost()).isEqualTo(24);
        assertThat(report.run().termination()).isEqualTo(Termination.STOPPED);
        assertThat(report.run().problems()).isEmpty();
        assertThat(new SessionGate(LeakGate.defaults(), true).judge(report, "this machine").message())
                .contains("at serve (daemon.c:");
    }

    private static int freeUdpPort() throws IOException {
        try (DatagramSocket s = new DatagramSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Test
    void udpDaemonIsReadyOnceItsPortIsBoundAndItsDatagramsAreGated() throws Exception {
        int port = freeUdpPort();
        MemcheckCommand command = MemcheckCommand.builder(TestPrograms.program("udp_daemon").toString())
                .args(String.valueOf(port), "late").build();
        Session session = Session.start(local, command, SessionOptions.daemon("live-udp")
                .withUdp(List.of(port), null)); // here: no relay
        session.awaitReady(); // binds after 3 s: ready only then, without a datagram sent
        InetSocketAddress address = session.udpAddress(port);
        try (DatagramSocket one = new DatagramSocket();
             DatagramSocket two = new DatagramSocket()) {
            assertThat(LineClient.udpRequest(one, address, "leak 60")).isEqualTo("ok leak 60");
            assertThat(LineClient.udpRequest(two, address, "hello")).isEqualTo("ok hello");
        }
        SessionReport report = session.stop();

        assertThat(address).isEqualTo(new InetSocketAddress("127.0.0.1", port));
        assertThat(Files.readString(session.folder().resolve("stdout.txt"))).contains("bound udp " + port);
        SessionGate.SessionVerdict v = new SessionGate(LeakGate.defaults(), true).judge(report, "this machine");
        assertThat(v.outcome()).isEqualTo(Outcome.FAIL);
        assertThat(v.message()).contains("definitely lost: 60 bytes in 1 blocks", "at lose (udp_daemon.c:");
    }

    @Test
    void daemonWhoseForkedWorkersLeakFailsNamingEachWorker() throws Exception {
        int port = freePort();
        Session session = Session.start(local, daemon(port, "fork-workers"),
                SessionOptions.daemon("live-workers", port).withProbe(TestPrograms.probe().toString()));
        session.awaitReady();
        InetSocketAddress address = session.address(port);
        assertThat(request(address, "leak 40")).isEqualTo("ok");
        assertThat(request(address, "leak 50")).isEqualTo("ok");

        CheckResult check = session.leakCheck("after 2 leaking requests");
        SessionReport report = session.stop();

        assertThat(check.lost()).as("the daemon's own process lost nothing; its workers did").isZero();
        // two workers: readiness reads /proc, so no connection of leakgate's own is served
        assertThat(report.run().children()).hasSize(2).allSatisfy(c -> assertThat(c.report().ppid())
                .isEqualTo(report.run().report().pid()));
        SessionGate.SessionVerdict v = new SessionGate(LeakGate.defaults(), true).judge(report, "this machine");
        assertThat(v.outcome()).isEqualTo(Outcome.FAIL);
        assertThat(v.message()).contains("in pid " + report.run().children().get(0).pid() + " (",
                "definitely lost: 40 bytes in 1 blocks", "definitely lost: 50 bytes in 1 blocks", "at serve (daemon.c:");
    }

    @Test
    void aForgedAnswerWrittenIntoTheProbesFifoIsRefusedNotTaken() throws Exception {
        int port = freePort();
        Session session = Session.start(local, daemon(port),
                SessionOptions.daemon("live-forged", port).withProbe(TestPrograms.probe().toString()));
        session.awaitReady();
        InetSocketAddress address = session.address(port);
        request(address, "leak 64");
        request(address, "forge after-leak");

        assertThatThrownBy(() -> session.leakCheck("after-leak")).isInstanceOf(SessionException.class)
                .hasMessage("a line in the probe's answer FIFO is not the probe's (it lacks the run's secret):"
                        + " 'checked after-leak lost=0 possibly=0 reachable=0 suppressed=0'; something in the program"
                        + " wrote into " + session.runFolder() + "/probe.ans, so the leak checks cannot be trusted (or the"
                        + " probe was built from an older leakgate_probe.c: rebuild it from this leakgate's kit, java -jar"
                        + " leakgate-cli.jar kit)");
        SessionReport report = session.stop();
        assertThat(new SessionGate(LeakGate.defaults(), true).judge(report, "this machine").outcome())
                .isEqualTo(Outcome.FAIL);
    }

    @Test
    void aDaemonThatDetachesItselfIsFollowedStoppedAndJudgedOnTheProcessItLeftRunning() throws Exception {
        int port = freePort();
        Session session = Session.start(local, daemon(port, "detach"),
                SessionOptions.daemon("live-detached", port).withProbe(TestPrograms.probe().toString()));
        session.awaitReady();
        InetSocketAddress address = session.address(port);
        assertThat(request(address, "leak 48")).isEqualTo("ok");
        request(address, "ping");

        assertThatThrownBy(() -> session.leakCheck("after the leak")).isInstanceOf(SessionException.class)
                .hasMessageStartingWith("the daemon detached itself (it forked and its first process exited), and the"
                        + " leak check probe lived in that first process")
                .hasMessageContaining("run the daemon in the foreground");
        SessionReport report = session.stop();

        assertThat(report.run().termination()).isEqualTo(Termination.STOPPED);
        assertThat(report.marks()).extracting(Mark::label).anyMatch(l -> l.startsWith("the daemon detached itself;"
                + " following pid "));
        // its first process, the middle one and the daemon: each judged on its own report
        assertThat(report.run().children()).hasSize(2);
        SessionGate.SessionVerdict v = new SessionGate(LeakGate.defaults(), true).judge(report, "this machine");
        assertThat(v.outcome()).as(v.message()).isEqualTo(Outcome.FAIL);
        assertThat(v.message()).contains("definitely lost: 48 bytes in 1 blocks", "at serve (daemon.c:");
        assertThat(LocalProcesses.ofRun(report.run().command().runId())).isEmpty();
    }

    @Test
    void daemonThatExitsBeforeItIsReadyIsQuotedAndItsRunKept() {
        int port = 1;
        Session session = Session.start(local, daemon(port, "exit-early"), SessionOptions.daemon("early", 8099));

        assertThatThrownBy(session::awaitReady).isInstanceOf(SessionException.class)
                .hasMessageStartingWith("the program ended before it was ready (waited for port 8099 on this machine to"
                        + " listen)\nits stderr ends with:\n    daemon: cannot read /etc/daemon.conf: No such file or"
                        + " directory");
        SessionReport report = session.stop();
        assertThat(report.run().termination()).isEqualTo(Termination.EXITED);
        assertThat(report.run().exitStatus()).hasValue(3);
    }

    @Test
    void portThatNeverOpensTimesOutWithTheProgramsLastOutput() throws Exception {
        int port = freePort();
        Session session = Session.start(local, daemon(port), SessionOptions.daemon("wrong-port", port + 1)
                .withReadyTimeout(Duration.ofSeconds(3)));

        assertThatThrownBy(session::awaitReady).isInstanceOf(SessionException.class)
                .hasMessageStartingWith("the program was not ready within 3 s (waited for port " + (port + 1)
                        + " on this machine to listen); it is still running under valgrind")
                .hasMessageContaining("its stdout ends with:\n    listening on " + port);
        assertThat(session.stop().run().termination()).isEqualTo(Termination.STOPPED);
    }

    @Test
    void portInUseIsRefusedBeforeAnythingStartsOrElseTheDaemonSaysWhy() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int port = taken.getLocalPort();
            // a port that already accepts would pass for the daemon's: refused
            assertThatThrownBy(() -> Session.start(local, daemon(port), SessionOptions.daemon("port-in-use", port)))
                    .isInstanceOf(SessionException.class)
                    .hasMessage("port " + port + " on this machine (local valgrind) already accepts connections before"
                            + " the program started: another program listens there, and the test would talk to it;"
                            + " stop it, or give the program a free port");
            // ready by its output instead: the daemon cannot listen, and its words are quoted
            Session session = Session.start(local, daemon(port), SessionOptions.daemon("port-in-use")
                    .withReadyLine(Pattern.compile("listening on"), Duration.ofSeconds(30)));
            assertThatThrownBy(session::awaitReady).hasMessageContaining("the program ended before it was ready")
                    .hasMessageContaining("daemon: cannot listen: Address already in use");
            session.stop();
        }
    }

    @Test
    void daemonThatCrashesMidRequestIsInconclusiveAndTheLastNamedMomentIsGiven() throws Exception {
        int port = freePort();
        Session session = Session.start(local, daemon(port),
                SessionOptions.daemon("crash", port).withProbe(TestPrograms.probe().toString()));
        session.awaitReady();
        session.leakCheck("batch 1");
        session.mark("batch 2 sent");
        try {
            request(session.address(port), "crash");
        } catch (IOException expected) {
            // the connection dies with the daemon
        }
        SessionReport report = session.stop();

        SessionGate.SessionVerdict v = new SessionGate(LeakGate.defaults(), true).judge(report, "this machine");
        assertThat(v.outcome()).isEqualTo(Outcome.INCONCLUSIVE);
        assertThat(v.message()).contains("the program was ended by SIGSEGV", "at serve (daemon.c:",
                "The run ended after 'batch 2 sent' (the last moment the test named, at ");
    }

    @Test
    void probeThatCannotLoadIsNamedBeforeTheBody() throws Exception {
        int port = freePort();
        Session session = Session.start(local, daemon(port), SessionOptions.daemon("no-probe", port)
                .withProbe(TestPrograms.aarch64Probe().toString())); // another CPU's: ld.so refuses it

        assertThatThrownBy(session::awaitReady).isInstanceOf(SessionException.class)
                .hasMessageStartingWith("the leak check probe " + TestPrograms.aarch64Probe() + " did not load into the"
                        + " program")
                .hasMessageContaining("from LD_PRELOAD cannot be preloaded");
        session.stop();
    }

    @Test
    void leakCheckWithoutAProbeSaysWhatToBuild() throws Exception {
        int port = freePort();
        try (Session session = Session.start(local, daemon(port), SessionOptions.daemon("no-probe-asked", port)
                .withLeakChecks(SessionOptions.LeakChecks.PROBE))) {
            session.awaitReady();
            assertThatThrownBy(() -> session.leakCheck("now")).isInstanceOf(IllegalStateException.class)
                    .hasMessageStartingWith("a leak check on demand needs the probe: build leakgate_probe.c")
                    .hasMessageEndingWith("or take it through vgdb where the board allows ptrace (leakgate.leakChecks = vgdb"
                            + " or auto)");
        }
    }

    @Test
    void daemonThatIgnoresItsStopSignalIsEndedInStepsAndInconclusive() throws Exception {
        int port = freePort();
        Session session = Session.start(local, daemon(port, "ignore-term"), SessionOptions.daemon("ignores", port)
                .withStop("TERM", null, Duration.ofSeconds(2)));
        session.awaitReady();

        SessionReport report = session.stop();

        assertThat(report.run().termination()).isEqualTo(Termination.KILLED);
        assertThat(report.timedOut()).isTrue();
        Verdict v = LeakGate.defaults().evaluate(report.run());
        assertThat(v.outcome()).isEqualTo(Outcome.INCONCLUSIVE);
        // the limit that was hit is the stop's, not the session's timeout, and the words say so
        assertThat(v.reasons().get(0)).startsWith("the program did not end after its planned stop (SIGTERM at ")
                .contains(" s) within stopSeconds = 2 s: leakgate then ended it in steps (it ignored SIGTERM and was"
                        + " killed with SIGKILL), after ")
                .contains("raise stopSeconds").doesNotContain("at the timeout");
    }

    @Test
    void sessionTimeoutEndsABusyHarnessInStepsAndTheBodyIsTold() {
        Session session = Session.start(local, MemcheckCommand.builder(TestPrograms.kitProgram("kit_faults").toString())
                .build(), SessionOptions.kit("kit-timeout").withTimeout(Duration.ofSeconds(3)));
        session.run("binary", 1);

        assertThatThrownBy(() -> session.run("slow", 100_000)).isInstanceOf(SessionException.class)
                .hasMessageStartingWith("the harness ran slow ")
                .hasMessageContaining(" of the 100000 times asked before it was stopped (the session's timeout of 3 s"
                        + " passed)");
        SessionReport report = session.stop();
        assertThat(report.timedOut()).isTrue();
        assertThat(report.run().problems()).first().asString()
                .startsWith("the program did not end by itself: leakgate ended it at the timeout after 3 s");
    }

    @Test
    void harnessWhoseScenarioNameBreaksTheRuleRefusesToStartAndSaysWhich() {
        Session session = Session.start(local, MemcheckCommand.builder(TestPrograms.kitProgram("kit_badname")
                .toString()).build(), SessionOptions.kit("bad-name"));

        assertThatThrownBy(() -> session.run("fine", 1)).isInstanceOf(SessionException.class)
                .hasMessage("the harness refused to start: its scenario name 'start stream' is not letters, digits and"
                        + " '_' (not starting with a digit), or is given twice; rename it in LEAKGATE_SCENARIOS");
        SessionReport report = session.stop();
        assertThat(report.run().exitStatus()).hasValue(2);
        assertThat(LocalRunsText.of(report.run().files().stderr())).contains("the scenario name 'start stream'");
    }

    /** A run file's text. */
    static final class LocalRunsText {
        static String of(Path file) {
            try {
                return Files.readString(file);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
