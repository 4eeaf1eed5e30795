package dev.leakgate.cli;

import dev.leakgate.memcheck.LeakGate;
import dev.leakgate.memcheck.LeakKind;
import dev.leakgate.memcheck.LocalMemcheckRunner;
import dev.leakgate.memcheck.MemcheckCommand;
import dev.leakgate.memcheck.MemcheckXmlParser;
import dev.leakgate.memcheck.Verdict;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The leak gate from the command line, without JUnit:
 *
 * <pre>
 * leakgate check [--limit KIND=BYTES]... FILE.xml
 * leakgate run [--limit KIND=BYTES]... [--timeout SECONDS] [--suppressions FILE]... [--valgrind PATH]
 *              [--runs-dir DIR] [--name NAME] -- PROGRAM [ARGS...]
 * </pre>
 *
 * Exit status: 0 pass, 1 fail, 2 inconclusive, 64 bad usage, 70 an error of leakgate's own (one line
 * on stderr; never the FAIL code, which is for leaks).
 */
public final class LeakgateCommand {

    static final int PASS = 0;
    static final int FAIL = 1;
    static final int INCONCLUSIVE = 2;
    static final int USAGE = 64;
    static final int INTERNAL = 70;

    private static final String USAGE_TEXT = """
            usage: leakgate check [--limit KIND=BYTES]... FILE.xml
                   leakgate run [--limit KIND=BYTES]... [--timeout SECONDS] [--suppressions FILE]...
                                [--valgrind PATH] [--runs-dir DIR] [--name NAME] -- PROGRAM [ARGS...]
            KIND is definitely_lost (limit 0 unless given), indirectly_lost, possibly_lost, still_reachable or
            suppressed. Exit status: 0 pass, 1 fail, 2 inconclusive, 64 bad usage, 70 internal error.""";

    private LeakgateCommand() {
    }

    public static void main(String[] args) {
        System.exit(execute(args, System.out, System.err));
    }

    static int execute(String[] args, PrintStream out, PrintStream err) {
        try {
            if (args.length == 0) {
                throw new UsageException("no command given");
            }
            List<String> rest = new ArrayList<>(Arrays.asList(args).subList(1, args.length));
            Verdict verdict = switch (args[0]) {
                case "check" -> check(rest);
                case "run" -> run(rest);
                case "-h", "--help", "help" -> {
                    out.println(USAGE_TEXT);
                    yield null;
                }
                default -> throw new UsageException("unknown command '" + args[0] + "'");
            };
            if (verdict == null) {
                return PASS;
            }
            (verdict.passed() ? out : err).println(verdict.message());
            return switch (verdict.outcome()) {
                case PASS -> PASS;
                case FAIL -> FAIL;
                case INCONCLUSIVE -> INCONCLUSIVE;
            };
        } catch (UsageException | IllegalArgumentException e) {
            err.println("leakgate: " + e.getMessage());
            err.println(USAGE_TEXT);
            return USAGE;
        } catch (RuntimeException | Error e) {
            // one line, not a stack trace, and never the FAIL code: this is leakgate's failure, not a leak
            err.println("leakgate: internal error: " + e.getClass().getSimpleName() + ": " + e.getMessage()
                    + " (the run's raw files, if any, are kept under the runs folder)");
            return INTERNAL;
        }
    }

    private static Verdict check(List<String> args) {
        LeakGate gate = LeakGate.defaults();
        Path file = null;
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (a.equals("--limit")) {
                gate = limit(gate, value(args, ++i, a));
            } else if (a.startsWith("-")) {
                throw new UsageException("unknown option '" + a + "' for check");
            } else if (file == null) {
                file = Path.of(a);
            } else {
                throw new UsageException("check takes one file, but got '" + file + "' and '" + a + "'");
            }
        }
        if (file == null) {
            throw new UsageException("check needs the XML file valgrind wrote (--xml-file)");
        }
        return gate.evaluate(new MemcheckXmlParser().parse(file));
    }

    private static Verdict run(List<String> args) {
        LeakGate gate = LeakGate.defaults();
        Duration timeout = Duration.ofMinutes(5);
        List<String> suppressions = new ArrayList<>();
        String valgrind = "valgrind";
        Path runsDir = Path.of(System.getProperty(LocalMemcheckRunner.RUNS_DIR_PROPERTY, "target/leakgate"))
                .resolve("runs");
        String name = null;
        int i = 0;
        for (; i < args.size() && !args.get(i).equals("--"); i++) {
            String a = args.get(i);
            switch (a) {
                case "--limit" -> gate = limit(gate, value(args, ++i, a));
                case "--timeout" -> timeout = Duration.ofSeconds(Long.parseLong(value(args, ++i, a)));
                case "--suppressions" -> suppressions.add(value(args, ++i, a));
                case "--valgrind" -> valgrind = value(args, ++i, a);
                case "--runs-dir" -> runsDir = Path.of(value(args, ++i, a));
                case "--name" -> name = value(args, ++i, a);
                default -> throw new UsageException("unknown option '" + a + "' for run (put the program after --)");
            }
        }
        if (i + 1 >= args.size()) {
            throw new UsageException("run needs '-- PROGRAM [ARGS...]'");
        }
        String program = args.get(i + 1);
        if (program.contains("/") && !Files.isExecutable(Path.of(program))) {
            throw new UsageException("the program '" + program + "' does not exist or is not executable");
        }
        MemcheckCommand command = MemcheckCommand.builder(program)
                .args(args.subList(i + 2, args.size()))
                .valgrind(valgrind)
                .suppressions(suppressions)
                .build();
        String runName = name != null ? name : Path.of(program).getFileName().toString();
        return gate.evaluate(new LocalMemcheckRunner(runsDir).run(command,
                LocalMemcheckRunner.Options.named(runName).withTimeout(timeout)));
    }

    private static LeakGate limit(LeakGate gate, String spec) {
        int eq = spec.indexOf('=');
        if (eq < 0) {
            throw new UsageException("--limit takes KIND=BYTES, e.g. --limit still_reachable=4096, not '" + spec + "'");
        }
        LeakKind kind = LeakKind.parse(spec.substring(0, eq));
        String bytes = spec.substring(eq + 1);
        if (bytes.equals("none")) {
            return gate.ungated(kind);
        }
        try {
            return gate.limit(kind, Long.parseLong(bytes));
        } catch (NumberFormatException e) {
            throw new UsageException("--limit " + spec + ": '" + bytes + "' is not a number of bytes (or 'none')");
        }
    }

    private static String value(List<String> args, int i, String option) {
        if (i >= args.size()) {
            throw new UsageException(option + " needs a value");
        }
        return args.get(i);
    }

    private static final class UsageException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }
}
