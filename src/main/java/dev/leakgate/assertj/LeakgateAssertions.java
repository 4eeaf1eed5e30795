package dev.leakgate.assertj;

import dev.leakgate.kit.KitReplies;
import dev.leakgate.memcheck.MemcheckReport;
import dev.leakgate.run.CheckResult;

/** Entry point for leakgate's AssertJ assertions: {@code import static ...LeakgateAssertions.assertThat;}. */
public final class LeakgateAssertions {

    private LeakgateAssertions() {
    }

    public static MemcheckReportAssert assertThat(MemcheckReport report) {
        return new MemcheckReportAssert(report);
    }

    /** Assertions on what one scenario of a live kit harness leaked while it ran ({@code Harness.run}). */
    public static LostBytesAssert assertThat(KitReplies.ScenarioResult scenario) {
        return new LostBytesAssert(scenario, "scenario " + (scenario == null ? "null" : scenario.scenario() + " (x"
                + scenario.times() + ")"), scenario == null ? 0 : scenario.lost(), scenario == null ? 0
                : scenario.possibly());
    }

    /** Assertions on what a named leak check found lost since the check before it ({@code leakCheck}). */
    public static LostBytesAssert assertThat(CheckResult check) {
        return new LostBytesAssert(check, check == null ? "null" : "leak check '" + check.name() + "' ("
                + check.since() + ")", check == null ? 0 : check.lost(), check == null ? 0 : check.possibly());
    }
}
