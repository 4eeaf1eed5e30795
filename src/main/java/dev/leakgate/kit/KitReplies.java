package dev.leakgate.kit;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a harness built with {@code leakgate_harness.h} answered, checked against what was asked:
 * its greeting, one reply per scenario request (each must say that every requested run ran), and
 * its goodbye (which must not say that a signal stopped it).
 *
 * @param results   each scenario request's bytes, as the harness measured them under valgrind
 * @param problems  why the replies cannot be trusted; empty when all is as asked
 * @param scenarios the scenarios the harness offers, from its greeting
 */
public record KitReplies(List<ScenarioResult> results, List<String> problems, List<String> scenarios) {

    public KitReplies {
        results = List.copyOf(results);
        problems = List.copyOf(problems);
        scenarios = List.copyOf(scenarios);
    }

    /** One request: run a scenario so many times. */
    public record Request(String scenario, int times) {
    }

    /**
     * Bytes one scenario request leaked while it ran, as the harness measured them under valgrind:
     * {@code lost} is definitely and indirectly lost together (memcheck's VALGRIND_COUNT_LEAKS counts
     * both as leaked), so a lost tree counts whole. {@code harnessMicros} is how long the request took
     * inside the harness, its leak checks included (-1 from a harness that does not say).
     */
    public record ScenarioResult(String scenario, int times, long lost, long possibly, long reachable,
                                 long heap, long harnessMicros) {
        @Override
        public String toString() {
            return scenario + " x" + times + ": lost " + lost + " bytes (definitely and indirectly), possibly lost " + possibly
                    + ", still reachable " + reachable + (heap >= 0 ? "; heap in use after it " + heap : "");
        }
    }

    private static final Pattern OK = Pattern.compile(
            "ok (\\S+) (\\d+) lost=(-?\\d+) possibly=(-?\\d+) reachable=(-?\\d+)(?: heap=(\\d+))?(?: us=(\\d+))?");

    /** Checks the replies ({@link KitProtocol#replies}) against the requests, in order. */
    public static KitReplies check(List<String> replies, List<Request> requests) {
        List<String> problems = new ArrayList<>();
        List<ScenarioResult> results = new ArrayList<>();
        // "threads N" answers a question of leakgate's, not a request (a harness built before it answers
        // "error bad-command threads"): neither is a scenario's reply
        List<String> lines = replies.stream().filter(l -> l.startsWith("leakgate-harness ") || l.startsWith("ok ")
                || (l.startsWith("error ") && !l.equals("error bad-command threads")) || l.startsWith("bye")).toList();
        if (lines.isEmpty() || !lines.get(0).startsWith(KitProtocol.GREETING)) {
            problems.add(lines.isEmpty()
                    ? "the harness did not greet with 'leakgate-harness 2 ready' (with its run token): build it with"
                    + " this leakgate's leakgate_harness.h (LEAKGATE_SCENARIOS), or set plain = true for a program"
                    + " without the kit"
                    : "the harness greeted with '" + lines.get(0) + "': it was built with another version of"
                    + " leakgate_harness.h; rebuild it with this leakgate's");
            return new KitReplies(results, problems, List.of());
        }
        String offered = lines.get(0).substring(KitProtocol.GREETING.length());
        List<String> scenarios = offered.isEmpty() ? List.of() : List.of(offered.split(","));
        int i = 1;
        for (Request request : requests) {
            String asked = "'run " + request.scenario() + " " + request.times() + "'";
            if (i >= lines.size() || lines.get(i).startsWith("bye")) {
                problems.add("the harness stopped before it answered " + asked + " (it crashed, or was ended by the"
                        + " timeout); see the program's stdout and stderr");
                return new KitReplies(results, problems, scenarios);
            }
            String line = lines.get(i++);
            Matcher ok = OK.matcher(line);
            if (ok.matches() && ok.group(1).equals(request.scenario())) {
                long ran = Long.parseLong(ok.group(2));
                if (ran != request.times()) {
                    problems.add("the harness ran " + request.scenario() + " " + ran + " of the " + request.times()
                            + " times asked before it was stopped, so its leaks after that are not in the report");
                }
                results.add(new ScenarioResult(request.scenario(), (int) Math.min(ran, Integer.MAX_VALUE),
                        Long.parseLong(ok.group(3)), Long.parseLong(ok.group(4)), Long.parseLong(ok.group(5)),
                        ok.group(6) == null ? -1 : Long.parseLong(ok.group(6)),
                        ok.group(7) == null ? -1 : Long.parseLong(ok.group(7))));
            } else if (line.equals("error unknown-scenario " + request.scenario())) {
                problems.add("the harness has no scenario '" + request.scenario() + "'; it has: "
                        + String.join(", ", scenarios) + " (register it with LEAKGATE_SCENARIO(" + request.scenario()
                        + "))");
            } else {
                problems.add("the harness answered '" + line + "' to " + asked);
            }
        }
        if (i >= lines.size() || !lines.get(i).startsWith("bye")) {
            problems.add("the harness did not say 'bye' after 'quit', so it may not have returned from main");
        } else if (lines.get(i).startsWith("bye stopped=")) {
            problems.add("the harness was stopped by " + lines.get(i).substring("bye stopped=".length())
                    + " before it read 'quit': the run was cut short");
        }
        return new KitReplies(results, problems, scenarios);
    }

    /**
     * How long requests took inside the harness, as it measured them (its leak checks
     * included), in milliseconds: what a test's time was spent on besides leakgate's own work.
     * Empty when there were none, or a harness did not say.
     */
    public static Optional<String> harnessMillis(List<ScenarioResult> results) {
        if (results.isEmpty() || results.stream().anyMatch(r -> r.harnessMicros() < 0)) {
            return Optional.empty();
        }
        long micros = results.stream().mapToLong(ScenarioResult::harnessMicros).sum();
        return Optional.of(String.format(Locale.ROOT, "%.1f", micros / 1000.0));
    }
}
