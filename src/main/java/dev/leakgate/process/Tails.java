package dev.leakgate.process;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Bounded reads of a run's text files for messages: however large a file is (600 MB of stderr on
 * one line), only a few kilobytes are read, lines are cut to a length, and bytes that are not
 * UTF-8 are shown as replacement characters rather than failing the read.
 */
public final class Tails {

    /** Characters kept of one line. */
    static final int MAX_LINE = 500;

    private Tails() {
    }

    /** The last {@code lines} lines of a file, from at most its last {@code maxBytes} bytes; "" when unreadable. */
    public static String lastLines(Path file, int lines, int maxBytes) {
        String text = tail(file, maxBytes);
        List<String> all = text.lines().toList();
        List<String> kept = new ArrayList<>();
        for (String line : all.subList(Math.max(0, all.size() - lines), all.size())) {
            kept.add(line.length() > MAX_LINE ? line.substring(0, MAX_LINE) + " ... (" + line.length()
                    + " characters)" : line);
        }
        return String.join("\n", kept);
    }

    /** The file's text if it is at most {@code 2 * limit} bytes, else its head and its tail; "" when unreadable. */
    public static String headAndTail(Path file, int limit) {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            long size = f.length();
            if (size <= 2L * limit) {
                return decode(read(f, 0, (int) size));
            }
            return decode(read(f, 0, limit)) + "\n[... " + (size - 2L * limit) + " bytes not read ...]\n"
                    + decode(read(f, size - limit, limit));
        } catch (IOException e) {
            return "";
        }
    }

    private static String tail(Path file, int maxBytes) {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            long size = f.length();
            long from = Math.max(0, size - maxBytes);
            String text = decode(read(f, from, (int) (size - from)));
            if (from > 0) { // the first line is a part of one
                int nl = text.indexOf('\n');
                text = nl < 0 ? text : text.substring(nl + 1);
            }
            return text;
        } catch (IOException e) {
            return "";
        }
    }

    private static byte[] read(RandomAccessFile f, long from, int length) throws IOException {
        byte[] b = new byte[length];
        f.seek(from);
        f.readFully(b);
        return b;
    }

    /** UTF-8, with what is not UTF-8 replaced. */
    static String decode(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
