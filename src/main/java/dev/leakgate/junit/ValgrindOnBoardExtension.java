package dev.leakgate.junit;

import dev.leakgate.board.Board;
import dev.leakgate.board.BoardPool;
import dev.leakgate.config.Settings;
import dev.leakgate.process.Console;
import dev.leakgate.process.LocalMemcheckRunner;
import dev.leakgate.report.HtmlReport;
import dev.leakgate.report.ReportIndex;
import dev.leakgate.run.SessionException;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ExtensionContext.Namespace;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * The extension behind {@link ValgrindOnBoard}: a thin adapter over the JUnit-free session core
 * ({@code dev.leakgate.run.Session}). All state lives in the ExtensionContext store: the board in
 * the root store (one per test run, closed at its end), the deployment and the processes its tests
 * share ({@code lifecycle = PER_CLASS}, judged after the class) in the test class's store, the
 * test's {@link TestRun} (its session, closed with the test) in the test's.
 */
final class ValgrindOnBoardExtension implements BeforeEachCallback, ParameterResolver, AfterEachCallback,
        AfterAllCallback {

    static final Namespace NAMESPACE = Namespace.create(ValgrindOnBoardExtension.class);
    /** Seconds between progress lines during a run under valgrind; 0 for none. */
    static final String PROGRESS_SECONDS = "leakgate.progress.seconds";

    @Override
    public void beforeEach(ExtensionContext context) {
        // every attribute is checked before the board is touched
        TestConfig config;
        try {
            config = TestConfig.of(context);
        } catch (ExtensionConfigurationException e) {
            // no run, no page: the index still lists the test, with its error
            reportIndex(context).add(new HtmlReport.Entry(context.getRequiredTestClass()
                    .getSimpleName() + " > " + context.getDisplayName(), "ERROR", firstLine(e.getMessage()), null));
            throw e;
        }
        context.getStore(NAMESPACE).put(TestRun.class, new Closing<>(new TestRun(context, config)));
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        Class<?> type = parameter.getParameter().getType();
        return type == Harness.class || type == Daemon.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        TestRun run = testRun(context);
        if (run == null) { // resolved before beforeEach (e.g. a constructor parameter)
            throw new ExtensionConfigurationException("a Harness or Daemon belongs to one test: take it as a test"
                    + " method parameter, not a constructor or lifecycle method parameter");
        }
        boolean plain = TestConfig.find(context).map(ValgrindOnBoard::plain).orElse(false);
        if (plain) {
            throw new ExtensionConfigurationException("a plain program (plain = true) is not talked to: remove the "
                    + parameter.getParameter().getType().getSimpleName() + " parameter, or drop plain");
        }
        if (parameter.getParameter().getType() == Harness.class) {
            return run.harness();
        }
        if (TestConfig.find(context).map(a -> a.lifecycle() == ValgrindOnBoard.Lifecycle.PER_CLASS).orElse(false)) {
            throw new ExtensionConfigurationException("lifecycle = PER_CLASS shares a kit harness between tests; a"
                    + " daemon is started and stopped for each test: take a Harness, or use PER_TEST");
        }
        try {
            return run.startDaemon(); // before the body: ready when it begins
        } catch (SessionException e) {
            throw new ParameterResolutionException("leakgate: " + e.getMessage());
        }
    }

    @Override
    public void afterEach(ExtensionContext context) {
        TestRun run = testRun(context);
        if (run != null) {
            run.finish(context.getExecutionException().orElse(null));
        }
    }

    /** After the class: judges the processes its tests shared, and fails the class for what they hid. */
    @Override
    public void afterAll(ExtensionContext context) {
        @SuppressWarnings("unchecked")
        Closing<SharedSessions> c = context.getStore(NAMESPACE).get(SharedSessions.class, Closing.class);
        if (c == null) {
            return;
        }
        List<String> failures = new ArrayList<>();
        for (SharedSessions.Entry e : c.value().entries()) { // started before the class's own are stopped: they overlap
            if (e.config().prestart()) {
                e.session().prestartNext(prestarted(context), context.getRequiredTestClass().getSimpleName());
            }
        }
        for (SharedSessions.Entry e : c.value().entries()) {
            String where = board(context, e.config().settings(), e.config().annotation().board()).toString();
            failures.addAll(TestRun.finishClass(context, e.session(), e.config(), where));
        }
        if (!failures.isEmpty()) {
            throw new AssertionError(String.join("\n\n", failures));
        }
    }

    /**
     * The processes prestarted for classes to come, one registry per test run: made after the run's
     * boards, so that JUnit, closing the run's resources in the reverse order, ends them first.
     */
    static Prestarted prestarted(ExtensionContext context) {
        @SuppressWarnings("unchecked")
        Closing<Prestarted> c = context.getRoot().getStore(NAMESPACE).getOrComputeIfAbsent(Prestarted.class,
                k -> new Closing<>(new Prestarted()), Closing.class);
        return c.value();
    }

    /** The process the tests of this test's class share for this program (lifecycle = PER_CLASS). */
    static SharedSession sharedSession(ExtensionContext context, TestConfig config) {
        ExtensionContext classContext = context.getParent().orElse(context);
        @SuppressWarnings("unchecked")
        Closing<SharedSessions> c = classContext.getStore(NAMESPACE).getOrComputeIfAbsent(SharedSessions.class,
                k -> new Closing<>(new SharedSessions()), Closing.class);
        return c.value().of(config, context.getRequiredTestClass().getName() + "-shared");
    }

    /** The shared processes of one test class, by program, arguments and files. */
    static final class SharedSessions implements AutoCloseable {
        record Entry(TestConfig config, SharedSession session) {
        }

        private final Map<String, Entry> byKey = new LinkedHashMap<>();

        synchronized SharedSession of(TestConfig config, String name) {
            String key = config.files() + " " + List.of(config.annotation().args());
            return byKey.computeIfAbsent(key, k -> new Entry(config, new SharedSession(
                    byKey.isEmpty() ? name : name + "-" + (byKey.size() + 1)))).session();
        }

        synchronized List<Entry> entries() {
            return List.copyOf(byKey.values());
        }

        @Override
        public synchronized void close() {
            byKey.values().forEach(e -> e.session().close());
        }
    }

    private static TestRun testRun(ExtensionContext context) {
        @SuppressWarnings("unchecked")
        Closing<TestRun> c = context.getStore(NAMESPACE).get(TestRun.class, Closing.class);
        return c == null ? null : c.value();
    }

    private static String firstLine(String text) {
        int nl = text.indexOf('\n');
        return nl < 0 ? text : text.substring(0, nl);
    }

    /** The index of this test run's reports, in the root store: one page across all tests. */
    static ReportIndex reportIndex(ExtensionContext context) {
        return context.getRoot().getStore(NAMESPACE).getOrComputeIfAbsent(ReportIndex.class,
                k -> new ReportIndex(Path.of(Settings.load().get(LocalMemcheckRunner.RUNS_DIR_PROPERTY,
                        "target/leakgate")).resolve("report")), ReportIndex.class);
    }

    /**
     * The board of a test's class: with {@code leakgate.boards}, one leased from the test run's pool for
     * the class's duration (released when the class ends, however it ends); else one board per test run
     * and board setting, closed when the run ends.
     */
    static Board board(ExtensionContext context, Settings settings, String defaultBoard) {
        var pooled = settings.get(Settings.BOARDS);
        if (pooled.isPresent()) {
            ExtensionContext classContext = context.getTestMethod().isPresent() ? context.getParent().orElse(context)
                    : context;
            Closing<?> pool = context.getRoot().getStore(NAMESPACE).getOrComputeIfAbsent("pool:" + pooled.get(),
                    k -> new Closing<>(BoardPool.of(settings, defaultBoard, Console::say)), Closing.class);
            Closing<?> lease = classContext.getStore(NAMESPACE).getOrComputeIfAbsent(BoardPool.Lease.class,
                    k -> new Closing<>(((BoardPool) pool.value()).lease(classContext.getRequiredTestClass()
                            .getSimpleName())), Closing.class);
            return ((BoardPool.Lease) lease.value()).board();
        }
        String key = "board:" + settings.get(Settings.BOARD, defaultBoard);
        Closing<?> open = context.getRoot().getStore(NAMESPACE).getOrComputeIfAbsent(key, k -> {
            long start = System.nanoTime();
            Board board = Board.open(settings, defaultBoard);
            Console.say(String.format(Locale.ROOT, "board: %s (ready in %.1f s)", board, (System.nanoTime() - start) / 1e9));
            return new Closing<>(board);
        }, Closing.class);
        return (Board) open.value();
    }

    /**
     * Something in a store that JUnit closes when the store's scope ends: as a CloseableResource on
     * JUnit 5.10+, as an AutoCloseable on 6 (closing twice does nothing more).
     */
    @SuppressWarnings("deprecation")
    static final class Closing<T extends AutoCloseable> implements ExtensionContext.Store.CloseableResource,
            AutoCloseable {
        private final T value;
        private final AtomicBoolean closed = new AtomicBoolean();

        Closing(T value) {
            this.value = value;
        }

        T value() {
            return value;
        }

        @Override
        public void close() throws Exception {
            if (closed.compareAndSet(false, true)) {
                value.close();
            }
        }
    }
}
