package dev.leakgate.assertj;

import dev.leakgate.memcheck.Amount;
import dev.leakgate.memcheck.ErrorKind;
import dev.leakgate.memcheck.Frame;
import dev.leakgate.memcheck.LeakKind;
import dev.leakgate.memcheck.LeakRecord;
import dev.leakgate.memcheck.MemcheckError;
import dev.leakgate.memcheck.MemcheckReport;

import java.util.List;
import java.util.Optional;
import org.assertj.core.api.AbstractAssert;

/**
 * Assertions on a {@link MemcheckReport}, for tests that judge a report themselves. Every
 * assertion about leaks first requires a complete report: an incomplete one fails with the
 * reasons, never passes.
 *
 * <pre>{@code
 * assertThat(report).hasNoDefinitelyLostBytes();
 * assertThat(report).hasBytes(LeakKind.STILL_REACHABLE, 1024).hasNoErrorsOfKind(ErrorKind.INVALID_READ);
 * assertThat(report).hasLeakThrough("onvifStartStream");
 * }</pre>
 */
public class MemcheckReportAssert extends AbstractAssert<MemcheckReportAssert, MemcheckReport> {

    private static final int SHOWN = 5;

    protected MemcheckReportAssert(MemcheckReport actual) {
        super(actual, MemcheckReportAssert.class);
    }

    /** The report holds a complete leak check: the program ran to its end and the file is whole. */
    public MemcheckReportAssert isComplete() {
        isNotNull();
        if (!actual.isComplete()) {
            failWithMessage("%nExpecting report%n  %s%nto be complete, but it was not:%n%s", actual.source(),
                    bullets(actual.problems()));
        }
        return this;
    }

    /** No definitely lost bytes: the default leak gate, as an assertion. */
    public MemcheckReportAssert hasNoDefinitelyLostBytes() {
        return hasAtMostBytes(LeakKind.DEFINITELY_LOST, 0);
    }

    /** Exactly this many bytes of a kind. */
    public MemcheckReportAssert hasBytes(LeakKind kind, long bytes) {
        Amount amount = amountOf(kind);
        if (amount.bytes() != bytes) {
            failWithMessage("%nExpecting report%n  %s%nto have %d %s bytes, but had:%n  %s%s", actual.source(), bytes,
                    kind.label(), amount, records(kind));
        }
        return this;
    }

    /** At most this many bytes of a kind. */
    public MemcheckReportAssert hasAtMostBytes(LeakKind kind, long maxBytes) {
        Amount amount = amountOf(kind);
        if (amount.bytes() > maxBytes) {
            failWithMessage("%nExpecting report%n  %s%nto have at most %d %s bytes, but had:%n  %s%s", actual.source(),
                    maxBytes, kind.label(), amount, records(kind));
        }
        return this;
    }

    /** No memcheck errors of a kind (e.g. invalid reads). */
    public MemcheckReportAssert hasNoErrorsOfKind(ErrorKind kind) {
        isNotNull();
        List<MemcheckError> errors = actual.errors(kind);
        if (!errors.isEmpty()) {
            StringBuilder s = new StringBuilder();
            for (MemcheckError e : errors.subList(0, Math.min(SHOWN, errors.size()))) {
                s.append(String.format("%n  %s", e.what()));
                appendFrames(s, e.stack());
            }
            failWithMessage("%nExpecting report%n  %s%nto have no %s errors, but had %d:%s", actual.source(),
                    kind.xmlName(), errors.size(), s);
        }
        return this;
    }

    /** Some lost record (definitely, indirectly or possibly) was allocated through this function. */
    public MemcheckReportAssert hasLeakThrough(String function) {
        isComplete();
        if (lostThrough(function).isEmpty()) {
            failWithMessage("%nExpecting report%n  %s%nto have a lost block allocated through%n  %s%nbut no lost"
                    + " record's stack passes through it", actual.source(), function);
        }
        return this;
    }

    /** No lost record (definitely, indirectly or possibly) was allocated through this function. */
    public MemcheckReportAssert hasNoLeakThrough(String function) {
        isComplete();
        Optional<LeakRecord> found = lostThrough(function);
        if (found.isPresent()) {
            StringBuilder s = new StringBuilder(String.format("%n  %s", found.get().text()));
            appendFrames(s, found.get().stack());
            failWithMessage("%nExpecting report%n  %s%nto have no lost block allocated through%n  %s%nbut had:%s",
                    actual.source(), function, s);
        }
        return this;
    }

    private Optional<LeakRecord> lostThrough(String function) {
        return actual.leakRecords().stream()
                .filter(r -> r.kind() != LeakKind.STILL_REACHABLE && r.passesThrough(function))
                .findFirst();
    }

    private Amount amountOf(LeakKind kind) {
        isComplete();
        Optional<Amount> amount = actual.totals().of(kind);
        if (amount.isEmpty()) {
            failWithMessage("%nExpecting report%n  %s%nto give its %s total, but it does not: %s", actual.source(),
                    kind.label(), actual.totals().whyUnknown(kind));
        }
        return amount.orElseThrow();
    }

    private String records(LeakKind kind) {
        List<LeakRecord> records = actual.leakRecords(kind);
        StringBuilder s = new StringBuilder();
        for (LeakRecord r : records.subList(0, Math.min(SHOWN, records.size()))) {
            s.append(String.format("%n  %s", r.text()));
            appendFrames(s, r.stack());
        }
        if (records.size() > SHOWN) {
            s.append(String.format("%n  ... and %d more records", records.size() - SHOWN));
        }
        return s.toString();
    }

    private static void appendFrames(StringBuilder s, List<Frame> frames) {
        for (Frame f : frames.subList(0, Math.min(12, frames.size()))) {
            s.append(String.format("%n      at %s", f.describe()));
        }
    }

    private static String bullets(List<String> lines) {
        StringBuilder s = new StringBuilder();
        for (String line : lines) {
            s.append(s.length() == 0 ? "" : String.format("%n")).append("  - ").append(line);
        }
        return s.toString();
    }
}
