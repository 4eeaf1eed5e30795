package dev.leakgate.memcheck;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.stream.Collectors;

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
    long ppid;
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
    /** Loss records of kinds leakgate does not know, with their bytes. */
    private final Map<String, Long> unknownLeakKinds = new LinkedHashMap<>();
    /** The problem the fatal signal makes, kept apart so that a planned stop's signal can be accepted. */
    String fatalSignalProblem;
    /** {@code <usercomment>}: leakgate's run nonce, when the run was given one. */
    String userComment;

    private OpenCheck open;
    private boolean finished;
    /**
     * Whether {@code <errorcounts>} came after FINISHED: valgrind writes it after its final leak check
     * whatever its options ({@code m_main.c}); {@code <suppcounts>} follows only when the error list is
     * shown, which {@code -q} and {@code --show-error-list=no} turn off, so it proves nothing.
     */
    private boolean errorCountsAfterFinish;
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

    /**
     * A loss record (or an error with leaked bytes) of a kind this leakgate does not know: its bytes
     * cannot be put in any total, so the report cannot be judged.
     */
    void unknownLeakKind(String kindName, long bytes) {
        otherElement();
        unknownLeakKinds.merge(kindName, Math.max(bytes, 0), Long::sum);
    }

    void errorCountsRead() {
        errorCountsAfterFinish = finished;
    }

    /**
     * A loss record. Protocols 4 and 5 mark no start or end of a leak check: a new one begins where
     * the numbering restarts, where the number of records ("of M") changes (each check numbers all
     * its records, also those a delta check does not list), or where full and delta records meet.
     */
    void leakRecord(LeakRecord record) {
        if (protocolVersion < 6 && open != null
                && ((record.lossRecord() > 0 && record.lossRecord() <= open.lastLossRecord)
                || (record.lossRecordCount() > 0 && open.lossRecordCount > 0
                && record.lossRecordCount() != open.lossRecordCount)
                || record.isDelta() != open.delta)) {
            closeCheck(null);
        }
        if (open == null) {
            open = new OpenCheck(clientMessages.size(), record.isDelta(), record.lossRecordCount());
        }
        open.add(record);
    }

    /** A protocol 6 {@code <leak_summary>}: ends the leak check it sums up. */
    void leakSummary(Map<LeakKind, Amount> summary) {
        if (open == null) {
            open = new OpenCheck(clientMessages.size(), false, 0);
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
        LeakTotals totals = summary != null ? summary
                : open.delta ? LeakTotals.ofDeltaCheck() : open.derivedTotals(shownKinds());
        LeakCheck check = new LeakCheck(open.largestFirst(), open.omitted, totals, open.messagesBefore,
                open.delta ? LeakCheck.Mode.DELTA : LeakCheck.Mode.FULL, open.held());
        if (finished) {
            finalLeakCheck = check;
        } else {
            intermediateLeakChecks.add(check);
        }
        open = null;
    }

    private final class OpenCheck {
        final int messagesBefore;
        final boolean delta;
        final int lossRecordCount;
        final PriorityQueue<Ranked> kept = new PriorityQueue<>(RANK.reversed());
        final Map<LeakKind, long[]> sums = new EnumMap<>(LeakKind.class);
        long omitted;
        int lastLossRecord;
        long sequence;

        OpenCheck(int messagesBefore, boolean delta, int lossRecordCount) {
            this.messagesBefore = messagesBefore;
            this.delta = delta;
            this.lossRecordCount = lossRecordCount;
        }

        void add(LeakRecord r) {
            long[] sum = sums.computeIfAbsent(r.kind(), k -> new long[3]);
            sum[0] += r.directBytes();
            sum[1] += r.blocks();
            sum[2] += r.indirectBytes();
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

        Map<LeakKind, Long> held() {
            Map<LeakKind, Long> held = new EnumMap<>(LeakKind.class);
            sums.forEach((k, sum) -> held.put(k, sum[2]));
            return held;
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

    /**
     * The leak kinds whose records the run listed, from the options in {@code <vargv>}, applied in
     * order as valgrind applies them. {@code --leak-check} does not matter: with {@code --xml=yes}
     * memcheck always makes a full final leak check (mc_main.c), so the XML is judged as it is.
     */
    Set<LeakKind> shownKinds() {
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
                shown.remove(LeakKind.STILL_REACHABLE); // only that: indirectly lost stays as it was
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
            problems.add(source + " uses XML protocol version " + protocolVersion + (valgrindVersion == null ? ""
                    : " (written by valgrind-" + valgrindVersion + ")") + ", which leakgate does not read (it reads 4, 5"
                    + " and 6); use valgrind 3.5 or newer, or a leakgate release that knows this protocol");
            return;
        }
        if (!finished) {
            problems.add(source + " never reached <state>FINISHED</state>: the program did not run to"
                    + " its end under valgrind");
            return;
        }
        if (fatalSignal != null) {
            Frame where = fatalSignal.stack().isEmpty() ? null : fatalSignal.stack().get(0);
            fatalSignalProblem = "the program was ended by " + fatalSignal
                    + (where != null ? " at " + where.describe() : "")
                    + ", so its leak check is not conclusive (blocks still in use when it died count as"
                    + " leaks); make the program return from main";
            problems.add(fatalSignalProblem);
        }
        if (!errorCountsAfterFinish) {
            problems.add(source + " stops after the program finished without the <errorcounts> valgrind always"
                    + " writes after its final leak check: valgrind did not finish its leak check (it aborted inside"
                    + " it, e.g. 'the impossible happened', or ran out of memory); see the run's log");
            return;
        }
        if (!unknownLeakKinds.isEmpty()) {
            problems.add(source + " has loss records of a kind leakgate does not know: " + unknownLeakKinds.entrySet()
                    .stream().map(e -> e.getKey() + " (" + e.getValue() + " bytes)").collect(Collectors
                    .joining(", ")) + "; their bytes belong to no total leakgate can gate (it knows "
                    + Arrays.stream(LeakKind.values()).filter(k -> k.xmlKind() != null)
                    .map(LeakKind::xmlKind).collect(Collectors.joining(", "))
                    + "): use a leakgate that reads this valgrind, or report the file to leakgate");
        }
        String xtree = lastOption("--xtree-leak");
        if ("yes".equals(xtree)) {
            problems.add("the run used --xtree-leak=yes, which sends the final leak check's loss records to the"
                    + " xtree file instead of the XML, so the XML cannot show any leak; run without --xtree-leak");
            return;
        }
        if (protocolVersion < 6 && !sawArgs) {
            problems.add(source + " has no <args>: cannot tell which leak kinds the run listed; run valgrind"
                    + " with --show-leak-kinds=all");
        }
        if (protocolVersion >= 6 && (finalLeakCheck == null
                || finalLeakCheck.totals().source() != LeakTotals.Source.LEAK_SUMMARY)) {
            problems.add(source + " has no <leak_summary> after the program finished: the leak check"
                    + " did not run or was cut short; see the run's log");
        }
        if (finalLeakCheck == null && protocolVersion < 6 && sawArgs) {
            // protocol 4/5: a full leak check that found nothing writes no records at all
            finalLeakCheck = new LeakCheck(List.of(), 0,
                    new OpenCheck(clientMessages.size(), false, 0).derivedTotals(shownKinds()),
                    clientMessages.size(), LeakCheck.Mode.FULL, Map.of());
        }
    }
}
