package dev.leakgate.memcheck;

import java.io.IOException;
import java.io.InputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * The bytes under the XML scanner: a buffer refilled from the stream (what was read is dropped, its
 * lines counted eight bytes at a time), single bytes, white space, and where the last byte read is
 * (line and column) for error messages. The scanner's layers build on it: text, then markup.
 */
abstract class XmlInput {

    final InputStream in;
    byte[] buf = new byte[1 << 17];
    int pos;
    int limit;
    boolean eof;

    /** Newlines in bytes already dropped from the buffer, and where the last of them was. */
    long droppedLines;
    long droppedBytes;
    long lastNewlineAt = -1;

    XmlInput(InputStream in) {
        this.in = in;
    }

    /** The error for a document that ends where it must not, saying where. */
    abstract XmlException cutOff();

    int read() throws IOException {
        if (pos >= limit && !fill(1)) {
            return -1;
        }
        return buf[pos++] & 0xFF;
    }

    int peek() throws IOException {
        if (pos >= limit && !fill(1)) {
            return -1;
        }
        return buf[pos] & 0xFF;
    }

    int skipWhitespace() throws IOException {
        int c = read();
        while (c >= 0 && whitespace(c)) {
            c = read();
        }
        return c;
    }

    void expect(char wanted, String after) throws IOException, XmlException {
        int c = read();
        if (c < 0) {
            throw cutOff();
        }
        if (c != wanted) {
            throw malformed("'" + after + (char) c + "' is not a comment, CDATA or DOCTYPE");
        }
    }

    void skipPast(String terminator) throws IOException, XmlException {
        int matched = 0;
        while (matched < terminator.length()) {
            int c = read();
            if (c < 0) {
                throw cutOff();
            }
            if (c == terminator.charAt(matched)) {
                matched++;
            } else {
                matched = c == terminator.charAt(0) ? 1 : 0;
            }
        }
    }

    static boolean whitespace(int c) {
        return c == ' ' || c == '\n' || c == '\t' || c == '\r';
    }

    /**
     * Makes at least {@code wanted} bytes available from {@link #pos} if the input has them:
     * drops what was read (counting its lines), then reads more. False when nothing is left.
     */
    boolean fill(int wanted) throws IOException {
        if (pos > 0) {
            countLines(0, pos);
            droppedBytes += pos;
            System.arraycopy(buf, pos, buf, 0, limit - pos);
            limit -= pos;
            pos = 0;
        }
        while (limit < wanted && !eof) {
            int n = in.read(buf, limit, buf.length - limit);
            if (n < 0) {
                eof = true;
            } else {
                limit += n;
            }
        }
        return limit > pos;
    }

    static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    static final long NEWLINES = 0x0A0A0A0A0A0A0A0AL;
    static final long LOW7 = 0x7F7F7F7F7F7F7F7FL;

    /** Counts the newlines in {@code buf[from..to)}, eight bytes at a time, and notes the last. */
    void countLines(int from, int to) {
        long lines = 0;
        int i = from;
        for (; i + 8 <= to; i += 8) {
            long t = (long) LONGS.get(buf, i) ^ NEWLINES; // a newline byte is now 0
            lines += Long.bitCount(~(((t & LOW7) + LOW7) | t | LOW7)); // one bit per zero byte
        }
        for (; i < to; i++) {
            if (buf[i] == '\n') {
                lines++;
            }
        }
        droppedLines += lines;
        if (lines > 0) {
            for (int j = to - 1; j >= from; j--) {
                if (buf[j] == '\n') {
                    lastNewlineAt = droppedBytes + j;
                    break;
                }
            }
        }
    }

    /** The line of the last byte read, counting from 1. */
    long line() {
        long lines = droppedLines;
        for (int i = 0; i < Math.min(pos, limit); i++) {
            if (buf[i] == '\n') {
                lines++;
            }
        }
        return lines + 1;
    }

    /** The column of the last byte read, counting from 1. */
    long column() {
        long lastNewline = lastNewlineAt;
        for (int i = 0; i < Math.min(pos, limit); i++) {
            if (buf[i] == '\n') {
                lastNewline = droppedBytes + i;
            }
        }
        return droppedBytes + pos - lastNewline - 1;
    }

    /** A document that is well-formed but is not what it must be (another root element). */
    XmlException refused(String message) {
        return new XmlException(XmlException.Kind.REFUSED, message, line(), column());
    }

    /** An error at the current place, for what the document says rather than how it is written. */
    XmlException malformed(String message) {
        return new XmlException(XmlException.Kind.MALFORMED, message, line(), column());
    }

    // ---- raw content: bytes that repeat, found and hashed without decoding ----------------------

    int rawStart;
    int rawEnd;
    long rawEndOffset;

    static final long LESS_THANS = 0x3C3C3C3C3C3C3C3CL;

    /** The index of the first '<' in {@code b[from..end)}, or {@code end}; eight bytes at a time. */
    static int nextLessThan(byte[] b, int from, int end) {
        int p = from;
        for (; p + 8 <= end; p += 8) {
            long t = (long) LONGS.get(b, p) ^ LESS_THANS; // a '<' byte is now 0
            long zeros = ~(((t & LOW7) + LOW7) | t | LOW7); // the high bit of each zero byte
            if (zeros != 0) {
                return p + (Long.numberOfTrailingZeros(zeros) >>> 3);
            }
        }
        while (p < end && b[p] != '<') {
            p++;
        }
        return p;
    }

    /** A 64-bit hash of the content {@link XmlScanner#rawContent} found. */
    long rawHash() {
        byte[] b = buf;
        int i = rawStart;
        int end = rawEnd;
        long h = 0x9E3779B97F4A7C15L ^ (end - i);
        for (; i + 8 <= end; i += 8) {
            h = (h ^ (long) LONGS.get(b, i)) * 0xBF58476D1CE4E5B9L;
            h ^= h >>> 31;
        }
        for (; i < end; i++) {
            h = (h ^ b[i]) * 0x94D049BB133111EBL;
        }
        h ^= h >>> 33;
        h *= 0xFF51AFD7ED558CCDL;
        return h ^ (h >>> 33);
    }
}
