package dev.leakgate.assertj;

import org.assertj.core.api.AbstractAssert;

/**
 * Assertions on the bytes a step of a live run lost: a scenario of a kit harness, or a named leak
 * check. "Lost" is definitely and indirectly lost together, as memcheck's client requests count
 * them; the whole run is still gated when the test ends.
 *
 * <pre>{@code
 * assertThat(onvif.run("onvifStartStream", 100)).hasLostNothing();
 * assertThat(daemon.leakCheck("after 100 GetStreamUri")).hasLostAtMost(4096);
 * }</pre>
 */
public class LostBytesAssert extends AbstractAssert<LostBytesAssert, Object> {

    private final String what;
    private final long lost;
    private final long possibly;

    protected LostBytesAssert(Object actual, String what, long lost, long possibly) {
        super(actual, LostBytesAssert.class);
        this.what = what;
        this.lost = lost;
        this.possibly = possibly;
    }

    /** Nothing lost, definitely or indirectly. */
    public LostBytesAssert hasLostNothing() {
        return hasLostAtMost(0);
    }

    /** At most this many bytes lost, definitely and indirectly together. */
    public LostBytesAssert hasLostAtMost(long maxBytes) {
        isNotNull();
        if (lost > maxBytes) {
            failWithMessage("%nExpecting %s%nto lose at most %d bytes (definitely and indirectly), but it lost:%n  %d"
                    + " bytes%n(the stacks are in the run's report)", what, maxBytes, lost);
        }
        return this;
    }

    /** Possibly lost bytes grew by at most this many. */
    public LostBytesAssert hasPossiblyLostAtMost(long maxBytes) {
        isNotNull();
        if (possibly > maxBytes) {
            failWithMessage("%nExpecting %s%nto add at most %d possibly lost bytes, but it added:%n  %d bytes", what,
                    maxBytes, possibly);
        }
        return this;
    }
}
