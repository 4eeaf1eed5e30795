package dev.leakgate.memcheck;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One leak check of a run: the final one valgrind makes at exit, or one the program asked for
 * in the middle of the run through a client request ({@code VALGRIND_DO_LEAK_CHECK}, or a delta
 * check: {@code VALGRIND_DO_ADDED_LEAK_CHECK}, {@code VALGRIND_DO_CHANGED_LEAK_CHECK}).
 *
 * <p>A delta check lists only the loss records that changed since the check before it, so adding
 * them up gives no total: its {@link #totals()} give none (unless valgrind wrote a
 * {@code <leak_summary>}, protocol 6), and its records carry their {@link LeakRecord#change()}.
 *
 * @param records             the retained loss records, largest first (see {@link #omittedRecords})
 * @param omittedRecords      loss records read but not kept because of the parser's retention
 *                            limit; the smallest ones are dropped first, the totals count them all
 * @param totals              bytes and blocks per kind (none for a delta check without a summary)
 * @param clientMessagesBefore how many client messages the program had written when this check
 *                            began: ties a mid-run check to the marker the program wrote before it
 * @param mode                whether the check listed every record or only those that changed
 * @param held                bytes that the records of each kind hold indirectly ("96 (32 direct, 64
 *                            indirect)"), over every record, also those not retained
 */
public record LeakCheck(List<LeakRecord> records, long omittedRecords, LeakTotals totals,
                        int clientMessagesBefore, Mode mode, Map<LeakKind, Long> held) {

    /** How much of the heap's loss records a check lists. */
    public enum Mode {
        /** Every record (the final check, {@code VALGRIND_DO_LEAK_CHECK}). */
        FULL,
        /** Only the records that changed since the check before it. */
        DELTA
    }

    public LeakCheck {
        records = List.copyOf(records);
        held = Map.copyOf(held);
    }

    /** Bytes the records of this kind hold indirectly (a lost tree: what hangs off its lost roots). */
    public long heldBy(LeakKind kind) {
        return held.getOrDefault(kind, 0L);
    }

    /** The retained records of one kind, largest first. */
    public List<LeakRecord> records(LeakKind kind) {
        return records.stream().filter(r -> r.kind() == kind).toList();
    }

    /** The largest retained record of a kind. */
    public Optional<LeakRecord> largest(LeakKind kind) {
        return records.stream().filter(r -> r.kind() == kind).findFirst();
    }
}
