package dev.leakgate.memcheck;

import java.util.Locale;

/**
 * The leak kinds of memcheck's LEAK SUMMARY, in the order valgrind prints them.
 *
 * <p>{@link #SUPPRESSED} has no loss records of its own: valgrind only reports its total.
 */
public enum LeakKind {
    DEFINITELY_LOST("Leak_DefinitelyLost", "definitely lost", "definite"),
    INDIRECTLY_LOST("Leak_IndirectlyLost", "indirectly lost", "indirect"),
    POSSIBLY_LOST("Leak_PossiblyLost", "possibly lost", "possible"),
    STILL_REACHABLE("Leak_StillReachable", "still reachable", "reachable"),
    SUPPRESSED(null, "suppressed", null);

    private final String xmlKind;
    private final String label;
    private final String optionName;

    LeakKind(String xmlKind, String label, String optionName) {
        this.xmlKind = xmlKind;
        this.label = label;
        this.optionName = optionName;
    }

    /** The {@code <kind>} of this kind's loss records, or null for {@link #SUPPRESSED}. */
    public String xmlKind() {
        return xmlKind;
    }

    /** The words valgrind's LEAK SUMMARY uses, e.g. "definitely lost". */
    public String label() {
        return label;
    }

    /** The name used by {@code --show-leak-kinds}, or null for {@link #SUPPRESSED}. */
    public String optionName() {
        return optionName;
    }

    /** The kind of a loss record's {@code <kind>} element, or null if it is not a leak. */
    public static LeakKind ofXmlKind(String kind) {
        for (LeakKind k : values()) {
            if (k.xmlKind != null && k.xmlKind.equals(kind)) {
                return k;
            }
        }
        return null;
    }

    /**
     * Parses a kind as a user writes it in configuration: "definitely_lost", "definitely-lost",
     * "DEFINITELY LOST", "definite" and "Leak_DefinitelyLost" all name {@link #DEFINITELY_LOST}.
     */
    public static LeakKind parse(String text) {
        String key = text.trim().toLowerCase(Locale.ROOT).replace('-', '_').replace(' ', '_');
        for (LeakKind k : values()) {
            if (k.name().toLowerCase(Locale.ROOT).equals(key)
                    || (k.optionName != null && k.optionName.equals(key))
                    || (k.xmlKind != null && k.xmlKind.toLowerCase(Locale.ROOT).equals(key))) {
                return k;
            }
        }
        throw new IllegalArgumentException("Unknown leak kind '" + text + "': use one of "
                + "definitely_lost, indirectly_lost, possibly_lost, still_reachable, suppressed");
    }
}
