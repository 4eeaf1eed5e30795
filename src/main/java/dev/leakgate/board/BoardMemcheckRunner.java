package dev.leakgate.board;

import dev.leakgate.board.ssh.BoardException;
import dev.leakgate.board.ssh.SshBoard;
import dev.leakgate.process.LocalMemcheckRunner;
import dev.leakgate.process.MemcheckCommand;
import dev.leakgate.process.MemcheckProcess;
import dev.leakgate.memcheck.MemcheckReport;
import dev.leakgate.process.MemcheckRun;
import dev.leakgate.memcheck.MemcheckXmlParser;
import dev.leakgate.process.ProcessReport;
import dev.leakgate.process.RunIdentity;
import dev.leakgate.process.ValgrindLog;
import dev.leakgate.process.RunFiles;
import dev.leakgate.process.ShellQuoting;
import dev.leakgate.process.Termination;
import dev.leakgate.process.MemorySampler;
import dev.leakgate.process.MemoryTimeline;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
     * rather than already there, which were linked from the board's store of deployed content
     * (copied once already, for another folder), and the folder to put on {@code LD_LIBRARY_PATH}
     * (for the local board: the files' own folders, joined with ':').
     */
    public record Deployment(String folder, Map<Path, String> byLocal, List<Path> copied, List<Path> linked) {

        public Deployment {
            byLocal = Collections.unmodifiableMap(new LinkedHashMap<>(byLocal));
            copied = List.copyOf(copied);
            linked = List.copyOf(linked);
        }

        public Deployment(String folder, Map<Path, String> byLocal, List<Path> copied) {
            this(folder, byLocal, copied, List.of());
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
        if (!storePruned) {
            storePruned = true;
            // an entry with one link is in no deploy folder: an old build's
            board.run("cd " + ShellQuoting.quote(store) + " 2>/dev/null && for f in *; do case $f in *.rec) continue;;"
                    + " esac; [ -f \"$f\" ] && [ \"$(stat -c %h \"$f\")\" = 1 ] && rm -f \"$f\" \"$f.rec\"; done; true",
                    Duration.ofSeconds(30));
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
        for (Path f : files) {
            if (!Files.isRegularFile(f)) {
                throw new BoardException("cannot deploy " + f + ": there is no such file; build it first");
            }
            switch (board.place(f, folder, f.getFileName().toString(), store)) {
                case COPIED -> copied.add(f);
                case LINKED -> linked.add(f);
                case UNCHANGED -> { }
            }
            paths.put(f.toAbsolutePath().normalize(), folder + "/" + f.getFileName());
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
        board.run("mkdir -p " + ShellQuoting.quote(target), Duration.ofSeconds(30));
        for (Path f : files) {
            Path relative = folder.relativize(f);
            String dir = relative.getParent() == null ? target
                    : target + "/" + relative.getParent().toString().replace('\\', '/');
            board.upload(f, dir, f.getFileName().toString());
        }
        return target;
    }

    /**
     * Runs the command on the board to its end, or to its timeout and the steps after it (see
     * {@link #start}). Never throws for what the program, valgrind or the board did: a lost board
     * gives a run that says so.
     */
    public MemcheckRun run(MemcheckCommand command, LocalMemcheckRunner.Options options) {
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
    public MemcheckProcess start(MemcheckCommand command, LocalMemcheckRunner.Options options) {
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
        // builtins only (read, case, echo): a sample starts no emulated program besides the channel's shell
        String probe = "read p < " + pidFile + " 2>/dev/null || exit 0; "
                + "while read k v u; do case $k in VmData:|VmRSS:) echo $k $v;; esac; done < /proc/$p/status; "
                + "while read k v u; do case $k in MemAvailable:) echo $k $v;; esac; done < /proc/meminfo";
        OutputStream out = null;
        OutputStream err = null;
        try {
            out = Files.newOutputStream(files.stdout());
            err = Files.newOutputStream(files.stderr());
            SshBoard.RemoteProcess remote = board.start(line, remoteRun + "/.pid", out, err, endStrays(runId));
            remote.write(options.stdin());
            if (!options.keepStdinOpen()) {
                remote.closeStdin();
            }
            MemorySampler sampler = MemorySampler.start(options.sampleInterval(),
                    () -> board.run(probe, Duration.ofSeconds(10)).stdout().lines().toList());
            return new BoardProcess(placed, files, remoteRun, remote, sampler, out, err, start, options.timeout(), null);
        } catch (BoardException e) {
            closeQuietly(out);
            closeQuietly(err);
            return new BoardProcess(placed, files, remoteRun, null, MemorySampler.start(Duration.ZERO, List::of),
                    null, null, start, options.timeout(), e.getMessage());
        } catch (IOException e) {
            closeQuietly(out);
            closeQuietly(err);
            throw new UncheckedIOException("cannot write the run's output under " + files.folder(), e);
        }
    }

    private static void closeQuietly(OutputStream out) {
        if (out != null) {
            try {
                out.close();
            } catch (IOException e) {
                // nothing more to keep
            }
        }
    }

    /** A program running under valgrind on the board. */
    private final class BoardProcess implements MemcheckProcess {
        private final MemcheckCommand command;
        private final RunFiles files;
        private final String remoteRun;
        private final SshBoard.RemoteProcess remote;
        private final MemorySampler sampler;
        private final OutputStream out;
        private final OutputStream err;
        private final long startNanos;
        private final Duration timeout;
        private final List<Integer> forwarded = new ArrayList<>();
        private final List<UdpRelay> relays = new ArrayList<>();
        private String lost;
        private boolean ending;
        private MemcheckRun finished;

        BoardProcess(MemcheckCommand command, RunFiles files, String remoteRun, SshBoard.RemoteProcess remote,
                     MemorySampler sampler, OutputStream out, OutputStream err, long startNanos, Duration timeout,
                     String lost) {
            this.command = command;
            this.files = files;
            this.remoteRun = remoteRun;
            this.remote = remote;
            this.sampler = sampler;
            this.out = out;
            this.err = err;
            this.startNanos = startNanos;
            this.timeout = timeout;
            this.lost = lost;
        }

        @Override
        public RunFiles files() {
            return files;
        }

        @Override
        public MemcheckCommand command() {
            return command;
        }

        @Override
        public String runFolder() {
            return remoteRun;
        }

        @Override
        public String where() {
            return board.name();
        }

        @Override
        public void send(byte[] input) {
            if (remote != null) {
                remote.write(input);
            }
        }

        @Override
        public void closeStdin() {
            if (remote != null) {
                remote.closeStdin();
            }
        }

        @Override
        public boolean awaitEnd(Duration wait) {
            if (remote == null) {
                return true;
            }
            try {
                return remote.awaitEnd(wait);
            } catch (BoardException e) {
                lost = e.getMessage();
                throw e;
            }
        }

        @Override
        public boolean hasExited() {
            return remote == null || remote.hasExited();
        }

        @Override
        public void signal(String signalName) {
            if (remote != null) {
                remote.signal(signalName);
            }
        }

        @Override
        public Termination endInSteps(Duration stdinGrace, Duration termGrace) {
            if (remote == null) {
                return Termination.BOARD_LOST;
            }
            ending = true;
            try {
                return remote.endInSteps(stdinGrace, termGrace);
            } catch (BoardException e) {
                lost = e.getMessage();
                return Termination.BOARD_LOST;
            }
        }

        @Override
        public MemcheckRun finish(Termination termination, String stopSignal) {
            if (finished != null) {
                return finished;
            }
            sampler.close();
            unforward();
            // Some SSH servers (Debian 12's dropbear) drop the connection as a channel closes. When the
            // board had already reported the program's end, what it left on the board is whole: connect
            // again and fetch it; the run identity check below still proves the files are this run's.
            // Without that report, or once leakgate had begun to end the run, a drop stays a lost board.
            if (lost == null && remote != null && remote.droppedBeforeItsEnd()) {
                // its own connection went down with it: what a later command of leakgate's saw over a new
                // connection does not say how the program ended
                lost = board.lost(null).getMessage();
            }
            boolean endReported = remote != null && remote.endReported();
            String dropped = null;
            if (lost != null && endReported && !ending && board.reconnect()) {
                dropped = lost;
                lost = null;
                if (termination == Termination.BOARD_LOST) {
                    termination = Termination.EXITED;
                }
            }
            SshBoard.Outcome outcome = remote == null || lost != null ? null : remote.finish(termination);
            if (remote != null) {
                remote.close();
            }
            closeQuietly(out);
            closeQuietly(err);
            MemoryTimeline memory = sampler.stop();
            if (!memory.points().isEmpty()) {
                memory.writeCsv(files.memory());
            }
            List<String> runProblems = new ArrayList<>();
            List<String> notes = new ArrayList<>();
            long pid = -1;
            List<ProcessReport> children = List.of();
            if (lost == null) {
                try { // the results first, then the clean-up; each once more after a drop the board survived
                    Map<String, Path> fetch = new LinkedHashMap<>();
                    fetch.put(remoteRun + "/memcheck.xml", files.xml());
                    fetch.put(remoteRun + "/memcheck.log", files.log());
                    try {
                        board.download(fetch);
                    } catch (BoardException e) {
                        if (!endReported || !board.reconnect()) {
                            throw e;
                        }
                        dropped = e.getMessage();
                        board.download(fetch);
                    }
                    boolean complete = parser.parse(files.xml()).isComplete();
                    List<String> ended = new ArrayList<>(parseStrays(outcome.strayOutput()));
                    ended.addAll(fetchChildren(remoteRun, command, files.folder(), runProblems));
                    Cleanup cleanup;
                    try {
                        cleanup = cleanUp(remoteRun, command.runId(), !complete);
                    } catch (BoardException e) {
                        if (!endReported || !board.reconnect()) {
                            throw e;
                        }
                        dropped = e.getMessage();
                        cleanup = cleanUp(remoteRun, command.runId(), !complete);
                    }
                    pid = cleanup.pid;
                    List<String> strays = new ArrayList<>(ended);
                    strays.addAll(cleanup.strays);
                    children = ProcessReport.read(files.folder(), command.xmlFilePrefix(), pid,
                            ProcessReport.pidsIn(strays), parser);
                    if (!strays.isEmpty()) {
                        notes.add("ended " + strays.size() + " process" + (strays.size() == 1 ? "" : "es")
                                + " the run left running on " + board.name() + ": " + String.join(", ", strays));
                    }
                    if (outcome.heldByStray()) {
                        notes.add("a process the program started kept its output open after valgrind exited;"
                                + " leakgate ended it instead of waiting for the timeout");
                    }
                    if (cleanup.freeKb >= 0 && cleanup.freeKb < 256) {
                        runProblems.add("the board's folder " + remoteRoot + " on " + board.name() + " is full ("
                                + cleanup.freeKb + " KB free), so valgrind could not write its whole report; free"
                                + " space on the board, or set leakgate.board.dir to a folder with room");
                    }
                } catch (BoardException e) {
                    lost = e.getMessage();
                }
            }
            if (dropped != null && lost == null) {
                notes.add("the SSH connection to " + board.name() + " dropped after the board had reported valgrind's"
                        + " end (" + (outcome.exitSignal() != null ? "signal " + outcome.exitSignal()
                        : "exit status " + outcome.exitStatus()) + "); leakgate connected again (host key checked)"
                        + " and fetched the run's files, which the run identity check proves its own. The drop: "
                        + dropped);
            }
            MemcheckReport report = parser.parse(files.xml());
            runProblems.addAll(RunIdentity.problems(report, command.runId(), pid));
            Termination t = lost != null ? Termination.BOARD_LOST : termination;
            finished = new MemcheckRun(command, files, t, lost != null ? -1 : outcome.exitStatus(),
                    lost != null ? null : outcome.exitSignal(), Duration.ofNanos(System.nanoTime() - startNanos),
                    timeout, report, lost, files.stderrTail(15), ValgrindLog.problems(files.log()), runProblems, notes,
                    stopSignal, children, null);
            return finished;
        }

        @Override
        public ShellResult shell(String shellCommand, Duration wait) {
            SshBoard.Result r = board.run(shellCommand, wait);
            return new ShellResult(r.exitStatus(), r.stdout(), r.stderr());
        }

        @Override
        public boolean accepts(int port) {
            return board.accepts(port);
        }

        @Override
        public InetSocketAddress forward(int port) {
            InetSocketAddress a = board.forward(port);
            forwarded.add(a.getPort());
            return a;
        }

        @Override
        public InetSocketAddress forwardUdp(int port, String relay) {
            if (relay == null) {
                throw UdpRelay.missing(port, board);
            }
            UdpRelay r = UdpRelay.start(board, relay, port, command.runId());
            synchronized (relays) {
                relays.add(r);
            }
            return r.address();
        }

        private void unforward() {
            forwarded.forEach(board::unforward);
            forwarded.clear();
            synchronized (relays) {
                relays.forEach(UdpRelay::close);
                relays.clear();
            }
        }

        @Override
        public void close() {
            sampler.close();
            unforward();
            if (finished == null && remote != null && lost == null) {
                try { // never finished: end what runs and remove the folder, keeping nothing
                    remote.kill();
                    cleanUp(remoteRun, command.runId(), false);
                } catch (BoardException e) {
                    // the board is gone; the next leakgate reaps what is left
                }
            }
            if (remote != null) {
                remote.close();
            }
            closeQuietly(out);
            closeQuietly(err);
        }
    }

    /**
     * Ends what the run left running (each named), then fetches the reports of the processes the
     * program started ({@code memcheck.<pid>.xml} besides its own) into the local run folder; returns
     * the processes it ended.
     */
    private List<String> fetchChildren(String remoteRun, MemcheckCommand command, Path localFolder,
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
            board.download(both);
            runProblems.add("the program's report file on " + board.name() + " was replaced while the run ran"
                    + " (unlinked or renamed, and another file written in its place): the report judged is the one"
                    + " valgrind wrote, and what stood in its place is kept as memcheck.replaced.xml; a program under"
                    + " test must not touch its run's files");
        } else if (keptInode != null) {
            // the same file: read it through its kept name, not through the run's link, which the program could
            // have pointed at a file of its own
            board.download(Map.of(remoteRun + "/" + kept, localFolder.resolve("memcheck.xml")));
        }
        Map<String, Path> fetch = new LinkedHashMap<>();
        for (String l : out.split("\n")) {
            if (l.startsWith("child=") && l.substring(6).matches(Pattern.quote(prefix) + "\\d+\\.xml")) {
                fetch.put(remoteRun + "/" + l.substring(6), localFolder.resolve(l.substring(6)));
            }
        }
        if (!fetch.isEmpty()) {
            board.download(fetch);
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
    private record Cleanup(long pid, List<String> strays, long freeKb) {
    }

    /**
     * One command after the results are fetched: reads the run's pid (the proof that the report is
     * its own), ends what is left of its process group and every process with its id, says how much
     * space is left when the report came back incomplete (a full disk cuts it), and removes the
     * run folder, so that the board is left as found.
     */
    private Cleanup cleanUp(String remoteRun, String runId, boolean askFreeSpace) {
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
    private static List<String> parseStrays(String output) {
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
     * A run of a program without valgrind: where its output is kept, how it ended, and what the
     * run left behind that leakgate ended.
     */
    public record NativeRun(RunFiles files, Termination termination, int exitStatus, String lostBoard,
                            List<String> notes) {
        public NativeRun {
            notes = List.copyOf(notes);
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
