package dev.leakgate.process;

import java.util.List;

/**
 * A run of a program without valgrind: where its output is kept, how it ended, and what the
 * run left behind that leakgate ended.
 */
public record NativeRun(RunFiles files, Termination termination, int exitStatus, String lostBoard,
                        List<String> notes) {
    public NativeRun {
        notes = List.copyOf(notes);
    }
}
