package dev.leakgate.memcheck;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;

/**
 * Gathers what the parser reads, in document order, into a {@link MemcheckReport}: groups loss
 * records into leak checks, adds up their totals, keeps the largest records within a bound, and
 * decides whether the report is complete.
 */
final class ReportBuilder {

    private static final int MAX_UNKNOWN_ELEMENTS = 10_000;

    final String source;
    final Path xmlFile;
    private final int maxLeakRecords;
    private final int maxErrors;

    int protocolVersion;
    String protocolTool;
    String valgrindVersion;
    long pid;
    final List<String> valgrindArgs = new ArrayList<>();
    final List<String> programArgs = new ArrayList<>();
    boolean sawArgs;
    String lastState;
    FatalSignal fatalSignal;
    final List<MemcheckError> errors = new ArrayList<>();
    long omittedErrors;
    final Map<String, Long> errorCounts = new LinkedHashMap<>();
    final Map<String, Long> suppressionCounts = new LinkedHashMap<>();
    final List<ClientMessage> clientMessages = new ArrayList<>();
    LeakCheck finalLeakCheck;
    final List<LeakCheck> intermediateLeakChecks = new ArrayList<>();
    final List<XmlElement> unknownElements = new ArrayList<>();
    final List<String> problems = new ArrayList<>();

    private OpenCheck open;
    private boolean finished;
    private boolean rootClosed;
    private boolean readFailed;

    ReportBuilder(String source, Path xmlFile, int maxLeakRecords, int maxErrors) {
        this.source = source;
        this.xmlFile = xmlFile;
        this.maxLeakRecords = maxLeakRecords;
        this.maxErrors = maxErrors;
    }

    // ---- events, in document order -------------------------------------------------------

    /**
     * Any top-level element other than a loss record or a leak summary: in protocols 4 and 5 it
     * ends a running leak check (they mark no end); in protocol 6 only {@code <leak_summary>} does.
     */
    void otherElement() {
        if (protocolVersion < 6) {
            closeCheck(null);
        }
    }

    void status(String state) {
        otherElement();
        lastState = state;
        if ("FINISHED".equals(state)) {
            finished = true;
        }
    }

    void error(MemcheckError error) {
        otherElement();
        if (errors.size() < maxErrors) {
            errors.add(error);
        } else {
            omittedErrors++;
        }
    }

    void clientMessage(ClientMessage message) {
        otherElement();
        clientMessages.add(message);
    }

    void leakRecord(LeakRecord record) {
        if (protocolVersion < 6 && open != null && record.lossRecord() > 0
                && record.lossRecord() <= open.lastLossRecord) {
            closeCheck(null); // numbering restarted: a new leak check without anything in between
        }
        if (open == null) {
            open = new OpenCheck(clientMessages.size());
        }
        open.add(record);
    }

    /** A protocol 6 {@code <leak_summary>}: ends the leak check it sums up. */
    void leakSummary(Map<LeakKind, Amount> summary) {
        if (open == null) {
            open = new OpenCheck(clientMessages.size());
        }
        closeCheck(new LeakTotals(summary, LeakTotals.Source.LEAK_SUMMARY));
    }

    void unknownElement(XmlElement element) {
        if (unknownElements.size() < MAX_UNKNOWN_ELEMENTS) {
            unknownElements.add(element);
        }
    }

    void rootClosed() {
        closeCheck(null);
        rootClosed = true;
    }

    /** Reading stopped on a problem (cut off, not well-formed, refused); what was read stays. */
    void readFailed(String problem) {
        closeCheck(null);
        readFailed = true;
        problems.add(problem);
    }

    // ---- leak checks ----------------------------------------------------------------------

    private void closeCheck(LeakTotals summary) {
        if (open == null) {
            return;
        }
        LeakTotals totals = summary != null ? summary : open.derivedTotals(shownKinds());
        LeakCheck check = new LeakCheck(open.largestFirst(), open.omitted, totals, open.messagesBefore);
        if (finished) {
            finalLeakCheck = check;
        } else {
            intermediateLeakChecks.add(check);
        }
        open = null;
    }

    private final class OpenCheck {
        final int messagesBefore;
        final PriorityQueue<Ranked> kept = new PriorityQueue<>(RANK.reversed());
        final Map<LeakKind, long[]> sums = new EnumMap<>(LeakKind.class);
        long omitted;
        int lastLossRecord;
        long sequence;

        OpenCheck(int messagesBefore) {
            this.messagesBefore = messagesBefore;
        }

        void add(LeakRecord r) {
            long[] sum = sums.computeIfAbsent(r.kind(), k -> new long[2]);
            sum[0] += r.directBytes();
            sum[1] += r.blocks();
            lastLossRecord = r.lossRecord();
            kept.add(new Ranked(r, sequence++));
            if (kept.size() > maxLeakRecords) {
                kept.poll();
                omitted++;
            }
        }

        List<LeakRecord> largestFirst() {
            List<Ranked> ranked = new ArrayList<>(kept);
            ranked.sort(RANK);
            List<LeakRecord> out = new ArrayList<>(ranked.size());
            for (Ranked r : ranked) {
                out.add(r.record);
            }
            return out;
        }

        LeakTotals derivedTotals(Set<LeakKind> shown) {
            Map<LeakKind, Amount> amounts = new EnumMap<>(LeakKind.class);
            for (LeakKind k : shown) {
                long[] sum = sums.get(k);
                amounts.put(k, sum == null ? Amount.ZERO : new Amount(sum[0], sum[1]));
            }
            return new LeakTotals(amounts, LeakTotals.Source.LOSS_RECORDS);
        }
    }

    private record Ranked(LeakRecord record, long sequence) {
    }

    /** Largest first; among equals, the order valgrind reported them in. */
    private static final Comparator<Ranked> RANK = Comparator
            .comparingLong((Ranked r) -> r.record.bytes()).reversed()
            .thenComparingLong(Ranked::sequence);

    // ---- what the run's options say ---------------------------------------------------------

    private String lastOption(String name) {
        String value = null;
        String prefix = name + "=";
        for (String a : valgrindArgs) {
            if (a.startsWith(prefix)) {
                value = a.substring(prefix.length());
            }
        }
        return value;
    }

    /** The leak kinds whose records the run listed, from the options in {@code <vargv>}. */
    Set<LeakKind> shownKinds() {
        if (!leakCheckFull()) {
            return EnumSet.noneOf(LeakKind.class);
        }
        Set<LeakKind> shown = EnumSet.of(LeakKind.DEFINITELY_LOST, LeakKind.POSSIBLY_LOST);
        String prefixKinds = "--show-leak-kinds=";
        String reachable = "--show-reachable=";
        String possibly = "--show-possibly-lost=";
        for (String a : valgrindArgs) {
            if (a.startsWith(prefixKinds)) {
                shown = parseKinds(a.substring(prefixKinds.length()));
            } else if (a.equals(reachable + "yes")) {
                shown = EnumSet.of(LeakKind.DEFINITELY_LOST, LeakKind.INDIRECTLY_LOST,
                        LeakKind.POSSIBLY_LOST, LeakKind.STILL_REACHABLE);
            } else if (a.equals(reachable + "no")) {
                shown.remove(LeakKind.STILL_REACHABLE);
                shown.remove(LeakKind.INDIRECTLY_LOST);
            } else if (a.equals(possibly + "no")) {
                shown.remove(LeakKind.POSSIBLY_LOST);
            } else if (a.equals(possibly + "yes")) {
                shown.add(LeakKind.POSSIBLY_LOST);
            }
        }
        return shown;
    }

    private static Set<LeakKind> parseKinds(String list) {
        Set<LeakKind> kinds = EnumSet.noneOf(LeakKind.class);
        for (String part : list.split(",")) {
            switch (part.trim()) {
                case "all" -> kinds.addAll(EnumSet.range(LeakKind.DEFINITELY_LOST, LeakKind.STILL_REACHABLE));
                case "none", "" -> { }
                default -> {
                    for (LeakKind k : LeakKind.values()) {
                        if (part.trim().equals(k.optionName())) {
                            kinds.add(k);
                        }
                    }
                }
            }
        }
        return kinds;
    }

    private boolean leakCheckFull() {
        String mode = lastOption("--leak-check");
        return "full".equals(mode) || "yes".equals(mode);
    }

    // ---- the report ------------------------------------------------------------------------

    MemcheckReport build() {
        closeCheck(null);
        if (!readFailed) {
            checkCompleteness();
        }
        return new MemcheckReport(this);
    }

    private void checkCompleteness() {
        if (!rootClosed) {
            problems.add(source + " ends before </valgrindoutput>: valgrind was killed (SIGKILL,"
                    + " out of memory) or the file was cut off; keep the program running until it"
                    + " returns from main");
            return;
        }
        if (!"memcheck".equals(protocolTool)) {
            problems.add(source + " was written by valgrind's '" + protocolTool + "' tool, not memcheck;"
                    + " run valgrind with --tool=memcheck");
            return;
        }
        if (protocolVersion < 4 || protocolVersion > 6) {
            problems.add(source + " uses XML protocol version " + protocolVersion
                    + ", which leakgate does not read (it reads 4, 5 and 6); use valgrind 3.5 or newer,"
                    + " or a leakgate release that knows this protocol");
            return;
        }
        if (!finished) {
            problems.add(source + " never reached <state>FINISHED</state>: the program did not run to"
                    + " its end under valgrind");
            return;
        }
        if (fatalSignal != null) {
            Frame where = fatalSignal.stack().isEmpty() ? null : fatalSignal.stack().get(0);
            problems.add("the program was ended by " + fatalSignal
                    + (where != null ? " at " + where.describe() : "")
                    + ", so its leak check is not conclusive (blocks still in use when it died count as"
                    + " leaks); make the program return from main");
        }
        if (protocolVersion < 6) {
            if (!sawArgs) {
                problems.add(source + " has no <args>: cannot tell whether the leak check listed its"
                        + " records; run valgrind with --leak-check=full --show-leak-kinds=all");
            } else if (!leakCheckFull()) {
                problems.add("the run did not use --leak-check=full (it had "
                        + (lastOption("--leak-check") == null ? "the default, summary"
                        : "--leak-check=" + lastOption("--leak-check"))
                        + "), so lost blocks were not listed and cannot be counted; run valgrind with"
                        + " --leak-check=full");
            }
        }
        if (protocolVersion >= 6 && (finalLeakCheck == null
                || finalLeakCheck.totals().source() != LeakTotals.Source.LEAK_SUMMARY)) {
            problems.add(source + " has no <leak_summary> after the program finished: the leak check"
                    + " did not run or was cut short; run valgrind with --leak-check=full");
        }
        if (finalLeakCheck == null && protocolVersion < 6 && sawArgs && leakCheckFull()) {
            // protocol 4/5: a full leak check that found nothing writes no records at all
            finalLeakCheck = new LeakCheck(List.of(), 0,
                    new OpenCheck(clientMessages.size()).derivedTotals(shownKinds()), clientMessages.size());
        }
    }
}
