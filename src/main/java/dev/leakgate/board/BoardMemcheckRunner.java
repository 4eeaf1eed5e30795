package dev.leakgate.board;

import dev.leakgate.memcheck.LocalMemcheckRunner;
import dev.leakgate.memcheck.MemcheckCommand;
import dev.leakgate.memcheck.MemcheckRun;
import dev.leakgate.memcheck.MemcheckXmlParser;
import dev.leakgate.memcheck.RunFiles;
import dev.leakgate.memcheck.ShellQuoting;
import dev.leakgate.memcheck.Termination;
import dev.leakgate.report.MemorySampler;
import dev.leakgate.report.MemoryTimeline;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs programs under memcheck on a board over SSH: deploys the harness and its libraries into a
 * deploy folder on the board (skipping files whose content is already there), runs each command
 * in a run folder of its own on the board, fetches valgrind's XML and log back into a local run
 * folder (with the program's stdout and stderr, streamed as it ran), and removes the board's run
 * folder. The deploy folder stays, so that an unchanged harness is not copied again.
 */
public final class BoardMemcheckRunner {

    /** Where leakgate keeps its files on a board unless told otherwise. */
    public static final String DEFAULT_REMOTE_ROOT = "/tmp/leakgate";

    private final SshBoard board;
    private final Path localRunsRoot;
    private final String remoteRoot;
    private final MemcheckXmlParser parser = new MemcheckXmlParser();

    public BoardMemcheckRunner(SshBoard board) {
        this(board, Path.of(System.getProperty(LocalMemcheckRunner.RUNS_DIR_PROPERTY, "target/leakgate"))
                .resolve("runs"), DEFAULT_REMOTE_ROOT);
    }

    public BoardMemcheckRunner(SshBoard board, Path localRunsRoot, String remoteRoot) {
        this.board = board;
        this.localRunsRoot = localRunsRoot.toAbsolutePath();
        this.remoteRoot = remoteRoot;
    }

    /**
     * Files made available on the board: where each went (by its local path), which were copied
     * rather than already there, and the folder to put on {@code LD_LIBRARY_PATH} (for the local
     * board: the files' own folders, joined with ':').
     */
    public record Deployment(String folder, Map<Path, String> byLocal, List<Path> copied) {

        public Deployment {
            byLocal = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(byLocal));
            copied = List.copyOf(copied);
        }

        /** The board paths, in the order the files were given. */
        public List<String> paths() {
            return List.copyOf(byLocal.values());
        }

        /** The board path of a deployed local file. */
        public String pathOf(Path local) {
            String path = byLocal.get(local.toAbsolutePath().normalize());
            if (path == null) {
                throw new IllegalArgumentException(local + " was not deployed; deployed: " + byLocal.keySet());
            }
            return path;
        }
    }

    /**
     * Copies files into the deploy folder {@code <remote root>/deploy/<name>} on the board, each
     * under its own file name; a file whose SHA-256 matches the one there is not copied again.
     */
    public Deployment deploy(String name, List<Path> files) {
        String folder = remoteRoot + "/deploy/" + name.replaceAll("[^A-Za-z0-9._-]", "_");
        Map<Path, String> paths = new LinkedHashMap<>();
        List<Path> copied = new ArrayList<>();
        for (Path f : files) {
            if (!Files.isRegularFile(f)) {
                throw new BoardException("cannot deploy " + f + ": there is no such file; build it first");
            }
            if (board.upload(f, folder, f.getFileName().toString())) {
                copied.add(f);
            }
            paths.put(f.toAbsolutePath().normalize(), folder + "/" + f.getFileName());
        }
        return new Deployment(folder, paths, copied);
    }

    /**
     * Runs the command on the board. Its XML and log go to a run folder on the board (the working
     * directory too, unless the command sets one), then come back to a local run folder. Never
     * throws for what the program, valgrind or the board did: a lost board gives a run that says so.
     */
    public MemcheckRun run(MemcheckCommand command, LocalMemcheckRunner.Options options) {
        RunFiles files = RunFiles.create(localRunsRoot, options.name());
        String remoteRun = remoteRoot + "/runs/" + files.folder().getFileName();
        MemcheckCommand placed = command.toBuilder()
                .xmlFile(remoteRun + "/memcheck.xml")
                .logFile(remoteRun + "/memcheck.log")
                .workingDirectory(command.workingDirectory() != null ? command.workingDirectory() : remoteRun)
                .build();
        String line = placed.shellCommand(); // run in remoteRun, made with the pid file in it
        write(files.command(), "# on " + board + ", in " + remoteRun + "\n" + line + "\n");

        options.onStart().accept(files);
        long start = System.nanoTime();
        Termination termination;
        int exit;
        String lost = null;
        String pidFile = ShellQuoting.quote(remoteRun + "/.pid");
        // builtins only (read, case, echo): a sample starts no emulated program besides the channel's shell
        String probe = "read p < " + pidFile + " 2>/dev/null || exit 0; "
                + "while read k v u; do case $k in VmData:|VmRSS:) echo $k $v;; esac; done < /proc/$p/status; "
                + "while read k v u; do case $k in MemAvailable:) echo $k $v;; esac; done < /proc/meminfo";
        MemorySampler sampler = MemorySampler.start(options.sampleInterval(),
                () -> board.run(probe, Duration.ofSeconds(10)).stdout().lines().toList());
        try (OutputStream out = Files.newOutputStream(files.stdout());
             OutputStream err = Files.newOutputStream(files.stderr())) {
            SshBoard.Outcome o = board.execWithPidFile(line, remoteRun + "/.pid", options.stdin(),
                    options.keepStdinOpen(), options.timeout(), options.stdinGrace(), options.termGrace(), out, err);
            termination = o.termination();
            exit = o.exitStatus();
        } catch (BoardException e) {
            termination = Termination.BOARD_LOST;
            exit = -1;
            lost = e.getMessage();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the run's output under " + files.folder(), e);
        } finally {
            sampler.close();
        }
        Duration duration = Duration.ofNanos(System.nanoTime() - start);
        MemoryTimeline memory = sampler.stop();
        if (!memory.points().isEmpty()) {
            memory.writeCsv(files.memory());
        }
        if (lost == null) {
            try { // the results first, then the clean-up
                Map<String, Path> fetch = new LinkedHashMap<>();
                fetch.put(remoteRun + "/memcheck.xml", files.xml());
                fetch.put(remoteRun + "/memcheck.log", files.log());
                board.download(fetch);
                // nothing the run started may outlive it; then the board is left as found
                board.run(SshBoard.killGroupCommand(remoteRun + "/.pid") + "; rm -rf " + ShellQuoting.quote(remoteRun),
                        Duration.ofSeconds(20));
            } catch (BoardException e) {
                termination = Termination.BOARD_LOST;
                lost = e.getMessage();
            }
        }
        return new MemcheckRun(placed, files, termination, exit, duration, parser.parse(files.xml()), lost,
                files.stderrTail(15));
    }

    /** A run of a program without valgrind: where its output is kept and how it ended. */
    public record NativeRun(RunFiles files, Termination termination, int exitStatus, String lostBoard) {
    }

    /**
     * Runs a program natively (no valgrind) in a run folder of its own on the board, for soaks:
     * real memory behaviour at full speed. Its stdout and stderr come back into a local run folder.
     */
    public NativeRun runNative(String program, List<String> args, Map<String, String> env, String name, byte[] stdin,
                               Duration timeout) {
        RunFiles files = RunFiles.create(localRunsRoot, name);
        String remoteRun = remoteRoot + "/runs/" + files.folder().getFileName();
        List<String> argv = new ArrayList<>();
        argv.add(program);
        argv.addAll(args);
        String line = ShellQuoting.execLine(remoteRun, env, argv);
        write(files.command(), "# natively on " + board + ", in " + remoteRun + "\n" + line + "\n");
        try (OutputStream out = Files.newOutputStream(files.stdout());
             OutputStream err = Files.newOutputStream(files.stderr())) {
            SshBoard.Outcome o = board.execWithPidFile(line, remoteRun + "/.pid", stdin, false, timeout,
                    Duration.ofSeconds(5), Duration.ofSeconds(5), out, err);
            board.run(SshBoard.killGroupCommand(remoteRun + "/.pid") + "; rm -rf " + ShellQuoting.quote(remoteRun),
                    Duration.ofSeconds(20));
            return new NativeRun(files, o.termination(), o.exitStatus(), null);
        } catch (BoardException e) {
            return new NativeRun(files, Termination.BOARD_LOST, -1, e.getMessage());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the run's output under " + files.folder(), e);
        }
    }

    private static void write(Path file, String text) {
        try {
            Files.writeString(file, text);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

}
