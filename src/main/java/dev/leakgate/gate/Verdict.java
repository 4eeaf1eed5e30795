package dev.leakgate.gate;

import dev.leakgate.memcheck.MemcheckReport;
import dev.leakgate.process.RunFiles;

import java.util.List;
import java.util.Optional;

/**
 * What a {@link LeakGate} decided about one run, with everything its message needs.
 *
 * @param outcome    pass, fail or inconclusive
 * @param violations the limits the run went over (also listed when inconclusive, as far as read)
 * @param reasons    why the run is inconclusive; empty otherwise
 * @param report     the report the verdict is about
 * @param files      the run's raw files, when the report came from a run
 * @param notes      what a person should know that does not fail the gate (known leaks accepted,
 *                   stale baseline entries)
 */
public record Verdict(Outcome outcome, List<Violation> violations, List<String> reasons,
                      MemcheckReport report, RunFiles files, List<String> notes) {

    public Verdict {
        violations = List.copyOf(violations);
        reasons = List.copyOf(reasons);
        notes = List.copyOf(notes);
    }

    public boolean passed() {
        return outcome == Outcome.PASS;
    }

    public Optional<RunFiles> runFiles() {
        return Optional.ofNullable(files);
    }

    /** The message for people and IDE runners; see {@link FailureMessage}. */
    public String message() {
        return FailureMessage.render(this);
    }

    @Override
    public String toString() {
        return message();
    }
}
