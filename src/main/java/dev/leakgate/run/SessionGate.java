package dev.leakgate.run;

import dev.leakgate.kit.KitReplies;
import dev.leakgate.memcheck.ClientMessage;
import dev.leakgate.gate.FailureMessage;
import dev.leakgate.memcheck.LeakCheck;
import dev.leakgate.gate.LeakGate;
import dev.leakgate.memcheck.LeakKind;
import dev.leakgate.memcheck.LeakRecord;
import dev.leakgate.memcheck.MemcheckReport;
import dev.leakgate.gate.Outcome;
import dev.leakgate.gate.Verdict;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * Judges a {@link SessionReport}: the whole run by its {@link LeakGate} (the final leak check,
 * with every trust rule), the kit's replies against what was asked, and, when nothing may be lost
 * ({@code eachStep}), each scenario and each named leak check on its own, so that the message says
 * which scenario or which request batch leaked, with the stacks that check found.
 */
public final class SessionGate {

    /** Records shown per leaking check. */
    static final int RECORDS_PER_CHECK = 3;

    private final LeakGate gate;
    private final boolean eachStep;

    /**
     * {@code eachStep}: gate each scenario and check on its own (lost bytes must be 0); meant for a
     * definitely lost limit of 0 without a baseline, where "lost" (definitely and indirectly, as the
     * kit and the probe count) cannot differ from the limit's kind.
     */
    public SessionGate(LeakGate gate, boolean eachStep) {
        this.gate = gate;
        this.eachStep = eachStep;
    }

    /** The outcome and the message for people and IDE runners. */
    public record SessionVerdict(Outcome outcome, Verdict verdict, String message) {
        public boolean passed() {
            return outcome == Outcome.PASS;
        }
    }

    public SessionVerdict judge(SessionReport session, String where) {
        Verdict verdict = gate.evaluate(session.run());
        Outcome outcome = verdict.outcome();
        StringBuilder head = new StringBuilder();
        KitReplies replies = session.replies();
        if (replies != null && !replies.problems().isEmpty()) {
            head.append("leakgate: the harness run went wrong:\n  - ").append(String.join("\n  - ", replies.problems()))
                    .append('\n');
            if (outcome == Outcome.PASS) {
                outcome = Outcome.INCONCLUSIVE;
            }
        }
        List<String> steps = new ArrayList<>();
        if (eachStep) {
            for (KitReplies.ScenarioResult r : session.results()) {
                if (r.lost() > 0) {
                    steps.add("scenario " + r.scenario() + " (x" + r.times() + ") lost " + r.lost()
                            + " bytes while it ran (definitely and indirectly lost; limit 0)");
                }
            }
            for (CheckResult c : session.checks()) {
                if (c.lost() > 0) {
                    steps.add("leak check '" + c.name() + "' found " + c.lost() + " bytes lost " + c.since()
                            + " (definitely and indirectly lost; limit 0)" + stacks(session, c.name()));
                }
            }
        }
        if (!steps.isEmpty()) {
            head.append(String.join("\n", steps)).append('\n');
            if (outcome == Outcome.PASS) {
                outcome = Outcome.FAIL;
            }
        }
        StringBuilder message = new StringBuilder(head).append(verdict.message());
        if (outcome == Outcome.INCONCLUSIVE && !session.marks().isEmpty()) {
            Mark last = session.marks().get(session.marks().size() - 1);
            message.append("\nThe run ended after '").append(last.label()).append("' (the last moment the test named,")
                    .append(String.format(" at %.1f s)", last.elapsedMillis() / 1000.0));
        }
        if (!session.results().isEmpty()) {
            message.append("\nScenarios (bytes each leaked while it ran, on ").append(where).append("):");
            session.results().forEach(r -> message.append("\n  ").append(r));
        }
        if (!session.checks().isEmpty()) {
            message.append("\nLeak checks (on ").append(where).append("):");
            session.checks().forEach(c -> message.append("\n  ").append(c));
        }
        if (session.board() != null) {
            message.append("\nBoard: ").append(session.board().summary());
            String wrote = session.run().report().valgrindVersion();
            if (wrote != null && !session.board().valgrind().equals("valgrind-" + wrote)) {
                // the report is whole and the run's own: judged as written, with the board line corrected by name
                message.append("\nNote: the report was written by valgrind-").append(wrote).append(", but the board said ")
                        .append(session.board().valgrind()).append(" when leakgate asked it (once per board and valgrind,"
                        + " at its first run): its valgrind changed during the test run, or ").append(session.board().from())
                        .append(" is not the valgrind that ran; the report's own version is the one that ran");
            }
        }
        return new SessionVerdict(outcome, verdict, message.toString());
    }

    /** The definitely lost records the named check found: from the report, or from vgdb's output for a check it took. */
    private static String stacks(SessionReport session, String check) {
        String fromReport = stacks(session.run().report(), check);
        return fromReport.isEmpty() ? VgdbClient.stacks(session.run().files().folder(), check, RECORDS_PER_CHECK) : fromReport;
    }

    /**
     * The definitely lost records the named check found, from the report: the delta leak check that
     * follows the check's last marker ("leakgate: check NAME").
     */
    static String stacks(MemcheckReport report, String check) {
        return stacksAfter(report, ("leakgate: check " + check)::equals, -1);
    }

    /**
     * The definitely lost records of the delta leak check that follows a client message: the
     * {@code occurrence}-th (from 1) message the predicate accepts, or the last one (-1).
     */
    static String stacksAfter(MemcheckReport report, Predicate<String> marker, int occurrence) {
        List<ClientMessage> messages = report.clientMessages();
        int at = -1;
        int seen = 0;
        for (int i = 0; i < messages.size(); i++) {
            if (marker.test(messages.get(i).text())) {
                seen++;
                if (occurrence < 0 || seen == occurrence) {
                    at = i;
                }
                if (seen == occurrence) {
                    break;
                }
            }
        }
        if (at < 0) {
            return "";
        }
        for (LeakCheck lc : report.intermediateLeakChecks()) {
            if (lc.clientMessagesBefore() == at + 1) {
                List<LeakRecord> grown = lc.records(LeakKind.DEFINITELY_LOST).stream()
                        .filter(r -> r.change() == null || r.change().bytes() > 0).toList();
                StringBuilder s = new StringBuilder();
                for (LeakRecord r : grown.subList(0, Math.min(grown.size(), RECORDS_PER_CHECK))) {
                    s.append("\n  ").append(FailureMessage.record(r).replace("\n", "\n  "));
                }
                if (grown.size() > RECORDS_PER_CHECK) {
                    s.append("\n  ... and ").append(grown.size() - RECORDS_PER_CHECK).append(" more records");
                }
                return s.toString();
            }
        }
        return "";
    }
}
