package dev.leakgate.junit;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The harness of a {@link ValgrindOnBoard} test, as a test method parameter: the scenarios the
 * test asks for are played, in order, when the test body returns, in one run of the harness under
 * valgrind; then the leaks are gated. Thread-safe.
 */
public final class Harness {

    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    /** One request: run a scenario so many times. */
    public record ScenarioCall(String scenario, int times) {
    }

    private final List<ScenarioCall> calls = Collections.synchronizedList(new ArrayList<>());

    Harness() {
    }

    /** Runs the scenario (a name the harness registered with {@code LEAKGATE_SCENARIO}) this many times. */
    public Harness run(String scenario, int times) {
        if (scenario == null || !NAME.matcher(scenario).matches()) {
            throw new IllegalArgumentException("'" + scenario + "' is not a scenario name: use the C function name"
                    + " registered with LEAKGATE_SCENARIO (letters, digits, '_')");
        }
        if (times < 1) {
            throw new IllegalArgumentException("a scenario runs at least once, but " + scenario + " was asked to run "
                    + times + " times");
        }
        calls.add(new ScenarioCall(scenario, times));
        return this;
    }

    /** Runs the scenario once. */
    public Harness run(String scenario) {
        return run(scenario, 1);
    }

    /** The requests so far, in order. */
    public List<ScenarioCall> calls() {
        synchronized (calls) {
            return List.copyOf(calls);
        }
    }

    /** The harness's standard input for these requests: one {@code run NAME N} line each, then {@code quit}. */
    String script() {
        StringBuilder s = new StringBuilder();
        for (ScenarioCall c : calls()) {
            s.append("run ").append(c.scenario()).append(' ').append(c.times()).append('\n');
        }
        return s.append("quit\n").toString();
    }
}
