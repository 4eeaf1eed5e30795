package dev.leakgate.cli;

import dev.leakgate.board.Board;
import dev.leakgate.board.Deployment;
import dev.leakgate.config.Settings;
import dev.leakgate.gate.LeakGate;
import dev.leakgate.gate.Outcome;
import dev.leakgate.memcheck.LeakKind;
import dev.leakgate.process.LocalMemcheckRunner;
import dev.leakgate.process.MemcheckCommand;
import dev.leakgate.run.Launch;
import dev.leakgate.run.Placeholders;
import dev.leakgate.run.Session;
import dev.leakgate.run.SessionException;
import dev.leakgate.run.SessionGate;
import dev.leakgate.run.SessionOptions;
import dev.leakgate.run.SessionReport;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine;

import java.io.File;
import java.io.IOException;
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
final class RunCommand implements Callable<Integer> {
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
    LeakgateCommand.GateOptions gate = new LeakgateCommand.GateOptions();

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

    @Parameters(paramLabel = "LeakgateCommand.PROGRAM", arity = "0..*", description = "the program and its arguments (after --)")
    List<String> command = new ArrayList<>();

    @Override
    public Integer call() {
        if (command.isEmpty()) {
            throw new LeakgateCommand.UsageException("run needs '-- LeakgateCommand.PROGRAM [ARGS...]'");
        }
        if (timeout < 1) {
            throw new LeakgateCommand.UsageException("--timeout must be at least 1 second, not " + timeout);
        }
        Path program = Path.of(command.get(0));
        for (Path f : concat(List.of(program), libs, suppressions)) {
            if (!Files.isRegularFile(f)) {
                throw new LeakgateCommand.UsageException("'" + f + "' does not exist or is not a file");
            }
        }
        if (!Files.isExecutable(program)) {
            throw new LeakgateCommand.UsageException("the program '" + program + "' does not exist or is not executable");
        }
        if (!scenarios.isEmpty() && stdin != null) {
            throw new LeakgateCommand.UsageException("--stdin is for a program without the kit; a kit harness takes --scenario");
        }
        boolean daemon = !ports.isEmpty() || !udpPorts.isEmpty() || readyLine != null;
        if (!daemon && (!clients.isEmpty() || probe != null || stopCommand != null || udpRelay != null)) {
            throw new LeakgateCommand.UsageException("--client, --probe, --stop-command and --udp-relay are for a daemon: name its"
                    + " --port, --udp-port (or --ready-line)");
        }
        for (int port : udpPorts) {
            if (port < 1 || port > 65535) {
                throw new LeakgateCommand.UsageException("--udp-port " + port + " is not a UDP port (1 to 65535)");
            }
        }
        if (udpRelay != null && !Files.isRegularFile(udpRelay)) {
            throw new LeakgateCommand.UsageException("--udp-relay '" + udpRelay + "' does not exist or is not a file");
        }
        if (daemon && (!scenarios.isEmpty() || stdin != null)) {
            throw new LeakgateCommand.UsageException("a daemon (--port, --udp-port, --ready-line) is driven by --client commands, not by"
                    + " --scenario or --stdin");
        }
        for (int port : ports) {
            if (port < 1 || port > 65535) {
                throw new LeakgateCommand.UsageException("--port " + port + " is not a TCP port (1 to 65535)");
            }
        }
        if (!stopSignal.matches("[A-Z][A-Z0-9]*") || stopSignal.startsWith("SIG")) {
            throw new LeakgateCommand.UsageException("--stop-signal " + stopSignal + " is not a signal name: use TERM, INT, HUP,"
                    + " USR1 (no SIG)");
        }
        if (readyTimeout < 1 || stopTimeout < 1) {
            throw new LeakgateCommand.UsageException("--ready-timeout and --stop-timeout must be at least 1 second");
        }
        if (dataFiles != null && !Files.isDirectory(dataFiles)) {
            throw new LeakgateCommand.UsageException("--files '" + dataFiles + "' is not a folder");
        }
        Map<String, String> variables = new LinkedHashMap<>();
        for (String e : env) {
            int eq = e.indexOf('=');
            if (eq < 1) {
                throw new LeakgateCommand.UsageException("--env " + e + " is not NAME=VALUE");
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
            throw new LeakgateCommand.UsageException(String.join("; ", placeholderProblems));
        }
        if (probe != null && !Files.isRegularFile(probe)) {
            throw new LeakgateCommand.UsageException("--probe '" + probe + "' does not exist or is not a file");
        }
        Pattern ready;
        try {
            ready = readyLine == null ? null : Pattern.compile(readyLine);
        } catch (PatternSyntaxException e) {
            throw new LeakgateCommand.UsageException("--ready-line '" + readyLine + "' is not a regular expression: "
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
            SessionOptions options;
            if (daemon) {
                options = SessionOptions.daemon(runName, ports.stream().mapToInt(Integer::intValue).toArray())
                        .withReadyTimeout(Duration.ofSeconds(readyTimeout))
                        .withStop(stopSignal, stopWith, Duration.ofSeconds(stopTimeout));
                if (ready != null) {
                    options = options.withReadyLine(ready, Duration.ofSeconds(readyTimeout));
                }
                if (probe != null) {
                    options = options.withProbe(d.pathOf(probe));
                }
                options = options.withLeakChecks(settings);
                if (!udpPorts.isEmpty()) {
                    options = options.withUdp(udpPorts, udpRelay == null ? null : d.pathOf(udpRelay));
                }
            } else {
                options = scenarios.isEmpty()
                        ? SessionOptions.plain(runName, stdin == null ? new byte[0] : Files.readAllBytes(stdin))
                        : SessionOptions.kit(runName);
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
            return v.outcome() != Outcome.PASS || clientFailure == null ? LeakgateCommand.exitCode(v.outcome()) : LeakgateCommand.CLIENT_FAILED;
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
            throw new LeakgateCommand.UsageException("--scenario " + spec + ": '" + n + "' is not a number of runs (1 or more)");
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
