package dev.leakgate.kit;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * The harness kit's line protocol as it travels on the harness's stdout (see
 * {@code leakgate_harness.h}): the code under test writes to the same stdout, so each protocol line
 * carries a per-run token, {@code @TOKEN }, that the kit takes from {@value #TOKEN_VARIABLE} and
 * removes from its environment. Only lines with the token are the kit's.
 *
 * <p>Reading is bounded and lenient: the output may be huge, hold lines without an end, or bytes
 * that are not UTF-8 (shown as replacement characters); a reply is found wherever its token is,
 * even after a scenario's unfinished line.
 */
public final class KitProtocol {

    /** The environment variable that passes the token to the harness. */
    public static final String TOKEN_VARIABLE = "LEAKGATE_KIT_TOKEN";
    /**
     * The variable that names the file holding the run's token, which the kit reads once and removes
     * (see {@code MemcheckCommand.Builder#secret}): how leakgate passes it, so that code under test
     * cannot read it back from {@code /proc/self/environ}.
     */
    public static final String TOKEN_FILE_VARIABLE = "LEAKGATE_KIT_TOKEN_FILE";
    /** The greeting of the protocol version this leakgate speaks. */
    public static final String GREETING = "leakgate-harness 2 ready scenarios=";
    /** Characters kept of one reply. */
    static final int MAX_REPLY = 8192;

    private static final SecureRandom RANDOM = new SecureRandom();

    private KitProtocol() {
    }

    /** A new token: 16 hex digits. */
    public static String newToken() {
        byte[] b = new byte[8];
        RANDOM.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    /** The kit's replies in a harness's stdout file, in order, without their token; empty when unreadable. */
    public static List<String> replies(Path stdout, String token) {
        try (InputStream in = new BufferedInputStream(Files.newInputStream(stdout), 1 << 16)) {
            return replies(in, token);
        } catch (IOException e) {
            return List.of();
        }
    }

    /**
     * The kit's replies in a stream. With a token: the text after each {@code @TOKEN } up to the end
     * of its line. Without one (a harness run by hand): every line.
     */
    public static List<String> replies(InputStream in, String token) throws IOException {
        Scanner scanner = new Scanner(token);
        List<String> replies = new ArrayList<>();
        byte[] buf = new byte[1 << 16];
        for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
            scanner.feed(buf, 0, n, replies);
        }
        return replies; // an unfinished last line was cut off: it is not a reply
    }

    /**
     * Finds replies in output fed to it piece by piece, as it streams in: for a live harness whose
     * stdout file grows while the test talks to it.
     */
    public static final class Scanner {
        private final byte[] marker;
        private final ByteArrayOutputStream line = new ByteArrayOutputStream();
        private boolean capturing;
        private int matched;

        public Scanner(String token) {
            this.marker = token == null ? new byte[0] : ("@" + token + " ").getBytes(StandardCharsets.US_ASCII);
            this.capturing = marker.length == 0;
        }

        /** Feeds bytes; each reply completed by them is added to {@code out}. */
        public void feed(byte[] b, int off, int len, List<String> out) {
            for (int i = off; i < off + len; i++) {
                int c = b[i] & 0xff;
                if (capturing) {
                    if (c == '\n') {
                        out.add(line.toString(StandardCharsets.UTF_8));
                        line.reset();
                        capturing = marker.length == 0;
                    } else if (line.size() < MAX_REPLY) {
                        line.write(c);
                    }
                    continue;
                }
                // '@' begins the marker and appears nowhere else in it, so a mismatch restarts cleanly
                matched = c == marker[matched] ? matched + 1 : c == '@' ? 1 : 0;
                if (matched == marker.length) {
                    capturing = true;
                    matched = 0;
                }
            }
        }
    }

    /**
     * Reads the replies a live harness adds to its stdout file, from where the last read stopped.
     * Not thread-safe.
     */
    public static final class Follower {
        private final Path stdout;
        private final Scanner scanner;
        private long position;

        public Follower(Path stdout, String token) {
            this.stdout = stdout;
            this.scanner = new Scanner(token);
        }

        /** The replies completed since the last call, in order; empty when none (or no file yet). */
        public List<String> poll() {
            List<String> out = new ArrayList<>();
            try (FileChannel ch = FileChannel.open(stdout)) {
                long size = ch.size();
                ByteBuffer buf = ByteBuffer.allocate(1 << 16);
                while (position < size) {
                    buf.clear();
                    int n = ch.read(buf, position);
                    if (n <= 0) {
                        break;
                    }
                    scanner.feed(buf.array(), 0, n, out);
                    position += n;
                }
            } catch (IOException e) {
                // not there yet
            }
            return out;
        }
    }
}
