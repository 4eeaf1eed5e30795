package dev.leakgate.cli;

import dev.leakgate.board.ssh.BoardException;
import dev.leakgate.gate.LeakGate;
import dev.leakgate.gate.Outcome;
import dev.leakgate.gate.Verdict;
import dev.leakgate.memcheck.LeakKind;
import dev.leakgate.memcheck.MemcheckXmlParser;
import dev.leakgate.run.SessionException;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * The leak gate from the command line, without JUnit, over the same session core as the
 * extension: {@code java -jar leakgate-VERSION-cli.jar check|run|kit ...}. The verdict goes to
 * stdout; what happens on the way (the board, the deployment) to stderr.
 *
 * <p>Exit status: 0 pass, 1 fail, 2 inconclusive, 3 a client command of a daemon run failed (the run
 * itself passed its gate), 64 bad usage (with the usage text), 65 the program did not do what its
 * run needs (not a kit harness, a daemon never ready, a probe that did not load), 69 the board is
 * unavailable (down, an unknown host key, the connection lost), 70 an error of leakgate's own, 78 a
 * setting is wrong (a board name, a valgrind path, from a property or the environment); each with one
 * line on stderr, never the FAIL code, which is for leaks.
 */
@Command(name = "leakgate", mixinStandardHelpOptions = true, versionProvider = LeakgateCommand.Version.class,
        subcommands = {LeakgateCommand.Check.class, RunCommand.class, LeakgateCommand.Kit.class},
        description = "Leak-gated runs of C/C++ programs under valgrind memcheck, on this machine or a board.",
        footer = {"", "Exit status: 0 pass, 1 fail, 2 inconclusive, 3 a daemon's client command failed, 64 bad usage,"
                + " 65 the program did not do what its run needs (not a kit harness, a daemon never ready), 69 the"
                + " board is unavailable (down, unknown host key), 70 internal error, 78 a setting is wrong."})
public final class LeakgateCommand implements Runnable {

    static final int PASS = 0;
    static final int FAIL = 1;
    static final int INCONCLUSIVE = 2;
    static final int CLIENT_FAILED = 3;
    static final int USAGE = 64;
    static final int PROGRAM = 65;
    static final int BOARD_UNAVAILABLE = 69;
    static final int INTERNAL = 70;
    static final int CONFIGURATION = 78;

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
            if (e instanceof UsageException) {
                err.println("leakgate: " + e.getMessage());
                commandLine.usage(err);
                return USAGE;
            }
            // not a usage error: no usage text, and a status of its own
            if (e instanceof BoardException) {
                err.println("leakgate: the board is unavailable: " + e.getMessage());
                return BOARD_UNAVAILABLE;
            }
            if (e instanceof SessionException) {
                err.println("leakgate: " + e.getMessage());
                return PROGRAM;
            }
            if (e instanceof IllegalArgumentException) {
                err.println("leakgate: a setting is wrong: " + e.getMessage());
                return CONFIGURATION;
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
            try {
                return LeakgateCommand.gate(limits, failOn);
            } catch (IllegalArgumentException e) {
                throw new UsageException(e.getMessage()); // --limit and --fail-on are options
            }
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

    /** {@code leakgate kit}: writes the C kit into a folder for the user's build. */
    @Command(name = "kit", mixinStandardHelpOptions = true,
            description = {"Write the C kit into a folder (default: leakgate-kit): leakgate_harness.h (the"
                    + " harness kit), leakgate_probe.c (the leak check probe for daemons), leakgate_probe.supp and"
                    + " leakgate_udp_relay.c (carries a daemon's UDP over SSH)."})
    static final class Kit implements Callable<Integer> {
        static final List<String> FILES = List.of("leakgate_harness.h", "leakgate_probe.c", "leakgate_probe.supp",
                "leakgate_udp_relay.c");

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

    static final class UsageException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }
}
