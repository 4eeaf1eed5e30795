package dev.leakgate.memcheck;

import java.util.List;
import java.util.Optional;

/**
 * One leak check of a run: the final one valgrind makes at exit, or one the program asked for
 * in the middle of the run through a client request ({@code VALGRIND_DO_ADDED_LEAK_CHECK}).
 *
 * @param records             the retained loss records, largest first (see {@link #omittedRecords})
 * @param omittedRecords      loss records read but not kept because of the parser's retention
 *                            limit; the smallest ones are dropped first, the totals count them all
 * @param totals              bytes and blocks per kind
 * @param clientMessagesBefore how many client messages the program had written when this check
 *                            began: ties a mid-run check to the marker the program wrote before it
 */
public record LeakCheck(List<LeakRecord> records, long omittedRecords, LeakTotals totals,
                        int clientMessagesBefore) {

    public LeakCheck {
        records = List.copyOf(records);
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
