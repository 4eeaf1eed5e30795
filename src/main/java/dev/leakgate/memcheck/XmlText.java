package dev.leakgate.memcheck;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * The text layer of the XML scanner: the text of a text-only element, decoded from UTF-8 with the
 * five predefined entities and character references, trimmed, in a buffer that is reused.
 */
abstract class XmlText extends XmlInput {

    char[] text = new char[256];
    int textLength;

    /** Element names, shared: a document uses few. */
    final NameTable names = new NameTable();

    XmlText(InputStream in) {
        super(in);
    }

    /** Text read by {@link #readText()}: {@code text()[0..textLength())}, trimmed. */
    char[] text() {
        return text;
    }

    int textLength() {
        return textLength;
    }

    void clearText() {
        textLength = 0;
    }

    /** After '&' outside kept text: checks the reference. */
    void entity() throws IOException, XmlException {
        int saved = textLength;
        entityInto();
        textLength = saved;
    }

    /** After '&': decodes one of the five predefined entities or a character reference. */
    void entityInto() throws IOException, XmlException {
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
    void utf8Into(int first) throws IOException {
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

    void appendAscii(byte[] b, int from, int length) {
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

    void appendChar(char c) {
        if (textLength == text.length) {
            text = Arrays.copyOf(text, text.length * 2);
        }
        text[textLength++] = c;
    }

    void trim() {
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
    String readName(int first) throws IOException, XmlException {
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

    static final boolean[] NAME_CHAR = new boolean[256];

    static {
        for (int c = 0; c < 256; c++) {
            NAME_CHAR[c] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'
                    || c == '-' || c == '.' || c == ':' || c >= 0x80;
        }
    }

    static boolean nameStart(int c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' || c >= 0x80;
    }
}
