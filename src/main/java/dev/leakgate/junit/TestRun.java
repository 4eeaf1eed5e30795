package dev.leakgate.junit;

import dev.leakgate.board.Board;
import dev.leakgate.board.Deployment;
import dev.leakgate.gate.KnownLeaks;
import dev.leakgate.gate.LeakGate;
import dev.leakgate.gate.Outcome;
import dev.leakgate.kit.KitReplies;
import dev.leakgate.process.Console;
import dev.leakgate.process.MemcheckCommand;
import dev.leakgate.process.MemcheckRun;
import dev.leakgate.report.HtmlReport;
import dev.leakgate.run.Launch;
import dev.leakgate.run.Placeholders;
import dev.leakgate.run.Session;
import dev.leakgate.run.SessionGate;
import dev.leakgate.run.SessionOptions;
import dev.leakgate.run.SessionReport;

import org.junit.jupiter.api.extension.ExtensionContext;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One {@link ValgrindOnBoard} test: the adapter between JUnit's context and the JUnit-free core.
 * It opens the board and the deployment (shared through the stores), starts the test's
 * {@link Session} (a kit harness at its first request, a daemon before the body, a plain program
 * after it), stops it, judges it with a {@link SessionGate}, writes the report page and gives the
 * failure message. Closed by JUnit with the test's store, which ends a session still running.
 */
final class TestRun implements AutoCloseable {

    private final ExtensionContext context;
    private final TestConfig config;
    private final Harness harness;
    private Session session;
    private Progress progress;
    private Board board;
    private Deployment deployed;

    /** The class's shared process (lifecycle = PER_CLASS), else null. */
    private final SharedSession shared;

    TestRun(ExtensionContext context, TestConfig config) {
        this.context = context;
        this.config = config;
        this.shared = config.annotation().lifecycle() == ValgrindOnBoard.Lifecycle.PER_CLASS
                ? ValgrindOnBoardExtension.sharedSession(context, config) : null;
        if (shared != null) {
            shared.acquire(); // released in close(), after the test
        }
        this.harness = new Harness(shared == null ? () -> start(Session.Kind.KIT) : this::sharedTurn);
    }

    /** The class's shared process for this test's turn, with this test's progress lines, as PER_TEST has. */
    private synchronized Session sharedTurn() {
        Session s = shared.session(() -> {
            Board b = board(); // first: the run's registry of prestarted processes is made after the board
            return shared.takeOrStart(ValgrindOnBoardExtension.prestarted(context), b, config.processKey(),
                    context.getRequiredTestClass().getSimpleName(), n -> newSession(Session.Kind.KIT, n));
        });
        if (progress == null) {
            progress = startProgress(s);
        }
        return s;
    }

    private Progress startProgress(Session s) {
        Duration every = Duration.ofSeconds(Long.parseLong(config.settings().get(
                ValgrindOnBoardExtension.PROGRESS_SECONDS, "10")));
        return Progress.start(context.getRequiredTestClass().getSimpleName() + " > " + context.getDisplayName(),
                every, s::status, line -> context.publishReportEntry("leakgate.progress", line));
    }

    Harness harness() {
        return harness;
    }

    /** Starts the daemon and waits until it is ready; the test body then talks to it. */
    Daemon startDaemon() {
        Session s = start(Session.Kind.DAEMON);
        s.awaitReady();
        return new Daemon(s);
    }

    private synchronized Session start(Session.Kind kind) {
        if (session != null) {
            return session;
        }
        session = newSession(kind, runName());
        progress = startProgress(session);
        return session;
    }

    /** A session of the test's program on its board, started now. */
    private Session newSession(Session.Kind kind, String name) {
        ValgrindOnBoard a = config.annotation();
        Board b = board();
        Deployment d = deployment();
        Placeholders where = placeholders(b, d);
        MemcheckCommand.Builder builder = b.command(d.pathOf(config.harness()))
                .args(where.expand(List.of(a.args()), "args"))
                .env("LD_LIBRARY_PATH", d.folder())
                .suppressions(config.suppressions().stream().map(d::pathOf).toList())
                .options("--gen-suppressions=all"); // offered per leak in the report
        config.env().forEach((k, v) -> builder.env(k, where.expand(v, "env")));
        if (!a.workDir().isEmpty()) {
            builder.workingDirectory(where.expand(a.workDir(), "workDir"));
        }
        MemcheckCommand command = builder.build();
        SessionOptions options = switch (kind) {
            case KIT -> SessionOptions.kit(name);
            case DAEMON -> SessionOptions.daemon(name, a.ports());
            case PLAIN -> SessionOptions.plain(name, a.stdin().getBytes(StandardCharsets.UTF_8));
        };
        options = options.withTimeout(Duration.ofSeconds(a.timeoutSeconds()))
                .withReadyTimeout(Duration.ofSeconds(a.readySeconds()))
                .withStop(a.stopSignal(), a.stopCommand().isEmpty() ? null : where.expand(a.stopCommand(), "stopCommand"),
                        Duration.ofSeconds(a.stopSeconds()));
        if (config.readyLine() != null) {
            options = options.withReadyLine(config.readyLine(), Duration.ofSeconds(a.readySeconds()));
        }
        if (config.probe() != null) {
            options = options.withProbe(d.pathOf(config.probe()));
        }
        options = options.withLeakChecks(config.settings());
        if (a.udpPorts().length > 0) {
            options = options.withUdp(Arrays.stream(a.udpPorts()).boxed().toList(),
                    config.udpRelay() == null ? null : d.pathOf(config.udpRelay()));
        }
        return Session.start(b, command, options);
    }

    /**
     * After the body: stops the session and judges it. When the body failed, the session is still
     * stopped and its report kept and linked, and the body's failure is the one shown.
     */
    void finish(Throwable bodyFailure) {
        boolean bodyFailed = bodyFailure != null;
        if (shared != null) {
            finishShared(bodyFailed);
            return;
        }
        ValgrindOnBoard a = config.annotation();
        if (bodyFailed) {
            if (session != null) {
                judge(stop(), bodyFailure); // kept, judged and linked; the body's failure is the one shown
            } else {
                ValgrindOnBoardExtension.reportIndex(context).add(new HtmlReport.Entry(indexTitle(),
                        bodyFailure instanceof AssertionError ? "FAIL" : "ERROR", firstLine(String.valueOf(
                        bodyFailure.getMessage())), null));
            }
            return;
        }
        if (a.plain()) {
            start(Session.Kind.PLAIN);
        } else if (session == null && harness.soaks().isEmpty()) {
            throw noScenario();
        }
        List<String> failures = new ArrayList<>();
        if (session != null) {
            String failure = judge(stop(), null);
            if (failure != null) {
                failures.add(failure);
            }
        }
        if (!harness.soaks().isEmpty()) {
            failures.addAll(0, soak());
        }
        if (!failures.isEmpty()) {
            throw new AssertionError(String.join("\n\n", failures));
        }
    }

    /**
     * After the body of a test that shares its class's process: gated on what its own scenarios lost
     * while they ran, with their stacks. A process that ended during the test (a crash, the timeout)
     * makes it inconclusive and is retired, so that the next test starts a new one.
     */
    private void finishShared(boolean bodyFailed) {
        if (progress != null) {
            progress.close(); // this test's turn is over
        }
        Session s = harness.startedSession();
        boolean ended = s != null && s.hasEnded();
        if (ended) {
            shared.retire(); // its report is judged with the class
        }
        if (bodyFailed) {
            return;
        }
        if (s == null && harness.soaks().isEmpty()) {
            throw noScenario();
        }
        List<String> failures = new ArrayList<>();
        if (s != null) {
            List<String> lines = new ArrayList<>();
            harness.results().forEach(r -> lines.add(r.toString()));
            List<KitReplies.ScenarioResult> leaked = harness.results().stream().filter(r -> r.lost() > 0).toList();
            List<String> stacks = ended || leaked.isEmpty() ? null : s.lostStacks(leaked);
            StringBuilder lost = new StringBuilder();
            for (int i = 0; i < leaked.size(); i++) {
                KitReplies.ScenarioResult r = leaked.get(i);
                lost.append("\nscenario ").append(r.scenario()).append(" (x").append(r.times()).append(") lost ")
                        .append(r.lost()).append(" bytes while it ran (definitely and indirectly lost; limit 0)")
                        .append(stacks == null ? "" : stacks.get(i));
            }
            String where = " (in the harness process this class shares, on " + board() + "; its whole run is judged"
                    + " after the class: " + s.folder() + ")";
            String[] threads = ended ? new String[2] : shared.threadsAfterTurn(s, indexTitle());
            if (threads[0] != null) {
                // not a leak of its own: said on the test, so that a later test's blame can be traced here
                context.publishReportEntry("leakgate.threads", threads[0]);
                Console.say(threads[0] + ": a leak such a thread makes later is counted in the"
                        + " test that runs then");
            }
            if (lost.length() > 0 && threads[1] != null) {
                lost.append("\nNote: ").append(threads[1]).append(", and a thread of it may have lost these bytes"
                        + " while this test ran: a thread that outlives its test is blamed on the tests after it");
            }
            Outcome outcome = lost.length() > 0 ? Outcome.FAIL
                    : ended ? Outcome.INCONCLUSIVE : Outcome.PASS;
            Map<String, String> entry = new LinkedHashMap<>();
            entry.put("leakgate.verdict", outcome.name());
            entry.put("leakgate.scenarios", String.join("; ", lines));
            entry.put("leakgate.shared", s.folder().toString());
            KitReplies.harnessMillis(harness.results()).ifPresent(ms -> entry.put("leakgate.harness.ms", ms));
            context.publishReportEntry(entry);
            if (outcome == Outcome.FAIL) {
                failures.add("leakgate: FAIL: this test's scenarios lost bytes while they ran" + where + lost);
            } else if (outcome == Outcome.INCONCLUSIVE) {
                failures.add("leakgate: INCONCLUSIVE: the harness process this class shares ended during this test"
                        + " (a crash, or the class's timeout of " + config.annotation().timeoutSeconds() + " s), so its"
                        + " answers cannot be trusted; the next test starts a new process. Its report: " + s.folder());
            }
        }
        if (!harness.soaks().isEmpty()) {
            failures.addAll(0, soak());
        }
        if (!failures.isEmpty()) {
            throw new AssertionError(String.join("\n\n", failures));
        }
    }

    private static AssertionError noScenario() {
        return new AssertionError("leakgate: the test asked its harness for no scenario, so nothing was run or"
                + " gated: call run(\"SCENARIO\", N) or soak(..) on the Harness parameter in the test body, or set"
                + " plain = true on @ValgrindOnBoard to run the program as it is");
    }

    /**
     * After the class: judges each process the class shared (see {@link SharedSession#judge}), writes
     * its report page; returns the failures' messages.
     */
    static List<String> finishClass(ExtensionContext classContext, SharedSession shared, TestConfig config,
                                    String board) {
        List<String> failures = new ArrayList<>();
        for (SessionReport report : shared.finish()) {
            SessionGate.SessionVerdict verdict = new SessionGate(config.gate(), false).judge(report, board);
            SessionGate.SessionVerdict failing = SharedSession.judge(report, verdict, config.gate(), board);
            String failure = failing == null ? null : failing.message();
            Outcome outcome = failing == null ? Outcome.PASS
                    : failing.outcome();
            long shown = report.results().stream().mapToLong(KitReplies.ScenarioResult::lost).filter(n -> n > 0).sum();
            // the class's words never contradict its numbers: the whole run's verdict is given as what it is,
            // the bytes the tests already failed for, not as a second verdict line under this one
            String message = failure == null ? "leakgate: PASS: the process this class's tests shared lost nothing"
                    + " beyond what their scenarios showed" + (shown > 0 ? " (" + shown + " bytes, definitely and"
                    + " indirectly lost, which failed the tests whose scenarios lost them)" : "") + "\nIts whole run"
                    + " under valgrind, for the record: " + verdict.message().replaceFirst("^leakgate: ", "")
                    : failure;
            List<String> lines = new ArrayList<>();
            report.results().forEach(r -> lines.add(r.toString()));
            String title = classContext.getRequiredTestClass().getSimpleName() + " (the process its tests shared)";
            Path page = HtmlReport.writeRunPage(title, outcome, message, verdict.verdict(),
                    report.run().files(), lines);
            Path index = ValgrindOnBoardExtension.reportIndex(classContext).add(new HtmlReport.Entry(
                    title, outcome.name(), firstLine(message), page, verdict.verdict().notes()));
            classContext.publishReportEntry("leakgate.report", page.toString());
            if (failure != null) {
                failures.add(failure + "\nReport: " + page + " (all tests: " + index.toAbsolutePath() + ')');
            }
        }
        return failures;
    }

    private SessionReport stop() {
        try {
            return session.stop();
        } finally {
            if (progress != null) {
                progress.close();
            }
        }
    }

    private String indexTitle() {
        return context.getRequiredTestClass().getSimpleName() + " > " + context.getDisplayName();
    }

    /**
     * The failure message, or null when the session passed. {@code bodyFailure}: what the test body
     * threw, or null; its page and its line in the index then give the test's own outcome (FAIL for a
     * failed assertion, ERROR for anything else) when the run itself passed its gate.
     */
    private String judge(SessionReport report, Throwable bodyFailure) {
        ValgrindOnBoard a = config.annotation();
        MemcheckRun run = report.run();
        LeakGate gate = config.gate();
        if (!a.baseline().isEmpty()) {
            Path baseline = Path.of(a.baseline());
            if (config.updateBaselines() && run.isConclusive()) { // never from a cut-off or crashed run
                KnownLeaks.write(baseline, run.report().leakRecords(), config.gatedKinds());
                context.publishReportEntry("leakgate.baseline.written", baseline.toAbsolutePath().toString());
            }
            gate = gate.withKnownLeaks(KnownLeaks.read(baseline));
        }
        boolean eachStep = a.baseline().isEmpty() && a.maxDefinitelyLost() == 0;
        SessionGate.SessionVerdict verdict = new SessionGate(gate, eachStep).judge(report, board().toString());
        List<String> lines = new ArrayList<>();
        report.results().forEach(r -> lines.add(r.toString()));
        report.checks().forEach(c -> lines.add(c.toString()));
        String label = verdict.outcome().name();
        String message = verdict.message();
        if (bodyFailure != null && verdict.passed()) {
            label = bodyFailure instanceof AssertionError ? "FAIL" : "ERROR";
            message = "the test body failed (" + bodyFailure.getClass().getSimpleName() + "): "
                    + bodyFailure.getMessage() + "\nThe run under valgrind: " + verdict.message();
        }
        Path page = HtmlReport.writeRunPage(title(), label, verdict.outcome(), message, verdict.verdict(), run.files(),
                lines);
        Path index = ValgrindOnBoardExtension.reportIndex(context).add(new HtmlReport.Entry(indexTitle(), label,
                firstLine(message), page, verdict.verdict().notes()));
        Map<String, String> entry = new LinkedHashMap<>();
        entry.put("leakgate.verdict", label);
        entry.put("leakgate.report", page.toString());
        entry.put("leakgate.xml", run.files().xml().toString());
        entry.put("leakgate.log", run.files().log().toString());
        KitReplies.harnessMillis(report.results()).ifPresent(ms -> entry.put("leakgate.harness.ms", ms));
        context.publishReportEntry(entry);
        if (verdict.passed() && !report.checks().isEmpty()) {
            // a passing daemon's named checks, in one short block: what was checked, not only that it passed
            StringBuilder block = new StringBuilder(indexTitle() + ": PASS; its leak checks:");
            report.checks().forEach(c -> block.append("\n  ").append(c));
            Console.say(block.toString());
            context.publishReportEntry("leakgate.checks", block.substring(block.indexOf("\n") + 3).replace("\n  ", "; "));
        }
        if (verdict.passed()) {
            return null;
        }
        return verdict.message() + "\nReport: " + page + " (all tests: " + index.toAbsolutePath() + ')';
    }

    /** Plays the soaks natively on the board and gates their growth; returns the failures' messages. */
    private List<String> soak() {
        Board b = board();
        Deployment d = deployment();
        return Soak.play(context, config, harness, b, d, placeholders(b, d), title(), runName());
    }

    private String title() {
        return context.getDisplayName() + " (" + context.getRequiredTestClass().getSimpleName() + ")";
    }

    /** The test's name for run folders: its class's full name (two classes may share a simple name) and method. */
    private String runName() {
        return context.getRequiredTestClass().getName() + "-" + context.getRequiredTestMethod().getName();
    }

    static String firstLine(String text) {
        int nl = text.indexOf('\n');
        return nl < 0 ? text : text.substring(0, nl);
    }

    private Board board() {
        if (board == null) {
            board = ValgrindOnBoardExtension.board(context, config.settings(), config.annotation().board());
            context.publishReportEntry("leakgate.board", board.toString());
            Prestarted prestarted = ValgrindOnBoardExtension.prestarted(context); // made after the board: closed before it
            if (shared == null) { // a process prestarted there is ended before a test that shares none runs
                prestarted.take(board, null, context.getRequiredTestClass().getSimpleName());
            }
        }
        return board;
    }

    /** One deployment per test class and set of files, after the preflight checks. */
    private Deployment deployment() {
        if (deployed != null) {
            return deployed;
        }
        Board b = board();
        ExtensionContext classContext = context.getParent().orElse(context);
        List<Path> files = config.files();
        String key = "deployment:" + b + ":" + files;
        deployed = classContext.getStore(ValgrindOnBoardExtension.NAMESPACE).getOrComputeIfAbsent(key, k -> {
            List<Path> libraries = new ArrayList<>(config.libs());
            if (config.probe() != null) {
                libraries.add(config.probe());
            }
            // a folder per set of files: a method's own harness must not overwrite its class's; by the class's
            // full name: two classes of the same simple name may run at once on one board
            String folder = context.getRequiredTestClass().getName() + "-"
                    + Integer.toHexString(files.stream().map(f -> f.toAbsolutePath().normalize().toString()).toList()
                    .hashCode());
            return Launch.prepare(b, config.harness(), libraries, files, folder,
                    context.getRequiredTestClass().getSimpleName(), Console::say);
        }, Deployment.class);
        return deployed;
    }

    /**
     * Where the program's folder and its data files are on the board, for its arguments, environment,
     * working folder and stop command; the data files travel here, once per class and folder.
     */
    private Placeholders placeholders(Board b, Deployment d) {
        String dir = Launch.programFolder(d.pathOf(config.harness()));
        String files = null;
        if (config.dataFiles() != null) {
            Path local = config.dataFiles().toAbsolutePath().normalize();
            files = context.getRoot().getStore(ExtensionContext.Namespace.create(TestRun.class, b))
                    .getOrComputeIfAbsent("files " + local, k -> b.deployFiles(context.getRequiredTestClass().getName()
                            + "-" + Integer.toHexString(local.toString().hashCode()), local), String.class);
        }
        return Placeholders.of(dir, files);
    }

    /** Ends a session still running (a body that was aborted) and releases it; ends a shared process's turn. */
    @Override
    public void close() {
        if (progress != null) {
            progress.close();
        }
        if (session != null) {
            session.close();
        }
        if (shared != null) {
            shared.release();
        }
    }
}
