package dev.leakgate.cli;

import dev.leakgate.board.Board;
import dev.leakgate.board.Deployment;
import dev.leakgate.board.ssh.BoardException;
import dev.leakgate.config.Settings;
import dev.leakgate.gate.LeakGate;
import dev.leakgate.gate.Outcome;
import dev.leakgate.gate.Verdict;
import dev.leakgate.memcheck.LeakKind;
import dev.leakgate.memcheck.MemcheckXmlParser;
import dev.leakgate.process.LocalMemcheckRunner;
import dev.leakgate.process.MemcheckCommand;
import dev.leakgate.run.Launch;
import dev.leakgate.run.Placeholders;
import dev.leakgate.run.Session;
import dev.leakgate.run.SessionException;
import dev.leakgate.run.SessionGate;
import dev.leakgate.run.SessionReport;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

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
        subcommands = {LeakgateCommand.Check.class, LeakgateCommand.Run.class, LeakgateCommand.Kit.class},
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

    /** {@code leakgate run}: runs a program under memcheck on a board and gates it. */
    @Command(name = "run", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Run a program under valgrind memcheck on a board and gate its leaks.",
                "The board: --board, else leakgate.board (system property, LEAKGATE_BOARD, leakgate.properties),"
                    + " else this machine. Files go to a board with their libraries and suppressions; a program"
                    + " built with leakgate_harness.h runs the --scenario requests, any other program runs once"
                    + " with its arguments and --stdin.",
                "A daemon (--port or --ready-line): started under valgrind, ready when its first port listens or"
                    + " a line of its output matches; each --client command then runs on this machine while it"
                    + " serves, in order, with LEAKGATE_HOST, LEAKGATE_PORT_<board port> (the forwarded local"
                    + " port) and LEAKGATE_UDP_PORT_<board port> (the local UDP port relayed to it) in its"
                    + " environment, followed by a leak check named after it when --probe is given;"
                    + " then the daemon is stopped (--stop-signal, or --stop-command) and the run is gated."})
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

        @Option(names = "--files", paramLabel = "DIR", description = "a folder of data files (config, certificates)"
                + " that travel with the program; ${board.files} names where they land, ${board.dir} the"
                + " program's folder, in its arguments, --env, --workdir and --stop-command")
        Path dataFiles;

        @Option(names = "--env", paramLabel = "NAME=VALUE", description = "an environment variable for the program")
        List<String> env = new ArrayList<>();

        @Option(names = "--workdir", paramLabel = "DIR", description = "the folder the program runs in on the board"
                + " (default: the run's own folder)")
        String workdir;

        @Option(names = "--port", paramLabel = "PORT", description = "a daemon's TCP port on the board (forwarded"
                + " to this machine); the first must listen before the clients run. Makes the program a daemon")
        List<Integer> ports = new ArrayList<>();

        @Option(names = "--udp-port", paramLabel = "PORT", description = "a daemon's UDP port on the board (relayed"
                + " to a local UDP port: on a board, needs --udp-relay); without --port, the first must be bound"
                + " before the clients run. Makes the program a daemon")
        List<Integer> udpPorts = new ArrayList<>();

        @Option(names = "--udp-relay", paramLabel = "FILE", description = "leakgate_udp_relay built for the board's"
                + " CPU (from the kit), which carries UDP over the SSH connection")
        Path udpRelay;

        @Option(names = "--ready-line", paramLabel = "REGEX", description = "a daemon is ready when a line of its"
                + " output matches. Makes the program a daemon")
        String readyLine;

        @Option(names = "--ready-timeout", paramLabel = "SECONDS", description = "time a daemon has to become ready"
                + " (default 60)")
        long readyTimeout = 60;

        @Option(names = "--probe", paramLabel = "FILE", description = "leakgate_probe.so built for the board's CPU:"
                + " a named leak check after each client")
        Path probe;

        @Option(names = "--client", paramLabel = "COMMAND", description = "a shell command run on this machine while"
                + " the daemon serves (in order)")
        List<String> clients = new ArrayList<>();

        @Option(names = "--stop-signal", paramLabel = "SIGNAL", description = "the signal that stops the daemon"
                + " (default TERM)")
        String stopSignal = "TERM";

        @Option(names = "--stop-command", paramLabel = "COMMAND", description = "a shell command on the board that"
                + " stops the daemon instead ($LEAKGATE_PID is its pid)")
        String stopCommand;

        @Option(names = "--stop-timeout", paramLabel = "SECONDS", description = "time the daemon has to end after"
                + " its stop (default 60)")
        long stopTimeout = 60;

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
            boolean daemon = !ports.isEmpty() || !udpPorts.isEmpty() || readyLine != null;
            if (!daemon && (!clients.isEmpty() || probe != null || stopCommand != null || udpRelay != null)) {
                throw new UsageException("--client, --probe, --stop-command and --udp-relay are for a daemon: name its"
                        + " --port, --udp-port (or --ready-line)");
            }
            for (int port : udpPorts) {
                if (port < 1 || port > 65535) {
                    throw new UsageException("--udp-port " + port + " is not a UDP port (1 to 65535)");
                }
            }
            if (udpRelay != null && !Files.isRegularFile(udpRelay)) {
                throw new UsageException("--udp-relay '" + udpRelay + "' does not exist or is not a file");
            }
            if (daemon && (!scenarios.isEmpty() || stdin != null)) {
                throw new UsageException("a daemon (--port, --udp-port, --ready-line) is driven by --client commands, not by"
                        + " --scenario or --stdin");
            }
            for (int port : ports) {
                if (port < 1 || port > 65535) {
                    throw new UsageException("--port " + port + " is not a TCP port (1 to 65535)");
                }
            }
            if (!stopSignal.matches("[A-Z][A-Z0-9]*") || stopSignal.startsWith("SIG")) {
                throw new UsageException("--stop-signal " + stopSignal + " is not a signal name: use TERM, INT, HUP,"
                        + " USR1 (no SIG)");
            }
            if (readyTimeout < 1 || stopTimeout < 1) {
                throw new UsageException("--ready-timeout and --stop-timeout must be at least 1 second");
            }
            if (dataFiles != null && !Files.isDirectory(dataFiles)) {
                throw new UsageException("--files '" + dataFiles + "' is not a folder");
            }
            Map<String, String> variables = new LinkedHashMap<>();
            for (String e : env) {
                int eq = e.indexOf('=');
                if (eq < 1) {
                    throw new UsageException("--env " + e + " is not NAME=VALUE");
                }
                variables.put(e.substring(0, eq), e.substring(eq + 1));
            }
            List<String> placeholderProblems = new ArrayList<>();
            command.subList(1, command.size()).forEach(a -> placeholderProblems.addAll(
                    Placeholders.problems(a, "the program's arguments", dataFiles != null)));
            variables.values().forEach(v -> placeholderProblems.addAll(Placeholders.problems(v, "--env", dataFiles != null)));
            if (workdir != null) {
                placeholderProblems.addAll(Placeholders.problems(workdir, "--workdir", dataFiles != null));
            }
            if (stopCommand != null) {
                placeholderProblems.addAll(Placeholders.problems(stopCommand, "--stop-command", dataFiles != null));
            }
            if (!placeholderProblems.isEmpty()) {
                throw new UsageException(String.join("; ", placeholderProblems));
            }
            if (probe != null && !Files.isRegularFile(probe)) {
                throw new UsageException("--probe '" + probe + "' does not exist or is not a file");
            }
            Pattern ready;
            try {
                ready = readyLine == null ? null : Pattern.compile(readyLine);
            } catch (PatternSyntaxException e) {
                throw new UsageException("--ready-line '" + readyLine + "' is not a regular expression: "
                        + e.getDescription());
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
                List<Path> loaded = new ArrayList<>(libs);
                if (probe != null) {
                    loaded.add(probe);
                }
                List<Path> files = concat(List.of(program), libs, suppressions);
                if (probe != null) {
                    files.add(probe);
                }
                if (udpRelay != null) {
                    files.add(udpRelay);
                }
                Deployment d = Launch.prepare(b, program, loaded, files, "cli-" + program.getFileName(),
                        program.getFileName().toString(), line -> err.println("leakgate: " + line));
                String programPath = d.pathOf(program);
                Placeholders where = Placeholders.of(Launch.programFolder(programPath),
                        dataFiles == null ? null : b.deployFiles("cli-" + program.getFileName(), dataFiles));
                MemcheckCommand.Builder builder = b.command(programPath)
                        .args(where.expand(command.subList(1, command.size()), "the program's arguments"))
                        .env("LD_LIBRARY_PATH", d.folder())
                        .suppressions(suppressions.stream().map(d::pathOf).toList());
                variables.forEach((k, v) -> builder.env(k, where.expand(v, "--env")));
                if (workdir != null) {
                    builder.workingDirectory(where.expand(workdir, "--workdir"));
                }
                MemcheckCommand cmd = builder.build();
                String stopWith = stopCommand == null ? null : where.expand(stopCommand, "--stop-command");
                String runName = name != null ? name : program.getFileName().toString();
                Session.Options options;
                if (daemon) {
                    options = Session.Options.daemon(runName, ports.stream().mapToInt(Integer::intValue).toArray())
                            .withReadyTimeout(Duration.ofSeconds(readyTimeout))
                            .withStop(stopSignal, stopWith, Duration.ofSeconds(stopTimeout));
                    if (ready != null) {
                        options = options.withReadyLine(ready, Duration.ofSeconds(readyTimeout));
                    }
                    if (probe != null) {
                        options = options.withProbe(d.pathOf(probe));
                    }
                    if (!udpPorts.isEmpty()) {
                        options = options.withUdp(udpPorts, udpRelay == null ? null : d.pathOf(udpRelay));
                    }
                } else {
                    options = scenarios.isEmpty()
                            ? Session.Options.plain(runName, stdin == null ? new byte[0] : Files.readAllBytes(stdin))
                            : Session.Options.kit(runName);
                }
                SessionReport report;
                String clientFailure = null;
                try (Session session = Session.start(b, cmd, options.withTimeout(Duration.ofSeconds(timeout)))) {
                    for (String s : scenarios) {
                        int eq = s.indexOf('=');
                        String scenario = eq < 0 ? s : s.substring(0, eq);
                        int times = eq < 0 ? 1 : parseTimes(s.substring(eq + 1), s);
                        err.println("leakgate: " + session.run(scenario, times));
                    }
                    if (daemon) {
                        clientFailure = serve(session, err);
                    }
                    report = session.stop();
                }
                SessionGate.SessionVerdict v = new SessionGate(gate, gate.limits().getOrDefault(
                        LeakKind.DEFINITELY_LOST, -1L) == 0).judge(report, b.toString());
                out.println(v.message());
                if (clientFailure != null) {
                    out.println(clientFailure);
                }
                return v.outcome() != Outcome.PASS || clientFailure == null ? exitCode(v.outcome()) : CLIENT_FAILED;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /**
         * Waits for the daemon, then runs each client on this machine with the forwarded ports in its
         * environment, a leak check after each when the probe is there; returns why a client failed
         * (its exit status and last output), or null. The daemon is stopped by the caller either way.
         */
        private String serve(Session session, PrintWriter err) {
            try {
                session.awaitReady();
            } catch (SessionException e) {
                err.println("leakgate: " + e.getMessage());
                return null; // the run's verdict says why it ended
            }
            Map<String, String> env = new LinkedHashMap<>();
            env.put("LEAKGATE_HOST", "127.0.0.1");
            for (int port : ports) {
                InetSocketAddress a = session.address(port);
                env.put("LEAKGATE_PORT_" + port, String.valueOf(a.getPort()));
            }
            for (int port : udpPorts) {
                env.put("LEAKGATE_UDP_PORT_" + port, String.valueOf(session.udpAddress(port).getPort()));
            }
            err.println("leakgate: the daemon is ready; clients get " + env);
            for (int i = 0; i < clients.size(); i++) {
                String client = clients.get(i);
                String failure = runClient(client, env, err);
                if (failure != null) {
                    return failure;
                }
                if (probe != null) {
                    String label = "after client " + (i + 1) + ": " + (client.length() > 60
                            ? client.substring(0, 57) + "..." : client);
                    err.println("leakgate: " + session.leakCheck(label.replace('\n', ' ')));
                }
            }
            return null;
        }

        private static String runClient(String client, Map<String, String> env, PrintWriter err) {
            err.println("leakgate: client: " + client);
            try {
                ProcessBuilder pb = new ProcessBuilder("sh", "-c", client).redirectErrorStream(true)
                        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
                pb.environment().putAll(env);
                Process p = pb.start();
                String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                int status = p.waitFor();
                output.lines().forEach(l -> err.println("  " + l));
                if (status != 0) {
                    List<String> lines = output.lines().toList();
                    return "leakgate: the client command '" + client + "' failed (exit status " + status + ")"
                            + (lines.isEmpty() ? ", with no output" : "; its output ends with:\n    "
                            + String.join("\n    ", lines.subList(Math.max(0, lines.size() - 10), lines.size())))
                            + "\nThe daemon was stopped and judged all the same (above).";
                }
                return null;
            } catch (IOException e) {
                return "leakgate: the client command '" + client + "' could not be started: " + e.getMessage();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return "leakgate: interrupted while the client command '" + client + "' ran";
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

    private static final class UsageException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }
}
