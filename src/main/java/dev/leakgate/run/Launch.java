package dev.leakgate.run;

import dev.leakgate.board.Board;
import dev.leakgate.board.BoardInfo;
import dev.leakgate.board.Deployment;
import dev.leakgate.board.ssh.BoardException;
import dev.leakgate.process.MemcheckCommand;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * The first steps of every run, in one order for the extension and the command line tool: the
 * preflight checks of the program and the libraries it loads (nothing is deployed for a program
 * the board cannot run), then the deployment of its files, said in two lines.
 */
public final class Launch {

    private Launch() {
    }

    /**
     * Checks that the board can run {@code program} with {@code loaded}, then deploys {@code files}
     * (the program among them) into {@code folder}; says what it deploys and what it copied.
     *
     * @param who what the files are for, in the lines said ("OnvifTest", "the command line")
     */
    public static Deployment prepare(Board board, Path program, List<Path> loaded, List<Path> files, String folder,
                                     String who, Consumer<String> say) {
        board.preflight(program, loaded, board.command(program.getFileName().toString()).build());
        long bytes = files.stream().mapToLong(Launch::size).sum();
        say.accept(String.format(Locale.ROOT, "deploying %d files (%.1f MB) for %s (files: %s)", files.size(),
                bytes / 1e6, who, board.fileTransfer()));
        long start = System.nanoTime();
        Deployment dep = board.deploy(folder, files);
        int same = files.size() - dep.copied().size() - dep.linked().size();
        say.accept(String.format(Locale.ROOT, "deployed in %.1f s (%d copied, %s%d unchanged)",
                (System.nanoTime() - start) / 1e9, dep.copied().size(), dep.linked().isEmpty() ? ""
                        : dep.linked().size() + " linked from the board's store, ", same));
        return dep;
    }

    /**
     * Refuses, before anything starts, a daemon whose TCP ports already accept connections on the
     * board (another program listening there would pass for it) and UDP ports on a board without the
     * UDP relay.
     */
    public static void requirePorts(Board board, SessionOptions options) {
        for (int port : options.ports()) {
            if (board.accepts(port)) {
                throw new SessionException("port " + port + " on " + board + " already accepts connections before"
                        + " the program started: another program listens there, and the test would talk to it;"
                        + " stop it, or give the program a free port");
            }
        }
        try {
            board.requireUdpRelay(options.udpPorts(), options.udpRelay());
        } catch (BoardException e) {
            throw new SessionException(e.getMessage() + "; nothing was started");
        }
    }

    /** The machine the program runs on, or null when the board could not say (that alone fails nothing). */
    public static BoardInfo boardInfo(Board board, MemcheckCommand command) {
        try {
            return board.info(command);
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** The folder of a deployed program on the board: what {@code ${board.dir}} names. */
    public static String programFolder(String programPath) {
        return programPath.contains("/") ? programPath.substring(0, programPath.lastIndexOf('/')) : ".";
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            return 0;
        }
    }
}
