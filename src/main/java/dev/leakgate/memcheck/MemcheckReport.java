package dev.leakgate.memcheck;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What one memcheck run reported, read from valgrind's XML.
 *
 * <p>A report is always returned, even for an empty, cut-off or garbage file: then
 * {@link #isComplete()} is false, {@link #problems()} says why in words a person can act on, and
 * everything that could be read before the problem is there. Only a complete report can pass a
 * gate.
 */
public final class MemcheckReport {

    private final String source;
    private final Path xmlFile;
    private final int protocolVersion;
    private final String protocolTool;
    private final String valgrindVersion;
    private final long pid;
    private final long ppid;
    private final List<String> valgrindArgs;
    private final List<String> programArgs;
    private final String lastState;
    private final FatalSignal fatalSignal;
    private final List<MemcheckError> errors;
    private final long omittedErrors;
    private final Map<String, Long> errorCounts;
    private final Map<String, Long> suppressionCounts;
    private final List<ClientMessage> clientMessages;
    private final LeakCheck finalLeakCheck;
    private final List<LeakCheck> intermediateLeakChecks;
    private final List<XmlElement> unknownElements;
    private final List<String> problems;
    private final String userComment;
    private final String fatalSignalProblem;

    MemcheckReport(ReportBuilder b) {
        this.source = b.source;
        this.xmlFile = b.xmlFile;
        this.protocolVersion = b.protocolVersion;
        this.protocolTool = b.protocolTool;
        this.valgrindVersion = b.valgrindVersion;
        this.pid = b.pid;
        this.ppid = b.ppid;
        this.valgrindArgs = List.copyOf(b.valgrindArgs);
        this.programArgs = List.copyOf(b.programArgs);
        this.lastState = b.lastState;
        this.fatalSignal = b.fatalSignal;
        this.errors = List.copyOf(b.errors);
        this.omittedErrors = b.omittedErrors;
        this.errorCounts = Map.copyOf(b.errorCounts);
        this.suppressionCounts = Map.copyOf(b.suppressionCounts);
        this.clientMessages = List.copyOf(b.clientMessages);
        this.finalLeakCheck = b.finalLeakCheck;
        this.intermediateLeakChecks = List.copyOf(b.intermediateLeakChecks);
        this.unknownElements = List.copyOf(b.unknownElements);
        this.problems = List.copyOf(b.problems);
        this.userComment = b.userComment;
        this.fatalSignalProblem = b.fatalSignalProblem;
    }

    /**
     * The problems but the one the fatal signal makes: for a run stopped as planned by that signal
     * (a daemon ended with SIGTERM by its default action still gets its whole leak check).
     */
    public List<String> problemsBesidesFatalSignal() {
        return fatalSignalProblem == null ? problems
                : problems.stream().filter(p -> !p.equals(fatalSignalProblem)).toList();
    }

    /**
     * {@code <usercomment>} ({@code --xml-user-comment}): leakgate writes each run's identity there,
     * so that a report can be proved to be the run's own. Null when the report has none.
     */
    public String userComment() {
        return userComment;
    }

    /** What the report was read from, for messages: the file's path or a caller's name. */
    public String source() {
        return source;
    }

    /** The XML file, when the report was read from one. */
    public Optional<Path> xmlFile() {
        return Optional.ofNullable(xmlFile);
    }

    /** {@code <protocolversion>}, 0 when the file did not get that far. */
    public int protocolVersion() {
        return protocolVersion;
    }

    /** {@code <protocoltool>}, e.g. "memcheck"; null when not read. */
    public String protocolTool() {
        return protocolTool;
    }

    /** The valgrind version from the preamble, e.g. "3.19.0"; null when not given. */
    public String valgrindVersion() {
        return valgrindVersion;
    }

    /** The process id of the client, 0 when not read. */
    public long pid() {
        return pid;
    }

    /** The process id of the client's parent ({@code <ppid>}), 0 when not read. */
    public long ppid() {
        return ppid;
    }

    /** valgrind's own options, as {@code <vargv>} lists them (without the executable). */
    public List<String> valgrindArgs() {
        return valgrindArgs;
    }

    /** The program and its arguments, as {@code <argv>} lists them. */
    public List<String> programArgs() {
        return programArgs;
    }

    /** The last {@code <status><state>}: "RUNNING", "FINISHED", or null when none was read. */
    public String lastState() {
        return lastState;
    }

    /** The signal that ended the program, if one did. */
    public Optional<FatalSignal> fatalSignal() {
        return Optional.ofNullable(fatalSignal);
    }

    /** Memcheck errors other than leaks, in the order reported (see {@link #omittedErrors}). */
    public List<MemcheckError> errors() {
        return errors;
    }

    /** Errors read but not kept because of the parser's retention limit. */
    public long omittedErrors() {
        return omittedErrors;
    }

    /** The errors of one kind. */
    public List<MemcheckError> errors(ErrorKind kind) {
        return errors.stream().filter(e -> e.kind() == kind).toList();
    }

    /** How often each error context occurred ({@code <errorcounts>}), by its unique id. */
    public Map<String, Long> errorCounts() {
        return errorCounts;
    }

    /** How often each suppression was used ({@code <suppcounts>}), by its name. */
    public Map<String, Long> suppressionCounts() {
        return suppressionCounts;
    }

    /** Messages the program wrote through client requests, in order. */
    public List<ClientMessage> clientMessages() {
        return clientMessages;
    }

    /** The leak check valgrind made when the program ended, if the report has one. */
    public Optional<LeakCheck> finalLeakCheck() {
        return Optional.ofNullable(finalLeakCheck);
    }

    /** Leak checks the program asked for while it ran, in order. */
    public List<LeakCheck> intermediateLeakChecks() {
        return intermediateLeakChecks;
    }

    /** The totals of the final leak check; throws when the report has none (see {@link #problems}). */
    public LeakTotals totals() {
        if (finalLeakCheck == null) {
            throw new IllegalStateException("The report from " + source + " has no final leak check: "
                    + String.join("; ", problems));
        }
        return finalLeakCheck.totals();
    }

    /** The loss records of the final leak check, largest first; empty when there is none. */
    public List<LeakRecord> leakRecords() {
        return finalLeakCheck == null ? List.of() : finalLeakCheck.records();
    }

    /** The loss records of one kind in the final leak check, largest first. */
    public List<LeakRecord> leakRecords(LeakKind kind) {
        return finalLeakCheck == null ? List.of() : finalLeakCheck.records(kind);
    }

    /** Elements this version does not interpret, kept as they were read. */
    public List<XmlElement> unknownElements() {
        return unknownElements;
    }

    /** Whether the run produced a whole report with a conclusive final leak check. */
    public boolean isComplete() {
        return problems.isEmpty();
    }

    /** Why the report is not complete, each a sentence that says what to do; empty when complete. */
    public List<String> problems() {
        return problems;
    }

    @Override
    public String toString() {
        return "MemcheckReport[" + source + (isComplete() ? ", complete" : ", incomplete: "
                + String.join("; ", problems)) + "]";
    }
}
