package dev.leakgate.memcheck;

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
