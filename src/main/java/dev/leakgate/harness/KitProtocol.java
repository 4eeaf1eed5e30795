package dev.leakgate.harness;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
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
        byte[] marker = token == null ? new byte[0] : ("@" + token + " ").getBytes(StandardCharsets.US_ASCII);
        List<String> replies = new ArrayList<>();
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        boolean capturing = marker.length == 0;
        int matched = 0;
        for (int b = in.read(); b >= 0; b = in.read()) {
            if (capturing) {
                if (b == '\n') {
                    replies.add(line.toString(StandardCharsets.UTF_8));
                    line.reset();
                    capturing = marker.length == 0;
                } else if (line.size() < MAX_REPLY) {
                    line.write(b);
                }
                continue;
            }
            // '@' begins the marker and appears nowhere else in it, so a mismatch restarts cleanly
            matched = b == marker[matched] ? matched + 1 : b == '@' ? 1 : 0;
            if (matched == marker.length) {
                capturing = true;
                matched = 0;
            }
        }
        return replies; // an unfinished last line was cut off: it is not a reply
    }
}
