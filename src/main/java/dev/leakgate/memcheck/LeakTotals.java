package dev.leakgate.memcheck;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import java.util.StringJoiner;

/**
 * Bytes and blocks per leak kind for one leak check: the numbers of valgrind's LEAK SUMMARY.
 *
 * <p>Protocol 6 writes the summary itself ({@code <leak_summary>}); it is taken as written.
 * Protocols 4 and 5 do not: the totals are then added up from the loss records, the way valgrind
 * adds them up for its text summary (each record counts its direct bytes; the bytes it holds
 * indirectly are counted by the indirectly lost records). A kind whose records the run did not show
 * ({@code --show-leak-kinds}), and the suppressed total, which protocols 4 and 5 never report, are
 * then unknown: {@link #of} is empty for them, never a guessed zero.
 */
public final class LeakTotals {

    /** Where the numbers come from. */
    public enum Source {
        /** valgrind's own {@code <leak_summary>} (protocol 6). */
        LEAK_SUMMARY,
        /** added up from the loss records (protocols 4 and 5). */
        LOSS_RECORDS,
        /** none: a delta leak check of protocol 4 or 5 lists only the records that changed. */
        DELTA_CHECK
    }

    /** The totals of a delta check without a summary: every kind unknown. */
    static LeakTotals ofDeltaCheck() {
        return new LeakTotals(Map.of(), Source.DELTA_CHECK);
    }

    private final Map<LeakKind, Amount> amounts;
    private final Source source;

    LeakTotals(Map<LeakKind, Amount> amounts, Source source) {
        EnumMap<LeakKind, Amount> copy = new EnumMap<>(LeakKind.class);
        copy.putAll(amounts);
        this.amounts = Collections.unmodifiableMap(copy);
        this.source = source;
    }

    public Source source() {
        return source;
    }

    /** The amount of a kind, or empty when this report does not give it. */
    public Optional<Amount> of(LeakKind kind) {
        return Optional.ofNullable(amounts.get(kind));
    }

    public boolean isKnown(LeakKind kind) {
        return amounts.containsKey(kind);
    }

    /** The bytes of a kind; throws when the report does not give that kind (see {@link #of}). */
    public long bytes(LeakKind kind) {
        return require(kind).bytes();
    }

    /** The blocks of a kind; throws when the report does not give that kind (see {@link #of}). */
    public long blocks(LeakKind kind) {
        return require(kind).blocks();
    }

    private Amount require(LeakKind kind) {
        Amount a = amounts.get(kind);
        if (a == null) {
            throw new IllegalStateException("The report does not give the " + kind.label()
                    + " total: " + whyUnknown(kind));
        }
        return a;
    }

    /** Why a kind is unknown, in words for a person. */
    public String whyUnknown(LeakKind kind) {
        if (source == Source.DELTA_CHECK) {
            return "a delta leak check (VALGRIND_DO_ADDED_LEAK_CHECK or ..._CHANGED_...) lists only the loss"
                    + " records that changed, so adding them up gives no total; read the program's"
                    + " VALGRIND_COUNT_LEAKS, or make a full check (VALGRIND_DO_LEAK_CHECK)";
        }
        if (kind == LeakKind.SUPPRESSED) {
            return "valgrind writes the suppressed total to XML only from protocol 6 (valgrind 3.26);"
                    + " use a newer valgrind to gate on it";
        }
        return "the run did not show " + kind.label() + " records; run valgrind with"
                + " --show-leak-kinds=all";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LeakTotals t && t.amounts.equals(amounts) && t.source == source;
    }

    @Override
    public int hashCode() {
        return amounts.hashCode() * 31 + source.hashCode();
    }

    /** The totals in the layout of valgrind's LEAK SUMMARY. */
    @Override
    public String toString() {
        StringJoiner j = new StringJoiner("\n");
        for (LeakKind k : LeakKind.values()) {
            Amount a = amounts.get(k);
            j.add(String.format("%15s: %s", k.label(), a == null ? "not reported" : a));
        }
        return j.toString();
    }
}
