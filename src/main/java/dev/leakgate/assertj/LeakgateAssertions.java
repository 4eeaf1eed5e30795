package dev.leakgate.assertj;

import dev.leakgate.memcheck.MemcheckReport;

/** Entry point for leakgate's AssertJ assertions: {@code import static ...LeakgateAssertions.assertThat;}. */
public final class LeakgateAssertions {

    private LeakgateAssertions() {
    }

    public static MemcheckReportAssert assertThat(MemcheckReport report) {
        return new MemcheckReportAssert(report);
    }
}
