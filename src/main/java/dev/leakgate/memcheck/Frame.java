package dev.leakgate.memcheck;

import java.util.Locale;

/**
 * One frame of a valgrind stack trace. Every field but {@code ip} may be absent (null, or 0 for
 * {@code line}): a stripped library has no {@code file}/{@code line}, an unknown function no
 * {@code fn}.
 *
 * @param ip the instruction address ({@code <ip>}); see {@link #ipHex()}
 */
public record Frame(long ip, String obj, String fn, String dir, String file, int line) {

    /** The instruction address as valgrind writes it, e.g. {@code 0x48417B4}. */
    public String ipHex() {
        return "0x" + Long.toHexString(ip).toUpperCase(Locale.ROOT);
    }

    /** Whether this frame has a source location (the library was built with debug info). */
    public boolean hasSourceLocation() {
        return file != null && line > 0;
    }

    /**
     * The frame as a Java-like stack line without the leading "at": {@code fn (file:line)},
     * {@code fn (in obj)} or {@code ip (in obj)}, the way valgrind's own text output reads.
     */
    public String describe() {
        String name = fn != null ? fn : ipHex();
        if (hasSourceLocation()) {
            return name + " (" + file + ":" + line + ")";
        }
        if (obj != null) {
            return name + " (in " + obj + ")";
        }
        return name;
    }

    @Override
    public String toString() {
        return describe();
    }
}
