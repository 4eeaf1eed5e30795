package dev.leakgate.memcheck;

import java.util.List;

/**
 * The signal that ended the client ({@code <fatal_signal>}): valgrind wrote a leak check after
 * it, but the program did not exit normally, so the report cannot pass a gate.
 */
public record FatalSignal(int tid, int signo, String signame, String event, String siaddr,
                          List<Frame> stack) {

    public FatalSignal {
        stack = List.copyOf(stack);
    }

    @Override
    public String toString() {
        return (signame != null ? signame : "signal " + signo)
                + (event != null ? " (" + event + ")" : "");
    }
}
