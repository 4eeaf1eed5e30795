package dev.leakgate.gate;

import dev.leakgate.memcheck.ErrorKind;
import dev.leakgate.memcheck.LeakCheck;
import dev.leakgate.memcheck.LeakKind;
import dev.leakgate.memcheck.LeakRecord;
import dev.leakgate.memcheck.MemcheckError;
import dev.leakgate.memcheck.MemcheckReport;
import dev.leakgate.process.MemcheckRun;
import dev.leakgate.process.ProcessReport;
import dev.leakgate.process.RunFiles;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Decides whether a memcheck run passes: byte limits per leak kind (by default definitely lost
 * must be 0 and the other kinds are not gated), and optionally memcheck errors of given kinds.
 *
 * <p>Never a false green: a report without a complete leak check is {@link Outcome#INCONCLUSIVE},
 * and so is a limit on a kind the report does not give (e.g. suppressed bytes from valgrind
 * 3.19's XML); neither passes.
 *
 * <p>Immutable: each method returns a changed copy.
 */
public final class LeakGate {

    private final Map<LeakKind, Long> limits;
    private final Set<String> failingErrorKinds;
    private final boolean failOnAnyError;
    private final KnownLeaks knownLeaks;

    private LeakGate(Map<LeakKind, Long> limits, Set<String> failingErrorKinds, boolean failOnAnyError) {
        this(limits, failingErrorKinds, failOnAnyError, null);
    }

    private LeakGate(Map<LeakKind, Long> limits, Set<String> failingErrorKinds, boolean failOnAnyError,
                     KnownLeaks knownLeaks) {
        this.knownLeaks = knownLeaks;
        EnumMap<LeakKind, Long> copy = new EnumMap<>(LeakKind.class);
        copy.putAll(limits);
        this.limits = Collections.unmodifiableMap(copy);
        this.failingErrorKinds = Collections.unmodifiableSet(new LinkedHashSet<>(failingErrorKinds));
        this.failOnAnyError = failOnAnyError;
    }

    /** Definitely lost bytes must be 0; nothing else is gated. */
    public static LeakGate defaults() {
        return new LeakGate(Map.of(LeakKind.DEFINITELY_LOST, 0L), Set.of(), false);
    }

    /** At most {@code maxBytes} bytes of this kind may be left. */
    public LeakGate limit(LeakKind kind, long maxBytes) {
        if (maxBytes < 0) {
            throw new IllegalArgumentException("The limit for " + kind.label() + " must be >= 0 bytes, but was "
                    + maxBytes + "; use ungated(" + kind + ") to not gate that kind");
        }
        Map<LeakKind, Long> l = new EnumMap<>(LeakKind.class);
        l.putAll(limits);
        l.put(kind, maxBytes);
        return new LeakGate(l, failingErrorKinds, failOnAnyError, knownLeaks);
    }

    /** This kind is not gated. */
    public LeakGate ungated(LeakKind kind) {
        Map<LeakKind, Long> l = new EnumMap<>(LeakKind.class);
        l.putAll(limits);
        l.remove(kind);
        return new LeakGate(l, failingErrorKinds, failOnAnyError, knownLeaks);
    }

    /** Memcheck errors of these kinds fail the gate (e.g. invalid reads and writes). */
    public LeakGate failOn(ErrorKind... kinds) {
        Set<String> k = new LinkedHashSet<>(failingErrorKinds);
        for (ErrorKind kind : kinds) {
            if (kind == ErrorKind.UNKNOWN) {
                throw new IllegalArgumentException("ErrorKind.UNKNOWN names no kind: use failOnAnyError()"
                        + " or failOn(\"TheKindName\")");
            }
            k.add(kind.xmlName());
        }
        return new LeakGate(limits, k, failOnAnyError, knownLeaks);
    }

    /**
     * Memcheck errors with these {@code <kind>} names (e.g. "InvalidRead") fail the gate. A name that
     * is not a memcheck error kind is refused with the nearest one: a typo must not switch the gate
     * off. For a kind newer than this leakgate, use {@link #failOnAnyError()}.
     */
    public LeakGate failOn(String... kindNames) {
        Set<String> k = new LinkedHashSet<>(failingErrorKinds);
        for (String name : kindNames) {
            k.add(ErrorKind.parse(name).xmlName());
        }
        return new LeakGate(limits, k, failOnAnyError, knownLeaks);
    }

    /** Any memcheck error fails the gate. */
    public LeakGate failOnAnyError() {
        return new LeakGate(limits, failingErrorKinds, true, knownLeaks);
    }

    /**
     * Accepts the leaks of a baseline within their budgets: their bytes do not count against the
     * limits; a known leak over its budget fails; entries that match nothing are noted as stale.
     */
    public LeakGate withKnownLeaks(KnownLeaks baseline) {
        return new LeakGate(limits, failingErrorKinds, failOnAnyError, baseline);
    }

    /** The byte limits per kind; kinds not in the map are not gated. */
    public Map<LeakKind, Long> limits() {
        return limits;
    }

    /** Judges a report read on its own (no run, so no run files in the message). */
    public Verdict evaluate(MemcheckReport report) {
        return evaluate(report, report.problems(), null);
    }

    /** Judges a run: its report, plus what the run knows (killed, not started), with its files. */
    public Verdict evaluate(MemcheckRun run) {
        Verdict v = evaluate(run.report(), run.problems(), run.files());
        if (run.notes().isEmpty() && run.children().isEmpty() && run.childNotes().isEmpty()) {
            return v;
        }
        List<String> notes = new ArrayList<>(run.notes());
        notes.addAll(run.childNotes());
        notes.addAll(v.notes());
        List<Violation> violations = new ArrayList<>(v.violations());
        List<String> reasons = new ArrayList<>(v.reasons());
        boolean failed = v.outcome() == Outcome.FAIL;
        List<String> judged = new ArrayList<>();
        for (ProcessReport child : run.children()) {
            List<String> problems = run.childProblems(child);
            if (problems.isEmpty() && child.preambleOnly()) {
                continue; // a program valgrind was told to skip: noted above
            }
            Verdict c = evaluate(child.report(), problems, null);
            String who = child.describe();
            if (!c.violations().isEmpty()) {
                violations.add(new Violation.InProcess(child, c));
            }
            failed |= c.outcome() == Outcome.FAIL;
            c.reasons().forEach(r -> reasons.add(r.startsWith(who) ? r : who + ": " + r));
            // a baseline entry this process does not hit is not stale: the program's own report says that
            c.notes().stream().filter(n -> !n.startsWith("stale known leak")).forEach(n -> notes.add(who + ": " + n));
            if (c.outcome() == Outcome.PASS) {
                judged.add(who);
            }
        }
        // what was seen fails the run; else a process whose leak check could not be read keeps it from passing
        Outcome outcome = failed ? Outcome.FAIL : !reasons.isEmpty() ? Outcome.INCONCLUSIVE : Outcome.PASS;
        if (outcome == Outcome.PASS && !judged.isEmpty()) {
            notes.add("judged with the program, each on its own report and within the limits: " + judged.size()
                    + (judged.size() == 1 ? " process" : " processes") + " it started: "
                    + String.join(", ", judged.subList(0, Math.min(judged.size(), 10)))
                    + (judged.size() > 10 ? " and " + (judged.size() - 10) + " more" : ""));
        }
        return new Verdict(outcome, violations, reasons, v.report(), v.files(), notes);
    }

    /** {@code problems}: why the report or run is inconclusive (the report's own are among them). */
    private Verdict evaluate(MemcheckReport report, List<String> problems, RunFiles files) {
        List<String> reasons = new ArrayList<>(problems);
        List<Violation> violations = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        LeakCheck check = report.finalLeakCheck().orElse(null);
        if (check == null && reasons.isEmpty()) {
            reasons.add(report.source() + " has no final leak check");
        }
        KnownLeaks.Match known = check == null || knownLeaks == null ? null : knownLeaks.match(check.records());
        if (check != null) {
            for (Map.Entry<LeakKind, Long> limit : limits.entrySet()) {
                LeakKind kind = limit.getKey();
                var amount = check.totals().of(kind);
                long accepted = known == null ? 0 : known.acceptedBytes(kind);
                if (amount.isEmpty()) {
                    reasons.add("the gate limits " + kind.label() + " bytes, but " + check.totals().whyUnknown(kind));
                } else if (amount.get().bytes() - accepted > limit.getValue()) {
                    List<LeakRecord> unknown = check.records(kind).stream()
                            .filter(r -> known == null || !known.isAccepted(r)).toList();
                    violations.add(new Violation.Leak(kind, amount.get(), limit.getValue(), unknown, accepted,
                            kind == LeakKind.DEFINITELY_LOST ? check.heldBy(kind) : 0));
                }
            }
        }
        if (known != null) {
            known.overBudget().forEach((entry, records) -> violations.add(new Violation.KnownLeakOverBudget(entry,
                    records.stream().mapToLong(LeakRecord::directBytes).sum(), records)));
            known.accepted().forEach((entry, records) -> {
                notes.add("known leak accepted: " + entry + " ("
                        + records.stream().mapToLong(LeakRecord::directBytes).sum() + " bytes now)");
                // broad when it names one function that has callers it could name (main has none)
                if (entry.functions().size() == 1
                        && records.stream().anyMatch(r -> KnownLeaks.fingerprint(r).size() > 1)) {
                    notes.add("the known leak line '" + entry + "' names one function only, so it accepts its leaks"
                            + " from any caller, new ones too: name the caller as well ('"
                            + entry.functions().get(0) + " < CALLER') to accept only the one you know");
                }
            });
            known.stale().forEach(entry -> notes.add("stale known leak (matches nothing; remove it from "
                    + knownLeaks.file() + "): " + entry));
        }
        Map<String, List<MemcheckError>> failing = new LinkedHashMap<>();
        for (MemcheckError e : report.errors()) {
            if (failOnAnyError || failingErrorKinds.contains(e.kindName())) {
                failing.computeIfAbsent(e.kindName(), k -> new ArrayList<>()).add(e);
            }
        }
        failing.forEach((kind, errors) -> violations.add(new Violation.Errors(kind, errors)));
        Outcome outcome = !reasons.isEmpty() ? Outcome.INCONCLUSIVE
                : violations.isEmpty() ? Outcome.PASS : Outcome.FAIL;
        return new Verdict(outcome, violations, reasons, report, files, notes);
    }

    @Override
    public String toString() {
        return "LeakGate" + limits + (failOnAnyError ? " failing on any error"
                : failingErrorKinds.isEmpty() ? "" : " failing on " + failingErrorKinds);
    }
}
