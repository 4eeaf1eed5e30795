package dev.leakgate.run;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The leak checks a session took, in order: each answer's totals read (never a negative or unreadable
 * one), and each check's result as what was lost since the check before.
 */
final class LeakChecks {

    private final List<CheckResult> checks = new ArrayList<>();

    /** The checks taken so far, in order. */
    List<CheckResult> all() {
        synchronized (checks) {
            return List.copyOf(checks);
        }
    }

    private static final Pattern CHECKED = Pattern.compile(
            " lost=(\\d+) possibly=(\\d+) reachable=(\\d+) suppressed=(\\d+)$");

    /**
     * Records a check from its answer line: its totals, and what was lost since the check before;
     * marks it on the memory chart with what it found.
     */
    CheckResult record(String name, String answer, long elapsedMillis, List<Mark> marks) {
        Matcher m = CHECKED.matcher(answer);
        if (!m.find()) {
            throw new SessionException("the answer to the leak check '" + name + "' is not understood: '" + answer + "'");
        }
        long lost;
        long possibly;
        long reachable;
        try {
            lost = Long.parseLong(m.group(1));
            possibly = Long.parseLong(m.group(2));
            reachable = Long.parseLong(m.group(3));
        } catch (NumberFormatException e) {
            throw new SessionException("the answer to the leak check '" + name + "' holds a total no leak check can"
                    + " give: '" + answer + "'");
        }
        synchronized (checks) {
            CheckResult before = checks.isEmpty() ? null : checks.get(checks.size() - 1);
            long[] prior = before == null ? new long[3] : totals.get(before.name());
            CheckResult c = new CheckResult(name, elapsedMillis, lost - prior[0], possibly - prior[1],
                    reachable - prior[2], lost, before == null ? null : before.name());
            totals.put(name, new long[] {lost, possibly, reachable});
            checks.add(c);
            // its result on the chart: the name (shortened) and what it found lost since the check before
            marks.add(new Mark("check " + (name.length() > 28 ? name.substring(0, 27) + "…" : name) + ": lost "
                    + String.format(Locale.ROOT, "%,d", c.lost()) + " B", c.elapsedMillis()));
            return c;
        }
    }

    private final Map<String, long[]> totals = new LinkedHashMap<>();

    /** Throws when a leak check's name is not one line of 1 to 200 characters. */
    static void requireName(String name) {
        if (name == null || name.isBlank() || name.indexOf('\n') >= 0 || name.indexOf('\r') >= 0
                || name.length() > 200) {
            throw new IllegalArgumentException("a leak check's name is one line of 1 to 200 characters, but was '"
                    + name + "'");
        }
    }

    /** Why no leak check can be taken on demand of a daemon that detached itself. */
    static SessionException detached() {
        return new SessionException("the daemon detached itself (it forked and its first process exited), and the"
                + " leak check probe lived in that first process, so no leak check can be taken on demand: run the"
                + " daemon in the foreground (most have a flag for it: -f, -d, -n, --foreground, --no-daemon); its"
                + " leaks are still judged when it stops, each process on its own report");
    }

    /** Why a program that is neither a kit harness nor probed cannot take leak checks where vgdb cannot reach it either. */
    static IllegalStateException noWay(String whyNotVgdb) {
        return new IllegalStateException("a leak check on demand needs the probe: build leakgate_probe.c for the"
                + " board's CPU and name it (probe = \"...leakgate_probe.so\"), or use a kit harness; " + (whyNotVgdb == null
                ? "or take it through vgdb where the board allows ptrace (leakgate.leakChecks = vgdb or auto)"
                : "vgdb cannot take it here: " + whyNotVgdb));
    }
}
