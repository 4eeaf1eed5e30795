package dev.leakgate.board;

import dev.leakgate.memcheck.LocalMemcheckRunner;
import dev.leakgate.memcheck.LocalProcesses;
import dev.leakgate.memcheck.RunIdentity;
import dev.leakgate.memcheck.MemcheckCommand;
import dev.leakgate.memcheck.MemcheckProcess;
import dev.leakgate.memcheck.MemcheckRun;
import dev.leakgate.memcheck.RunFiles;
import dev.leakgate.memcheck.ShellQuoting;
import dev.leakgate.memcheck.Termination;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.concurrent.TimeUnit;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A board chosen by configuration and ready to run programs under memcheck: the emulated board
 * (started here, stopped by {@link #close()}), a real board over SSH, or this machine. The same
 * test code runs on any of them.
 */
public final class BoardSession implements AutoCloseable {

    private final BoardSpec spec;
    private final EmulatedBoard emulated;
    private final SshBoard ssh;
    private final BoardMemcheckRunner boardRunner;
    private final LocalMemcheckRunner localRunner;
    private final Settings settings;

    /** Whether closing this session closes its board (false for a board the caller owns). */
    private boolean owned = true;

    /**
     * A session over a board the caller opened and closes itself (a board shared by several
     * sessions); closing the session leaves the board open.
     */
    public static BoardSession over(SshBoard board, String boardSetting, Settings settings) {
        BoardSession s = new BoardSession(BoardSpec.parse(boardSetting, "the caller"), null, board, settings);
        s.owned = false;
        return s;
    }

    private BoardSession(BoardSpec spec, EmulatedBoard emulated, SshBoard ssh, Settings settings) {
        this.spec = spec;
        this.emulated = emulated;
        this.ssh = ssh;
        this.settings = settings;
        this.boardRunner = ssh == null ? null
                : new BoardMemcheckRunner(ssh, runsRoot(), settings.get(Settings.BOARD_DIR,
                BoardMemcheckRunner.DEFAULT_REMOTE_ROOT));
        this.localRunner = ssh == null ? new LocalMemcheckRunner(runsRoot()) : null;
    }

    /** Where run folders are kept on this machine: {@code leakgate.runs.dir} (default target/leakgate), then runs/. */
    private Path runsRoot() {
        return Path.of(settings.get(LocalMemcheckRunner.RUNS_DIR_PROPERTY, "target/leakgate")).resolve("runs");
    }

    /**
     * Opens the board the settings name ({@link Settings#BOARD}), or {@code defaultBoard} when none
     * does. Fails with a message naming the setting and its source when the value is wrong.
     */
    public static BoardSession open(Settings settings, String defaultBoard) {
        String value = settings.get(Settings.BOARD, defaultBoard);
        BoardSpec spec = BoardSpec.parse(value, settings.get(Settings.BOARD).isPresent()
                ? settings.sourceOf(Settings.BOARD) : "the default board");
        if (spec instanceof BoardSpec.Emulated) {
            EmulatedBoard board = EmulatedBoard.start(settings.get(Settings.BOARD_IMAGE, EmulatedBoard.DEFAULT_IMAGE));
            return new BoardSession(spec, board, board.board(), settings);
        }
        if (spec instanceof BoardSpec.Ssh s) {
            SshBoard board = SshBoard.connect(target(s, settings));
            String root = settings.get(Settings.BOARD_DIR, BoardMemcheckRunner.DEFAULT_REMOTE_ROOT);
            // libraries a test overrode in place before its connection dropped come back first
            InPlaceLibraries.recover(board, root);
            BoardReaper.reap(board, root).forEach(line -> System.out.println("leakgate: " + line));
            return new BoardSession(spec, null, board, settings);
        }
        return new BoardSession(spec, null, null, settings);
    }

    /** The SSH target the settings describe: key and/or password, pinned key or known_hosts. */
    static SshTarget target(BoardSpec.Ssh s, Settings settings) {
        SshTarget t = SshTarget.of(s.user(), s.host(), s.port());
        var knownHosts = settings.get(Settings.SSH_KNOWN_HOSTS);
        if (knownHosts.isPresent()) {
            t = t.withKnownHosts(Path.of(knownHosts.get()));
        }
        var hostKey = settings.get(Settings.SSH_HOST_KEY);
        if (hostKey.isPresent()) {
            t = t.withPinnedHostKey(hostKey.get());
        }
        var key = settings.get(Settings.SSH_KEY);
        if (key.isPresent()) {
            Path file = Path.of(key.get());
            try {
                Path pub = Path.of(key.get() + ".pub");
                t = t.withPrivateKey(Files.readAllBytes(file), Files.isRegularFile(pub) ? Files.readAllBytes(pub) : null);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the SSH key " + file + " given by "
                        + settings.sourceOf(Settings.SSH_KEY) + ": fix the path or its permissions", e);
            }
        }
        var password = settings.get(Settings.SSH_PASSWORD);
        if (password.isPresent()) {
            t = t.withPassword(password.get().toCharArray());
        }
        return t;
    }

    public BoardSpec spec() {
        return spec;
    }

    /** Whether programs run on this machine (no deployment). */
    public boolean isLocal() {
        return ssh == null;
    }

    /** The SSH board, when the board is not this machine. */
    public SshBoard sshBoard() {
        if (ssh == null) {
            throw new IllegalStateException("the local board has no SSH connection");
        }
        return ssh;
    }

    /**
     * A memcheck command for a program on this board, with the valgrind the settings name
     * ({@link Settings#VALGRIND}, {@link Settings#VALGRIND_LIB}).
     */
    public MemcheckCommand.Builder command(String program) {
        MemcheckCommand.Builder b = MemcheckCommand.builder(program);
        settings.get(Settings.VALGRIND).ifPresent(b::valgrind);
        settings.get(Settings.VALGRIND_LIB).ifPresent(b::valgrindLib);
        return b;
    }

    /**
     * Makes files available on the board: deployed (skipping unchanged ones) to a remote board,
     * used where they are on this machine.
     */
    public BoardMemcheckRunner.Deployment deploy(String name, List<Path> files) {
        if (boardRunner == null) {
            Map<Path, String> paths = new LinkedHashMap<>();
            Set<String> folders = new LinkedHashSet<>();
            for (Path f : files) {
                Path abs = f.toAbsolutePath().normalize();
                paths.put(abs, abs.toString());
                folders.add(abs.getParent().toString());
            }
            return new BoardMemcheckRunner.Deployment(String.join(":", folders), paths, List.of());
        }
        return boardRunner.deploy(name, files);
    }

    /** Runs the command under memcheck on the board. */
    public MemcheckRun run(MemcheckCommand command, LocalMemcheckRunner.Options options) {
        return boardRunner != null ? boardRunner.run(command, options) : localRunner.run(command, options);
    }

    /**
     * Starts the command under memcheck on the board and returns at once, with the program running
     * (a live session talks to it, then stops it).
     */
    public MemcheckProcess start(MemcheckCommand command, LocalMemcheckRunner.Options options) {
        return boardRunner != null ? boardRunner.start(command, options) : localRunner.start(command, options);
    }

    /** Whether a TCP port on the board's loopback accepts connections now. */
    public boolean accepts(int port) {
        return ssh != null ? ssh.accepts(port) : MemcheckProcess.acceptsHere(port);
    }

    /**
     * Runs a program without valgrind on this board (a soak: real memory behaviour at full speed),
     * keeping its output in a run folder.
     */
    public BoardMemcheckRunner.NativeRun runNative(String program, List<String> args, Map<String, String> env,
                                                   String name, byte[] stdin, Duration timeout) {
        if (boardRunner != null) {
            return boardRunner.runNative(program, args, env, name, stdin, timeout);
        }
        LocalProcesses.reapDeadOwnersOnce();
        RunFiles files = RunFiles.create(runsRoot(), name);
        String runId = RunIdentity.newId();
        List<String> argv = new ArrayList<>();
        argv.add(program);
        argv.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(argv).redirectOutput(files.stdout().toFile())
                .redirectError(files.stderr().toFile());
        pb.environment().putAll(env);
        pb.environment().put(MemcheckCommand.RUN_ID_VARIABLE, runId);
        pb.environment().put(RunIdentity.OWNER_VARIABLE, RunIdentity.owner());
        try {
            Files.writeString(files.command(), "# natively on this machine\n" + ShellQuoting.join(argv) + "\n");
            Path input = files.folder().resolve("stdin.txt");
            Files.write(input, stdin); // from a file: a program that does not read cannot block the timeout
            pb.redirectInput(input.toFile());
            Process p = pb.start();
            Termination termination = Termination.EXITED;
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroy();
                termination = Termination.TERMINATED;
                if (!p.waitFor(5, TimeUnit.SECONDS)) {
                    p.destroyForcibly().waitFor();
                    termination = Termination.KILLED;
                }
            }
            List<String> strays = LocalProcesses.killWithVariable(MemcheckCommand.RUN_ID_VARIABLE, runId);
            List<String> notes = strays.isEmpty() ? List.of()
                    : List.of("ended " + strays.size() + " process(es) the soak left running: " + String.join(", ", strays));
            return new BoardMemcheckRunner.NativeRun(files, termination,
                    termination == Termination.KILLED ? -1 : p.exitValue(), null, notes);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + program + " natively", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while " + program + " ran", e);
        }
    }

    @Override
    public void close() {
        if (!owned) {
            return;
        }
        if (emulated != null) {
            emulated.close();
        } else if (ssh != null) {
            ssh.close();
        }
    }

    @Override
    public String toString() {
        return emulated != null ? emulated.toString() : ssh != null ? ssh.toString() : "this machine (local valgrind)";
    }
}
