package dev.leakgate.process;

import java.util.Map;

/**
 * The valgrind options leakgate sets itself, each with what to use instead: a user who passes one
 * through {@link MemcheckCommand.Builder#options} is told, before anything runs.
 */
final class ReservedOptions {

    /** Options leakgate sets itself; a user passing one gets told which builder method to use. */
    private static final Map<String, String> RESERVED = Map.ofEntries(
            Map.entry("--tool", "leakgate always runs memcheck"),
            Map.entry("--xml", "leakgate always writes XML; set its file with xmlFile(..)"),
            Map.entry("--xml-file", "use xmlFile(..)"),
            Map.entry("--xml-fd", "use xmlFile(..)"),
            Map.entry("--xml-socket", "use xmlFile(..)"),
            Map.entry("--log-file", "use logFile(..)"),
            Map.entry("--log-fd", "use logFile(..)"),
            Map.entry("--log-socket", "use logFile(..)"),
            Map.entry("--leak-check", "leakgate needs --leak-check=full to count lost blocks"),
            Map.entry("--show-leak-kinds", "leakgate needs every kind shown to add up exact totals;"
                    + " gate kinds with limits instead"),
            Map.entry("--show-reachable", "leakgate needs every kind shown; gate kinds with limits instead"),
            Map.entry("--show-possibly-lost", "leakgate needs every kind shown; gate kinds with limits instead"),
            Map.entry("--undef-value-errors", "use undefValueErrors(..)"),
            Map.entry("--num-callers", "use numCallers(..)"),
            Map.entry("--suppressions", "use suppressions(..)"),
            Map.entry("--child-silent-after-fork", "leakgate follows every process the program starts, each with"
                    + " a report of its own; name programs not to follow with --trace-children-skip"),
            Map.entry("--trace-children", "leakgate follows every process the program starts, each with a report"
                    + " of its own; name programs not to follow with --trace-children-skip"),
            Map.entry("--xtree-leak", "it sends the final leak check's loss records to an xtree file instead of"
                    + " the XML, so the gate would see no leak"),
            Map.entry("--xtree-leak-file", "leakgate reads leaks from the XML only"),
            Map.entry("--exit-on-first-error", "valgrind would exit before its final leak check; gate errors with"
                    + " LeakGate.failOn(..) (failOnErrors on @ValgrindOnBoard)"),
            Map.entry("--error-exitcode", "leakgate judges valgrind's exit status itself; gate errors with"
                    + " LeakGate.failOn(..) (failOnErrors on @ValgrindOnBoard)"),
            Map.entry("--xml-user-comment", "leakgate writes the run's identity there; use runId(..)"));

    private ReservedOptions() {
    }

    /** The option, when a user may pass it; else an exception that says what to use instead. */
    static String check(String option) {
        if (option == null || !option.startsWith("--")) {
            throw new IllegalArgumentException("'" + option + "' is not a valgrind option: options start"
                    + " with '--'; pass program arguments with args(..)");
        }
        String name = option.contains("=") ? option.substring(0, option.indexOf('=')) : option;
        String why = RESERVED.get(name);
        if (why != null) {
            throw new IllegalArgumentException("The valgrind option " + name + " is set by leakgate: " + why);
        }
        return option;
    }
}
