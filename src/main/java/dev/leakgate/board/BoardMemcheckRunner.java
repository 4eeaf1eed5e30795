package dev.leakgate.board;

import dev.leakgate.board.ssh.AskedCommand;
import dev.leakgate.board.ssh.BoardException;
import dev.leakgate.board.ssh.RemoteProcess;
import dev.leakgate.board.ssh.SshBoard;
import dev.leakgate.board.ssh.SshFiles;
import dev.leakgate.memcheck.MemcheckXmlParser;
import dev.leakgate.process.LocalMemcheckRunner;
import dev.leakgate.process.MemcheckCommand;
import dev.leakgate.process.MemcheckProcess;
import dev.leakgate.process.MemcheckRun;
import dev.leakgate.process.MemorySampler;
import dev.leakgate.process.NativeRun;
import dev.leakgate.process.RunFiles;
import dev.leakgate.process.RunIdentity;
import dev.leakgate.process.RunOptions;
import dev.leakgate.process.ShellQuoting;
import dev.leakgate.process.Termination;

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
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;

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
    final String remoteRoot;
    final MemcheckXmlParser parser = new MemcheckXmlParser();

    public BoardMemcheckRunner(SshBoard board) {
        this(board, Path.of(System.getProperty(LocalMemcheckRunner.RUNS_DIR_PROPERTY, "target/leakgate"))
                .resolve("runs"), DEFAULT_REMOTE_ROOT);
    }

    /** The board this runner runs on. */
    SshBoard board() {
        return board;
    }

    public BoardMemcheckRunner(SshBoard board, Path localRunsRoot, String remoteRoot) {
        this.board = board;
        this.localRunsRoot = localRunsRoot.toAbsolutePath();
        this.remoteRoot = remoteRoot;
    }

    /** Whether this runner has pruned the board's store of deployed content yet (once per runner). */
    private boolean storePruned;

    /**
     * Copies files into the deploy folder {@code <remote root>/deploy/<name>} on the board, each
     * under its own file name; a file whose SHA-256 matches the one there is not copied again, and
     * one deployed already for another folder is hard-linked from the board's store of deployed
     * content ({@code <remote root>/deploy/.store}, by SHA-256) instead of copied: the same binary
     * crosses the connection once per board, however many test classes use it. Entries no deploy
     * folder uses any more are removed from the store once per runner.
     */
    public Deployment deploy(String name, List<Path> files) {
        String folder = remoteRoot + "/deploy/" + name.replaceAll("[^A-Za-z0-9._-]", "_");
        String store = remoteRoot + "/deploy/.store";
        String prune = null;
        if (!storePruned) {
            storePruned = true;
            // an entry with one link is in no deploy folder: an old build's; one stat for all of them
            prune = "(cd " + ShellQuoting.quote(store) + " 2>/dev/null && stat -c '%h %n' -- * 2>/dev/null | while read -r h f; do"
                    + " case $f in *.rec) ;; *) [ \"$h\" = 1 ] && rm -f -- \"$f\" \"$f.rec\";; esac; done)";
        }
        Map<Path, String> paths = new LinkedHashMap<>();
        List<Path> copied = new ArrayList<>();
        List<Path> linked = new ArrayList<>();
        Map<String, Path> byName = new LinkedHashMap<>();
        for (Path f : files) {
            Path other = byName.putIfAbsent(f.getFileName().toString(), f);
            if (other != null && !other.toAbsolutePath().normalize().equals(f.toAbsolutePath().normalize())) {
                throw new BoardException("cannot deploy " + f + " and " + other + " together: both are named "
                        + f.getFileName() + " and would land on one file on the board; rename one");
            }
        }
        List<SshFiles.Target> targets = new ArrayList<>();
        for (Path f : files) {
            if (!Files.isRegularFile(f)) {
                throw new BoardException("cannot deploy " + f + ": there is no such file; build it first");
            }
            targets.add(new SshFiles.Target(f, folder, f.getFileName().toString()));
            paths.put(f.toAbsolutePath().normalize(), folder + "/" + f.getFileName());
        }
        List<SshFiles.Placed> placed = board.files().placeAll(targets, store, prune);
        for (int i = 0; i < files.size(); i++) {
            switch (placed.get(i)) {
                case COPIED -> copied.add(files.get(i));
                case LINKED -> linked.add(files.get(i));
                case UNCHANGED -> { }
            }
        }
        return new Deployment(folder, paths, copied, linked);
    }

    /**
     * Copies a local folder of data files into {@code <remote root>/deploy/<name>/files} on the board,
     * each at its path relative to the folder (unchanged files are not copied again), and returns
     * that board folder.
     */
    public String deployFiles(String name, Path folder) {
        if (!Files.isDirectory(folder)) {
            throw new BoardException("cannot deploy the data files of " + folder + ": there is no such folder");
        }
        String target = remoteRoot + "/deploy/" + name.replaceAll("[^A-Za-z0-9._-]", "_") + "/files";
        List<Path> files;
        try (var walk = Files.walk(folder)) {
            files = walk.filter(Files::isRegularFile).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the data files in " + folder, e);
        }
        List<SshFiles.Target> targets = new ArrayList<>();
        for (Path f : files) {
            Path relative = folder.relativize(f);
            String dir = relative.getParent() == null ? target
                    : target + "/" + relative.getParent().toString().replace('\\', '/');
            targets.add(new SshFiles.Target(f, dir, f.getFileName().toString()));
        }
        board.files().placeAll(targets, null, "mkdir -p " + ShellQuoting.quote(target)); // the folder even when empty
        return target;
    }

    /**
     * Runs the command on the board to its end, or to its timeout and the steps after it (see
     * {@link #start}). Never throws for what the program, valgrind or the board did: a lost board
     * gives a run that says so.
     */
    public MemcheckRun run(MemcheckCommand command, RunOptions options) {
        try (MemcheckProcess p = start(command, options)) {
            return Board.toEnd(p, options);
        }
    }

    /**
     * Starts the command on the board and returns at once, with the program running. Its XML and
     * log go to a run folder of its own on the board (the working directory too, unless the command
     * sets one), named by the run's random id, which holds an owner record, so that a later leakgate
     * can remove it if this JVM dies first; they come back to a local run folder when the run is
     * finished, and the board's folder is removed.
     */
    public MemcheckProcess start(MemcheckCommand command, RunOptions options) {
        RunFiles files = RunFiles.create(localRunsRoot, options.name());
        String runId = command.runId() != null ? command.runId() : RunIdentity.newId();
        String remoteRun = remoteRun(files, runId);
        MemcheckCommand placed = command.toBuilder()
                .xmlFile(remoteRun + "/memcheck.xml")
                .logFile(remoteRun + "/memcheck.log")
                .workingDirectory(command.workingDirectory() != null ? command.workingDirectory() : remoteRun)
                .runId(runId)
                .env(RunIdentity.OWNER_VARIABLE, RunIdentity.owner())
                .env(MemcheckProcess.RUN_DIR_VARIABLE, remoteRun)
                .build();
        // valgrind writes the program's report under its pid, which is this shell's ($$) once it execs
        // valgrind; the run's name for it points there, so that it can be read while the program runs
        // the file is made here and given a second name (valgrind opens it with O_TRUNC: the same file), so a
        // program that replaces its report cannot reach what valgrind writes (see MemcheckCommand.keptXmlFile)
        String own = ShellQuoting.quote(remoteRun + "/" + placed.xmlFilePrefix()) + "$$.xml";
        String line = ownerRecord(remoteRun, options.timeout()) + ": > " + own + " && ln " + own + " "
                + ShellQuoting.quote(placed.keptXmlFile()) + " && ln -s " + ShellQuoting.quote(placed.xmlFilePrefix())
                + "$$.xml " + ShellQuoting.quote(placed.xmlFile()) + " && " + placed.shellCommand();
        write(files.command(), "# on " + board + ", in " + remoteRun + "\n" + placed.redacted(line) + "\n");

        options.onStart().accept(files);
        long start = System.nanoTime();
        String pidFile = ShellQuoting.quote(remoteRun + "/.pid");
        // builtins only (if, read, case, echo), asked of one shell that stays: a sample starts no program on the board
        String probe = "if read p < " + pidFile + " 2>/dev/null; then "
                + "while read k v u; do case $k in VmData:|VmRSS:) echo $k $v;; esac; done < /proc/$p/status; "
                + "while read k v u; do case $k in MemAvailable:) echo $k $v;; esac; done < /proc/meminfo; fi 2>/dev/null";
        OutputStream out = null;
        OutputStream err = null;
        try {
            out = Files.newOutputStream(files.stdout());
            err = Files.newOutputStream(files.stderr());
            RemoteProcess remote = board.start(line, remoteRun + "/.pid", out, err, endStrays(runId));
            remote.write(options.stdin());
            if (!options.keepStdinOpen()) {
                remote.closeStdin();
            }
            AtomicReference<AskedCommand> asked = new AtomicReference<>(); // opened by the first sample, on its thread
            MemorySampler sampler = MemorySampler.start(options.sampleInterval(), () -> asked.updateAndGet(
                    a -> a != null ? a : board.asked(probe)).ask(), () -> Optional.ofNullable(asked.get())
                    .ifPresent(AskedCommand::close));
            return new BoardProcess(this, placed, files, remoteRun, remote, sampler, out, err, start, options.timeout(), null);
        } catch (BoardException e) {
            closeQuietly(out);
            closeQuietly(err);
            return new BoardProcess(this, placed, files, remoteRun, null, MemorySampler.start(Duration.ZERO, List::of),
                    null, null, start, options.timeout(), e.getMessage());
        } catch (IOException e) {
            closeQuietly(out);
            closeQuietly(err);
            throw new UncheckedIOException("cannot write the run's output under " + files.folder(), e);
        }
    }

    static void closeQuietly(OutputStream out) {
        if (out != null) {
            try {
                out.close();
            } catch (IOException e) {
                // nothing more to keep
            }
        }
    }

    /**
     * Ends what the run left running (each named), then fetches the reports of the processes the
     * program started ({@code memcheck.<pid>.xml} besides its own) into the local run folder; returns
     * the processes it ended.
     */
    List<String> fetchChildren(String remoteRun, MemcheckCommand command, Path localFolder,
                                       List<String> runProblems) {
        String prefix = command.xmlFilePrefix();
        String kept = command.keptXmlFile().substring(command.keptXmlFile().lastIndexOf('/') + 1);
        String script = "cd " + ShellQuoting.quote(remoteRun) + " && { " + endStrays(command.runId()) + "; p=; read p < .pid"
                + " 2>/dev/null; for f in " + ShellQuoting.quote(prefix) + "*.xml; do [ -f \"$f\" ] && [ \"$f\" != "
                + ShellQuoting.quote(prefix) + "\"$p.xml\" ] && echo \"child=$f\"; done;"
                // inode numbers (ls -i pads them on busybox: the first word is taken)
                + " set -- $(ls -i " + ShellQuoting.quote(prefix) + "\"$p.xml\" 2>/dev/null); echo \"own=$1\";"
                + " set -- $(ls -i " + ShellQuoting.quote(kept) + " 2>/dev/null); echo \"kept=$1\"; }";
        String out = board.run(script, Duration.ofSeconds(30)).stdout();
        String ownInode = null;
        String keptInode = null;
        for (String l : out.split("\n")) {
            if (l.startsWith("own=")) {
                ownInode = l.substring(4).strip();
            } else if (l.startsWith("kept=")) {
                keptInode = l.substring(5).strip();
            }
        }
        if (keptInode != null && keptInode.isEmpty()) {
            runProblems.add("the second name leakgate gave the program's report file (" + remoteRun + "/" + kept + ")"
                    + " was removed while the run ran, so the report cannot be proved to be the one valgrind wrote; a"
                    + " program under test must not touch its run's files");
        } else if (keptInode != null && !keptInode.equals(ownInode)) {
            // judge what valgrind wrote; keep what stood in its place for a person to see
            Map<String, Path> both = new LinkedHashMap<>();
            both.put(remoteRun + "/" + kept, localFolder.resolve("memcheck.xml"));
            if (ownInode != null && !ownInode.isEmpty()) {
                both.put(remoteRun + "/" + command.xmlFile().substring(command.xmlFile().lastIndexOf('/') + 1),
                        localFolder.resolve("memcheck.replaced.xml"));
            }
            board.files().download(both);
            runProblems.add("the program's report file on " + board.name() + " was replaced while the run ran"
                    + " (unlinked or renamed, and another file written in its place): the report judged is the one"
                    + " valgrind wrote, and what stood in its place is kept as memcheck.replaced.xml; a program under"
                    + " test must not touch its run's files");
        } else if (keptInode != null) {
            // the same file: read it through its kept name, not through the run's link, which the program could
            // have pointed at a file of its own
            board.files().download(Map.of(remoteRun + "/" + kept, localFolder.resolve("memcheck.xml")));
        }
        Map<String, Path> fetch = new LinkedHashMap<>();
        for (String l : out.split("\n")) {
            if (l.startsWith("child=") && l.substring(6).matches(Pattern.quote(prefix) + "\\d+\\.xml")) {
                fetch.put(remoteRun + "/" + l.substring(6), localFolder.resolve(l.substring(6)));
            }
        }
        if (!fetch.isEmpty()) {
            board.files().download(fetch);
        }
        return parseStrays(out);
    }

    /** The run folder on the board: the local folder's name and the run's id, unique to the run. */
    private String remoteRun(RunFiles files, String runId) {
        return remoteRoot + "/runs/" + files.folder().getFileName() + "-" + runId;
    }

    /**
     * The owner record, written first in the run folder: the owner JVM ({@link RunIdentity#owner})
     * and the seconds after which the run is over in any case (its timeout and the steps after it).
     */
    private static String ownerRecord(String remoteRun, Duration timeout) {
        long limit = timeout.toSeconds() + 120;
        return "printf '%s %s\\n' " + ShellQuoting.quote(RunIdentity.owner()) + " " + limit + " > "
                + ShellQuoting.quote(remoteRun + "/" + BoardReaper.OWNER_FILE) + " && ";
    }

    /**
     * A shell command that kills every process on the board of the run (children that outlived the
     * program, in whatever group or session) and prints "stray=PID NAME" for each: those whose
     * environment carries the run's id, and those whose command line does, as every process valgrind
     * follows for the run carries it ({@code --xml-user-comment}), even one that cleared its
     * environment before it exec'd. The id is split in the script, so that the script's own command
     * line does not hold it.
     */
    static String endStrays(String runId) {
        String id = ShellQuoting.quote(runId);
        // twice: a process in the middle of an exec shows no command line for a moment
        return "seen=; for r in 1 2; do for f in $(grep -lsF " + ShellQuoting.quote(MemcheckCommand.RUN_ID_VARIABLE + "=") + id
                + " /proc/[0-9]*/environ 2>/dev/null; grep -lsF " + ShellQuoting.quote(MemcheckCommand.RUN_ID_COMMENT
                .substring(0, MemcheckCommand.RUN_ID_COMMENT.length() - 1)) + "':'" + id
                + " /proc/[0-9]*/cmdline 2>/dev/null); do q=${f#/proc/}; q=${q%%/*}; case \" $seen \" in *\" $q \"*)"
                + " continue;; esac; seen=\"$seen $q\"; c=; read -r c < /proc/$q/comm 2>/dev/null;"
                + " kill -s KILL $q 2>/dev/null && echo \"stray=$q $c\"; done; done";
    }

    /** What the clean-up after a run found: the group's pid, the strays it ended, free space (-1: not asked). */
    record Cleanup(long pid, List<String> strays, long freeKb) {
    }

    /**
     * One command after the results are fetched: reads the run's pid (the proof that the report is
     * its own), ends what is left of its process group and every process with its id, says how much
     * space is left when the report came back incomplete (a full disk cuts it), and removes the
     * run folder, so that the board is left as found.
     */
    Cleanup cleanUp(String remoteRun, String runId, boolean askFreeSpace) {
        String q = ShellQuoting.quote(remoteRun);
        String script = "p=; read p < " + q + "/.pid 2>/dev/null; echo \"pid=$p\"; " + endStrays(runId) + "; "
                + "[ -n \"$p\" ] && kill -s KILL -- -$p 2>/dev/null; "
                + (askFreeSpace ? "df -Pk " + q + " 2>/dev/null | { read h; read a b c d e; echo \"free=$d\"; }; " : "")
                + "rm -rf " + q;
        String out = board.run(script, Duration.ofSeconds(30)).stdout();
        long pid = -1;
        long free = -1;
        for (String l : out.split("\n")) {
            if (l.startsWith("pid=") && l.length() > 4) {
                pid = parseLong(l.substring(4));
            } else if (l.startsWith("free=")) {
                free = parseLong(l.substring(5));
            }
        }
        return new Cleanup(pid, parseStrays(out), free);
    }

    /** "pid 123 (sleep)" for each "stray=123 sleep" line that {@link #endStrays} printed. */
    static List<String> parseStrays(String output) {
        List<String> strays = new ArrayList<>();
        for (String l : output.split("\n")) {
            if (l.startsWith("stray=")) {
                String[] parts = l.substring(6).split(" ", 2);
                strays.add("pid " + parts[0] + " (" + (parts.length > 1 ? parts[1].strip() : "?") + ")");
            }
        }
        return strays;
    }

    private static long parseLong(String s) {
        try {
            return Long.parseLong(s.strip());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /**
     * Runs a program natively (no valgrind) in a run folder of its own on the board, for soaks:
     * real memory behaviour at full speed. Its stdout and stderr come back into a local run folder.
     */
    public NativeRun runNative(String program, List<String> args, Map<String, String> env, String name, byte[] stdin,
                               Duration timeout) {
        RunFiles files = RunFiles.create(localRunsRoot, name);
        String runId = RunIdentity.newId();
        String remoteRun = remoteRun(files, runId);
        List<String> argv = new ArrayList<>();
        argv.add(program);
        argv.addAll(args);
        Map<String, String> environment = new LinkedHashMap<>(env);
        environment.put(MemcheckCommand.RUN_ID_VARIABLE, runId);
        environment.put(RunIdentity.OWNER_VARIABLE, RunIdentity.owner());
        String line = ownerRecord(remoteRun, timeout) + ShellQuoting.execLine(remoteRun, environment, argv);
        write(files.command(), "# natively on " + board + ", in " + remoteRun + "\n" + line + "\n");
        try (OutputStream out = Files.newOutputStream(files.stdout());
             OutputStream err = Files.newOutputStream(files.stderr())) {
            SshBoard.Outcome o = board.execWithPidFile(line, remoteRun + "/.pid", stdin, false, timeout,
                    Duration.ofSeconds(5), Duration.ofSeconds(5), out, err, endStrays(runId));
            Cleanup cleanup = cleanUp(remoteRun, runId, false);
            List<String> strays = new ArrayList<>(parseStrays(o.strayOutput()));
            strays.addAll(cleanup.strays);
            List<String> notes = strays.isEmpty() ? List.of() : List.of("ended " + strays.size()
                    + " process(es) the soak left running: " + String.join(", ", strays));
            return new NativeRun(files, o.termination(), o.exitStatus(), null, notes);
        } catch (BoardException e) {
            return new NativeRun(files, Termination.BOARD_LOST, -1, e.getMessage(), List.of());
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
