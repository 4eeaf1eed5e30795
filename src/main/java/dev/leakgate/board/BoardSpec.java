package dev.leakgate.board;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/**
 * Which board to run on, as a setting names it ({@link Settings#BOARD}):
 * <ul>
 *   <li>{@code emulated} (the default): the emulated aarch64 board, started for the test run, with
 *       valgrind and OpenSSH;</li>
 *   <li>{@code emulated-bare}: an emulated camera-like aarch64 board: busybox, dropbear without SFTP or
 *       scp, a small tmpfs {@code /tmp} and no valgrind (leakgate deploys one:
 *       {@link Settings#VALGRIND_DEPLOY});</li>
 *   <li>{@code emulated-armhf}: an emulated 32-bit ARM (armhf, Cortex-A7 class) board with valgrind and
 *       OpenSSH, as the first one;</li>
 *   <li>{@code emulated-system}: a whole emulated aarch64 machine (qemu-system-aarch64, Debian's arm64
 *       kernel, the first board's root file system): the board's own kernel, {@code /proc}, ptrace and
 *       signals, slower to start;</li>
 *   <li>{@code ssh://user@host[:port]}: a real board in the lab (port 22 unless given);</li>
 *   <li>{@code local}: this machine, with its own valgrind (no deployment).</li>
 * </ul>
 */
public sealed interface BoardSpec {

    /** An emulated board; {@code flavour} names its image: "aarch64", "aarch64-bare", "aarch64-system" or "armhf". */
    record Emulated(String flavour) implements BoardSpec {
        /** The default emulated board. */
        public Emulated() {
            this("aarch64");
        }

        /** The image this board starts from, unless {@link Settings#BOARD_IMAGE} names another. */
        public String image() {
            return "leakgate/board-" + flavour + ":latest";
        }

        /**
         * The image of this board built for a Debian release ({@link Settings#BOARD_RELEASE}): bookworm's is
         * {@link #image()}; another is {@code leakgate/board-aarch64-RELEASE}, for the Debian board only.
         */
        public String image(String release) {
            String r = release.strip().toLowerCase(Locale.ROOT);
            if (r.equals("bookworm")) {
                return image();
            }
            if (!r.matches("[a-z]+")) {
                throw new IllegalArgumentException("'" + release + "' is not a Debian release's name: give one such as"
                        + " bookworm or trixie");
            }
            if (!flavour.equals("aarch64")) {
                throw new IllegalArgumentException("only the emulated aarch64 board is built for another Debian release"
                        + " than bookworm, not the " + this + " one: leave leakgate.board.release unset, or use"
                        + " leakgate.board=emulated");
            }
            return "leakgate/board-" + flavour + "-" + r + ":latest";
        }

        @Override
        public String toString() {
            return flavour.equals("aarch64") ? "emulated" : "emulated-" + flavour.replace("aarch64-", "");
        }
    }

    /** A board over SSH. */
    record Ssh(String user, String host, int port) implements BoardSpec {
        @Override
        public String toString() {
            return "ssh://" + user + "@" + host + ":" + port;
        }
    }

    /** This machine. */
    record Local() implements BoardSpec {
        @Override
        public String toString() {
            return "local";
        }
    }

    /**
     * Parses a board name; {@code source} names where it came from (e.g. "system property
     * leakgate.board") for the error, which lists the accepted forms.
     */
    static BoardSpec parse(String value, String source) {
        String v = value.trim();
        String shown = v.replaceFirst("//([^:@/]*):[^@/]*@", "//$1:***@"); // a password in the URI stays out
        if (v.equalsIgnoreCase("emulated") || v.equalsIgnoreCase("emulated:aarch64")) {
            return new Emulated();
        }
        if (v.equalsIgnoreCase("emulated-bare") || v.equalsIgnoreCase("emulated:aarch64-bare")) {
            return new Emulated("aarch64-bare");
        }
        if (v.equalsIgnoreCase("emulated-system") || v.equalsIgnoreCase("emulated:aarch64-system")) {
            return new Emulated("aarch64-system");
        }
        if (v.equalsIgnoreCase("emulated-armhf") || v.equalsIgnoreCase("emulated:armhf")) {
            return new Emulated("armhf");
        }
        if (v.equalsIgnoreCase("local")) {
            return new Local();
        }
        if (v.startsWith("ssh://")) {
            try {
                URI uri = new URI(v);
                if (uri.getHost() == null || uri.getUserInfo() == null || uri.getUserInfo().contains(":")
                        || (uri.getPath() != null && !uri.getPath().isEmpty() && !uri.getPath().equals("/"))) {
                    throw new URISyntaxException(v, "expected ssh://user@host[:port]");
                }
                return new Ssh(uri.getUserInfo(), uri.getHost(), uri.getPort() < 0 ? 22 : uri.getPort());
            } catch (URISyntaxException e) {
                throw new IllegalArgumentException(unknown(shown, source) + " (an SSH board reads ssh://user@host or"
                        + " ssh://user@host:port; put the password in leakgate.ssh.password, not in the URI)");
            }
        }
        throw new IllegalArgumentException(unknown(shown, source));
    }

    private static String unknown(String value, String source) {
        return "'" + value + "' (from " + source + ") is not a board: use 'emulated' (the emulated aarch64 board,"
                + " the default), 'emulated-bare' (an emulated camera-like board with dropbear and no valgrind),"
                + " 'emulated-armhf' (an emulated 32-bit ARM board), 'emulated-system' (a whole emulated aarch64 machine"
                + " with its own kernel), 'ssh://user@host[:port]' (a real board) or"
                + " 'local' (this machine)";
    }
}
