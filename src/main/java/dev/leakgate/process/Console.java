package dev.leakgate.process;

/**
 * The one place leakgate's library code writes to the console: lines that start with
 * {@code leakgate: } on standard output (what it did: deployed, reaped, progress, a verdict's
 * checks) and warnings on standard error (a setting it could not apply). The command line tool
 * writes its own output to the streams it is given.
 */
public final class Console {

    private static final String PREFIX = "leakgate: ";

    private Console() {
    }

    /** Says one line (or a block whose first line this starts) on standard output, after {@code leakgate: }. */
    public static void say(String line) {
        System.out.println(PREFIX + line);
    }

    /** Warns on standard error, after {@code leakgate: }. */
    public static void warn(String line) {
        System.err.println(PREFIX + line);
    }
}
