package dev.leakgate.junit;

import dev.leakgate.kit.KitReplies;
import dev.leakgate.run.CheckResult;
import dev.leakgate.run.Session;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * The harness of a {@link ValgrindOnBoard} test, as a test method parameter: a program built with
 * {@code leakgate_harness.h}, running live under valgrind on the board. Its first request starts
 * it; each {@link #run} answers at once with what that scenario leaked, so the body can assert on
 * it ({@code LeakgateAssertions.assertThat(result).hasLostNothing()}) and decide what to do next;
 * after the body the harness is sent {@code quit} and the whole run is gated too. Soaks
 * ({@link #soak}) run natively after the body. Thread-safe.
 */
public final class Harness {

    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    /** One request: run a scenario so many times. */
    public record ScenarioCall(String scenario, int times) {
    }

    /** One growth request: run a scenario so many times natively and gate its heap growth per run. */
    public record SoakCall(String scenario, int runs, long maxBytesPerRun) {
        /** Runs between samples: twenty samples a soak. */
        int every() {
            return Math.max(1, runs / 20);
        }
    }

    private final List<ScenarioCall> calls = Collections.synchronizedList(new ArrayList<>());
    private final List<SoakCall> soaks = Collections.synchronizedList(new ArrayList<>());
    private final List<KitReplies.ScenarioResult> results = Collections.synchronizedList(new ArrayList<>());
    private final Supplier<Session> starter;
    private Session session;

    Harness(Supplier<Session> starter) {
        this.starter = starter;
    }

    private synchronized Session session() {
        if (session == null) {
            session = starter.get();
        }
        return session;
    }

    /** The session, if a request started it. */
    synchronized Session startedSession() {
        return session;
    }

    /**
     * Runs the scenario (a name the harness registered with {@code LEAKGATE_SCENARIO}) this many
     * times under valgrind and returns what it leaked while it ran. Throws a
     * {@code SessionException} when the harness has no such scenario or ends before it answers.
     */
    public KitReplies.ScenarioResult run(String scenario, int times) {
        requireName(scenario);
        if (times < 1) {
            throw new IllegalArgumentException("a scenario runs at least once, but " + scenario + " was asked to run "
                    + times + " times");
        }
        calls.add(new ScenarioCall(scenario, times));
        KitReplies.ScenarioResult result = session().run(scenario, times);
        results.add(result);
        return result;
    }

    /** This test's answers so far, in order. */
    List<KitReplies.ScenarioResult> results() {
        synchronized (results) {
            return List.copyOf(results);
        }
    }

    /** Runs the scenario once. */
    public KitReplies.ScenarioResult run(String scenario) {
        return run(scenario, 1);
    }

    /**
     * Takes a named leak check between scenarios and returns what was lost since the check before
     * it; the check is named in the report with the stacks it found.
     */
    public CheckResult leakCheck(String name) {
        return session().leakCheck(name);
    }

    /**
     * Soaks the scenario: runs it this many times natively on the board (no valgrind: fast, real
     * memory behaviour) after the test body, samples the heap in use and the resident set twenty
     * times, drops the first fifth as warm-up, and fails the test if the heap grows by more than
     * {@code maxBytesPerRun} per run over the rest: the leaks memcheck cannot call lost, such as a
     * cache that grows forever.
     */
    public Harness soak(String scenario, int runs, long maxBytesPerRun) {
        requireName(scenario);
        if (runs < 100) {
            throw new IllegalArgumentException("a soak needs at least 100 runs to show a trend, but " + scenario
                    + " was asked for " + runs);
        }
        if (maxBytesPerRun < 0) {
            throw new IllegalArgumentException("maxBytesPerRun must be >= 0, but was " + maxBytesPerRun);
        }
        soaks.add(new SoakCall(scenario, runs, maxBytesPerRun));
        return this;
    }

    /** The growth requests so far, in order. */
    public List<SoakCall> soaks() {
        synchronized (soaks) {
            return List.copyOf(soaks);
        }
    }

    /** The harness's standard input for the soaks: one {@code soak NAME N EVERY} line each, then {@code quit}. */
    String soakScript() {
        StringBuilder s = new StringBuilder();
        for (SoakCall c : soaks()) {
            s.append("soak ").append(c.scenario()).append(' ').append(c.runs()).append(' ').append(c.every()).append('\n');
        }
        return s.append("quit\n").toString();
    }

    private static void requireName(String scenario) {
        if (scenario == null || !NAME.matcher(scenario).matches()) {
            throw new IllegalArgumentException("'" + scenario + "' is not a scenario name: use the name registered"
                    + " with LEAKGATE_SCENARIO or LEAKGATE_SCENARIO_NAMED (letters, digits, '_')");
        }
    }

    /** The scenario requests so far, in order. */
    public List<ScenarioCall> calls() {
        synchronized (calls) {
            return List.copyOf(calls);
        }
    }
}
