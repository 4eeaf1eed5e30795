package dev.leakgate.memcheck;

import java.util.List;

/**
 * A memcheck error that is not a loss record: an invalid read or write, an invalid free, a use of
 * an uninitialised value, or a kind this version does not know ({@link ErrorKind#UNKNOWN}, with
 * {@link #kindName()} as valgrind wrote it).
 *
 * @param unique   valgrind's id of the error context, as {@code <unique>} gives it (hex)
 * @param tid      the thread, 0 when not given
 * @param what     the description ({@code <what>}, or {@code <xwhat><text>})
 * @param auxWhat  further descriptions, e.g. "Address 0x... is 4 bytes after a block of size 16
 *                 alloc'd"
 * @param stack    where the error happened
 * @param auxStacks the stacks that follow the first one (where the block was allocated, freed)
 */
public record MemcheckError(ErrorKind kind, String kindName, String unique, int tid, String what,
                            List<String> auxWhat, List<Frame> stack, List<List<Frame>> auxStacks) {

    public MemcheckError {
        auxWhat = List.copyOf(auxWhat);
        stack = List.copyOf(stack);
        auxStacks = List.copyOf(auxStacks);
    }
}
