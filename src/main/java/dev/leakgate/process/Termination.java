package dev.leakgate.process;

/** How a run under valgrind ended. */
public enum Termination {
    /** The program ended by itself within the timeout. */
    EXITED("ran to its end"),
    /** The timeout passed; the program ended after its standard input was closed. */
    STDIN_CLOSED("hit the timeout and ended after its standard input was closed"),
    /** The timeout passed; the program ended after SIGTERM (valgrind still writes its leak check). */
    TERMINATED("hit the timeout and was sent SIGTERM"),
    /** The program ignored SIGTERM and was killed with SIGKILL: valgrind wrote no leak check. */
    KILLED("hit the timeout, ignored SIGTERM and was killed with SIGKILL"),
    /** valgrind could not be started at all. */
    NOT_STARTED("could not be started"),
    /**
     * leakgate stopped the program as planned (a daemon after the test body), with a signal or a
     * command of the test's choice, and it ended within its grace: conclusive when valgrind finished
     * its leak check.
     */
    STOPPED("was stopped as planned"),
    /** The connection to the board was lost while the program ran. */
    BOARD_LOST("lost its board while it ran");

    private final String description;

    Termination(String description) {
        this.description = description;
    }

    /** Whether leakgate had to end the program (at its timeout): such a run is never conclusive. */
    public boolean endedByLeakgate() {
        return this == STDIN_CLOSED || this == TERMINATED || this == KILLED;
    }

    /** In words, after "the program": e.g. "hit the timeout and was sent SIGTERM". */
    public String description() {
        return description;
    }
}
