package dev.leakgate.memcheck;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Reads valgrind memcheck XML (protocol versions 4, 5 and 6) as a stream into a
 * {@link MemcheckReport}.
 *
 * <p>The document is read once, front to back, with memory bounded whatever its size: totals count
 * every loss record, but each leak check keeps only its {@code maxLeakRecords} largest records and
 * the report keeps the first {@code maxErrors} other errors (valgrind itself stops listing errors
 * after 1000 contexts). Frames and names that stacks repeat are made once and shared. The raw
 * file stays the full record.
 *
 * <p>A DOCTYPE is refused: valgrind never writes one, and refusing it leaves nothing for entity
 * expansion or external entities to work with. Reading never throws on bad content: an empty,
 * cut-off, garbage or refused document gives an incomplete report that says why, where, and keeps
 * what was read before the problem.
 *
 * <p>Instances are immutable and may be shared between threads.
 */
public final class MemcheckXmlParser {

    /** Loss records kept per leak check unless configured otherwise. */
    public static final int DEFAULT_MAX_LEAK_RECORDS = 10_000;
    /** Non-leak errors kept per report unless configured otherwise. */
    public static final int DEFAULT_MAX_ERRORS = 10_000;

    private final int maxLeakRecords;
    private final int maxErrors;

    public MemcheckXmlParser() {
        this(DEFAULT_MAX_LEAK_RECORDS, DEFAULT_MAX_ERRORS);
    }

    private MemcheckXmlParser(int maxLeakRecords, int maxErrors) {
        if (maxLeakRecords < 1 || maxErrors < 0) {
            throw new IllegalArgumentException("maxLeakRecords must be >= 1 and maxErrors >= 0, but were "
                    + maxLeakRecords + " and " + maxErrors);
        }
        this.maxLeakRecords = maxLeakRecords;
        this.maxErrors = maxErrors;
    }

    /** A parser that keeps at most this many loss records per leak check and errors per report. */
    public MemcheckXmlParser retaining(int maxLeakRecords, int maxErrors) {
        return new MemcheckXmlParser(maxLeakRecords, maxErrors);
    }

    /** Reads a report file. A missing or unreadable file gives an incomplete report that says so. */
    public MemcheckReport parse(Path xml) {
        ReportBuilder b = new ReportBuilder(xml.toString(), xml, maxLeakRecords, maxErrors);
        try (InputStream in = Files.newInputStream(xml)) {
            read(in, b);
        } catch (NoSuchFileException e) {
            b.readFailed("there is no memcheck XML at " + xml + ": valgrind did not start, or wrote"
                    + " elsewhere; see the run's log and stderr");
        } catch (IOException e) {
            b.readFailed("cannot read " + xml + ": " + e.getMessage());
        }
        return b.build();
    }

    /**
     * Reads a report from a stream, which is not closed. {@code sourceName} names it in messages.
     */
    public MemcheckReport parse(InputStream in, String sourceName) {
        ReportBuilder b = new ReportBuilder(sourceName, null, maxLeakRecords, maxErrors);
        try {
            read(in, b);
        } catch (IOException e) {
            b.readFailed("cannot read " + sourceName + ": " + e.getMessage());
        }
        return b.build();
    }

    private static void read(InputStream in, ReportBuilder b) throws IOException {
        try {
            new ReportReading(new XmlScanner(in), b).document();
        } catch (XmlException e) {
            b.readFailed(describe(b.source, e));
        }
    }

    private static String describe(String source, XmlException e) {
        String where = " at line " + e.line + ", column " + e.column;
        return switch (e.kind) {
            case EMPTY -> source + " is empty: valgrind did not start or was killed before it wrote"
                    + " anything; see the run's log and stderr";
            case CUT_OFF -> source + " is cut off" + where + " (" + e.getMessage() + "): valgrind was killed"
                    + " (SIGKILL, out of memory, board lost) or the file was truncated; the raw file is kept as it is";
            case DOCTYPE -> source + " declares a DTD (<!DOCTYPE>), which valgrind never writes;"
                    + " leakgate refuses DTDs and external entities; pass the file valgrind wrote";
            case REFUSED -> source + " " + e.getMessage();
            case MALFORMED -> source + " is not well-formed memcheck XML" + where + " (" + e.getMessage()
                    + "); check that it is the file given to --xml-file, not the --log-file";
        };
    }
}
