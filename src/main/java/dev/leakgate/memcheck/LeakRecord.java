package dev.leakgate.memcheck;

import java.util.List;

/**
 * One loss record of a leak check.
 *
 * @param kind            the leak kind of the record
 * @param bytes           {@code <leakedbytes>}: the record's own bytes plus the bytes only it
 *                        holds (the "indirect" part)
 * @param blocks          {@code <leakedblocks>}: the record's own blocks
 * @param indirectBytes   bytes of the blocks this record's blocks hold, as valgrind's text gives
 *                        them ("96 (32 direct, 64 indirect) bytes"); 0 when none
 * @param lossRecord      the "N" of "loss record N of M", or 0 when the text does not say
 * @param lossRecordCount the "M" of "loss record N of M", or 0 when the text does not say
 * @param text            valgrind's sentence for the record
 * @param stack           where the blocks were allocated, innermost first
 * @param suppression     the suppression valgrind generated for this record
 *                        ({@code --gen-suppressions=all}), ready for a .supp file; null without it
 * @param change          how much the record changed since the previous leak check, when it comes
 *                        from a delta leak check ({@code VALGRIND_DO_ADDED_LEAK_CHECK} or
 *                        {@code ..._CHANGED_...}, whose text reads "64 (+64) bytes in 1 (+1) blocks");
 *                        null for a record of a full leak check
 */
public record LeakRecord(LeakKind kind, long bytes, long blocks, long indirectBytes,
                         int lossRecord, int lossRecordCount, String text, List<Frame> stack, String suppression,
                         Change change) {

    /** What a delta leak check says changed: bytes (own and held) and blocks, each may be negative. */
    public record Change(long bytes, long blocks) {
    }

    public LeakRecord {
        stack = List.copyOf(stack);
    }

    /** Whether the record comes from a delta leak check (see {@link #change}). */
    public boolean isDelta() {
        return change != null;
    }

    /** The bytes of this record's own blocks: what valgrind's LEAK SUMMARY adds up for its kind. */
    public long directBytes() {
        return bytes - indirectBytes;
    }

    /** Whether some frame of the stack is in a function of this name. */
    public boolean passesThrough(String function) {
        for (Frame f : stack) {
            if (function.equals(f.fn())) {
                return true;
            }
        }
        return false;
    }

    /**
     * The first frame that is the user's code rather than the allocator: the first frame with a
     * source location, else the first frame after the allocator's own; null for an empty stack.
     */
    public Frame allocationSite() {
        for (Frame f : stack) {
            if (f.hasSourceLocation()) {
                return f;
            }
        }
        return stack.size() > 1 ? stack.get(1) : (stack.isEmpty() ? null : stack.get(0));
    }
}
