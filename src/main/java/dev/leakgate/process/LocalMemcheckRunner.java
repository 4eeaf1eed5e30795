package dev.leakgate.process;

import dev.leakgate.memcheck.MemcheckXmlParser;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs a program under the host's valgrind as a local process: the fast development loop, and
 * the path every leakgate test can take without a board.
 *
 * <p>Each run gets a folder of its own under the runs root (default {@code target/leakgate/runs},
 * or the system property {@value #RUNS_DIR_PROPERTY}) that keeps valgrind's XML and log, the
 * program's stdout and stderr and the command line, pass or fail.
 *
 * <p>On timeout the program is asked to end in steps, each given its grace period: its standard
 * input is closed (a harness that reads commands returns from main), then it is sent SIGTERM
 * (valgrind still writes its leak check, but the run is inconclusive), then SIGKILL (no leak
 * check). {@link MemcheckRun#termination()} says which step ended it. Processes the program forked
 * are killed at the end, so none is left behind.
 */
public final class LocalMemcheckRunner {

    /** System property naming the folder that holds run folders. */
    public static final String RUNS_DIR_PROPERTY = "leakgate.runs.dir";


    private final Path runsRoot;
    private final MemcheckXmlParser parser;

    /** A runner that keeps run folders under {@code <leakgate.runs.dir or target/leakgate>/runs}. */
    public LocalMemcheckRunner() {
        this(Path.of(System.getProperty(RUNS_DIR_PROPERTY, "target/leakgate")).resolve("runs"));
    }

    public LocalMemcheckRunner(Path runsRoot) {
        this(runsRoot, new MemcheckXmlParser());
    }

    public LocalMemcheckRunner(Path runsRoot, MemcheckXmlParser parser) {
        this.runsRoot = runsRoot.toAbsolutePath();
        this.parser = parser;
    }

    /**
     * Runs the command in a new run folder to its end, or to its timeout and the steps after it.
     * The command's XML and log files are placed in that folder whatever it named; the program runs
     * in the command's working directory, or in this process's, so relative paths mean what they
     * mean to the caller. Never throws for what the program or valgrind did: that is in the run.
     */
    public MemcheckRun run(MemcheckCommand command, RunOptions options) {
        try (MemcheckProcess p = start(command, options)) {
            if (p instanceof NotStarted n) {
                return n.run();
            }
            Termination t = p.awaitEnd(options.timeout()) ? Termination.EXITED
                    : p.endInSteps(options.stdinGrace(), options.termGrace());
            return p.finish(t, null);
        }
    }

    /**
     * Starts the command in a new run folder and returns at once, with the program running: its
     * input is {@link RunOptions#stdin()}, kept open for {@link MemcheckProcess#send} when
     * {@link RunOptions#keepStdinOpen()}, else given from a file (a program that never reads it blocks
     * nobody). When valgrind cannot start, the process has already ended and its run says why.
     */
    public MemcheckProcess start(MemcheckCommand command, RunOptions options) {
        LocalProcesses.reapDeadOwnersOnce();
        RunFiles files = RunFiles.create(runsRoot, options.name());
        String dir = command.workingDirectory() != null ? command.workingDirectory()
                : Path.of("").toAbsolutePath().toString();
        String runId = command.runId() != null ? command.runId() : RunIdentity.newId();
        MemcheckCommand placed = command.toBuilder()
                .xmlFile(files.xml().toString())
                .logFile(files.log().toString())
                .workingDirectory(dir)
                .runId(runId)
                .env(RunIdentity.OWNER_VARIABLE, RunIdentity.owner())
                .env(MemcheckProcess.RUN_DIR_VARIABLE, files.folder().toString())
                .build();
        write(files.command(), placed.redacted(placed.shellCommand()) + "\n");

        ProcessBuilder pb = new ProcessBuilder(placed.argv())
                .directory(Path.of(dir).toFile())
                .redirectOutput(files.stdout().toFile())
                .redirectError(files.stderr().toFile());
        pb.environment().putAll(placed.environment());
        if (!options.keepStdinOpen()) {
            Path input = files.folder().resolve("stdin.txt");
            writeBytes(input, options.stdin());
            pb.redirectInput(input.toFile());
        }

        options.onStart().accept(files);
        placed.secrets().forEach((variable, value) -> writeSecret(Path.of(placed.secretFile(variable)), value));
        long start = System.nanoTime();
        Process process;
        try {
            process = pb.start();
        } catch (IOException e) {
            write(files.stderr(), e.getMessage() + "\n");
            String why = "could not start valgrind '" + placed.valgrind() + "': " + e.getMessage()
                    + "; install valgrind (Debian: apt-get install valgrind) or set the path to it";
            return new NotStarted(new MemcheckRun(placed, files, Termination.NOT_STARTED, -1, null, elapsed(start),
                    options.timeout(), parser.parse(files.xml()), why, "", List.of(), List.of(), List.of(), null,
                    List.of(), null));
        }
        // the pid where a board run has it too: side commands of a live session read it
        write(files.folder().resolve(".pid"), process.pid() + "\n");
        // valgrind writes the program's report under its pid; the run's name for it points there
        linkOwnReport(files.xml(), Path.of(placed.xmlFileOf(process.pid())));
        boolean kept = keepOwnReport(Path.of(placed.xmlFileOf(process.pid())), Path.of(placed.keptXmlFile()), process);
        StdinWriter stdin = options.keepStdinOpen()
                ? StdinWriter.start(process.getOutputStream(), options.stdin(), true, "pid " + process.pid()) : null;
        MemorySampler sampler = MemorySampler.start(options.sampleInterval(), () -> procLines(process.pid()));
        return new LocalProcess(parser, placed, files, process, stdin, sampler, start, options.timeout(), kept);
    }

    /** A short command in {@code sh} on this machine, with a timeout. */
    public static MemcheckProcess.ShellResult shellHere(String command, Duration timeout) {
        try {
            Process p = new ProcessBuilder("sh", "-c", command).redirectInput(ProcessBuilder.Redirect.from(
                    new File("/dev/null"))).start();
            var out = CompletableFuture.supplyAsync(() -> readAll(p.getInputStream()));
            var err = CompletableFuture.supplyAsync(() -> readAll(p.getErrorStream()));
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("'" + command + "' did not finish within " + timeout.toSeconds() + " s");
            }
            return new MemcheckProcess.ShellResult(p.exitValue(), out.join(), err.join());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run sh", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while '" + command + "' ran", e);
        }
    }

    static String readAll(InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    static void writeBytes(Path file, byte[] bytes) {
        try {
            Files.write(file, bytes);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    /** Writes a secret for the program into a file only its owner can read. */
    static void writeSecret(Path file, String value) {
        try {
            Files.deleteIfExists(file);
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(file, value);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the run's secret file " + file, e);
        }
    }

    static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            // the run's folder keeps it; nothing else depends on it
        }
    }

    /** Points the run's report name at the file valgrind writes for the program's own pid. */
    static void linkOwnReport(Path name, Path own) {
        try {
            Files.deleteIfExists(name);
            Files.createSymbolicLink(name, own.getFileName());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot link " + name + " to " + own, e);
        }
    }

    /**
     * Gives the file valgrind opens for the program's report a second name as soon as valgrind has
     * made it, before the program's own code runs (valgrind opens it while it starts, long before it
     * runs the program): see {@link MemcheckCommand#keptXmlFile}.
     */
    static boolean keepOwnReport(Path own, Path kept, Process process) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline && process.isAlive()) {
            try {
                Files.createLink(kept, own);
                return true;
            } catch (NoSuchFileException e) {
                sleepQuietly(2);
            } catch (IOException | UnsupportedOperationException e) {
                return false; // no hard links here: the report is read by its name, as before
            }
        }
        return false;
    }

    static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Puts the program's own report at the run's name for it, in place of the link: the file valgrind
     * wrote, through its kept name. Returns why the run cannot be trusted when that file was replaced
     * or its kept name removed while the run ran, else null.
     */
    static String placeOwnReport(Path name, Path own, Path kept, boolean keptMade) {
        try {
            if (keptMade && !Files.exists(kept, LinkOption.NOFOLLOW_LINKS)) {
                if (Files.exists(own, LinkOption.NOFOLLOW_LINKS)) {
                    Files.move(own, name, StandardCopyOption.REPLACE_EXISTING);
                }
                return "the second name leakgate gave the program's report file (" + kept + ") was removed while the"
                        + " run ran, so the report cannot be proved to be the one valgrind wrote; a program under test"
                        + " must not touch its run's files";
            }
            if (Files.exists(kept, LinkOption.NOFOLLOW_LINKS)) {
                boolean same = Files.exists(own, LinkOption.NOFOLLOW_LINKS) && Files.readAttributes(own,
                        BasicFileAttributes.class).fileKey().equals(Files.readAttributes(kept,
                        BasicFileAttributes.class).fileKey());
                if (!same && Files.exists(own, LinkOption.NOFOLLOW_LINKS)) {
                    Files.move(own, name.resolveSibling("memcheck.replaced.xml"), StandardCopyOption.REPLACE_EXISTING);
                }
                Files.move(kept, name, StandardCopyOption.REPLACE_EXISTING);
                if (same) {
                    Files.deleteIfExists(own);
                    return null;
                }
                return "the program's report file " + own + " was replaced while the run ran (unlinked or renamed, and"
                        + " another file written in its place): the report judged is the one valgrind wrote, and what"
                        + " stood in its place is kept as memcheck.replaced.xml; a program under test must not touch"
                        + " its run's files";
            }
            if (Files.exists(own, LinkOption.NOFOLLOW_LINKS)) {
                Files.move(own, name, StandardCopyOption.REPLACE_EXISTING);
            } else if (Files.isSymbolicLink(name)) {
                Files.delete(name);
            }
            return null;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot move " + own + " to " + name, e);
        }
    }

    static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    /** The /proc lines of one memory sample of a local process; empty once it is gone. */
    static List<String> procLines(long pid) {
        try {
            List<String> lines = new ArrayList<>(Files.readAllLines(Path.of("/proc/" + pid + "/status")));
            lines.addAll(Files.readAllLines(Path.of("/proc/meminfo")));
            return lines;
        } catch (IOException e) {
            return List.of();
        }
    }

    static void write(Path file, String text) {
        try {
            Files.writeString(file, text);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    static Duration elapsed(long startNanos) {
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }

}
