package dev.leakgate.memcheck;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;

/**
 * One finished run under memcheck: how it ended, its parsed report and where its raw files are.
 *
 * @param exitCode    valgrind's exit status, or -1 when it had none (killed, not started)
 * @param startError  why valgrind could not be started, or null
 * @param stderrTail  the last lines the program and valgrind wrote to stderr, for messages
 */
public record MemcheckRun(MemcheckCommand command, RunFiles files, Termination termination,
                          int exitCode, Duration duration, MemcheckReport report, String startError,
                          String stderrTail) {

    /** The exit status, if valgrind exited (rather than being killed or never starting). */
    public OptionalInt exitStatus() {
        return exitCode < 0 ? OptionalInt.empty() : OptionalInt.of(exitCode);
    }

    /**
     * Why the run cannot give a conclusive leak check: the report's problems, plus what the run
     * itself knows (it was not started, it was killed). Empty when the run is conclusive.
     */
    public List<String> problems() {
        List<String> p = new ArrayList<>();
        if (startError != null) {
            p.add(startError);
        }
        if (termination == Termination.KILLED) {
            p.add("the program " + termination.description() + " after " + duration.toMillis()
                    + " ms, so valgrind could not write its leak check; make it exit on SIGTERM or when"
                    + " its standard input closes, or raise the timeout");
        }
        if (stderrTail != null && stderrTail.contains("must-be-redirected function")) {
            p.add("valgrind stopped at start: the dynamic linker (ld.so) has no symbols, so valgrind cannot"
                    + " redirect functions such as strlen; install the C library's debug symbols where the program"
                    + " runs (Debian: apt-get install libc6-dbg; others: glibc debuginfo)");
        }
        if (!report.isComplete()) {
            p.addAll(report.problems());
            if (startError == null && stderrTail != null && !stderrTail.isBlank()
                    && report.protocolVersion() == 0) {
                p.add("valgrind's stderr ends with:\n" + stderrTail.indent(4).stripTrailing());
            }
        }
        return p;
    }

    public boolean isConclusive() {
        return problems().isEmpty();
    }
}
