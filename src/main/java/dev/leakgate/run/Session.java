package dev.leakgate.run;

import dev.leakgate.board.Board;
import dev.leakgate.board.BoardInfo;
import dev.leakgate.kit.KitProtocol;
import dev.leakgate.kit.KitReplies;
import dev.leakgate.process.MemcheckCommand;
import dev.leakgate.process.MemcheckProcess;
import dev.leakgate.process.MemcheckRun;
import dev.leakgate.process.MemoryTimeline;
import dev.leakgate.process.RunOptions;
import dev.leakgate.process.ShellQuoting;
import dev.leakgate.process.Termination;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/**
 * One live run of a program under memcheck on a board: started, talked to while it runs, stopped,
 * and given back as a {@link SessionReport} to judge. JUnit-free: the extension and the command
 * line tool are adapters over it.
 *
 * <ul>
 *   <li>A <b>kit harness</b> ({@link Kind#KIT}, built with {@code leakgate_harness.h}) answers each
 *       {@link #run} at once with that scenario's bytes, and each {@link #leakCheck} with the leak
 *       totals; {@link #stop} sends {@code quit}.</li>
 *   <li>A <b>daemon</b> ({@link Kind#DAEMON}) is an unmodified server: {@link #awaitReady} waits for a
 *       port to listen (read from /proc where it runs, without connecting) or a line in its output;
 *       {@link #address} forwards its port to a local address; {@link #leakCheck} asks the preload
 *       probe ({@code leakgate_probe.c}); {@link #stop} sends the planned signal (SIGTERM unless
 *       told otherwise) or runs the planned command, and a daemon that ends within its grace with its
 *       leak check written is conclusive.</li>
 *   <li>A <b>plain program</b> ({@link Kind#PLAIN}) gets its input up front and runs to its end.</li>
 * </ul>
 *
 * <p>The whole session has a timeout, counted from its start: when it passes, the program is ended
 * in steps (stdin closed, SIGTERM, SIGKILL) and the run is inconclusive, however it ended. Calls
 * from the test body are for one thread at a time; the timeout acts from a thread of its own.
 */
public final class Session implements AutoCloseable {

    /** What kind of program the session runs. */
    public enum Kind { KIT, DAEMON, PLAIN }

    private final MemcheckProcess process;
    private final SessionOptions options;
    private final String token;

    /** The variable that names the file of the probe's secret for its answers (see leakgate_probe.c). */
    public static final String PROBE_SECRET_FILE_VARIABLE = "LEAKGATE_PROBE_SECRET_FILE";
    private final KitClient kit;
    private final long startNanos;
    private final Map<Integer, InetSocketAddress> forwarded = new LinkedHashMap<>();
    private final Map<Integer, InetSocketAddress> udpForwarded = new LinkedHashMap<>();
    private final LeakChecks checks = new LeakChecks();
    private final ProbeClient probe;
    private final VgdbClient vgdb;
    private final Readiness readiness;
    private final PlannedStop planned;
    private final List<Mark> marks = Collections.synchronizedList(new ArrayList<>());
    private final Object ending = new Object();
    private final Thread watchdog;
    private Termination endedBy; // guarded by ending
    private boolean timedOut; // guarded by ending
    private SessionReport report;
    private BoardInfo boardInfo;
    private volatile String doing = "";

    private Session(MemcheckProcess process, MemcheckCommand command, SessionOptions options, String token,
                    String probeSecret) {
        this.process = process;
        this.options = options;
        this.token = token;
        this.probe = new ProbeClient(process, probeSecret, this::lastOutput);
        this.vgdb = new VgdbClient(process, command, options, this::lastOutput);
        this.readiness = new Readiness(process, options);
        this.planned = new PlannedStop(process, options, probe, readiness, this::steps);
        this.kit = new KitClient(process, new KitProtocol.Follower(process.files().stdout(), token), new SessionKitHost(this));
        this.startNanos = System.nanoTime();
        this.watchdog = new Thread(this::watch, "leakgate-session-timeout " + options.name());
        this.watchdog.setDaemon(true);
        this.watchdog.start();
    }

    /**
     * Starts the program under memcheck on the board and returns at once. A kit harness gets its
     * reply token and an open stdin; a probe, when given, is preloaded ({@code LD_PRELOAD}). A
     * daemon's ports must not accept connections before it starts: another program listening there
     * would pass for it (a {@link SessionException} says so, and nothing is started).
     */
    public static Session start(Board board, MemcheckCommand command, SessionOptions options) {
        Launch.requirePorts(board, options);
        String token = options.kind() == Kind.KIT ? KitProtocol.newToken() : null;
        String probeSecret = options.probe() != null ? KitProtocol.newToken() : null;
        MemcheckCommand.Builder b = command.toBuilder();
        if (token != null) {
            b.secret(KitProtocol.TOKEN_FILE_VARIABLE, token);
        }
        if (options.probe() != null) {
            b.env("LD_PRELOAD", options.probe());
            b.secret(PROBE_SECRET_FILE_VARIABLE, probeSecret);
            b.suppressions(ProbeClient.suppressions(board));
        }
        RunOptions run = RunOptions.named(options.name())
                .withTimeout(options.timeout()).withSampling(options.sampleInterval());
        run = options.kind() == Kind.PLAIN ? run.withStdin(new String(options.stdin(), StandardCharsets.ISO_8859_1))
                : run.withStdinKeptOpen();
        BoardInfo info = Launch.boardInfo(board, command);
        VgdbClient.requireAllowed(board, command, options);
        Session session = new Session(board.start(b.build(), run), command, options, token, probeSecret);
        session.boardInfo = info;
        if (info != null) {
            write(session.folder().resolve("board.txt"), info.text());
        }
        try {
            for (int port : options.udpPorts()) {
                session.udpAddress(port); // the relays start with the run: a relay that cannot is said now
            }
        } catch (RuntimeException e) {
            session.watchdog.interrupt();
            session.process.close(); // ended at once: nothing of it is judged
            throw new SessionException(e.getMessage() + "; the program was ended before the test began");
        }
        return session;
    }

    /** The run's files on this machine (stdout and stderr stream into them while it runs). */
    public Path folder() {
        return process.files().folder();
    }

    /** Milliseconds since the program started. */
    public long elapsedMillis() {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }

    // ---- readiness and ports -------------------------------------------------------------------

    /**
     * Waits until a daemon is ready: its first port listens (read from {@code /proc} where it runs,
     * without connecting, so the daemon serves no request for it), or a line of its output matches
     * the ready pattern; then checks that the probe, if any, is loaded.
     * Throws a {@link SessionException} that quotes the program's last output when it exits first
     * or is not ready in time.
     */
    public void awaitReady() {
        if (options.kind() != Kind.DAEMON) {
            return;
        }
        readiness.await(this::ended, this::lastOutput);
        if (!readiness.detached().isEmpty()) {
            mark("the daemon detached itself; following pid " + readiness.detached().get(readiness.detached().size() - 1));
        }
        if (options.probe() != null && readiness.detached().isEmpty()) {
            MemcheckProcess.ShellResult probe = process.shell("[ -p " + ShellQuoting.quote(process.runFolder()
                    + "/probe.ctl") + " ] && echo loaded", Duration.ofSeconds(30));
            if (!probe.stdout().contains("loaded")) {
                throw new SessionException("the leak check probe " + options.probe() + " did not load into the program:"
                        + " it made no probe.ctl in " + process.runFolder() + ". Check that the probe is built for the"
                        + " board's CPU (preflight says so), that LD_PRELOAD reaches the program (a wrapper script that"
                        + " clears the environment loses it), and that the run's folder is writable" + lastOutput());
            }
        }
    }

    /**
     * A local address that reaches this TCP port where the program runs: forwarded through the SSH
     * connection on a board, the port itself on this machine. Any Java client can use it.
     */
    public synchronized InetSocketAddress address(int port) {
        return forwarded.computeIfAbsent(port, process::forward);
    }

    /**
     * A local UDP address that reaches this UDP port where the program runs: through the UDP relay
     * on a board ({@link SessionOptions#withUdp}), the port itself on this machine. Send datagrams to it
     * from any socket; the program's answers come back to that socket.
     */
    public synchronized InetSocketAddress udpAddress(int port) {
        return udpForwarded.computeIfAbsent(port, p -> process.forwardUdp(p, options.udpRelay()));
    }

    // ---- the kit's live protocol ---------------------------------------------------------------

    /**
     * Runs a scenario of a kit harness this many times and returns what it leaked while it ran. Throws a
     * {@link SessionException} when the harness does not know the scenario or ends before it answers.
     */
    public KitReplies.ScenarioResult run(String scenario, int times) {
        requireKit("run");
        return kit.run(scenario, times);
    }

    /**
     * Counts the program's threads when it greets, before any scenario ran (see {@link #threadsAtStart}):
     * for a process that tests share, where a thread one test starts can lose memory while another runs.
     */
    public void watchThreads() {
        kit.watchThreads();
    }

    /** The program's threads when it greeted, or -1 when not counted ({@link #watchThreads}). */
    public int threadsAtStart() {
        return kit.threadsAtStart();
    }

    /**
     * The program's threads now: a kit harness counts its own over the kit's channel; for others (and
     * a harness built before it could) {@code /proc/PID/task} is read where it runs; -1 when it cannot
     * tell (it has ended). Under QEMU user mode the count includes the emulator's own threads.
     */
    public int threads() {
        if (process.hasExited()) {
            return -1;
        }
        int counted = options.kind() == Kind.KIT ? kit.threads() : -1; // a kit harness counts its own
        if (counted >= 0) {
            return counted;
        }
        String script = "p=; read p < " + ShellQuoting.quote(process.runFolder() + "/.pid") + " 2>/dev/null;"
                + " set -- /proc/$p/task/*; [ -n \"$p\" ] && [ -e \"$1\" ] && echo \"threads=$#\" || echo threads=-1";
        String out = process.shell(script, Duration.ofSeconds(30)).stdout().strip();
        try {
            return Integer.parseInt(out.substring(out.lastIndexOf('=') + 1));
        } catch (RuntimeException e) {
            return -1;
        }
    }

    /**
     * Why the program ended, from its finished run (a fatal signal and its frame, valgrind's FATAL
     * line, a lost board): the run is finished here, once, and the test's stop returns the same.
     */
    String whyEnded() {
        try {
            List<String> problems = stop().run().problems();
            if (problems.isEmpty()) {
                return " (it returned from main)";
            }
            return ", and the run says why: " + problems.get(0)
                    + (problems.size() > 1 ? " (and " + (problems.size() - 1) + " more on its page)" : "");
        } catch (RuntimeException e) {
            return " (it crashed, or returned from main; its run could not be finished: " + e.getMessage() + ")";
        }
    }

    // ---- leak checks on demand -----------------------------------------------------------------

    /**
     * Takes a named leak check now and returns what was lost since the check before it: the kit
     * harness answers it itself; any other program needs the probe ({@link SessionOptions#withProbe}).
     * Each check is marked by name in the report, with the stacks of what it found.
     */
    public CheckResult leakCheck(String name) {
        LeakChecks.requireName(name);
        String answer;
        doing = ", taking the leak check '" + name + "'";
        if (options.kind() == Kind.KIT) {
            answer = kit.check(name);
        } else if (!readiness.detached().isEmpty()) {
            throw LeakChecks.detached();
        } else if (vgdb.chosen()) {
            answer = vgdb.check(name);
        } else if (options.probe() != null) {
            answer = probe.check(name);
        } else {
            throw LeakChecks.noWay(options.leakChecks() == SessionOptions.LeakChecks.AUTO ? vgdb.whyNot() : null);
        }
        CheckResult c = checks.record(name, answer, elapsedMillis(), marks);
        int taken = checks.all().size();
        doing = ", " + taken + " leak check" + (taken == 1 ? "" : "s") + " taken";
        return c;
    }

    /** The run's folder where the program runs (on the board for a board run). */
    public String runFolder() {
        return process.runFolder();
    }

    /** What the program is doing, for progress lines: ", running X x100 (request 2)" or "". */
    public String status() {
        return doing;
    }

    /** The program's memory as sampled so far (where it runs: VmData and VmRSS, the board's MemAvailable). */
    public List<MemoryTimeline.Point> memory() {
        return process.memorySoFar().points();
    }

    /** Names this moment on the memory timeline of the report ("100 GetStreamUri sent"). */
    public void mark(String label) {
        marks.add(new Mark(label, elapsedMillis()));
    }

    // ---- the end -------------------------------------------------------------------------------

    /**
     * Stops the program as planned and gives its report: a kit harness is sent {@code quit}; a
     * daemon the planned signal or command; a plain program is waited for. Whatever does not end in
     * time is ended in steps, and the run says so. Calling it again returns the same report.
     */
    public synchronized SessionReport stop() {
        if (report != null) {
            return report;
        }
        doing = ", stopping; valgrind is checking for leaks";
        Termination termination = endOnce(this::plannedEnd);
        watchdog.interrupt();
        String stopSignal = termination == Termination.STOPPED && options.stopCommand() == null
                ? options.stopSignal() : null;
        MemcheckRun run = process.finish(termination, stopSignal);
        if (planned.overran() != null) {
            run = run.withEndedAfter(planned.overran());
        }
        List<String> all = KitProtocol.replies(process.files().stdout(), token);
        KitReplies checked = options.kind() == Kind.KIT ? KitReplies.check(all, kit.requests()) : null;
        report = new SessionReport(run, options.kind(), checked, kit.results(), checks.all(),
                List.copyOf(marks), timedOut(), boardInfo);
        report.writeFiles();
        return report;
    }

    private Termination plannedEnd() {
        return planned.end(elapsedMillis(), remaining());
    }

    /** What the program is doing now, for {@link #status}. */
    void doing(String status) {
        doing = status;
    }

    /** The session's timeout in seconds, for messages. */
    long timeoutSeconds() {
        return options.timeout().toSeconds();
    }

    /** The timeout's steps: stdin closed, SIGTERM, SIGKILL. */
    private Termination steps() {
        synchronized (ending) {
            timedOut = true;
        }
        return process.endInSteps(Duration.ofSeconds(5), Duration.ofSeconds(20));
    }

    private Duration remaining() {
        long left = options.timeout().toMillis() - elapsedMillis();
        return Duration.ofMillis(Math.max(left, 0));
    }

    private Termination endOnce(Supplier<Termination> how) {
        synchronized (ending) {
            if (endedBy == null) {
                endedBy = how.get();
            }
            return endedBy;
        }
    }

    /** Whether the program has ended (by itself, by a crash, or ended by the session's timeout or stop). */
    public boolean hasEnded() {
        return process.hasExited() || ended();
    }

    /**
     * The stacks of what scenarios of this session lost while they ran, one text for each result in
     * order, read from valgrind's XML as written so far (fetched once): the records of the kit's added
     * leak check after that run's "leakgate: begin" marker ({@link SessionGate#RECORDS_PER_CHECK} at
     * most). Empty texts when the report cannot be read yet; the report at the end has them in any case.
     */
    public List<String> lostStacks(List<KitReplies.ScenarioResult> asked) {
        return kit.lostStacks(asked);
    }

    boolean ended() {
        synchronized (ending) {
            return endedBy != null;
        }
    }

    boolean timedOut() {
        synchronized (ending) {
            return timedOut;
        }
    }

    /** The session's timeout: ends the program in steps when its time is up and it still runs. */
    private void watch() {
        try {
            Thread.sleep(options.timeout().toMillis());
        } catch (InterruptedException e) {
            return; // stopped in time
        }
        if (!process.hasExited() || !readiness.detached().isEmpty()) {
            endOnce(this::steps); // a detached daemon's processes are ended with the run, each named
        }
    }

    /** "; its last output: ..." from the program's stdout and stderr, for messages. */
    String lastOutput() {
        return LastOutput.of(process.files());
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SessionException("interrupted while waiting for the program");
        }
    }

    private void requireKit(String what) {
        if (options.kind() != Kind.KIT) {
            throw new IllegalStateException(what + "(..) is for kit harnesses (built with leakgate_harness.h); this"
                    + " session runs a " + options.kind().name().toLowerCase(Locale.ROOT) + " program");
        }
    }

    /** Stops the program if it still runs (as {@link #stop}) and releases what the session holds. */
    @Override
    public void close() {
        try {
            stop();
        } finally {
            process.close();
        }
    }

    /** Writes a text file into the run's folder. */
    static void write(Path file, String text) {
        try {
            Files.writeString(file, text);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

}
