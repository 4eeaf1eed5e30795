package dev.leakgate.run;

/**
 * A live session could not do what was asked: the program did not become ready, ended before it
 * answered, or has no probe for a leak check. The message says why, with the program's last
 * output, and what to do; the session's run is still kept and judged when it is stopped.
 */
public class SessionException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public SessionException(String message) {
        super(message);
    }
}
