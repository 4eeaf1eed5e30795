package dev.leakgate.board.ssh;

/**
 * A board could not be reached, prepared or used. The message says what went wrong and what to
 * do about it; it never holds a password or a key.
 */
public class BoardException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public BoardException(String message) {
        super(message);
    }

    public BoardException(String message, Throwable cause) {
        super(message, cause);
    }
}
