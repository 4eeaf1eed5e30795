package dev.leakgate.memcheck;

import java.util.Locale;

/**
 * The kinds of memcheck errors other than leaks, as named by the {@code <kind>} element of
 * valgrind's XML. A kind this version of leakgate does not know is {@link #UNKNOWN}; its name is
 * kept in {@link MemcheckError#kindName()}.
 */
public enum ErrorKind {
    INVALID_FREE("InvalidFree"),
    MISMATCHED_FREE("MismatchedFree"),
    INVALID_READ("InvalidRead"),
    INVALID_WRITE("InvalidWrite"),
    INVALID_JUMP("InvalidJump"),
    OVERLAP("Overlap"),
    INVALID_MEM_POOL("InvalidMemPool"),
    UNINIT_CONDITION("UninitCondition"),
    UNINIT_VALUE("UninitValue"),
    SYSCALL_PARAM("SyscallParam"),
    CLIENT_CHECK("ClientCheck"),
    FISHY_VALUE("FishyValue"),
    REALLOC_SIZE_ZERO("ReallocSizeZero"),
    INVALID_SIZE_AND_ALIGNMENT("InvalidSizeAndAlignment"),
    INVALID_ALIGNMENT("InvalidAlignment"),
    INVALID_SIZE("InvalidSize"),
    MISMATCHED_ALLOCATE_DEALLOCATE_SIZE("MismatchedAllocateDeallocateSize"),
    MISMATCHED_ALLOCATE_DEALLOCATE_ALIGNMENT("MismatchedAllocateDeallocateAlignment"),
    /** A file descriptor closed that was not open (valgrind 3.24+, {@code --track-fds}). */
    FD_BAD_CLOSE("FdBadClose"),
    /** A file descriptor left open at exit (valgrind 3.24+, {@code --track-fds}). */
    FD_NOT_CLOSED("FdNotClosed"),
    /** A kind not listed here (a newer valgrind, another tool); see {@link MemcheckError#kindName()}. */
    UNKNOWN(null);

    private final String xmlName;

    ErrorKind(String xmlName) {
        this.xmlName = xmlName;
    }

    /** The name valgrind writes in {@code <kind>}, or null for {@link #UNKNOWN}. */
    public String xmlName() {
        return xmlName;
    }

    /**
     * The kind of a name as a user writes it (the {@code <kind>} name, e.g. "InvalidRead"); throws
     * with the nearest known name and the full list when there is none, so a typo cannot switch a
     * gate off.
     */
    public static ErrorKind parse(String name) {
        ErrorKind k = ofXmlName(name);
        if (k != UNKNOWN) {
            return k;
        }
        StringBuilder known = new StringBuilder();
        String nearest = null;
        int best = Integer.MAX_VALUE;
        for (ErrorKind e : values()) {
            if (e.xmlName == null) {
                continue;
            }
            known.append(known.length() == 0 ? "" : ", ").append(e.xmlName);
            int d = distance(String.valueOf(name).toLowerCase(Locale.ROOT),
                    e.xmlName.toLowerCase(Locale.ROOT));
            if (d < best) {
                best = d;
                nearest = e.xmlName;
            }
        }
        throw new IllegalArgumentException("'" + name + "' is not a memcheck error kind"
                + (best <= 3 ? " (did you mean " + nearest + "?)" : "") + "; the kinds are: " + known);
    }

    /** Edit distance, for suggestions. */
    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    /** The kind named by {@code <kind>}; {@link #UNKNOWN} for names not listed here. */
    public static ErrorKind ofXmlName(String name) {
        for (ErrorKind k : values()) {
            if (k.xmlName != null && k.xmlName.equals(name)) {
                return k;
            }
        }
        return UNKNOWN;
    }
}
