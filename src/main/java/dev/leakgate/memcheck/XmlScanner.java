package dev.leakgate.memcheck;

import java.io.IOException;
import java.io.InputStream;
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
final class XmlScanner extends XmlText {

    static final int START = 1;
    static final int END = 2;
    static final int EOF = 3;

    private String[] open = new String[32];
    private byte[][] openBytes = new byte[32][];
    private int depth;
    private boolean sawRoot;
    private boolean selfClosed;
    private String name;


    XmlScanner(InputStream in) {
        super(in);
    }

    /** The name of the element of the last start or end tag. */
    String name() {
        return name;
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

    // ---- the open elements ---------------------------------------------------------------------

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

    @Override
    XmlException cutOff() {
        if (droppedBytes == 0 && limit == 0) {
            return new XmlException(XmlException.Kind.EMPTY, "no bytes at all", 1, 1);
        }
        String where = depth == 0 ? "before the root element" : "inside <" + open[depth - 1] + ">";
        return new XmlException(XmlException.Kind.CUT_OFF, "the document ends " + where, line(), column());
    }
}
