package dev.leakgate.process;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What valgrind's own messages say went wrong, read from its log ({@code --log-file}), never from
 * the program's stderr, which the program may fill with anything. With {@code --xml=yes} the log
 * holds little: valgrind's internal errors ("the 'impossible' happened"), fatal messages (a broken
 * suppression file), start-up failures (a dynamic linker without symbols) and warnings.
 */
public final class ValgrindLog {

    /** How much of a log is read at most: its head and its tail, each this many bytes. */
    static final int READ_LIMIT = 64 * 1024;

    private ValgrindLog() {
    }

    /** Why the log makes a run inconclusive, each with valgrind's own words quoted; empty when none. */
    public static List<String> problems(Path log) {
        return problems(Tails.headAndTail(log, READ_LIMIT));
    }

    static List<String> problems(String text) {
        List<String> problems = new ArrayList<>();
        List<String> lines = text.lines().map(ValgrindLog::withoutPid).toList();
        int impossible = indexOf(lines, "the 'impossible' happened");
        if (impossible < 0) {
            impossible = indexOf(lines, "VALGRIND INTERNAL ERROR");
        }
        if (impossible >= 0) {
            problems.add("valgrind failed inside itself, so its report cannot be trusted; it wrote:\n"
                    + quote(lines, Math.max(0, impossible - 6), impossible + 1)
                    + "\n(a custom allocator's VALGRIND_MALLOCLIKE_BLOCK or mempool blocks that overlap heap blocks"
                    + " cause this; otherwise report it to valgrind with the log)");
        }
        int fatal = indexOf(lines, "FATAL");
        if (fatal >= 0) {
            problems.add("valgrind stopped with a fatal error: " + quote(lines, fatal, fatal + 3).strip()
                    + (lines.get(fatal).contains("suppressions file")
                    ? " (fix the suppression file it names, or remove it from suppressions)" : ""));
        }
        if (indexOf(lines, "must-be-redirected function") >= 0) {
            problems.add("valgrind stopped at start: the dynamic linker (ld.so) has no symbols, so valgrind cannot"
                    + " redirect functions such as strlen; install the C library's debug symbols where the program"
                    + " runs (Debian: apt-get install libc6-dbg; others: glibc debuginfo), or let leakgate bring the"
                    + " loader's debug file (leakgate.valgrind.debuginfo)");
        }
        return problems;
    }

    private static int indexOf(List<String> lines, String needle) {
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).contains(needle)) {
                return i;
            }
        }
        return -1;
    }

    /** Lines [from, to) that say something, indented, each at most 300 characters. */
    private static String quote(List<String> lines, int from, int to) {
        StringBuilder s = new StringBuilder();
        for (int i = from; i < Math.min(to, lines.size()); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty()) {
                continue;
            }
            if (s.length() > 0) {
                s.append('\n');
            }
            s.append("    ").append(line.length() > 300 ? line.substring(0, 300) + " ..." : line);
        }
        return s.toString();
    }

    /** "==123== text" as "text". */
    private static String withoutPid(String line) {
        if (line.startsWith("==")) {
            int end = line.indexOf("== ", 2);
            if (end > 0) {
                return line.substring(end + 3);
            }
            if (line.endsWith("==")) {
                return "";
            }
        }
        return line;
    }
}
