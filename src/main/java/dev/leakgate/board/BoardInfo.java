package dev.leakgate.board;

import dev.leakgate.process.MemcheckCommand;

import java.time.Duration;
import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The machine a run ran on, so that a result can always be traced to it: the board (its kind and
 * address), its CPU, kernel, C library, and the valgrind that ran (its version and where it came
 * from). Kept in each run's folder as {@code board.txt}, on its page and in its verdict's board line.
 *
 * @param board    the board as leakgate names it ("emulated aarch64 board (container ..., ssh://...)")
 * @param cpu      what {@code uname -m} says
 * @param kernel   what {@code uname -srm} says
 * @param libc     the C library ("glibc 2.36", "musl (/lib/ld-musl-aarch64.so.1)"), or "not known"
 * @param valgrind the first line of {@code valgrind --version} ("valgrind-3.19.0")
 * @param from     where that valgrind is (its path, and {@code VALGRIND_LIB} for a custom prefix)
 */
public record BoardInfo(String board, String cpu, String kernel, String libc, String valgrind, String from) {

    private static final Map<Board, Map<String, BoardInfo>> KNOWN = Collections.synchronizedMap(new WeakHashMap<>());

    /**
     * What the board is, asked once per board and valgrind (one short command there), then known.
     */
    static BoardInfo of(Board board, MemcheckCommand command) {
        String script = script(command);
        Map<String, BoardInfo> known = KNOWN.computeIfAbsent(board, b -> new ConcurrentHashMap<>());
        return known.computeIfAbsent(script, s -> parse(board.toString(),
                board.shell(s, Duration.ofSeconds(60)).stdout(), command));
    }

    /**
     * One round trip: the kernel, the C library (glibc's own {@code getconf}, else its loader's
     * {@code --version}, else a musl loader) and valgrind's version, separated by "--" lines.
     */
    static String script(MemcheckCommand command) {
        return "uname -srm; echo --; getconf GNU_LIBC_VERSION 2>/dev/null || { for l in /lib/ld-linux*.so*"
                + " /lib64/ld-linux*.so* /lib/ld-musl-*; do [ -e \"$l\" ] || continue; case $l in *musl*) echo"
                + " \"musl ($l)\";; *) \"$l\" --version 2>/dev/null | head -1;; esac; break; done; }; echo --; "
                + command.valgrindShellWords() + " --version 2>&1 | head -1";
    }

    private static final Pattern LOADER_VERSION = Pattern.compile("release version ([0-9.]+[0-9])");

    /** Reads what {@link #script} printed on the board named {@code board}. */
    static BoardInfo parse(String board, String output, MemcheckCommand command) {
        String[] parts = output.split("--\n", -1);
        String kernel = parts[0].strip();
        String[] words = kernel.split("\\s+");
        String libc = parts.length > 1 ? parts[1].strip() : "";
        Matcher loader = LOADER_VERSION.matcher(libc);
        if (loader.find()) {
            libc = "glibc " + loader.group(1);
        } else if (libc.isEmpty()) {
            libc = "not known";
        }
        String said = parts.length > 2 ? parts[2].strip() : "";
        String valgrind = said.startsWith("valgrind-") ? said : said.isEmpty() ? "not found" : "not found (" + said + ")";
        String lib = command.environment().get("VALGRIND_LIB");
        String from = command.valgrind() + (lib == null ? "" : " (VALGRIND_LIB=" + lib + ")");
        return new BoardInfo(board, words.length > 0 && !kernel.isEmpty() ? words[words.length - 1] : "not known",
                kernel.isEmpty() ? "not known" : kernel, libc, valgrind, from);
    }

    /** One line, for a verdict: "this machine (local valgrind): x86_64, Linux 6.1.0 x86_64, glibc 2.36, valgrind-3.19.0 (valgrind)". */
    public String summary() {
        return board + ": " + cpu + ", " + kernel + ", " + libc + ", " + valgrind + " (" + from + ")";
    }

    /** The lines of {@code board.txt}. */
    public String text() {
        return "board: " + board + "\ncpu: " + cpu + "\nkernel: " + kernel + "\nlibc: " + libc + "\nvalgrind: "
                + valgrind + "\nvalgrind from: " + from + "\n";
    }
}
