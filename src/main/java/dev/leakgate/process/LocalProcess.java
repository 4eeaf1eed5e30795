package dev.leakgate.process;

import dev.leakgate.memcheck.MemcheckReport;
import dev.leakgate.memcheck.MemcheckXmlParser;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A local program running under valgrind. */
final class LocalProcess extends RunningProgram {
    private final MemcheckXmlParser parser;
    private final Process process;
    private final StdinWriter stdin;
    private final MemorySampler sampler;
    /** Whether the report's file got its second name (see {@link MemcheckCommand#keptXmlFile}). */
    private final boolean kept;

    LocalProcess(MemcheckXmlParser parser, MemcheckCommand command, RunFiles files, Process process,
                 StdinWriter stdin, MemorySampler sampler, long startNanos, Duration timeout, boolean kept) {
        super(command, files, startNanos, timeout);
        this.parser = parser;
        this.process = process;
        this.stdin = stdin;
        this.sampler = sampler;
        this.kept = kept;
    }

    @Override
    public MemoryTimeline memorySoFar() {
        return sampler.sofar();
    }

    @Override
    public String runFolder() {
        return files.folder().toString();
    }

    @Override
    public String where() {
        return "this machine";
    }

    @Override
    public void send(byte[] input) {
        if (stdin == null) {
            throw new IllegalStateException("the program's input was given up front; start it with"
                    + " RunOptions.withStdinKeptOpen() to send more");
        }
        stdin.write(input);
    }

    @Override
    public void closeStdin() {
        if (stdin != null) {
            stdin.close();
        }
    }

    @Override
    public boolean awaitEnd(Duration wait) {
        try {
            return process.waitFor(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while the program ran under valgrind", e);
        }
    }

    @Override
    public boolean hasExited() {
        return !process.isAlive();
    }

    @Override
    public void signal(String signalName) {
        if (!signalName.matches("[A-Z0-9]+")) {
            throw new IllegalArgumentException("'" + signalName + "' is not a signal name such as TERM or USR1");
        }
        shell("kill -s " + signalName + " " + process.pid(), Duration.ofSeconds(10));
    }

    @Override
    public Termination endInSteps(Duration stdinGrace, Duration termGrace) {
        closeStdin(); // never blocks: a program that does not read keeps it open
        if (awaitEnd(stdinGrace)) {
            return Termination.STDIN_CLOSED;
        }
        process.destroy(); // SIGTERM
        if (awaitEnd(termGrace)) {
            return Termination.TERMINATED;
        }
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly(); // SIGKILL
        awaitEnd(Duration.ofSeconds(30));
        return Termination.KILLED;
    }

    @Override
    public MemcheckRun finish(Termination termination, String stopSignal) {
        sampler.close();
        closeStdin();
        MemoryTimeline memory = sampler.stop();
        if (!memory.points().isEmpty()) {
            memory.writeCsv(files.memory());
        }
        int exit = termination == Termination.KILLED || process.isAlive() ? -1 : process.exitValue();
        // whatever the run started and left running: found by the run's id in their environment
        List<String> notes = new ArrayList<>();
        List<String> strays = LocalProcesses.killRun(command.runId());
        if (!strays.isEmpty()) {
            notes.add("ended " + strays.size() + " process" + (strays.size() == 1 ? "" : "es")
                    + " the run left running: " + String.join(", ", strays));
        }
        String replaced = LocalMemcheckRunner.placeOwnReport(files.xml(), Path.of(command.xmlFileOf(process.pid())),
                Path.of(command.keptXmlFile()), kept);
        List<String> identity = new ArrayList<>();
        if (replaced != null) {
            identity.add(replaced);
        }
        // a secret the program did not take is not kept with the run's files
        command.secrets().keySet().forEach(v -> LocalMemcheckRunner.deleteQuietly(Path.of(command.secretFile(v))));
        MemcheckReport report = parser.parse(files.xml());
        List<ProcessReport> children = ProcessReport.read(files.folder(), command.xmlFilePrefix(), process.pid(),
                ProcessReport.pidsIn(strays), parser);
        return new MemcheckRun(command, files, termination, exit, null, elapsed(), timeout, report, null,
                files.stderrTail(15), ValgrindLog.problems(files.log()),
                LocalMemcheckRunner.concat(identity, RunIdentity.problems(report, command.runId(), process.pid())), notes, stopSignal,
                children, null);
    }

    @Override
    public ShellResult shell(String shellCommand, Duration wait) {
        return LocalMemcheckRunner.shellHere(shellCommand, wait);
    }

    @Override
    public boolean accepts(int port) {
        return MemcheckProcess.acceptsHere(port);
    }

    @Override
    public InetSocketAddress forward(int port) {
        return new InetSocketAddress("127.0.0.1", port);
    }

    @Override
    public InetSocketAddress forwardUdp(int port, String relay) {
        return new InetSocketAddress("127.0.0.1", port); // here: no relay needed
    }

    @Override
    public void close() {
        closeStdin();
        sampler.close();
        if (process.isAlive()) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }
    }
}
