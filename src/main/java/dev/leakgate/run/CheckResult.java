package dev.leakgate.run;

/**
 * A named leak check taken while the program ran: what it found lost since the check before it
 * (or since the program started, for the first), and the totals now. {@code lost} is definitely and
 * indirectly lost together, as memcheck's VALGRIND_COUNT_LEAKS counts them.
 *
 * @param name          the name the test gave it, e.g. "after 100 GetStreamUri"
 * @param elapsedMillis when it was taken, since the program started
 * @param lost          bytes lost since the check before it
 * @param possibly      change of the possibly lost bytes since the check before it
 * @param reachable     change of the still reachable bytes since the check before it
 * @param lostTotal     bytes lost in all, now
 * @param previous      the name of the check before it, or null for the first
 */
public record CheckResult(String name, long elapsedMillis, long lost, long possibly, long reachable, long lostTotal,
                          String previous) {

    /** "since 'started'" or "since the program started". */
    public String since() {
        return previous == null ? "since the program started" : "since '" + previous + "'";
    }

    @Override
    public String toString() {
        return "leak check '" + name + "' at " + String.format("%.1f", elapsedMillis / 1000.0) + " s: lost " + lost
                + " bytes " + since() + " (definitely and indirectly), possibly lost " + signed(possibly)
                + ", still reachable " + signed(reachable) + "; lost in all " + lostTotal;
    }

    private static String signed(long n) {
        return n > 0 ? "+" + n : String.valueOf(n);
    }
}
