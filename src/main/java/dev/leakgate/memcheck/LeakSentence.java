package dev.leakgate.memcheck;

/**
 * The numbers in valgrind's sentence for a loss record, in each form memcheck writes:
 *
 * <pre>
 * 10 bytes in 1 blocks are definitely lost in loss record 2 of 6
 * 5,440 (64 direct, 5,376 indirect) bytes in 1 blocks are definitely lost in loss record 6 of 6
 * 64 (+64) bytes in 1 (+1) blocks are still reachable in loss record 2 of 6            (a delta check)
 * 5,376 (+5,376) (64 (+64) direct, 5,312 (+5,312) indirect) bytes in 1 (+1) blocks ...
 * 0 (-10) bytes in 0 (-1) blocks are still reachable in loss record 1 of 7
 * </pre>
 *
 * Digit grouping (",") is read over; a delta is a signed number in parentheses after a number.
 * A cursor over the text, without regular expressions: reports can hold millions of records.
 */
final class LeakSentence {

    long bytes;
    long indirect;
    long blocks;
    boolean delta;
    long deltaBytes;
    long deltaBlocks;
    int lossRecord;
    int lossRecordCount;

    private final String text;
    private int pos;

    private LeakSentence(String text) {
        this.text = text;
    }

    /** The numbers of a sentence, or null when it does not have the shape above. */
    static LeakSentence parse(String text) {
        LeakSentence s = new LeakSentence(text);
        return s.read() ? s : null;
    }

    private boolean read() {
        bytes = number();
        if (bytes < 0) {
            return false;
        }
        Long d = change();
        if (d != null) {
            delta = true;
            deltaBytes = d;
        }
        if (text.startsWith(" (", pos) && pos + 2 < text.length() && Character.isDigit(text.charAt(pos + 2))) {
            pos += 2;
            if (number() < 0) {
                return false;
            }
            change();
            if (!skip(" direct, ")) {
                return false;
            }
            indirect = number();
            if (indirect < 0) {
                return false;
            }
            change();
            if (!skip(" indirect)")) {
                return false;
            }
        }
        if (!skip(" bytes in ")) {
            return false;
        }
        blocks = number();
        if (blocks < 0) {
            return false;
        }
        Long db = change();
        if (db != null) {
            deltaBlocks = db;
        }
        int at = text.lastIndexOf("loss record ");
        if (at >= 0) {
            pos = at + "loss record ".length();
            long n = number();
            if (n >= 0 && skip(" of ")) {
                long m = number();
                if (m >= 0) {
                    lossRecord = (int) n;
                    lossRecordCount = (int) m;
                }
            }
        }
        return true;
    }

    /** A decimal number with optional digit grouping at the cursor, or -1 when there is none. */
    private long number() {
        int start = pos;
        long value = 0;
        int digits = 0;
        while (pos < text.length()) {
            char c = text.charAt(pos);
            if (c >= '0' && c <= '9') {
                if (digits++ > 18) {
                    return -1;
                }
                value = value * 10 + (c - '0');
                pos++;
            } else if (c == ',' && digits > 0 && pos + 1 < text.length() && Character.isDigit(text.charAt(pos + 1))) {
                pos++;
            } else {
                break;
            }
        }
        if (digits == 0) {
            pos = start;
            return -1;
        }
        return value;
    }

    /** " (+N)" or " (-N)" at the cursor: the signed change, or null when there is none. */
    private Long change() {
        if (!text.startsWith(" (+", pos) && !text.startsWith(" (-", pos)) {
            return null;
        }
        int start = pos;
        boolean negative = text.charAt(pos + 2) == '-';
        pos += 3;
        long n = number();
        if (n < 0 || !skip(")")) {
            pos = start;
            return null;
        }
        return negative ? -n : n;
    }

    private boolean skip(String expected) {
        if (text.startsWith(expected, pos)) {
            pos += expected.length();
            return true;
        }
        return false;
    }
}
