package dev.leakgate.cli;

import dev.leakgate.board.BoardMemcheckRunner;
import dev.leakgate.board.Board;
import dev.leakgate.board.Preflight;
import dev.leakgate.board.Settings;
import dev.leakgate.memcheck.LeakGate;
import dev.leakgate.memcheck.LeakKind;
import dev.leakgate.memcheck.LocalMemcheckRunner;
import dev.leakgate.memcheck.MemcheckCommand;
import dev.leakgate.memcheck.MemcheckXmlParser;
import dev.leakgate.memcheck.Outcome;
import dev.leakgate.memcheck.Verdict;
import dev.leakgate.run.Session;
import dev.leakgate.run.SessionGate;
import dev.leakgate.run.SessionReport;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The leak gate from the command line, without JUnit, over the same session core as the
 * extension: {@code java -jar leakgate-VERSION-cli.jar check|run|kit ...}. The verdict goes to
 * stdout; what happens on the way (the board, the deployment) to stderr.
 *
 * <p>Exit status: 0 pass, 1 fail, 2 inconclusive, 64 bad usage (with the usage text), 70 an error of
 * leakgate's own (one line on stderr; never the FAIL code, which is for leaks).
 */
@Command(name = "leakgate", mixinStandardHelpOptions = true, versionProvider = LeakgateCommand.Version.class,
        subcommands = {LeakgateCommand.Check.class, LeakgateCommand.Run.class, LeakgateCommand.Kit.class},
        description = "Leak-gated runs of C/C++ programs under valgrind memcheck, on this machine or a board.",
        footer = {"", "Exit status: 0 pass, 1 fail, 2 inconclusive, 64 bad usage, 70 internal error."})
public final class LeakgateCommand implements Runnable {

    static final int PASS = 0;
    static final int FAIL = 1;
    static final int INCONCLUSIVE = 2;
    static final int USAGE = 64;
    static final int INTERNAL = 70;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private LeakgateCommand() {
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "no command given: use check, run or kit");
    }

    public static void main(String[] args) {
        System.exit(execute(args, System.out, System.err));
    }

    static int execute(String[] args, PrintStream out, PrintStream err) {
        CommandLine cli = new CommandLine(new LeakgateCommand());
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        cli.setParameterExceptionHandler((e, arguments) -> {
            err.println("leakgate: " + e.getMessage());
            e.getCommandLine().usage(err);
            return USAGE;
        });
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            if (e instanceof UsageException || e instanceof IllegalArgumentException) {
                err.println("leakgate: " + e.getMessage());
                commandLine.usage(err);
                return USAGE;
            }
            // one line, not a stack trace, and never the FAIL code: this is leakgate's failure, not a leak
            err.println("leakgate: internal error: " + e.getClass().getSimpleName() + ": " + e.getMessage()
                    + " (the run's raw files, if any, are kept under the runs folder)");
            return INTERNAL;
        });
        try {
            return cli.execute(args);
        } catch (OutOfMemoryError e) {
            err.println("leakgate: internal error: OutOfMemoryError: " + e.getMessage());
            return INTERNAL;
        }
    }

    static int exitCode(Outcome outcome) {
        return switch (outcome) {
            case PASS -> PASS;
            case FAIL -> FAIL;
            case INCONCLUSIVE -> INCONCLUSIVE;
        };
    }

    /** The gate's options, the same for check and run. */
    static final class GateOptions {
        @Option(names = "--limit", paramLabel = "KIND=BYTES", description = "bytes allowed of a leak kind"
                + " (definitely_lost, indirectly_lost, possibly_lost, still_reachable, suppressed), or KIND=none;"
                + " definitely_lost=0 unless given")
        List<String> limits = new ArrayList<>();

        @Option(names = "--fail-on", paramLabel = "ERROR_KIND", description = "memcheck errors of this kind fail the"
                + " gate, e.g. InvalidRead")
        List<String> failOn = new ArrayList<>();

        LeakGate gate() {
            return LeakgateCommand.gate(limits, failOn);
        }
    }

    /** Limits given as KIND=BYTES (or KIND=none), on top of the default gate (definitely lost 0). */
    static LeakGate gate(List<String> limits, List<String> failOn) {
        LeakGate gate = LeakGate.defaults();
        for (String spec : limits) {
            int eq = spec.indexOf('=');
            if (eq < 0) {
                throw new UsageException("--limit takes KIND=BYTES, e.g. --limit still_reachable=4096, not '" + spec + "'");
            }
            LeakKind kind = LeakKind.parse(spec.substring(0, eq));
            String bytes = spec.substring(eq + 1);
            if (bytes.equals("none")) {
                gate = gate.ungated(kind);
                continue;
            }
            try {
                gate = gate.limit(kind, Long.parseLong(bytes));
            } catch (NumberFormatException e) {
                throw new UsageException("--limit " + spec + ": '" + bytes + "' is not a number of bytes (or 'none')");
            }
        }
        return failOn.isEmpty() ? gate : gate.failOn(failOn.toArray(String[]::new));
    }

    /** {@code leakgate check}: gates a report valgrind wrote. */
    @Command(name = "check", mixinStandardHelpOptions = true,
            description = "Gate a memcheck XML file valgrind wrote (--xml=yes --xml-file=...).")
    static final class Check implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @CommandLine.Mixin
        GateOptions gate = new GateOptions();

        @Parameters(paramLabel = "FILE.xml", arity = "0..1", description = "the XML file valgrind wrote")
        Path file;

        @Override
        public Integer call() {
            if (file == null) {
                throw new UsageException("check needs the XML file valgrind wrote (--xml-file)");
            }
            Verdict verdict = gate.gate().evaluate(new MemcheckXmlParser().parse(file));
            spec.commandLine().getOut().println(verdict.message());
            return exitCode(verdict.outcome());
        }
    }

    /** {@code leakgate run}: runs a program under memcheck on a board and gates it. */
    @Command(name = "run", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Run a program under valgrind memcheck on a board and gate its leaks.",
                "The board: --board, else leakgate.board (system property, LEAKGATE_BOARD, leakgate.properties),"
                    + " else this machine. Files go to a board with their libraries and suppressions; a program"
                    + " built with leakgate_harness.h runs the --scenario requests, any other program runs once"
                    + " with its arguments and --stdin."})
    static final class Run implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--board", paramLabel = "BOARD", description = "local, emulated, emulated-bare, emulated-armhf or ssh://user@host[:port]")
        String board;

        @Option(names = "--lib", paramLabel = "FILE", description = "a library the program loads (deployed beside it)")
        List<Path> libs = new ArrayList<>();

        @Option(names = "--suppressions", paramLabel = "FILE", description = "a valgrind suppression file")
        List<Path> suppressions = new ArrayList<>();

        @Option(names = "--scenario", paramLabel = "NAME[=TIMES]", description = "run this scenario of a kit harness"
                + " (in the order given); makes the program a kit harness")
        List<String> scenarios = new ArrayList<>();

        @Option(names = "--stdin", paramLabel = "FILE", description = "input for a program without the kit")
        Path stdin;

        @CommandLine.Mixin
        GateOptions gate = new GateOptions();

        @Option(names = "--timeout", paramLabel = "SECONDS", description = "the run's timeout (default 300)")
        long timeout = 300;

        @Option(names = "--valgrind", paramLabel = "PATH", description = "valgrind on the board")
        String valgrind;

        @Option(names = "--runs-dir", paramLabel = "DIR", description = "where raw files are kept (default"
                + " target/leakgate)")
        Path runsDir;

        @Option(names = "--name", paramLabel = "NAME", description = "the run's name (default: the program's)")
        String name;

        @Parameters(paramLabel = "PROGRAM", arity = "0..*", description = "the program and its arguments (after --)")
        List<String> command = new ArrayList<>();

        @Override
        public Integer call() {
            if (command.isEmpty()) {
                throw new UsageException("run needs '-- PROGRAM [ARGS...]'");
            }
            if (timeout < 1) {
                throw new UsageException("--timeout must be at least 1 second, not " + timeout);
            }
            Path program = Path.of(command.get(0));
            for (Path f : concat(List.of(program), libs, suppressions)) {
                if (!Files.isRegularFile(f)) {
                    throw new UsageException("'" + f + "' does not exist or is not a file");
                }
            }
            if (!Files.isExecutable(program)) {
                throw new UsageException("the program '" + program + "' does not exist or is not executable");
            }
            if (!scenarios.isEmpty() && stdin != null) {
                throw new UsageException("--stdin is for a program without the kit; a kit harness takes --scenario");
            }
            LeakGate gate = this.gate.gate();
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            Settings settings = Settings.load().with(Settings.BOARD, board, "option --board")
                    .with(Settings.VALGRIND, valgrind, "option --valgrind")
                    .with(LocalMemcheckRunner.RUNS_DIR_PROPERTY, runsDir == null ? null : runsDir.toString(),
                            "option --runs-dir");
            try (Board b = Board.open(settings, "local")) {
                err.println("leakgate: board: " + b);
                BoardMemcheckRunner.Deployment d = b.deploy("cli-" + program.getFileName(),
                        concat(List.of(program), libs, suppressions));
                MemcheckCommand cmd = b.command(d.pathOf(program)).args(command.subList(1, command.size()))
                        .env("LD_LIBRARY_PATH", d.folder())
                        .suppressions(suppressions.stream().map(d::pathOf).toList()).build();
                b.preflight(program, libs, cmd);
                String runName = name != null ? name : program.getFileName().toString();
                Session.Options options = scenarios.isEmpty()
                        ? Session.Options.plain(runName, stdin == null ? new byte[0] : Files.readAllBytes(stdin))
                        : Session.Options.kit(runName);
                SessionReport report;
                try (Session session = Session.start(b, cmd, options.withTimeout(Duration.ofSeconds(timeout)))) {
                    for (String s : scenarios) {
                        int eq = s.indexOf('=');
                        String scenario = eq < 0 ? s : s.substring(0, eq);
                        int times = eq < 0 ? 1 : parseTimes(s.substring(eq + 1), s);
                        err.println("leakgate: " + session.run(scenario, times));
                    }
                    report = session.stop();
                }
                SessionGate.SessionVerdict v = new SessionGate(gate, gate.limits().getOrDefault(
                        LeakKind.DEFINITELY_LOST, -1L) == 0).judge(report, b.toString());
                out.println(v.message());
                return exitCode(v.outcome());
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }

        private static int parseTimes(String n, String spec) {
            try {
                int times = Integer.parseInt(n);
                if (times < 1) {
                    throw new NumberFormatException();
                }
                return times;
            } catch (NumberFormatException e) {
                throw new UsageException("--scenario " + spec + ": '" + n + "' is not a number of runs (1 or more)");
            }
        }

        @SafeVarargs
        private static List<Path> concat(List<Path>... lists) {
            List<Path> all = new ArrayList<>();
            for (List<Path> l : lists) {
                all.addAll(l);
            }
            return all;
        }
    }

    /** {@code leakgate kit}: writes the C kit into a folder for the user's build. */
    @Command(name = "kit", mixinStandardHelpOptions = true,
            description = {"Write the C kit into a folder (default: leakgate-kit): leakgate_harness.h (the"
                    + " harness kit), leakgate_probe.c (the leak check probe for daemons) and leakgate_probe.supp."})
    static final class Kit implements Callable<Integer> {
        static final List<String> FILES = List.of("leakgate_harness.h", "leakgate_probe.c", "leakgate_probe.supp");

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Parameters(paramLabel = "DIR", arity = "0..1", description = "the folder to write into")
        Path dir = Path.of("leakgate-kit");

        @Override
        public Integer call() throws IOException {
            Files.createDirectories(dir);
            for (String f : FILES) {
                try (InputStream in = LeakgateCommand.class.getResourceAsStream("/leakgate/" + f)) {
                    if (in == null) {
                        throw new IllegalStateException("leakgate/" + f + " is missing from the leakgate jar");
                    }
                    Files.write(dir.resolve(f), in.readAllBytes());
                }
                spec.commandLine().getOut().println(dir.resolve(f));
            }
            return PASS;
        }
    }

    /** The version from the jar's manifest. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = LeakgateCommand.class.getPackage().getImplementationVersion();
            return new String[] {"leakgate " + (v == null ? "(development build)" : v)};
        }
    }

    private static final class UsageException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }
}
