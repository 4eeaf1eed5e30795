package dev.leakgate.memcheck;

import java.io.IOException;
import java.io.InputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;

/**
 * A strict pull reader for the XML that valgrind writes: UTF-8, elements with text or children,
 * no DTD. It reports start and end tags and reads the text of text-only elements; everything
 * else well-formed XML may hold is accepted and passed over (the XML declaration, comments,
 * processing instructions, attributes, CDATA, the five predefined entities and character
 * references), and a DOCTYPE is refused. End tags must match their start tags.
 *
 * <p>It exists for speed: general StAX readers spend most of their time on what valgrind's XML
 * never holds. It works on the raw bytes, keeps no per-event objects, and shares element names.
 */
final class XmlScanner {

    static final int START = 1;
    static final int END = 2;
    static final int EOF = 3;

    /** Why reading stopped; {@link #kind} tells a cut-off file and a DOCTYPE from other faults. */
    static final class XmlException extends Exception {
        private static final long serialVersionUID = 1L;

        enum Kind { EMPTY, CUT_OFF, DOCTYPE, MALFORMED, REFUSED }

        final Kind kind;
        final long line;
        final long column;

        XmlException(Kind kind, String message, long line, long column) {
            super(message);
            this.kind = kind;
            this.line = line;
            this.column = column;
        }
    }

    private final InputStream in;
    private byte[] buf = new byte[1 << 17];
    private int pos;
    private int limit;
    private boolean eof;

    /** Newlines in bytes already dropped from the buffer, and where the last of them was. */
    private long droppedLines;
    private long droppedBytes;
    private long lastNewlineAt = -1;

    private String[] open = new String[32];
    private byte[][] openBytes = new byte[32][];
    private int depth;
    private boolean sawRoot;
    private boolean selfClosed;
    private String name;

    private char[] text = new char[256];
    private int textLength;

    private final NameTable names = new NameTable();

    XmlScanner(InputStream in) {
        this.in = in;
    }

    /** The name of the element of the last start or end tag. */
    String name() {
        return name;
    }

    /** Text read by {@link #readText()}: {@code text()[0..textLength())}, trimmed. */
    char[] text() {
        return text;
    }

    int textLength() {
        return textLength;
    }

    /**
     * Moves to the next start tag, end tag, or the end of the document after the root element.
     * Text between tags (only white space, in valgrind's XML) is checked and passed over.
     */
    int next() throws IOException, XmlException {
        return next(false);
    }

    /**
     * As {@link #next()}, but adds the text passed on the way to {@link #text()} (for elements
     * kept as they are: call {@link #clearText()} first).
     */
    int nextKeepingText() throws IOException, XmlException {
        return next(true);
    }

    void clearText() {
        textLength = 0;
    }

    private int next(boolean keep) throws IOException, XmlException {
        if (selfClosed) {
            selfClosed = false;
            depth--;
            return END;
        }
        while (true) {
            if (!keep) {
                // the usual case: white space, then a tag, all in the buffer
                int p = pos;
                while (p < limit && (buf[p] == ' ' || buf[p] == '\n')) {
                    p++;
                }
                pos = p;
            }
            int c = read();
            if (c < 0) {
                if (depth == 0 && sawRoot) {
                    return EOF;
                }
                throw cutOff();
            }
            if (c == '<') {
                int kind = markup(keep);
                if (kind != 0) {
                    return kind;
                }
            } else if (depth == 0) {
                if (!whitespace(c)) {
                    throw malformed(sawRoot ? "text after the root element" : "text before the root element ('"
                            + (char) c + "')");
                }
            } else if (c == '&') {
                if (keep) {
                    entityInto();
                } else {
                    entity();
                }
            } else if (keep) {
                if (c >= 0x80) {
                    utf8Into(c);
                } else {
                    appendChar((char) c);
                }
            }
        }
    }

    /**
     * Reads the text of the element whose start tag was just read, up to its end tag, which is
     * consumed (the scanner is then at that {@link #END}). An element inside is an error.
     */
    void readText() throws IOException, XmlException {
        textLength = 0;
        if (selfClosed) {
            selfClosed = false;
            depth--;
            return;
        }
        while (true) {
            // the common case: a run of plain ASCII, copied straight from the buffer
            int p = pos;
            int end = limit;
            byte[] b = buf;
            int start = p;
            while (p < end) {
                byte x = b[p];
                if (x == '<' || x == '&' || x < 0) {
                    break;
                }
                p++;
            }
            if (p > start) {
                appendAscii(b, start, p - start);
                pos = p;
            }
            if (p + 1 < end && b[p] == '<' && b[p + 1] == '/') {
                pos = p + 2;
                endTag();
                trim();
                return;
            }
            int c = read();
            if (c < 0) {
                throw cutOff();
            }
            if (c == '&') {
                entityInto();
            } else if (c >= 0x80) {
                utf8Into(c);
            } else if (c != '<') {
                appendChar((char) c); // the run above stopped at the end of the buffer
            } else {
                int next = peek();
                if (next == '/') {
                    pos++;
                    endTag();
                    trim();
                    return;
                }
                if (next == '!') {
                    pos++;
                    bang(true);
                } else if (next == '?') {
                    pos++;
                    processingInstruction();
                } else {
                    throw malformed("<" + readName(read()) + "> inside <" + open[depth - 1]
                            + ">, which holds only text");
                }
            }
        }
    }

    /** Skips the element whose start tag was just read, with everything in it. */
    void skipElement() throws IOException, XmlException {
        int target = depth - 1;
        while (depth > target) {
            next();
        }
    }

    // ---- raw content -------------------------------------------------------------------------

    private int rawStart;
    private int rawEnd;
    private long rawEndOffset;

    /**
     * For an element just started whose content repeats byte for byte (a stack frame): finds its
     * end tag {@code endTag} (e.g. {@code "</frame>"}) in the buffer without reading on, so that
     * the content can be recognised by {@link #rawHash()} and skipped with {@link #consumeRaw()},
     * or read as usual. Returns the content's length, or -1 when that cannot be done safely: the
     * element is empty, too long, or holds comments, CDATA or processing instructions.
     */
    int rawContent(byte[] endTag) throws IOException {
        if (selfClosed) {
            return -1;
        }
        for (int attempt = 0; attempt < 2; attempt++) {
            byte[] b = buf;
            int p = pos;
            int end = limit - endTag.length;
            while (p < end) {
                if (b[p] != '<') {
                    p = nextLessThan(b, p + 1, end);
                    continue;
                }
                byte next = b[p + 1];
                if (next == '!' || next == '?') {
                    return -1;
                }
                if (next == '/' && Arrays.equals(b, p, p + endTag.length, endTag, 0, endTag.length)) {
                    rawStart = pos;
                    rawEnd = p;
                    rawEndOffset = droppedBytes + p + endTag.length;
                    return p - pos;
                }
                p++;
            }
            if (attempt == 0 && !eof && limit - pos < 8192) {
                fill(8192 + 64); // keeps [pos, limit), reads on
            } else {
                return -1;
            }
        }
        return -1;
    }

    private static final long LESS_THANS = 0x3C3C3C3C3C3C3C3CL;

    /** The index of the first '<' in {@code b[from..end)}, or {@code end}; eight bytes at a time. */
    private static int nextLessThan(byte[] b, int from, int end) {
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

    /** A 64-bit hash of the content {@link #rawContent} found. */
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

    /** Skips the content {@link #rawContent} found and its end tag. */
    void consumeRaw() {
        pos = (int) (rawEndOffset - droppedBytes);
        name = open[--depth];
    }

    /** Whether reading the element as usual ended exactly where {@link #rawContent} said. */
    boolean endedAtRawEnd() {
        return droppedBytes + pos == rawEndOffset;
    }

    // ---- markup --------------------------------------------------------------------------

    /** After '<': a tag (returns START or END), or markup passed over (returns 0). */
    private int markup(boolean keep) throws IOException, XmlException {
        int c = read();
        if (c == '/') {
            endTag();
            return END;
        }
        if (c == '!') {
            bang(keep);
            return 0;
        }
        if (c == '?') {
            processingInstruction();
            return 0;
        }
        if (c < 0) {
            throw cutOff();
        }
        if (depth == 0 && sawRoot) {
            throw malformed("a second root element");
        }
        name = readName(c);
        c = skipWhitespace();
        while (c != '>' && c != '/') {
            attribute(c);
            c = skipWhitespace();
        }
        if (c == '/') {
            if (read() != '>') {
                throw malformed("'/' not followed by '>' in <" + name + ">");
            }
            selfClosed = true;
        }
        push(name);
        sawRoot = true;
        return START;
    }

    /** After "</". */
    private void endTag() throws IOException, XmlException {
        if (depth > 0) {
            // the usual case: the end tag of the open element, all in the buffer
            byte[] want = openBytes[depth - 1];
            int n = want.length;
            if (limit - pos > n && buf[pos + n] == '>' && Arrays.equals(buf, pos, pos + n, want, 0, n)) {
                pos += n + 1;
                name = open[--depth];
                return;
            }
        }
        int c = read();
        if (c < 0) {
            throw cutOff();
        }
        String closing = readName(c);
        if (skipWhitespace() != '>') {
            throw malformed("</" + closing + " not closed by '>'");
        }
        if (depth == 0) {
            throw malformed("</" + closing + "> closes nothing");
        }
        if (open[depth - 1] != closing) {
            throw malformed("</" + closing + "> closes <" + open[depth - 1] + ">");
        }
        depth--;
        name = closing;
    }

    private void attribute(int first) throws IOException, XmlException {
        if (first < 0) {
            throw cutOff();
        }
        String attr = readName(first);
        if (skipWhitespace() != '=') {
            throw malformed("attribute " + attr + " of <" + name + "> has no value");
        }
        int quote = skipWhitespace();
        if (quote != '"' && quote != '\'') {
            throw malformed("attribute " + attr + " of <" + name + "> is not quoted");
        }
        for (int c = read(); c != quote; c = read()) {
            if (c < 0) {
                throw cutOff();
            }
            if (c == '<') {
                throw malformed("'<' in attribute " + attr + " of <" + name + ">");
            }
            if (c == '&') {
                entity();
            }
        }
    }

    /** After "<!": a comment, CDATA (kept as text when {@code keep}), or a refused DOCTYPE. */
    private void bang(boolean keep) throws IOException, XmlException {
        int c = read();
        if (c == '-') {
            expect('-', "<!-");
            skipPast("-->");
            return;
        }
        if (c == '[') {
            for (char x : "CDATA[".toCharArray()) {
                expect(x, "<![");
            }
            if (depth == 0) {
                throw malformed("CDATA outside the root element");
            }
            int matched = 0;
            while (matched < 3) {
                int x = read();
                if (x < 0) {
                    throw cutOff();
                }
                if (x == ']' && matched < 2) {
                    matched++;
                } else if (x == '>' && matched == 2) {
                    matched = 3;
                } else {
                    if (keep) {
                        for (int i = 0; i < matched; i++) {
                            appendChar(']');
                        }
                        if (x == ']') {
                            matched = 1;
                            continue;
                        }
                        if (x >= 0x80) {
                            utf8Into(x);
                        } else {
                            appendChar((char) x);
                        }
                    }
                    matched = x == ']' ? 1 : 0;
                }
            }
            return;
        }
        if (c == 'D') {
            throw new XmlException(XmlException.Kind.DOCTYPE, "DOCTYPE", line(), column());
        }
        if (c < 0) {
            throw cutOff();
        }
        throw malformed("'<!" + (char) c + "' is not a comment or CDATA");
    }

    private void processingInstruction() throws IOException, XmlException {
        int c = read();
        if (c < 0) {
            throw cutOff();
        }
        String target = readName(c);
        if (target.equalsIgnoreCase("xml")) {
            StringBuilder declaration = new StringBuilder();
            int prev = 0;
            for (int x = read(); !(prev == '?' && x == '>'); x = read()) {
                if (x < 0) {
                    throw cutOff();
                }
                declaration.append((char) x);
                prev = x;
            }
            checkEncoding(declaration.toString());
            return;
        }
        skipPast("?>");
    }

    private void checkEncoding(String declaration) throws XmlException {
        int at = declaration.indexOf("encoding");
        if (at < 0) {
            return;
        }
        String rest = declaration.substring(at + 8).replaceFirst("^\\s*=\\s*['\"]", "");
        String encoding = rest.replaceFirst("['\"].*", "").trim().toUpperCase(Locale.ROOT);
        if (!encoding.equals("UTF-8") && !encoding.equals("UTF8") && !encoding.equals("US-ASCII")
                && !encoding.equals("ASCII")) {
            throw malformed("the document is in " + encoding + "; valgrind writes UTF-8");
        }
    }

    // ---- text -----------------------------------------------------------------------------

    /** After '&' outside kept text: checks the reference. */
    private void entity() throws IOException, XmlException {
        int saved = textLength;
        entityInto();
        textLength = saved;
    }

    /** After '&': decodes one of the five predefined entities or a character reference. */
    private void entityInto() throws IOException, XmlException {
        StringBuilder ref = new StringBuilder(8);
        for (int c = read(); c != ';'; c = read()) {
            if (c < 0) {
                throw cutOff();
            }
            if (ref.length() > 10 || c == '<' || c == '&' || whitespace(c)) {
                throw malformed("'&" + ref + "' is not an entity reference (write &amp; for '&')");
            }
            ref.append((char) c);
        }
        String r = ref.toString();
        switch (r) {
            case "lt" -> appendChar('<');
            case "gt" -> appendChar('>');
            case "amp" -> appendChar('&');
            case "quot" -> appendChar('"');
            case "apos" -> appendChar('\'');
            default -> {
                if (!r.startsWith("#")) {
                    throw malformed("undeclared entity &" + r + "; (valgrind's XML uses only &lt; &gt; &amp;"
                            + " &quot; &apos;)");
                }
                int code;
                try {
                    code = r.startsWith("#x") ? Integer.parseInt(r.substring(2), 16) : Integer.parseInt(r.substring(1));
                } catch (NumberFormatException e) {
                    throw malformed("&" + r + "; is not a character reference");
                }
                if (code <= 0 || code > Character.MAX_CODE_POINT) {
                    throw malformed("&" + r + "; is not a character");
                }
                for (char ch : Character.toChars(code)) {
                    appendChar(ch);
                }
            }
        }
    }

    /** Decodes a UTF-8 sequence whose first byte was read; a bad sequence becomes U+FFFD. */
    private void utf8Into(int first) throws IOException {
        int extra;
        int code;
        if ((first & 0xE0) == 0xC0) {
            extra = 1;
            code = first & 0x1F;
        } else if ((first & 0xF0) == 0xE0) {
            extra = 2;
            code = first & 0x0F;
        } else if ((first & 0xF8) == 0xF0) {
            extra = 3;
            code = first & 0x07;
        } else {
            appendChar('\uFFFD');
            return;
        }
        for (int i = 0; i < extra; i++) {
            int c = peek();
            if (c < 0 || (c & 0xC0) != 0x80) {
                appendChar('\uFFFD');
                return;
            }
            pos++;
            code = (code << 6) | (c & 0x3F);
        }
        if (code > Character.MAX_CODE_POINT) {
            appendChar('\uFFFD');
            return;
        }
        for (char ch : Character.toChars(code)) {
            appendChar(ch);
        }
    }

    private void appendAscii(byte[] b, int from, int length) {
        if (textLength + length > text.length) {
            text = Arrays.copyOf(text, Math.max(text.length * 2, textLength + length));
        }
        char[] t = text;
        int n = textLength;
        for (int i = 0; i < length; i++) {
            t[n + i] = (char) b[from + i];
        }
        textLength = n + length;
    }

    private void appendChar(char c) {
        if (textLength == text.length) {
            text = Arrays.copyOf(text, text.length * 2);
        }
        text[textLength++] = c;
    }

    private void trim() {
        int start = 0;
        while (start < textLength && text[start] <= ' ') {
            start++;
        }
        int end = textLength;
        while (end > start && text[end - 1] <= ' ') {
            end--;
        }
        if (start > 0) {
            System.arraycopy(text, start, text, 0, end - start);
        }
        textLength = end - start;
    }

    // ---- names ----------------------------------------------------------------------------

    /** Reads a name whose first byte was just read. */
    private String readName(int first) throws IOException, XmlException {
        if (first < 0) {
            throw cutOff();
        }
        if (!nameStart(first)) {
            throw malformed("'" + (char) first + "' cannot start an element or attribute name");
        }
        pos--; // the first byte is still at pos - 1: take it back, so that fill keeps it
        if (limit - pos < 256) {
            fill(256); // names are short: have all of one in the buffer, then look it up there
        }
        int start = pos;
        byte[] b = buf;
        int h = 31 + b[start];
        int p = start + 1;
        int end = limit;
        while (p < end && NAME_CHAR[b[p] & 0xFF]) {
            h = 31 * h + b[p];
            p++;
        }
        if (p - start > 200) {
            throw malformed("a name longer than 200 bytes");
        }
        pos = p;
        return names.get(b, start, p - start, h);
    }

    private static final boolean[] NAME_CHAR = new boolean[256];

    static {
        for (int c = 0; c < 256; c++) {
            NAME_CHAR[c] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'
                    || c == '-' || c == '.' || c == ':' || c >= 0x80;
        }
    }

    private static boolean nameStart(int c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' || c >= 0x80;
    }

    private void push(String element) throws XmlException {
        if (depth == open.length) {
            if (depth >= 4096) {
                throw malformed("elements nested deeper than 4096 levels"); // valgrind nests a few
            }
            open = Arrays.copyOf(open, depth * 2);
            openBytes = Arrays.copyOf(openBytes, depth * 2);
        }
        openBytes[depth] = names.lastBytes;
        open[depth++] = element;
    }

    // ---- bytes ----------------------------------------------------------------------------

    private int read() throws IOException {
        if (pos >= limit && !fill(1)) {
            return -1;
        }
        return buf[pos++] & 0xFF;
    }

    private int peek() throws IOException {
        if (pos >= limit && !fill(1)) {
            return -1;
        }
        return buf[pos] & 0xFF;
    }

    private int skipWhitespace() throws IOException {
        int c = read();
        while (c >= 0 && whitespace(c)) {
            c = read();
        }
        return c;
    }

    private void expect(char wanted, String after) throws IOException, XmlException {
        int c = read();
        if (c < 0) {
            throw cutOff();
        }
        if (c != wanted) {
            throw malformed("'" + after + (char) c + "' is not a comment, CDATA or DOCTYPE");
        }
    }

    private void skipPast(String terminator) throws IOException, XmlException {
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

    private static boolean whitespace(int c) {
        return c == ' ' || c == '\n' || c == '\t' || c == '\r';
    }

    /**
     * Makes at least {@code wanted} bytes available from {@link #pos} if the input has them:
     * drops what was read (counting its lines), then reads more. False when nothing is left.
     */
    private boolean fill(int wanted) throws IOException {
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

    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long NEWLINES = 0x0A0A0A0A0A0A0A0AL;
    private static final long LOW7 = 0x7F7F7F7F7F7F7F7FL;

    /** Counts the newlines in {@code buf[from..to)}, eight bytes at a time, and notes the last. */
    private void countLines(int from, int to) {
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

    // ---- errors ---------------------------------------------------------------------------

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

    private XmlException cutOff() {
        if (droppedBytes == 0 && limit == 0) {
            return new XmlException(XmlException.Kind.EMPTY, "no bytes at all", 1, 1);
        }
        String where = depth == 0 ? "before the root element" : "inside <" + open[depth - 1] + ">";
        return new XmlException(XmlException.Kind.CUT_OFF, "the document ends " + where, line(), column());
    }

    /** An error at the current place, for what the document says rather than how it is written. */
    XmlException malformed(String message) {
        return new XmlException(XmlException.Kind.MALFORMED, message, line(), column());
    }

    /** Shared strings for the few element names a document uses, looked up from bytes. */
    private static final class NameTable {
        private byte[][] keys = new byte[64][];
        private String[] values = new String[64];
        private int size;
        /** The bytes of the name {@link #get} returned last. */
        byte[] lastBytes;

        /** {@code h}: 1, then {@code h = 31 * h + byte} over the name's bytes. */
        String get(byte[] b, int from, int length, int h) {
            int mask = keys.length - 1;
            for (int slot = (h ^ (h >>> 16)) & mask; ; slot = (slot + 1) & mask) {
                byte[] k = keys[slot];
                if (k == null) {
                    String s = new String(b, from, length, StandardCharsets.UTF_8).intern();
                    lastBytes = Arrays.copyOfRange(b, from, from + length);
                    if (size < 4096) {
                        keys[slot] = lastBytes;
                        values[slot] = s;
                        if (++size * 2 > keys.length) {
                            grow();
                        }
                    }
                    return s;
                }
                if (Arrays.equals(k, 0, k.length, b, from, from + length)) {
                    lastBytes = k;
                    return values[slot];
                }
            }
        }

        private void grow() {
            byte[][] oldKeys = keys;
            String[] oldValues = values;
            keys = new byte[oldKeys.length * 2][];
            values = new String[oldKeys.length * 2];
            int mask = keys.length - 1;
            for (int i = 0; i < oldKeys.length; i++) {
                if (oldKeys[i] != null) {
                    int h = 1;
                    for (byte x : oldKeys[i]) {
                        h = 31 * h + x;
                    }
                    int slot = (h ^ (h >>> 16)) & mask;
                    while (keys[slot] != null) {
                        slot = (slot + 1) & mask;
                    }
                    keys[slot] = oldKeys[i];
                    values[slot] = oldValues[i];
                }
            }
        }
    }
}
