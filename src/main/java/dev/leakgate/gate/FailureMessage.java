package dev.leakgate.gate;

import dev.leakgate.memcheck.Frame;
import dev.leakgate.memcheck.LeakCheck;
import dev.leakgate.memcheck.LeakKind;
import dev.leakgate.memcheck.LeakRecord;
import dev.leakgate.memcheck.LeakTotals;
import dev.leakgate.memcheck.MemcheckError;
import dev.leakgate.memcheck.MemcheckReport;

import java.util.List;

/**
 * Renders a verdict as text for people and IDE runners: one verdict line, the reasons or the
 * limits that failed, the failing leak records largest first with their frames as
 * {@code at fn (file:line)} or {@code at fn (in obj)}, capped, then the paths of the raw files.
 */
public final class FailureMessage {

    /** Loss records shown per failing kind. */
    public static final int MAX_RECORDS = 10;
    /** Frames shown per stack. */
    public static final int MAX_FRAMES = 24;
    /** Errors shown per failing kind. */
    public static final int MAX_ERRORS = 5;

    private FailureMessage() {
    }

    public static String render(Verdict v) {
        StringBuilder s = new StringBuilder("leakgate: ").append(v.outcome()).append(": ");
        switch (v.outcome()) {
            case PASS -> s.append(passLine(v));
            case FAIL -> s.append(joinDescriptions(v.violations()));
            case INCONCLUSIVE -> {
                s.append("no complete leak check, so the gate cannot pass");
                for (String reason : v.reasons()) {
                    s.append("\n  - ").append(reason.replace("\n", "\n    "));
                }
                if (!v.violations().isEmpty()) {
                    s.append("\nAs far as it was read, the run was also over limits: ")
                            .append(joinDescriptions(v.violations()));
                }
            }
        }
        if (v.outcome() == Outcome.FAIL && !v.reasons().isEmpty()) {
            s.append("\nBesides, parts of the run could not be judged:");
            for (String reason : v.reasons()) {
                s.append("\n  - ").append(reason.replace("\n", "\n    "));
            }
        }
        details(s, v.violations(), v.report());
        for (String note : v.notes()) {
            s.append("\nNote: ").append(note);
        }
        if (v.files() != null) {
            s.append("\nRaw files (kept):\n").append(v.files().describe());
        } else if (v.report().xmlFile().isPresent()) {
            s.append("\nRaw XML (kept): ").append(v.report().xmlFile().get());
        }
        return s.toString();
    }

    /** The records and errors behind each violation, largest first; a child's under its name. */
    private static void details(StringBuilder s, List<Violation> violations, MemcheckReport report) {
        for (Violation violation : violations) {
            if (violation instanceof Violation.Leak leak) {
                leakRecords(s, leak, report);
            } else if (violation instanceof Violation.Errors errors) {
                errors(s, errors);
            } else if (violation instanceof Violation.KnownLeakOverBudget over) {
                s.append("\n\n").append(capitalized(over.describe())).append(':');
                for (LeakRecord r : over.records().subList(0, Math.min(over.records().size(), MAX_RECORDS))) {
                    s.append("\n").append(r.text());
                    stack(s, r.stack());
                }
            } else if (violation instanceof Violation.InProcess in) {
                s.append("\n\nIn ").append(in.process().describe()).append(", its report ")
                        .append(in.process().report().source()).append(':');
                details(s, in.verdict().violations(), in.process().report());
            }
        }
    }

    private static String passLine(Verdict v) {
        StringBuilder s = new StringBuilder();
        LeakTotals totals = v.report().totals();
        for (LeakKind kind : LeakKind.values()) {
            totals.of(kind).ifPresent(a -> {
                if (s.length() > 0) {
                    s.append(", ");
                }
                s.append(kind.label()).append(' ').append(a);
            });
        }
        return s.toString();
    }

    private static String joinDescriptions(List<Violation> violations) {
        StringBuilder s = new StringBuilder();
        for (Violation v : violations) {
            if (s.length() > 0) {
                s.append("; ");
            }
            s.append(v.describe());
        }
        return s.toString();
    }

    private static void leakRecords(StringBuilder s, Violation.Leak leak, MemcheckReport report) {
        List<LeakRecord> records = leak.records();
        s.append("\n\n").append(capitalized(leak.kind().label())).append(", largest first:");
        if (records.isEmpty()) {
            s.append("\n  (no records retained; see the raw XML)");
        }
        int shown = Math.min(records.size(), MAX_RECORDS);
        for (LeakRecord r : records.subList(0, shown)) {
            s.append("\n").append(r.text() != null ? r.text()
                    : r.bytes() + " bytes in " + r.blocks() + " blocks are " + r.kind().label());
            stack(s, r.stack());
        }
        long hiddenBytes = 0;
        for (LeakRecord r : records.subList(shown, records.size())) {
            hiddenBytes += r.directBytes();
        }
        long omitted = report.finalLeakCheck().map(LeakCheck::omittedRecords).orElse(0L);
        if (records.size() > shown) {
            s.append("\n... and ").append(records.size() - shown).append(" more ").append(leak.kind().label())
                    .append(" records (").append(hiddenBytes).append(" bytes) not shown");
        }
        if (omitted > 0) {
            s.append("\n... and ").append(omitted).append(" smaller records of all kinds not kept in memory");
        }
    }

    private static void errors(StringBuilder s, Violation.Errors errors) {
        s.append("\n\n").append(errors.kindName()).append(':');
        for (MemcheckError e : errors.errors().subList(0, Math.min(errors.errors().size(), MAX_ERRORS))) {
            s.append('\n').append(e.what());
            stack(s, e.stack());
            for (int i = 0; i < e.auxWhat().size(); i++) {
                s.append("\n  ").append(e.auxWhat().get(i));
                if (i < e.auxStacks().size()) {
                    stack(s, e.auxStacks().get(i));
                }
            }
        }
        if (errors.errors().size() > MAX_ERRORS) {
            s.append("\n... and ").append(errors.errors().size() - MAX_ERRORS).append(" more");
        }
    }

    /** A loss record as the messages show it: its sentence, then its frames as {@code at fn (file:line)}. */
    public static String record(LeakRecord r) {
        StringBuilder s = new StringBuilder(r.text() != null ? r.text()
                : r.bytes() + " bytes in " + r.blocks() + " blocks are " + r.kind().label());
        stack(s, r.stack());
        return s.toString();
    }

    private static void stack(StringBuilder s, List<Frame> frames) {
        int shown = Math.min(frames.size(), MAX_FRAMES);
        for (Frame f : frames.subList(0, shown)) {
            s.append("\n    at ").append(f.describe());
        }
        if (frames.size() > shown) {
            s.append("\n    ... ").append(frames.size() - shown).append(" more frames");
        }
    }

    private static String capitalized(String label) {
        return Character.toUpperCase(label.charAt(0)) + label.substring(1);
    }

}
