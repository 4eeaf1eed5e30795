package dev.leakgate.junit;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import dev.leakgate.board.Board;
import dev.leakgate.board.BoardMemcheckRunner;
import dev.leakgate.board.Deployment;
import dev.leakgate.board.emulated.EmulatedBoard;
import dev.leakgate.board.ssh.SshBoard;
import dev.leakgate.config.Settings;
import dev.leakgate.gate.LeakGate;
import dev.leakgate.process.MemcheckCommand;
import dev.leakgate.run.Session;
import dev.leakgate.run.SessionGate;
import dev.leakgate.run.SessionOptions;
import dev.leakgate.run.SessionReport;
import dev.leakgate.testing.LineClient;
import dev.leakgate.testing.OpenSshAccess;
import dev.leakgate.testing.TestPrograms;

import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.platform.engine.DiscoverySelector;
import org.junit.platform.engine.discovery.DiscoverySelectors;
import org.junit.platform.engine.reporting.ReportEntry;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Event;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * Per-test overhead of {@link ValgrindOnBoard} against a bare {@code ssh board valgrind ...} of the
 * same harness, with the same valgrind options and input, on the same warm emulated board, in one
 * run (see scripts/bench-extension.sh). The extension reaches the board as a lab board would be
 * configured: {@code leakgate.board=ssh://...} with a key and known_hosts. The per-test cost is the
 * difference between a class of 6 tests and a class of 1, over 5; the bare runs are taken before
 * and after the extension's, to even out drift.
 */
public final class ExtensionOverheadBenchmark {

    static final int TESTS = 6;
    static final String SCRIPT = "run onvifStartStream 20\nquit\n";

    @ValgrindOnBoard(harness = "target/test-programs/onvif/fixed/onvif_harness",
            libs = "target/test-programs/onvif/fixed/libonvif_server.so")
    static class ManyTestsCase {
        @RepeatedTest(TESTS)
        void startStream(Harness onvif) {
            onvif.run("onvifStartStream", 20);
        }
    }

    @ValgrindOnBoard(harness = "target/test-programs/onvif/fixed/onvif_harness",
            libs = "target/test-programs/onvif/fixed/libonvif_server.so")
    static class OneTestCase {
        @Test
        void startStream(Harness onvif) {
            onvif.run("onvifStartStream", 20);
        }
    }

    static final int SHARED_TESTS = 10;

    /** The same test, ten times, sharing one valgrind process (lifecycle = PER_CLASS). */
    @ValgrindOnBoard(harness = "target/test-programs/onvif/fixed/onvif_harness",
            libs = "target/test-programs/onvif/fixed/libonvif_server.so", lifecycle = ValgrindOnBoard.Lifecycle.PER_CLASS)
    static class SharedTestsCase {
        @RepeatedTest(SHARED_TESTS)
        void startStream(Harness onvif) {
            onvif.run("onvifStartStream", 20);
        }
    }

    /**
     * Two classes of one test with the shared class's program, run before it in one run: as the second
     * ends, the program is started again (leakgate.prestart), and the shared class's first test takes it.
     */
    @ValgrindOnBoard(harness = "target/test-programs/onvif/fixed/onvif_harness",
            libs = "target/test-programs/onvif/fixed/libonvif_server.so", lifecycle = ValgrindOnBoard.Lifecycle.PER_CLASS)
    static class SharedEarlierACase {
        @Test
        void startStream(Harness onvif) {
            onvif.run("onvifStartStream", 20);
        }
    }

    @ValgrindOnBoard(harness = "target/test-programs/onvif/fixed/onvif_harness",
            libs = "target/test-programs/onvif/fixed/libonvif_server.so", lifecycle = ValgrindOnBoard.Lifecycle.PER_CLASS)
    static class SharedEarlierBCase {
        @Test
        void startStream(Harness onvif) {
            onvif.run("onvifStartStream", 20);
        }
    }

    /**
     * The first test of the shared class when it runs after two classes of its program (in class-name
     * order, in one run): it takes the process prestarted as the second ended. Seconds.
     */
    private static double prestartedFirstTest() {
        EngineExecutionResults results = EngineTestKit.engine("junit-jupiter")
                .configurationParameter("junit.jupiter.testclass.order.default", "org.junit.jupiter.api.ClassOrderer$ClassName")
                .selectors(selectClass(SharedEarlierACase.class), selectClass(SharedEarlierBCase.class),
                        selectClass(SharedTestsCase.class))
                .execute();
        if (results.testEvents().succeeded().count() != SHARED_TESTS + 2) {
            throw new IllegalStateException("the extension's tests did not all pass: " + results.testEvents().failed().list());
        }
        List<String> shared = results.testEvents().reportingEntryPublished().list().stream()
                .filter(e -> e.getTestDescriptor().getUniqueId().toString().contains("SharedTestsCase"))
                .map(e -> e.getPayload(ReportEntry.class).orElseThrow().getKeyValuePairs().get("leakgate.shared"))
                .filter(Objects::nonNull).toList();
        if (shared.size() != SHARED_TESTS || !shared.stream().allMatch(f -> f.contains("prestarted-after-SharedEarlierBCase"))) {
            throw new IllegalStateException("the shared class did not take the prestarted process: " + shared);
        }
        return sharedFigures(results, id -> id.contains("SharedTestsCase"))[1];
    }

    /** Three tests of a pool's class: the classes below differ only in name, so that the pool has classes to lease. */
    abstract static class PoolCase {
        @RepeatedTest(3)
        void startStream(Harness onvif) {
            onvif.run("onvifStartStream", 20);
        }
    }

    /** Two classes of three tests each, for the pool of boards: run in parallel on one board, then on two. */
    @ValgrindOnBoard(harness = "target/test-programs/onvif/fixed/onvif_harness",
            libs = "target/test-programs/onvif/fixed/libonvif_server.so")
    static class PoolFirstCase extends PoolCase {
    }

    @ValgrindOnBoard(harness = "target/test-programs/onvif/fixed/onvif_harness",
            libs = "target/test-programs/onvif/fixed/libonvif_server.so")
    static class PoolSecondCase extends PoolCase {
    }

    /** Two more, for the capped pools of up to four boards. */
    @ValgrindOnBoard(harness = "target/test-programs/onvif/fixed/onvif_harness",
            libs = "target/test-programs/onvif/fixed/libonvif_server.so")
    static class PoolThirdCase extends PoolCase {
    }

    @ValgrindOnBoard(harness = "target/test-programs/onvif/fixed/onvif_harness",
            libs = "target/test-programs/onvif/fixed/libonvif_server.so")
    static class PoolFourthCase extends PoolCase {
    }

    /**
     * Seconds for four classes of three tests run four at a time on a pool of {@code boards} emulated
     * boards, each capped at {@code cpus} of a core (leakgate.board.cpus), as a lab's boards each have
     * a CPU of their own: what the pool gains then measures leakgate, not the host's two cores.
     */
    private static double cappedPool(int boards, String cpus) {
        System.setProperty("leakgate.boards", String.valueOf(boards));
        System.setProperty("leakgate.board.cpus", cpus);
        long start = System.nanoTime();
        EngineExecutionResults results;
        try {
            results = EngineTestKit.engine("junit-jupiter")
                    .configurationParameter("junit.jupiter.execution.parallel.enabled", "true")
                    .configurationParameter("junit.jupiter.execution.parallel.mode.classes.default", "concurrent")
                    .configurationParameter("junit.jupiter.execution.parallel.config.strategy", "fixed")
                    .configurationParameter("junit.jupiter.execution.parallel.config.fixed.parallelism", "4")
                    .configurationParameter("junit.jupiter.execution.parallel.config.executor-service", "FORK_JOIN_POOL")
                    .selectors(Stream.of(PoolFirstCase.class, PoolSecondCase.class,
                            PoolThirdCase.class, PoolFourthCase.class)
                            .map(DiscoverySelectors::selectClass)
                            .toArray(DiscoverySelector[]::new))
                    .execute();
        } finally {
            System.clearProperty("leakgate.boards");
            System.clearProperty("leakgate.board.cpus");
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        if (results.testEvents().succeeded().count() != 12) {
            throw new IllegalStateException("the pool's tests did not all pass: " + results.testEvents().failed().list());
        }
        return seconds;
    }

    /** Each emulated board's CPU share in the pools: a slower machine of its own, as a lab's boards are. */
    static final String POOL_CPUS = "0.4";

    /** Seconds for the pool classes on 1, 2 and 4 boards capped at {@code cpus} of a core each; says the figures. */
    private static double[] cappedPools(String cpus) {
        double one = cappedPool(1, cpus);
        double two = cappedPool(2, cpus);
        double four = cappedPool(4, cpus);
        System.out.printf("pools of boards capped at %s CPU each (leakgate.board.cpus), 4 classes of 3 tests run 4 at"
                + " a time, each pool started cold: 1 board %.1f s, 2 boards %.1f s, 4 boards %.1f s (%d cores here)%n",
                cpus, one, two, four, Runtime.getRuntime().availableProcessors());
        return new double[] {one, two, four};
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("pools")) {
            System.clearProperty("leakgate.board");
            double[] pools = cappedPools(args.length > 1 ? args[1] : POOL_CPUS);
            System.out.printf("RESULT pool2_vs_pool1=%.2f pool4_vs_pool1=%.2f%n", pools[0] / pools[1], pools[0] / pools[2]);
            return;
        }
        if (args.length > 0 && args[0].equals("shared")) {
            shared();
            return;
        }
        if (args.length > 0 && args[0].equals("workers")) {
            try (EmulatedBoard emulated = EmulatedBoard.start()) {
                double ratio = workers(emulated);
                System.out.printf("RESULT workers3_vs_none=%.2f%n", ratio);
            }
            return;
        }
        Path example = TestPrograms.onvifExample().resolve("fixed");
        Path harness = example.resolve("onvif_harness");
        Path lib = example.resolve("libonvif_server.so");
        try (EmulatedBoard emulated = EmulatedBoard.start()) {
            OpenSshAccess access = OpenSshAccess.write(emulated, Files.createTempDirectory("leakgate-bench"));
            List<String> ssh = bareAndSettings(emulated, access, harness, lib);
            engine(OneTestCase.class, 1); // warm-up: JIT, deployment

            List<Double> bareTimes = new ArrayList<>();
            for (int i = 0; i < TESTS / 2; i++) {
                bareTimes.add(bare(ssh));
            }
            double one = engine(OneTestCase.class, 1);
            double many = engine(ManyTestsCase.class, TESTS);
            Timed sharedRun = timed(SharedTestsCase.class, SHARED_TESTS);
            double shared = sharedRun.seconds();
            double[] figures = sharedFigures(sharedRun.results());
            double prestarted = prestartedFirstTest();
            for (int i = 0; i < TESTS / 2; i++) {
                bareTimes.add(bare(ssh));
            }
            double perTest = (many - one) / (TESTS - 1);

            Collections.sort(bareTimes);
            double bareMedian = (bareTimes.get(TESTS / 2 - 1) + bareTimes.get(TESTS / 2)) / 2;
            System.out.printf("bare ssh board valgrind (OpenSSH, one harness run): median %.2f s of %d (half before,"
                    + " half after)%n", bareMedian, TESTS);
            System.out.printf("@ValgrindOnBoard: 1 test in %.2f s, %d tests in %.2f s: %.2f s per test (the class's"
                    + " board connection, preflight and deploy check: %.2f s once)%n", one, TESTS, many, perTest,
                    one - perTest);
            System.out.printf("extension per test vs bare: %.2fx (goal <= 1.10x); with the per-class cost spread over"
                    + " %d tests: %.2fx%n", perTest / bareMedian, TESTS, many / TESTS / bareMedian);

            double sharedPerTest = shared / SHARED_TESTS;
            System.out.printf("lifecycle = PER_CLASS: %d tests in %.2f s with one valgrind process (its start, the class's"
                    + " board work and its final leak check included): %.2f s per test, %.2fx bare (goal <= 0.35x)%n",
                    SHARED_TESTS, shared, sharedPerTest, sharedPerTest / bareMedian);
            System.out.printf("lifecycle = PER_CLASS, leakgate's own time per test (the test's wall time less the"
                    + " time its requests took inside the harness, as the kit measured it): median %.0f ms over tests"
                    + " 2 to %d (goal <= 50 ms); the first test: %.2f s when the class runs alone (it waits for"
                    + " valgrind's start), %.2f s after two classes of its program (it takes the process prestarted as the"
                    + " second ended; goal <= 1.5 s)%n", figures[0], SHARED_TESTS, figures[1], prestarted);

            daemon(emulated, access, example);

            String board = System.clearProperty("leakgate.board"); // the pools are emulated boards of their own
            double[] pools = cappedPools(POOL_CPUS);
            System.setProperty("leakgate.board", board);
            double workers = workers(emulated);
            System.out.printf("RESULT shared_per_test_vs_bare=%.2f pool2_vs_pool1=%.2f pool4_vs_pool1=%.2f"
                    + " workers3_vs_none=%.2f overhead_ms=%.0f first_test_s=%.2f first_test_alone_s=%.2f%n",
                    sharedPerTest / bareMedian, pools[0] / pools[1], pools[0] / pools[2], workers, figures[0], prestarted,
                    figures[1]);
        }
    }

    /**
     * The live daemon, on the same board: the time from starting a session to the daemon's port
     * accepting (leakgate: start, readiness through the SSH connection, the probe's check) against a
     * bare {@code ssh board valgrind onvif_daemon} until it prints that it listens; and the cost of one
     * on-demand leak check through the probe. Medians of three, bare runs before and after.
     */
    private static void daemon(EmulatedBoard emulated, OpenSshAccess access, Path example) throws Exception {
        Path daemon = example.resolve("onvif_daemon");
        Path lib = example.resolve("libonvif_server.so");
        Path probe = example.getParent().resolve("leakgate_probe.so");
        SshBoard board = emulated.board();
        var t = board.target();
        Deployment d = new BoardMemcheckRunner(board).deploy("bench-daemon",
                List.of(daemon, lib, probe));
        MemcheckCommand bare = MemcheckCommand.builder(d.pathOf(daemon)).args("8090")
                .env("LD_LIBRARY_PATH", d.folder()).xmlFile("/tmp/bare-daemon/memcheck.xml")
                .logFile("/tmp/bare-daemon/memcheck.log").workingDirectory("/tmp/bare-daemon").build();
        List<String> ssh = new ArrayList<>(List.of("ssh"));
        ssh.addAll(access.options());
        ssh.addAll(List.of("-p", String.valueOf(t.port()), "root@" + t.host(), "mkdir -p /tmp/bare-daemon && "
                + bare.shellCommand()));
        Board session = Board.over(board,
                Settings.of(Map.of()));
        MemcheckCommand live = session.command(d.pathOf(daemon)).args("8091").env("LD_LIBRARY_PATH", d.folder()).build();

        List<Double> bareReady = new ArrayList<>();
        List<Double> liveReady = new ArrayList<>();
        List<Double> checks = new ArrayList<>();
        bareReady.add(bareDaemon(ssh, board));
        for (int i = 0; i < 3; i++) {
            long start = System.nanoTime();
            Session s = Session.start(session, live,
                    SessionOptions.daemon("bench-daemon", 8091).withProbe(d.pathOf(probe)));
            s.awaitReady();
            liveReady.add((System.nanoTime() - start) / 1e9);
            for (int c = 0; c < 3; c++) {
                long at = System.nanoTime();
                s.leakCheck("check " + c);
                checks.add((System.nanoTime() - at) / 1e9);
            }
            s.close();
        }
        bareReady.add(bareDaemon(ssh, board));
        bareReady.add(bareDaemon(ssh, board));
        double bareMedian = median(bareReady);
        double liveMedian = median(liveReady);
        double checkMedian = median(checks);
        System.out.printf("daemon start to port ready: bare ssh board valgrind %.2f s (median of 3, until it prints that"
                + " it listens), leakgate session %.2f s (median of 3: start, readiness over SSH, the probe's check):"
                + " %.2fx%n", bareMedian, liveMedian, liveMedian / bareMedian);
        System.out.printf("one on-demand leak check through the probe: median %.2f s of %d, %.2fx a bare daemon"
                + " start%n", checkMedian, checks.size(), checkMedian / bareMedian);
    }

    /**
     * A daemon test whose 3 requests are each served by a forked worker (every worker under valgrind
     * with a report of its own, fetched and judged) against the same daemon serving them itself: the
     * whole test (start, ready, 3 requests, stop, fetch, judge), median of 3 each, alternated. Returns
     * the ratio.
     */
    private static double workers(EmulatedBoard emulated) throws Exception {
        Board board = Board.over(emulated.board(),
                Settings.of(Map.of()));
        Path daemon = TestPrograms.aarch64Program("daemon");
        Deployment d = board.deploy("bench-workers", List.of(daemon));
        List<Double> none = new ArrayList<>();
        List<Double> forked = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            none.add(daemonTest(board, d.pathOf(daemon), 8092, null));
            forked.add(daemonTest(board, d.pathOf(daemon), 8093, "fork-workers"));
        }
        double n = median(none);
        double f = median(forked);
        System.out.printf("a daemon test of 3 requests, each served by a forked worker judged on its own report: %.2f s"
                + " (median of 3), the same daemon serving them itself: %.2f s: %.2fx%n", f, n, f / n);
        return f / n;
    }

    private static double daemonTest(Board board, String daemon, int port, String mode)
            throws Exception {
        long start = System.nanoTime();
        MemcheckCommand.Builder b = board.command(daemon).args(String.valueOf(port));
        if (mode != null) {
            b.args(mode);
        }
        Session s = Session.start(board, b.build(),
                SessionOptions.daemon("bench-" + (mode == null ? "plain" : mode), port));
        s.awaitReady();
        InetSocketAddress a = s.address(port);
        for (int r = 0; r < 3; r++) {
            LineClient.request(a, "keep 10");
        }
        SessionReport report = s.stop();
        new SessionGate(LeakGate.defaults(), true).judge(report, board.toString());
        if (mode != null && report.run().children().size() != 3) {
            throw new IllegalStateException("expected 3 workers' reports, got " + report.run().children().size());
        }
        return (System.nanoTime() - start) / 1e9;
    }

    private static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    /** Starts the daemon over OpenSSH under valgrind; seconds until it says it listens; then ends it. */
    private static double bareDaemon(List<String> ssh, SshBoard board) throws Exception {
        long start = System.nanoTime();
        Process p = new ProcessBuilder(ssh).redirectErrorStream(true).start();
        p.getOutputStream().close();
        var in = new BufferedReader(new InputStreamReader(p.getInputStream()));
        double ready = -1;
        for (String line; (line = in.readLine()) != null; ) {
            if (line.contains("listening on port")) {
                ready = (System.nanoTime() - start) / 1e9;
                break;
            }
        }
        board.run("pkill -TERM -f '[o]nvif_daemon 8090'", Duration.ofSeconds(30));
        if (!p.waitFor(120, TimeUnit.SECONDS) || ready < 0) {
            p.destroyForcibly();
            throw new IllegalStateException("the bare daemon did not start");
        }
        return ready;
    }

    /**
     * The bare run's ssh command (the same options the extension uses, over OpenSSH, its files deployed
     * beforehand), with the settings that point the extension at the same board.
     */
    private static List<String> bareAndSettings(EmulatedBoard emulated, OpenSshAccess access, Path harness, Path lib) {
        SshBoard board = emulated.board();
        var t = board.target();
        // the bare run: the same options the extension uses, over OpenSSH, files deployed beforehand
        Deployment d = new BoardMemcheckRunner(board).deploy("bare", List.of(harness, lib));
        MemcheckCommand bare = MemcheckCommand.builder(d.pathOf(harness)).env("LD_LIBRARY_PATH", d.folder())
            .xmlFile("/tmp/bare/memcheck.xml").logFile("/tmp/bare/memcheck.log").workingDirectory("/tmp/bare")
            .build();
        List<String> ssh = new ArrayList<>(List.of("ssh"));
        ssh.addAll(access.options());
        ssh.addAll(List.of("-p", String.valueOf(t.port()), "root@" + t.host(), "mkdir -p /tmp/bare && "
            + bare.shellCommand()));

        System.setProperty("leakgate.board", "ssh://root@" + t.host() + ":" + t.port());
        System.setProperty("leakgate.ssh.key", access.key().toString());
        System.setProperty("leakgate.ssh.knownHosts", access.knownHosts().toString());
        return ssh;
    }

    /** Only the shared-process figures: its time per test against bare runs, leakgate's own time, the first test. */
    private static void shared() throws Exception {
        Path example = TestPrograms.onvifExample().resolve("fixed");
        try (EmulatedBoard emulated = EmulatedBoard.start()) {
            OpenSshAccess access = OpenSshAccess.write(emulated, Files.createTempDirectory("leakgate-bench"));
            List<String> ssh = bareAndSettings(emulated, access, example.resolve("onvif_harness"),
                    example.resolve("libonvif_server.so"));
            engine(OneTestCase.class, 1); // warm-up: JIT, deployment
            List<Double> bareTimes = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                bareTimes.add(bare(ssh));
            }
            Timed run = timed(SharedTestsCase.class, SHARED_TESTS);
            double prestarted = prestartedFirstTest();
            for (int i = 0; i < 4; i++) {
                bareTimes.add(bare(ssh));
            }
            Collections.sort(bareTimes);
            double bareMedian = (bareTimes.get(3) + bareTimes.get(4)) / 2;
            double[] figures = sharedFigures(run.results());
            System.out.printf("bare ssh board valgrind: median %.2f s of 8; %d tests sharing one valgrind process: %.2f s,"
                    + " %.2f s per test; leakgate's own time per test (wall time less the harness's): median %.0f ms;"
                    + " the first test: %.2f s when the class runs alone (valgrind starts for it), %.2f s when it runs after"
                    + " two classes of its program (it takes the process prestarted as the second ended)%n", bareMedian,
                    SHARED_TESTS, run.seconds(), run.seconds() / SHARED_TESTS, figures[0], figures[1], prestarted);
            System.out.printf("RESULT shared_per_test_vs_bare=%.2f overhead_ms=%.0f first_test_s=%.2f first_test_alone_s=%.2f%n",
                    run.seconds() / SHARED_TESTS / bareMedian, figures[0], prestarted, figures[1]);
        }
    }

    private static double engine(Class<?> testCase, int tests) {
        return timed(testCase, tests).seconds();
    }

    /** A class run by the engine: its wall time, and its events for the per-test figures. */
    private record Timed(double seconds, EngineExecutionResults results) {
    }

    private static Timed timed(Class<?> testCase, int tests) {
        long start = System.nanoTime();
        EngineExecutionResults results = EngineTestKit.engine("junit-jupiter").selectors(selectClass(testCase)).execute();
        double seconds = (System.nanoTime() - start) / 1e9;
        if (results.testEvents().succeeded().count() != tests) {
            throw new IllegalStateException("the extension's tests did not all pass: "
                    + results.testEvents().failed().list());
        }
        return new Timed(seconds, results);
    }

    /**
     * leakgate's own time per test of a class that shares one valgrind process: each test's wall time
     * (from its start to its end event) less the time its requests took inside the harness, as the kit
     * measured it (the report entry leakgate.harness.ms); the median over the tests after the first,
     * which waits for valgrind's start. Returns {overhead median ms, first test s}.
     */
    static double[] sharedFigures(EngineExecutionResults results) {
        return sharedFigures(results, id -> true);
    }

    /** {@link #sharedFigures(EngineExecutionResults)} over the tests whose unique id {@code which} accepts. */
    static double[] sharedFigures(EngineExecutionResults results, Predicate<String> which) {
        Map<String, Instant> started = new LinkedHashMap<>();
        Map<String, Instant> finished = new LinkedHashMap<>();
        Map<String, Double> harness = new LinkedHashMap<>();
        for (Event e : results.testEvents().list()) {
            String id = e.getTestDescriptor().getUniqueId().toString();
            if (!which.test(id)) {
                continue;
            }
            switch (e.getType()) {
                case STARTED -> started.put(id, e.getTimestamp());
                case FINISHED -> finished.put(id, e.getTimestamp());
                case REPORTING_ENTRY_PUBLISHED -> e.getPayload(ReportEntry.class).flatMap(r -> Optional.ofNullable(
                        r.getKeyValuePairs().get("leakgate.harness.ms"))).ifPresent(ms -> harness.put(id,
                        Double.parseDouble(ms)));
                default -> { }
            }
        }
        List<String> order = new ArrayList<>(started.keySet());
        order.sort(Comparator.comparing(started::get));
        List<Double> overheads = new ArrayList<>();
        double first = -1;
        for (String id : order) {
            double wallMs = Duration.between(started.get(id), finished.get(id)).toNanos() / 1e6;
            if (first < 0) {
                first = wallMs / 1000;
                continue;
            }
            Double inHarness = harness.get(id);
            if (inHarness == null) {
                throw new IllegalStateException("test " + id + " published no leakgate.harness.ms");
            }
            overheads.add(wallMs - inHarness);
        }
        Collections.sort(overheads);
        int n = overheads.size();
        double median = n % 2 == 1 ? overheads.get(n / 2) : (overheads.get(n / 2 - 1) + overheads.get(n / 2)) / 2;
        return new double[] {median, first};
    }

    private static double bare(List<String> ssh) throws Exception {
        long start = System.nanoTime();
        Process p = new ProcessBuilder(ssh).redirectErrorStream(true).start();
        p.getOutputStream().write(SCRIPT.getBytes());
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(300, TimeUnit.SECONDS) || p.exitValue() != 0 || !out.contains("bye")) {
            throw new IllegalStateException("the bare run failed: " + out);
        }
        return (System.nanoTime() - start) / 1e9;
    }
}
