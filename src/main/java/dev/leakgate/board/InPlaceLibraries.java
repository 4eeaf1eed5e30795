package dev.leakgate.board;

import dev.leakgate.board.ssh.BoardException;
import dev.leakgate.board.ssh.SshBoard;
import dev.leakgate.process.ShellQuoting;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The opt-in in-place override: the board's installed libraries (e.g. {@code /app/lib/libonvif_server.so})
 * are moved aside and replaced by symbolic links to the deployed, unstripped ones, for programs
 * that load them from where they are installed. {@link #close()} puts the originals back.
 *
 * <p>The originals come back also when the test fails (close runs in a finally) and when the
 * connection drops: every swap is written to a journal on the board before it is made, and
 * {@link #recover} replays the journal the next time leakgate reaches the board.
 *
 * <p>By default leakgate leaves installed files alone and points {@code LD_LIBRARY_PATH} at the
 * deploy folder; use this only for programs that ignore it.
 */
public final class InPlaceLibraries implements AutoCloseable {

    private static final String SUFFIX = ".leakgate-original";
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final SshBoard board;
    private final String journal;

    private InPlaceLibraries(SshBoard board, String journal) {
        this.board = board;
        this.journal = journal;
    }

    /** The journal of swaps not yet undone, under leakgate's folder on the board. */
    static String journal(String remoteRoot) {
        return remoteRoot + "/in-place.journal";
    }

    /**
     * Replaces each installed library (key) by a link to its deployed copy (value). Each must
     * exist on the board. The swaps are journalled first, so they can always be undone.
     */
    public static InPlaceLibraries swap(SshBoard board, String remoteRoot, Map<String, String> installedToDeployed) {
        recover(board, remoteRoot);
        String journal = journal(remoteRoot);
        StringBuilder script = new StringBuilder("set -e; mkdir -p " + ShellQuoting.quote(remoteRoot) + "; ");
        for (Map.Entry<String, String> e : new LinkedHashMap<>(installedToDeployed).entrySet()) {
            String installed = requirePath(e.getKey());
            String deployed = requirePath(e.getValue());
            String backup = installed + SUFFIX;
            String q = ShellQuoting.quote(installed);
            script.append("[ -e ").append(q).append(" ] || { echo \"no installed file ").append(installed.replace("\"", ""))
                    .append(" to override\" >&2; exit 3; }; ")
                    .append("printf '%s\\t%s\\n' ").append(q).append(' ').append(ShellQuoting.quote(backup))
                    .append(" >> ").append(ShellQuoting.quote(journal)).append("; ")
                    .append("mv ").append(q).append(' ').append(ShellQuoting.quote(backup)).append("; ")
                    .append("ln -s ").append(ShellQuoting.quote(deployed)).append(' ').append(q).append("; ");
        }
        SshBoard.Result r = board.run(script.toString(), TIMEOUT);
        InPlaceLibraries swapped = new InPlaceLibraries(board, journal);
        if (!r.ok()) {
            swapped.close(); // undo what was done before the failure
            throw new BoardException("cannot override libraries in place on " + board.name() + ": "
                    + r.stderr().trim() + "; check the installed paths, or use the default (LD_LIBRARY_PATH)");
        }
        return swapped;
    }

    /**
     * Puts back every original the journal on the board lists (left by a test whose connection
     * dropped), then clears the journal. Does nothing when there is no journal.
     */
    public static void recover(SshBoard board, String remoteRoot) {
        String j = ShellQuoting.quote(journal(remoteRoot));
        SshBoard.Result r = board.run("[ -f " + j + " ] || exit 0; "
                + "while IFS=\"$(printf '\\t')\" read -r installed backup; do "
                + "if [ -e \"$backup\" ] || [ -L \"$backup\" ]; then rm -f \"$installed\" && mv \"$backup\" \"$installed\"; fi; "
                + "done < " + j + " && rm -f " + j, TIMEOUT);
        if (!r.ok()) {
            throw new BoardException("cannot restore the libraries leakgate overrode on " + board.name() + ": "
                    + r.stderr().trim() + "; the journal " + journal(remoteRoot) + " lists them (installed, original)");
        }
    }

    private static String requirePath(String path) {
        if (!path.startsWith("/") || path.indexOf('\t') >= 0 || path.indexOf('\n') >= 0) {
            throw new IllegalArgumentException("'" + path + "' must be an absolute path without tabs or newlines"
                    + " to be overridden in place");
        }
        return path;
    }

    /** Puts the originals back (the journal says which). */
    @Override
    public void close() {
        recover(board, journal.substring(0, journal.lastIndexOf('/')));
    }
}
