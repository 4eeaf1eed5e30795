package dev.leakgate.gate;

/** The outcome of a leak gate. Only {@link #PASS} passes. */
public enum Outcome {
    /** The run was complete and within every limit. */
    PASS,
    /** The run was complete and over a limit. */
    FAIL,
    /** The run gave no complete leak check (killed, crashed, cut off): it cannot pass. */
    INCONCLUSIVE
}
