package dev.leakgate.memcheck;

/** Why reading stopped; {@link #kind} tells a cut-off file and a DOCTYPE from other faults. */
final class XmlException extends Exception {
    private static final long serialVersionUID = 1L;

    enum Kind { EMPTY, CUT_OFF, DOCTYPE, MALFORMED, REFUSED }

    final Kind kind;
    final long line;
    final long column;

    XmlException(Kind kind, String message, long line, long column) {
        super(message);
        this.kind = kind;
        this.line = line;
        this.column = column;
    }
}
