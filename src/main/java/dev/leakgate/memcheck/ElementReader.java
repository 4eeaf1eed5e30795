package dev.leakgate.memcheck;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * What every reader of a memcheck XML document does with the scanner: the next child element, its
 * text (as a string, a shared name or a number, without a string where it can), skipping, and
 * keeping an element this version does not interpret.
 */
abstract class ElementReader {

    final XmlScanner s;
    /** Names that repeat (functions, files, objects), made once and shared. */
    final TextTable names = new TextTable();
    /** The text of the last text-only element read: {@code text[0..textLength)}, trimmed. */
    char[] text;
    int textLength;

    ElementReader(XmlScanner s) {
        this.s = s;
    }

    /** Levels of an unknown element that are kept; deeper ones are skipped (valgrind nests a few). */
    private static final int MAX_KEPT_LEVELS = 32;

    /** Keeps an element this version does not interpret, with its children and its own text. */
    final XmlElement capture(String parentPath) throws IOException, XmlException {
        return capture(parentPath, 1);
    }

    final XmlElement capture(String parentPath, int level) throws IOException, XmlException {
        String path = parentPath + "/" + s.name();
        if (level > MAX_KEPT_LEVELS) {
            s.skipElement();
            return new XmlElement(path, "(nested deeper than " + MAX_KEPT_LEVELS + " levels: not kept)", List.of());
        }
        StringBuilder text = new StringBuilder();
        List<XmlElement> children = new ArrayList<>();
        s.clearText();
        while (s.nextKeepingText() == XmlScanner.START) {
            text.append(s.text(), 0, s.textLength());
            children.add(capture(path, level + 1));
            s.clearText();
        }
        text.append(s.text(), 0, s.textLength());
        return new XmlElement(path, text.toString().trim(), children);
    }

    /** Moves to the next child element; false at the end of the current element. */
    final boolean nextChild() throws IOException, XmlException {
        return s.next() == XmlScanner.START;
    }

    /** Skips the current element and everything in it. */
    final void skip() throws IOException, XmlException {
        s.skipElement();
    }

    /** Reads the text of the current text-only element into {@link #text}, trimmed. */
    final void readText() throws IOException, XmlException {
        s.readText();
        text = s.text();
        textLength = s.textLength();
    }

    /** The text of a text-only element, trimmed (valgrind pads {@code <time>}). */
    final String text() throws IOException, XmlException {
        readText();
        return new String(text, 0, textLength);
    }

    /** The text of a text-only element as a shared canonical string (names repeat). */
    final String nameText() throws IOException, XmlException {
        readText();
        return names.get(text, 0, textLength);
    }

    /** The text of a text-only element as a decimal or 0x-hex number, without a String. */
    final long numberText() throws IOException, XmlException {
        readText();
        return number(text, 0, textLength);
    }

    /** A decimal or 0x-hex number, as valgrind writes them. */
    final long number(char[] c, int start, int length) throws XmlException {
        int i = start;
        int end = start + length;
        long value = 0;
        if (length > 2 && c[i] == '0' && (c[i + 1] == 'x' || c[i + 1] == 'X')) {
            i += 2;
            if (end - i > 16) {
                throw notANumber(c, start, length);
            }
            for (; i < end; i++) {
                char ch = c[i];
                int digit = ch >= '0' && ch <= '9' ? ch - '0'
                        : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
                        : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10 : -1;
                if (digit < 0) {
                    throw notANumber(c, start, length);
                }
                value = (value << 4) | digit;
            }
            return value;
        }
        boolean negative = i < end && c[i] == '-';
        if (negative) {
            i++;
        }
        if (i == end || end - i > 18) {
            throw notANumber(c, start, length);
        }
        for (; i < end; i++) {
            int digit = c[i] - '0';
            if (digit < 0 || digit > 9) {
                throw notANumber(c, start, length);
            }
            value = value * 10 + digit;
        }
        return negative ? -value : value;
    }

    final XmlException notANumber(char[] c, int start, int length) {
        return s.malformed("'" + new String(c, start, Math.min(length, 40)) + "' is not a number");
    }
}
