package dev.leakgate.junit;

import dev.leakgate.board.BoardMemcheckRunner;
import dev.leakgate.board.BoardSession;
import dev.leakgate.board.Preflight;
import dev.leakgate.board.Settings;
import dev.leakgate.harness.KitProtocol;
import dev.leakgate.harness.KitReplies;
import dev.leakgate.memcheck.KnownLeaks;
import dev.leakgate.memcheck.LeakGate;
import dev.leakgate.memcheck.LeakKind;
import dev.leakgate.memcheck.LocalMemcheckRunner;
import dev.leakgate.memcheck.MemcheckCommand;
import dev.leakgate.memcheck.MemcheckRun;
import dev.leakgate.memcheck.Verdict;
import dev.leakgate.report.HtmlReport;
import dev.leakgate.soak.GrowthGate;
import dev.leakgate.soak.GrowthSeries;

import java.io.IOException;
import java.lang.reflect.AnnotatedElement;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ExtensionContext.Namespace;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * The extension behind {@link ValgrindOnBoard}. All state lives in the ExtensionContext store: the
 * board in the root store (one per test run, closed at its end), the deployment in the test class's
 * store, the {@link Harness} in the test's.
 */
final class ValgrindOnBoardExtension implements BeforeEachCallback, ParameterResolver, AfterEachCallback {

    private static final Namespace NAMESPACE = Namespace.create(ValgrindOnBoardExtension.class);
    /** Seconds between progress lines during a run under valgrind; 0 for none. */
    static final String PROGRESS_SECONDS = "leakgate.progress.seconds";

    /** The settings of one test, validated before anything runs. */
    private record Config(ValgrindOnBoard annotation, Path harness, List<Path> libs, List<Path> suppressions,
                          Settings settings) {

        static Config of(ExtensionContext context) {
            Settings settings = Settings.load(); // once per test: the files on the classpath are read here
            ValgrindOnBoard a = find(context).orElseThrow(() -> new ExtensionConfigurationException(
                    "@ValgrindOnBoard is missing on " + context.getDisplayName()));
            List<String> errors = new ArrayList<>();
            if (a.harness().isBlank()) {
                errors.add("harness is empty: name the harness binary, e.g. harness = \"build/aarch64/onvif_test\"");
            }
            Path harness = Path.of(a.harness());
            List<Path> libs = paths(a.libs(), "libs", errors);
            List<Path> supps = paths(a.suppressions(), "suppressions", errors);
            if (!a.harness().isBlank() && Files.isDirectory(harness)) {
                errors.add("harness = \"" + a.harness() + "\" is a folder (" + harness.toAbsolutePath()
                        + "): name the harness program in it");
            } else if (!a.harness().isBlank() && !Files.isRegularFile(harness)) {
                errors.add("harness = \"" + a.harness() + "\" does not exist (looked in " + harness.toAbsolutePath()
                        + "): build it first, or fix the path (relative to the test's working directory)");
            }
            for (String kind : a.failOnErrors()) {
                try {
                    dev.leakgate.memcheck.ErrorKind.parse(kind);
                } catch (IllegalArgumentException e) {
                    errors.add("failOnErrors names " + e.getMessage());
                }
            }
            limit(a.maxDefinitelyLost(), "maxDefinitelyLost", errors);
            limit(a.maxIndirectlyLost(), "maxIndirectlyLost", errors);
            limit(a.maxPossiblyLost(), "maxPossiblyLost", errors);
            limit(a.maxStillReachable(), "maxStillReachable", errors);
            if (a.timeoutSeconds() < 1) {
                errors.add("timeoutSeconds = " + a.timeoutSeconds() + " must be at least 1");
            }
            if (!a.baseline().isEmpty() && !Files.isRegularFile(Path.of(a.baseline())) && !updateBaselines(settings)) {
                errors.add("baseline = \"" + a.baseline() + "\" does not exist (looked in "
                        + Path.of(a.baseline()).toAbsolutePath() + "): write it from a run with"
                        + " -Dleakgate.baseline.update=true, or fix the path");
            }
            if (!a.plain() && !a.stdin().isEmpty()) {
                errors.add("stdin is only for plain programs: a kit harness reads scenario requests from stdin; set"
                        + " plain = true, or drive it through the Harness parameter");
            }
            if (!errors.isEmpty()) {
                throw new ExtensionConfigurationException("@ValgrindOnBoard on " + context.getDisplayName()
                        + " is wrong:\n  - " + String.join("\n  - ", errors));
            }
            return new Config(a, harness, libs, supps, settings);
        }

        private static List<Path> paths(String[] names, String attribute, List<String> errors) {
            List<Path> out = new ArrayList<>();
            for (String n : names) {
                Path p = Path.of(n);
                if (Files.isDirectory(p)) {
                    errors.add(attribute + " names \"" + n + "\", which is a folder (" + p.toAbsolutePath()
                            + "): name each file in it, e.g. \"" + n + (n.endsWith("/") ? "" : "/") + "libname.so\"");
                } else if (!Files.isRegularFile(p)) {
                    errors.add(attribute + " names \"" + n + "\", which does not exist (looked in " + p.toAbsolutePath()
                            + "): build it first, or fix the path");
                }
                out.add(p);
            }
            return out;
        }

        private static void limit(long value, String attribute, List<String> errors) {
            if (value < ValgrindOnBoard.NOT_GATED) {
                errors.add(attribute + " = " + value + " must be a number of bytes (>= 0), or ValgrindOnBoard.NOT_GATED");
            }
        }

        java.util.Set<LeakKind> gatedKinds() {
            java.util.Set<LeakKind> kinds = java.util.EnumSet.noneOf(LeakKind.class);
            gate().limits().keySet().forEach(kinds::add);
            return kinds;
        }

        LeakGate gate() {
            LeakGate gate = LeakGate.defaults().ungated(LeakKind.DEFINITELY_LOST);
            gate = limit(gate, LeakKind.DEFINITELY_LOST, annotation.maxDefinitelyLost());
            gate = limit(gate, LeakKind.INDIRECTLY_LOST, annotation.maxIndirectlyLost());
            gate = limit(gate, LeakKind.POSSIBLY_LOST, annotation.maxPossiblyLost());
            gate = limit(gate, LeakKind.STILL_REACHABLE, annotation.maxStillReachable());
            return annotation.failOnErrors().length == 0 ? gate : gate.failOn(annotation.failOnErrors());
        }

        private static LeakGate limit(LeakGate gate, LeakKind kind, long bytes) {
            return bytes == ValgrindOnBoard.NOT_GATED ? gate : gate.limit(kind, bytes);
        }
    }

    /** Whether the settings ask for known-leak baselines to be written from this run. */
    private static boolean updateBaselines(Settings settings) {
        return "true".equalsIgnoreCase(settings.get(Settings.BASELINE_UPDATE, "false"));
    }

    /** The annotation of the test method, else of its class or an enclosing class (for @Nested). */
    private static Optional<ValgrindOnBoard> find(ExtensionContext context) {
        Optional<ValgrindOnBoard> onMethod = context.getTestMethod().flatMap(m -> annotation(m));
        if (onMethod.isPresent()) {
            return onMethod;
        }
        for (Class<?> c = context.getRequiredTestClass(); c != null; c = c.getEnclosingClass()) {
            Optional<ValgrindOnBoard> onClass = annotation(c);
            if (onClass.isPresent()) {
                return onClass;
            }
        }
        return Optional.empty();
    }

    private static Optional<ValgrindOnBoard> annotation(AnnotatedElement element) {
        return Optional.ofNullable(element.getAnnotation(ValgrindOnBoard.class));
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        // every attribute is checked before the board is touched; afterEach uses what was checked
        context.getStore(NAMESPACE).put(Config.class, Config.of(context));
        context.getStore(NAMESPACE).put(Harness.class, new Harness());
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == Harness.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        if (find(context).map(ValgrindOnBoard::plain).orElse(false)) {
            throw new ExtensionConfigurationException("a plain program (plain = true) has no scenarios: remove the"
                    + " Harness parameter, or build the program with leakgate_harness.h and drop plain");
        }
        Harness h = context.getStore(NAMESPACE).get(Harness.class, Harness.class);
        if (h == null) { // resolved before beforeEach (e.g. a constructor parameter)
            throw new ExtensionConfigurationException("a Harness belongs to one test: take it as a test method"
                    + " parameter, not a constructor or lifecycle method parameter");
        }
        return h;
    }

    @Override
    public void afterEach(ExtensionContext context) {
        if (context.getExecutionException().isPresent()) {
            return; // the test failed already: its own failure is the one to show
        }
        Config config = context.getStore(NAMESPACE).get(Config.class, Config.class);
        ValgrindOnBoard a = config.annotation();
        Harness harness = context.getStore(NAMESPACE).get(Harness.class, Harness.class);
        BoardSession board = board(context, config.settings(), a.board());
        BoardMemcheckRunner.Deployment deployed = deployment(context, board, config);

        if (!a.plain() && harness.calls().isEmpty() && harness.soaks().isEmpty()) {
            throw new AssertionError("leakgate: the test asked its harness for no scenario, so nothing was run or"
                    + " gated: call run(\"SCENARIO\", N) or soak(..) on the Harness parameter in the test body, or set"
                    + " plain = true on @ValgrindOnBoard to run the program as it is");
        }
        List<String> soakFailures = harness.soaks().isEmpty() ? List.of() : soak(context, board, deployed, config, harness);
        if (!a.plain() && harness.calls().isEmpty()) {
            if (!soakFailures.isEmpty()) {
                throw new AssertionError(String.join("\n\n", soakFailures));
            }
            return; // only growth was asked for: no valgrind run
        }

        String token = KitProtocol.newToken(); // the kit's replies carry it: the code under test cannot forge them
        MemcheckCommand.Builder builder = board.command(deployed.pathOf(config.harness()))
                .args(a.args())
                .env("LD_LIBRARY_PATH", deployed.folder())
                .suppressions(config.suppressions().stream().map(deployed::pathOf).toList())
                .options("--gen-suppressions=all"); // offered per leak in the report
        if (!a.plain()) {
            builder.env(KitProtocol.TOKEN_VARIABLE, token);
        }
        MemcheckCommand command = builder.build();
        String stdin = a.plain() ? a.stdin() : harness.script();
        Progress[] progress = {null};
        Duration every = Duration.ofSeconds(Long.parseLong(config.settings().get(PROGRESS_SECONDS, "10")));
        String what = context.getRequiredTestClass().getSimpleName() + " > " + context.getDisplayName() + " on " + board;
        MemcheckRun run;
        try {
            run = board.run(command, LocalMemcheckRunner.Options.named(runName(context))
                    .withStdin(stdin).withTimeout(Duration.ofSeconds(a.timeoutSeconds()))
                    .withOnStart(files -> progress[0] = Progress.start(what, every,
                            a.plain() ? List.of() : harness.calls(), files.stdout(), token,
                            line -> context.publishReportEntry("leakgate.progress", line))));
        } finally {
            if (progress[0] != null) {
                progress[0].close();
            }
        }

        LeakGate gate = config.gate();
        if (!a.baseline().isEmpty()) {
            Path baseline = Path.of(a.baseline());
            if (updateBaselines(config.settings()) && run.isConclusive()) { // never from a cut-off or crashed run
                KnownLeaks.write(baseline, run.report().leakRecords(), config.gatedKinds());
                context.publishReportEntry("leakgate.baseline.written", baseline.toAbsolutePath().toString());
            }
            gate = gate.withKnownLeaks(KnownLeaks.read(baseline));
        }
        Verdict verdict = gate.evaluate(run);
        StringBuilder message = new StringBuilder(verdict.message());
        boolean failed = !verdict.passed();
        List<String> scenarioLines = new ArrayList<>();
        if (!a.plain()) {
            KitReplies replies = KitReplies.check(KitProtocol.replies(run.files().stdout(), token), harness.requests());
            if (!replies.problems().isEmpty()) {
                failed = true;
                message.insert(0, "leakgate: the harness run went wrong:\n  - "
                        + String.join("\n  - ", replies.problems()) + "\n");
            }
            List<String> overLimit = new ArrayList<>();
            for (KitReplies.ScenarioResult r : replies.results()) {
                // the kit counts definitely and indirectly lost together, so a scenario is gated on its own
                // only where that cannot differ from the limit's kind: a limit of 0 (anything lost holds a
                // definitely lost block). With a baseline, accepted leaks are told apart by their stacks in
                // the whole-run gate.
                if (a.baseline().isEmpty() && a.maxDefinitelyLost() == 0 && r.lost() > 0) {
                    overLimit.add("scenario " + r.scenario() + " (x" + r.times() + ") lost " + r.lost()
                            + " bytes while it ran (definitely and indirectly lost; limit 0)");
                }
            }
            if (!overLimit.isEmpty()) { // each scenario is gated too: it says which one leaked
                failed = true;
                message.insert(0, String.join("\n", overLimit) + "\n");
            }
            if (!replies.results().isEmpty()) {
                writeScenarios(run.files().folder().resolve("scenarios.csv"), replies.results());
                message.append("\nScenarios (bytes each leaked while it ran, on ").append(board).append("):");
                replies.results().forEach(r -> message.append("\n  ").append(r));
                replies.results().forEach(r -> scenarioLines.add(r.toString()));
            }
        }
        Path page = HtmlReport.writeRunPage(context.getDisplayName() + " (" + context.getRequiredTestClass().getSimpleName()
                + ")", verdict, run.files(), scenarioLines);
        Path index = reportIndex(context).add(new HtmlReport.Entry(context.getRequiredTestClass().getSimpleName() + " > "
                + context.getDisplayName(), failed ? (verdict.passed() ? "FAIL" : verdict.outcome().name())
                : verdict.outcome().name(), firstLine(message.toString()), page));
        message.append("\nReport: ").append(page).append(" (all tests: ").append(index.toAbsolutePath()).append(')');
        Map<String, String> entry = new LinkedHashMap<>();
        entry.put("leakgate.verdict", verdict.outcome().name());
        entry.put("leakgate.report", page.toString());
        entry.put("leakgate.xml", run.files().xml().toString());
        entry.put("leakgate.log", run.files().log().toString());
        context.publishReportEntry(entry);
        if (!soakFailures.isEmpty()) {
            failed = true;
            message.insert(0, String.join("\n\n", soakFailures) + "\n\n");
        }
        if (failed) {
            throw new AssertionError(message.toString());
        }
    }

    /** Plays the soaks natively on the board and gates their growth; returns the failures' messages. */
    private static List<String> soak(ExtensionContext context, BoardSession board,
                                     BoardMemcheckRunner.Deployment deployed, Config config, Harness harness) {
        ValgrindOnBoard a = config.annotation();
        String token = KitProtocol.newToken();
        Map<String, String> env = new LinkedHashMap<>();
        env.put("LD_LIBRARY_PATH", deployed.folder());
        env.put(KitProtocol.TOKEN_VARIABLE, token);
        BoardMemcheckRunner.NativeRun run = board.runNative(deployed.pathOf(config.harness()), List.of(a.args()),
                env, runName(context) + "-soak", harness.soakScript().getBytes(java.nio.charset.StandardCharsets.US_ASCII),
                Duration.ofSeconds(a.timeoutSeconds()));
        List<String> out = KitProtocol.replies(run.files().stdout(), token);
        String cut = run.lostBoard() != null ? "; " + run.lostBoard()
                : run.termination().endedByLeakgate() ? "; the soak was ended by the timeout after " + a.timeoutSeconds()
                + " s, so it did not finish" : "";
        List<String> failures = new ArrayList<>();
        for (Harness.SoakCall call : harness.soaks()) {
            GrowthSeries series = GrowthSeries.parse(out, call.scenario(), call.runs());
            if (run.termination() != dev.leakgate.memcheck.Termination.EXITED) {
                series = series.unfinished();
            }
            Path csv = series.writeCsv(run.files().folder().resolve("growth-" + call.scenario() + ".csv"));
            GrowthGate.Result result = new GrowthGate(call.maxBytesPerRun(), 0.2).evaluate(series);
            context.publishReportEntry("leakgate.growth." + call.scenario(), csv.toString());
            if (!result.passed()) {
                failures.add(result.message() + "\n  (natively on " + board + "; series: " + csv + cut + ")");
            }
        }
        run.notes().forEach(n -> System.out.println("leakgate: " + n));
        return failures;
    }

    /** Each scenario's leaked bytes and the heap in use after it, kept beside the run's raw files. */
    private static void writeScenarios(Path file, List<KitReplies.ScenarioResult> results) {
        StringBuilder s = new StringBuilder("scenario,times,lost,possibly_lost,still_reachable,heap_in_use\n");
        for (KitReplies.ScenarioResult r : results) {
            s.append(r.scenario()).append(',').append(r.times()).append(',').append(r.lost()).append(',')
                    .append(r.possibly()).append(',').append(r.reachable()).append(',').append(r.heap()).append('\n');
        }
        try {
            Files.writeString(file, s);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot write " + file, e);
        }
    }

    private static String firstLine(String text) {
        int nl = text.indexOf('\n');
        return nl < 0 ? text : text.substring(0, nl);
    }

    /** The index of this test run's reports, in the root store: one page across all tests. */
    private static ReportIndex reportIndex(ExtensionContext context) {
        return context.getRoot().getStore(NAMESPACE).getOrComputeIfAbsent(ReportIndex.class, k -> new ReportIndex(
                Path.of(System.getProperty(LocalMemcheckRunner.RUNS_DIR_PROPERTY, "target/leakgate")).resolve("report")),
                ReportIndex.class);
    }

    /** The runs of this test run, written out as index.html after each test. */
    private static final class ReportIndex {
        private final Path dir;
        private final List<HtmlReport.Entry> entries = new ArrayList<>();

        ReportIndex(Path dir) {
            this.dir = dir;
        }

        synchronized Path add(HtmlReport.Entry entry) {
            entries.add(entry);
            return HtmlReport.writeIndex(dir, entries);
        }
    }

    /** The test's name for run folders: its class's full name (two classes may share a simple name) and method. */
    private static String runName(ExtensionContext context) {
        return context.getRequiredTestClass().getName() + "-" + context.getRequiredTestMethod().getName();
    }

    /** One board per test run and board setting, closed when the run ends. */
    private static BoardSession board(ExtensionContext context, Settings settings, String defaultBoard) {
        String key = "board:" + settings.get(Settings.BOARD, defaultBoard);
        return context.getRoot().getStore(NAMESPACE)
                .getOrComputeIfAbsent(key, k -> new OpenBoard(BoardSession.open(settings, defaultBoard)),
                        OpenBoard.class).session();
    }

    /** One deployment per test class and set of files, after the preflight checks. */
    private static BoardMemcheckRunner.Deployment deployment(ExtensionContext context, BoardSession board, Config config) {
        ExtensionContext classContext = context.getParent().orElse(context);
        List<Path> files = new ArrayList<>();
        files.add(config.harness());
        files.addAll(config.libs());
        files.addAll(config.suppressions());
        String key = "deployment:" + board + ":" + files;
        return classContext.getStore(NAMESPACE).getOrComputeIfAbsent(key, k -> {
            if (!board.isLocal()) {
                MemcheckCommand probe = board.command("harness").build();
                Preflight.check(board.sshBoard(), config.harness(), config.libs(), probe,
                        config.settings().get(Settings.BOARD_DIR, BoardMemcheckRunner.DEFAULT_REMOTE_ROOT));
            }
            // a folder per set of files: a method's own harness must not overwrite its class's
            // by the class's full name: two classes of the same simple name may run at once on one board
            String folder = context.getRequiredTestClass().getName() + "-"
                    + Integer.toHexString(files.stream().map(f -> f.toAbsolutePath().normalize().toString()).toList()
                    .hashCode());
            long bytes = files.stream().mapToLong(f -> {
                try {
                    return Files.size(f);
                } catch (IOException e) {
                    return 0;
                }
            }).sum();
            System.out.printf("leakgate: deploying %d files (%.1f MB) to %s for %s%n", files.size(), bytes / 1e6, board,
                    context.getRequiredTestClass().getSimpleName());
            long start = System.nanoTime();
            BoardMemcheckRunner.Deployment d = board.deploy(folder, files);
            System.out.printf("leakgate: deployed in %.1f s (%d copied, %d unchanged)%n",
                    (System.nanoTime() - start) / 1e9, d.copied().size(), files.size() - d.copied().size());
            return d;
        }, BoardMemcheckRunner.Deployment.class);
    }

    /**
     * The board in the root store, closed by JUnit when the test run ends: as a CloseableResource
     * on JUnit 5.10+, as an AutoCloseable on 6 (closing twice does nothing more).
     */
    @SuppressWarnings("deprecation")
    private static final class OpenBoard implements ExtensionContext.Store.CloseableResource, AutoCloseable {
        private final BoardSession session;
        private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

        OpenBoard(BoardSession session) {
            this.session = session;
        }

        BoardSession session() {
            return session;
        }

        @Override
        public void close() {
            if (closed.compareAndSet(false, true)) {
                session.close();
            }
        }
    }
}
