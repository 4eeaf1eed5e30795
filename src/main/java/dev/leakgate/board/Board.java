package dev.leakgate.board;

import dev.leakgate.board.emulated.EmulatedBoard;
import dev.leakgate.board.ssh.BoardException;
import dev.leakgate.board.ssh.SshBoard;
import dev.leakgate.board.ssh.SshTarget;
import dev.leakgate.config.Settings;
import dev.leakgate.process.Console;
import dev.leakgate.process.MemcheckCommand;
import dev.leakgate.process.MemcheckProcess;
import dev.leakgate.process.MemcheckRun;
import dev.leakgate.process.NativeRun;
import dev.leakgate.process.RunOptions;
import dev.leakgate.process.Termination;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A target that runs programs under memcheck: this machine, a real board over SSH, or an emulated
 * board; chosen by configuration, so the same test code runs on any of them. What a board can do is
 * one interface; how it does it is split as labgrid splits a target's protocols: commands go over a
 * command channel, files over a file channel ({@link FileTransfer}: SFTP, scp or a checked stream,
 * whichever the board offers). A new kind of board is a new class, not a new branch.
 */
public interface Board extends AutoCloseable {

    /** The setting this board was opened from. */
    BoardSpec spec();

    /**
     * A memcheck command for a program on this board, with the valgrind the settings name
     * ({@link Settings#VALGRIND}, {@link Settings#VALGRIND_LIB}).
     */
    MemcheckCommand.Builder command(String program);

    /**
     * Makes files available on the board: deployed into {@code <board dir>/deploy/<name>} (skipping
     * unchanged ones) on a remote board, used where they are on this machine.
     */
    Deployment deploy(String name, List<Path> files);

    /**
     * Makes a local folder of data files (config, certificates, profiles) available on the board,
     * each file at its path relative to the folder, and returns the board folder that holds them:
     * {@code <board dir>/deploy/<name>/files} on a remote board (unchanged files are not copied again),
     * the folder itself on this machine.
     */
    String deployFiles(String name, Path folder);

    /**
     * Checks, before anything is deployed, what would fail late or silently on this board (see
     * {@link Preflight}); throws a {@link BoardException} listing every problem and its fix.
     */
    void preflight(Path program, List<Path> libraries, MemcheckCommand command);

    /**
     * Starts the command under memcheck on the board and returns at once, with the program running
     * (a live session talks to it, then stops it).
     */
    MemcheckProcess start(MemcheckCommand command, RunOptions options);

    /** Runs the command under memcheck to its end, or to its timeout and the steps after it. */
    default MemcheckRun run(MemcheckCommand command, RunOptions options) {
        try (MemcheckProcess p = start(command, options)) {
            return toEnd(p, options);
        }
    }

    /**
     * Waits for a started run's end, or ends it in steps at its timeout, and gives the run; a board
     * lost on the way gives a run that says so.
     */
    static MemcheckRun toEnd(MemcheckProcess p, RunOptions options) {
        Termination t;
        try {
            t = p.awaitEnd(options.timeout()) ? Termination.EXITED
                    : p.endInSteps(options.stdinGrace(), options.termGrace());
        } catch (BoardException lost) {
            t = Termination.BOARD_LOST;
        }
        return p.finish(t, null);
    }

    /**
     * Runs a program without valgrind on this board (a soak: real memory behaviour at full speed),
     * keeping its output in a run folder.
     */
    NativeRun runNative(String program, List<String> args, Map<String, String> env, String name,
                                            byte[] stdin, Duration timeout);

    /** Whether a TCP port on the board's loopback accepts connections now. */
    boolean accepts(int port);

    /**
     * Throws a {@link BoardException} that says what to build when the program's UDP ports cannot be
     * reached: on a board they go through the kit's {@code leakgate_udp_relay} ({@code relay}, its path
     * there; null when none was given), since SSH forwards TCP only. Where they are reached directly,
     * nothing is needed.
     */
    default void requireUdpRelay(List<Integer> udpPorts, String relay) {
        if (!udpPorts.isEmpty() && relay == null) {
            throw UdpRelay.missing(udpPorts.get(0), this);
        }
    }

    /** Runs a short shell command on the board, with a timeout. */
    MemcheckProcess.ShellResult shell(String command, Duration timeout);

    /**
     * The machine this board is, with the valgrind the command runs: CPU, kernel, C library, valgrind's
     * version and where it is. Asked once per board and valgrind.
     */
    default BoardInfo info(MemcheckCommand command) {
        return BoardInfo.of(this, command);
    }

    /** How files reach the board, for messages: "SFTP", "scp", "a checked stream (cat, sha256sum)", "none: this machine". */
    String fileTransfer();

    /** Closes the board's connection; an emulated board's container stops. */
    @Override
    void close();

    /**
     * Opens the board the settings name ({@link Settings#BOARD}), or {@code defaultBoard} when none
     * does. Fails with a message naming the setting and its source when the value is wrong.
     */
    /** The CPU share of an emulated board ({@link Settings#BOARD_CPUS}), 0 for none. */
    private static double cpus(Settings settings) {
        String value = settings.get(Settings.BOARD_CPUS, "0").strip();
        try {
            double cpus = Double.parseDouble(value);
            if (cpus >= 0 && cpus <= 1024) {
                return cpus;
            }
        } catch (NumberFormatException e) {
            // said below
        }
        throw new IllegalArgumentException(Settings.BOARD_CPUS + " = '" + value + "' (from "
                + settings.sourceOf(Settings.BOARD_CPUS) + ") is not a CPU share: give a number of cores such as 0.5,"
                + " or leave it unset for no cap");
    }

    /** The memory of a system-emulated board in MiB ({@link Settings#BOARD_MEMORY}), 0 for its default. */
    private static int memory(Settings settings) {
        String value = settings.get(Settings.BOARD_MEMORY, "0").strip();
        try {
            int mib = Integer.parseInt(value);
            if (mib == 0 || (mib >= 128 && mib <= 1_048_576)) {
                return mib;
            }
        } catch (NumberFormatException e) {
            // said below
        }
        throw new IllegalArgumentException(Settings.BOARD_MEMORY + " = '" + value + "' (from "
                + settings.sourceOf(Settings.BOARD_MEMORY) + ") is not a board's memory: give MiB from 128 up, such as"
                + " 2048, or leave it unset for 1024");
    }

    static Board open(Settings settings, String defaultBoard) {
        String value = settings.get(Settings.BOARD, defaultBoard);
        BoardSpec spec = BoardSpec.parse(value, settings.get(Settings.BOARD).isPresent()
                ? settings.sourceOf(Settings.BOARD) : "the default board");
        if (spec instanceof BoardSpec.Emulated e) {
            String image = settings.get(Settings.BOARD_IMAGE, e.image(settings.get(Settings.BOARD_RELEASE, "bookworm")));
            EmulatedBoard board = EmulatedBoard.start(image, cpus(settings), memory(settings));
            settings.get(Settings.BOARD_TRANSFER).ifPresent(board.board().files()::useFileTransfer);
            return new RemoteBoard(spec, board.board(), settings, board::close, board.toString());
        }
        if (spec instanceof BoardSpec.Ssh s) {
            SshBoard board = SshBoard.connect(target(s, settings));
            settings.get(Settings.BOARD_TRANSFER).ifPresent(board.files()::useFileTransfer);
            String root = settings.get(Settings.BOARD_DIR, BoardMemcheckRunner.DEFAULT_REMOTE_ROOT);
            // libraries a test overrode in place before its connection dropped come back first
            InPlaceLibraries.recover(board, root);
            BoardReaper.reap(board, root).forEach(Console::say);
            return new RemoteBoard(spec, board, settings, board::close, board.toString());
        }
        return new LocalBoard(spec, settings);
    }

    /**
     * A board over an SSH connection the caller opened and closes itself (a board shared by several
     * users); closing this board leaves the connection open.
     */
    static Board over(SshBoard board, Settings settings) {
        return new RemoteBoard(new BoardSpec.Ssh(board.target().user(), board.target().host(), board.target().port()),
                board, settings, () -> { }, board.toString());
    }

    /** The SSH target the settings describe: key and/or password, pinned key or known_hosts. */
    private static SshTarget target(BoardSpec.Ssh s, Settings settings) {
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
        var algorithms = settings.get(Settings.SSH_ALGORITHMS);
        if (algorithms.isPresent()) {
            t = t.withAlgorithms(algorithms.get());
        }
        var password = settings.get(Settings.SSH_PASSWORD);
        if (password.isPresent()) {
            t = t.withPassword(password.get().toCharArray());
        }
        return t;
    }

}
