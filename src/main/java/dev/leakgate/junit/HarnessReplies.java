package dev.leakgate.junit;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a harness built with {@code leakgate_harness.h} answered, checked against what was asked:
 * its greeting, one reply per scenario request, and its goodbye.
 */
record HarnessReplies(List<ScenarioResult> results, List<String> problems, List<String> scenarios) {

    /** Bytes one scenario request leaked while it ran, as the harness measured them under valgrind. */
    record ScenarioResult(String scenario, int times, long definitely, long possibly, long reachable, long heap) {
        @Override
        public String toString() {
            return scenario + " x" + times + ": definitely lost " + definitely + " bytes, possibly lost " + possibly
                    + ", still reachable " + reachable + (heap >= 0 ? "; heap in use after it " + heap : "");
        }
    }

    private static final Pattern GREETING = Pattern.compile("leakgate-harness 1 ready scenarios=(.*)");
    private static final Pattern OK = Pattern.compile(
            "ok (\\S+) (\\d+) definitely=(\\d+) possibly=(\\d+) reachable=(\\d+)(?: heap=(\\d+))?");

    static HarnessReplies check(List<String> stdout, List<Harness.ScenarioCall> calls) {
        List<String> problems = new ArrayList<>();
        List<ScenarioResult> results = new ArrayList<>();
        List<String> lines = stdout.stream().filter(l -> l.startsWith("leakgate-harness ") || l.startsWith("ok ")
                || l.startsWith("error ") || l.equals("bye")).toList();
        List<String> scenarios = List.of();
        int i = 0;
        Matcher greeting = lines.isEmpty() ? null : GREETING.matcher(lines.get(0));
        if (greeting == null || !greeting.matches()) {
            problems.add("the harness did not greet with 'leakgate-harness 1 ready': build it with leakgate_harness.h"
                    + " (LEAKGATE_SCENARIOS), or set plain = true for a program without the kit");
            return new HarnessReplies(results, problems, scenarios);
        }
        scenarios = greeting.group(1).isEmpty() ? List.of() : List.of(greeting.group(1).split(","));
        i++;
        for (Harness.ScenarioCall call : calls) {
            if (i >= lines.size() || lines.get(i).equals("bye")) {
                problems.add("the harness stopped before it answered 'run " + call.scenario() + " " + call.times()
                        + "' (it crashed, or was ended by the timeout); see the program's stdout and stderr");
                return new HarnessReplies(results, problems, scenarios);
            }
            String line = lines.get(i++);
            Matcher ok = OK.matcher(line);
            if (ok.matches() && ok.group(1).equals(call.scenario())) {
                results.add(new ScenarioResult(call.scenario(), call.times(), Long.parseLong(ok.group(3)),
                        Long.parseLong(ok.group(4)), Long.parseLong(ok.group(5)),
                        ok.group(6) == null ? -1 : Long.parseLong(ok.group(6))));
            } else if (line.equals("error unknown-scenario " + call.scenario())) {
                problems.add("the harness has no scenario '" + call.scenario() + "'; it has: "
                        + String.join(", ", scenarios) + " (register it with LEAKGATE_SCENARIO(" + call.scenario()
                        + "))");
            } else {
                problems.add("the harness answered '" + line + "' to 'run " + call.scenario() + " " + call.times() + "'");
            }
        }
        if (i >= lines.size() || !lines.get(i).equals("bye")) {
            problems.add("the harness did not say 'bye' after 'quit', so it may not have returned from main");
        }
        return new HarnessReplies(results, problems, scenarios);
    }
}
