package dev.leakgate.memcheck;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * One pass over one memcheck XML document, element by element, into a {@link ReportBuilder}: the
 * root and its children, errors and loss records with their stacks (frames known by their bytes when
 * seen before), the preamble, arguments, counts and totals.
 */
final class ReportReading extends ElementReader {

    private static final byte[] FRAME_END = "</frame>".getBytes(StandardCharsets.US_ASCII);

    private final ReportBuilder b;
    private final FrameTable frames = new FrameTable(names);
    private final RawFrameTable rawFrames = new RawFrameTable();
    /** The frame being read: its fields but the ip, tagged and joined (see {@link FrameTable}). */
    private char[] signature = new char[512];
    private int signatureLength;

    ReportReading(XmlScanner s, ReportBuilder b) {
        super(s);
        this.b = b;
    }

    void document() throws IOException, XmlException {
        if (s.next() != XmlScanner.START) {
            throw s.refused("has no elements: it is not a memcheck XML report");
        }
        if (!"valgrindoutput".equals(s.name())) {
            throw s.refused("is not a valgrind XML report (its root element is <" + s.name()
                    + ">, not <valgrindoutput>)");
        }
        while (nextChild()) {
            topLevel(s.name());
        }
        b.rootClosed();
        afterRoot();
    }

    /**
     * Nothing but white space, comments and processing instructions may follow the root
     * element. valgrind writes one report per file; more means another writer: a forked child
     * traced with --child-silent-after-fork=no writes its own leak check and closing tag into
     * its parent's file, and the parent's part follows it.
     */
    private void afterRoot() throws IOException {
        try {
            s.next();
        } catch (XmlException e) {
            String what = e.kind == XmlException.Kind.CUT_OFF ? "an unfinished element"
                    : e.getMessage();
            b.readFailed(b.source + " goes on after its </valgrindoutput> (at line " + e.line + ", column "
                    + e.column + ": " + what + "): the file holds more than one report, or something else"
                    + " wrote into it (valgrind 3.19 writes a forked child's report into its parent's file when"
                    + " both --xml-file and --log-file name %p: leakgate puts %p only in the XML file's name);"
                    + " leakgate does not judge a file whose report is not alone in it");
        }
    }

    private void topLevel(String name) throws IOException, XmlException {
        switch (name) {
            case "error" -> error();
            case "status" -> status();
            case "clientmsg" -> clientMessage();
            case "leak_summary" -> b.leakSummary(amounts());
            case "fatal_signal" -> {
                b.otherElement();
                b.fatalSignal = fatalSignal();
            }
            case "protocolversion" -> {
                b.otherElement();
                b.protocolVersion = (int) numberText();
            }
            case "protocoltool" -> {
                b.otherElement();
                b.protocolTool = text();
            }
            case "preamble" -> preamble();
            case "pid" -> {
                b.otherElement();
                b.pid = numberText();
            }
            case "ppid" -> {
                b.otherElement();
                b.ppid = numberText();
            }
            case "args" -> args();
            case "errorcounts" -> {
                counts(b.errorCounts, "unique");
                b.errorCountsRead();
            }
            case "suppcounts" -> counts(b.suppressionCounts, "name");
            case "usercomment" -> {
                b.otherElement();
                b.userComment = capture("valgrindoutput").text();
            }
            default -> // kept; it does not end a leak check: with --gen-suppressions=all valgrind
                       // writes a <suppression> after each loss record, between the records
                    b.unknownElement(capture("valgrindoutput"));
        }
    }

    // ---- errors and loss records -----------------------------------------------------

    private void error() throws IOException, XmlException {
        String unique = null;
        int tid = 0;
        String kindName = null;
        String what = null;
        long leakedBytes = -1;
        long leakedBlocks = -1;
        List<String> auxWhat = new ArrayList<>(2);
        List<List<Frame>> stacks = new ArrayList<>(2);
        List<XmlElement> unknown = null;
        String suppression = null;
        while (nextChild()) {
            switch (s.name()) {
                case "unique" -> unique = text();
                case "tid" -> tid = (int) numberText();
                case "kind" -> kindName = nameText();
                case "what" -> what = text();
                case "xwhat" -> {
                    while (nextChild()) {
                        switch (s.name()) {
                            case "text" -> what = text();
                            case "leakedbytes" -> leakedBytes = numberText();
                            case "leakedblocks" -> leakedBlocks = numberText();
                            default -> skip();
                        }
                    }
                }
                case "auxwhat" -> auxWhat.add(text());
                case "xauxwhat" -> {
                    while (nextChild()) {
                        if ("text".equals(s.name())) {
                            auxWhat.add(text());
                        } else {
                            skip();
                        }
                    }
                }
                case "stack" -> stacks.add(stack());
                case "suppression" -> {
                    while (nextChild()) {
                        if ("rawtext".equals(s.name())) {
                            suppression = text();
                        } else {
                            skip();
                        }
                    }
                }
                default -> {
                    if (unknown == null) {
                        unknown = new ArrayList<>(1);
                    }
                    unknown.add(capture("valgrindoutput/error"));
                }
            }
        }
        LeakKind leakKind = LeakKind.ofXmlKind(kindName);
        List<Frame> stack = stacks.isEmpty() ? List.of() : stacks.get(0);
        if (leakKind != null) {
            b.leakRecord(leakRecord(leakKind, what, leakedBytes, leakedBlocks, stack, suppression));
        } else if (kindName != null && (kindName.startsWith("Leak_") || leakedBytes >= 0)) {
            b.unknownLeakKind(kindName, leakedBytes);
        } else {
            b.error(new MemcheckError(ErrorKind.ofXmlName(kindName), kindName, unique, tid, what,
                    auxWhat, stack, stacks.size() > 1 ? stacks.subList(1, stacks.size()) : List.of()));
        }
        if (unknown != null) {
            unknown.forEach(b::unknownElement);
        }
    }

    private LeakRecord leakRecord(LeakKind kind, String text, long bytes, long blocks,
                                  List<Frame> stack, String suppression) throws IOException, XmlException {
        if (bytes < 0 || blocks < 0) {
            throw s.malformed("a " + kind.xmlKind() + " record has no <leakedbytes> or"
                    + " <leakedblocks>" + (text == null ? "" : " (" + text + ")"));
        }
        LeakSentence sentence = text == null ? null : LeakSentence.parse(text);
        if (sentence == null && b.protocolVersion < 6) {
            // protocols 4 and 5 give a record's indirect bytes only in its sentence: without
            // them the definitely lost total cannot be exact
            throw s.malformed("a " + kind.xmlKind() + " record's text is not a sentence leakgate can read ("
                    + (text == null ? "no <text>" : "'" + text + "'") + "); without it the totals cannot be"
                    + " exact: report this with the file to leakgate");
        }
        if (sentence == null) {
            return new LeakRecord(kind, bytes, blocks, 0, 0, 0, text, stack, suppression, null);
        }
        return new LeakRecord(kind, bytes, blocks, sentence.indirect, sentence.lossRecord,
                sentence.lossRecordCount, text, stack, suppression,
                sentence.delta ? new LeakRecord.Change(sentence.deltaBytes, sentence.deltaBlocks) : null);
    }

    private List<Frame> stack() throws IOException, XmlException {
        List<Frame> stack = new ArrayList<>(8);
        while (nextChild()) {
            if ("frame".equals(s.name())) {
                stack.add(frame());
            } else {
                skip();
            }
        }
        return stack;
    }

    /**
     * A frame: known by its exact bytes when seen before (real stacks repeat frames), else
     * read element by element, and remembered when the reading ended where the bytes said.
     */
    private Frame frame() throws IOException, XmlException {
        long rawHash = 0;
        if (s.rawContent(FRAME_END) >= 0) {
            rawHash = s.rawHash() | 1L;
            Frame seen = rawFrames.get(rawHash);
            if (seen != null) {
                s.consumeRaw();
                return seen;
            }
        }
        Frame frame = readFrame();
        if (rawHash != 0 && s.endedAtRawEnd()) {
            rawFrames.put(rawHash, frame);
        }
        return frame;
    }

    private Frame readFrame() throws IOException, XmlException {
        long ip = 0;
        signatureLength = 0;
        while (nextChild()) {
            char tag = switch (s.name()) {
                case "ip" -> 'i';
                case "obj" -> FrameTable.OBJ;
                case "fn" -> FrameTable.FN;
                case "dir" -> FrameTable.DIR;
                case "file" -> FrameTable.FILE;
                case "line" -> FrameTable.LINE;
                default -> FrameTable.END;
            };
            if (tag == FrameTable.END) {
                skip();
                continue;
            }
            readText();
            if (tag == 'i') {
                ip = number(text, 0, textLength);
            } else {
                if (tag == FrameTable.LINE) {
                    number(text, 0, textLength); // validates it
                }
                addToSignature(tag);
            }
        }
        try {
            return frames.get(ip, signature, signatureLength);
        } catch (NumberFormatException e) {
            throw s.malformed("a frame's <line> is not a line number: " + e.getMessage());
        }
    }

    private void addToSignature(char tag) {
        int needed = signatureLength + textLength + 2;
        if (needed > signature.length) {
            signature = Arrays.copyOf(signature, Math.max(signature.length * 2, needed));
        }
        signature[signatureLength++] = tag;
        System.arraycopy(text, 0, signature, signatureLength, textLength);
        signatureLength += textLength;
        signature[signatureLength++] = FrameTable.END;
    }

    // ---- the rest of the document -------------------------------------------------------

    private void status() throws IOException, XmlException {
        String state = null;
        while (nextChild()) {
            if ("state".equals(s.name())) {
                state = text();
            } else {
                skip();
            }
        }
        b.status(state);
    }

    private void clientMessage() throws IOException, XmlException {
        int tid = 0;
        String text = null;
        while (nextChild()) {
            switch (s.name()) {
                case "tid" -> tid = (int) numberText();
                case "text" -> text = text();
                default -> skip();
            }
        }
        b.clientMessage(new ClientMessage(tid, text));
    }

    private FatalSignal fatalSignal() throws IOException, XmlException {
        int tid = 0;
        int signo = 0;
        String signame = null;
        String event = null;
        String siaddr = null;
        List<Frame> stack = List.of();
        while (nextChild()) {
            switch (s.name()) {
                case "tid" -> tid = (int) numberText();
                case "signo" -> signo = (int) numberText();
                case "signame" -> signame = text();
                case "event" -> event = text();
                case "siaddr" -> siaddr = text();
                case "stack" -> stack = stack();
                default -> skip();
            }
        }
        return new FatalSignal(tid, signo, signame, event, siaddr, stack);
    }

    private void preamble() throws IOException, XmlException {
        b.otherElement();
        while (nextChild()) {
            String line = text();
            int at = line.indexOf("Valgrind-");
            if (at >= 0 && b.valgrindVersion == null) {
                int end = at + 9;
                while (end < line.length() && " ;,".indexOf(line.charAt(end)) < 0) {
                    end++;
                }
                b.valgrindVersion = line.substring(at + 9, end);
            }
        }
    }

    private void args() throws IOException, XmlException {
        b.otherElement();
        b.sawArgs = true;
        while (nextChild()) {
            List<String> into = switch (s.name()) {
                case "vargv" -> b.valgrindArgs;
                case "argv" -> b.programArgs;
                default -> null;
            };
            if (into == null) {
                skip();
                continue;
            }
            boolean program = into == b.programArgs;
            while (nextChild()) {
                String name = s.name();
                String value = text();
                if ("arg".equals(name) || (program && "exe".equals(name))) {
                    into.add(value);
                }
            }
        }
    }

    private void counts(Map<String, Long> into, String keyElement) throws IOException, XmlException {
        b.otherElement();
        while (nextChild()) {
            long count = 0;
            String key = null;
            while (nextChild()) {
                String name = s.name();
                if ("count".equals(name)) {
                    count = numberText();
                } else if (keyElement.equals(name)) {
                    key = text();
                } else {
                    skip();
                }
            }
            if (key != null) {
                into.merge(key, count, Long::sum);
            }
        }
    }

    /** A protocol 6 leak summary: kind elements holding bytes and blocks. */
    private Map<LeakKind, Amount> amounts() throws IOException, XmlException {
        Map<LeakKind, Amount> amounts = new EnumMap<>(LeakKind.class);
        while (nextChild()) {
            LeakKind kind = switch (s.name()) {
                case "definitely_lost" -> LeakKind.DEFINITELY_LOST;
                case "indirectly_lost" -> LeakKind.INDIRECTLY_LOST;
                case "possibly_lost" -> LeakKind.POSSIBLY_LOST;
                case "still_reachable" -> LeakKind.STILL_REACHABLE;
                case "suppressed" -> LeakKind.SUPPRESSED;
                default -> null;
            };
            if (kind == null) {
                b.unknownElement(capture("valgrindoutput/leak_summary"));
                continue;
            }
            String kindElement = s.name();
            long bytes = -1;
            long blocks = -1;
            while (nextChild()) {
                switch (s.name()) {
                    case "bytes" -> bytes = numberText();
                    case "in_blocks", "blocks" -> blocks = numberText();
                    default -> b.unknownElement(capture("valgrindoutput/leak_summary/" + kindElement));
                }
            }
            if (bytes < 0 || blocks < 0) {
                throw s.malformed("<leak_summary><" + kindElement + "> lacks <bytes> or <in_blocks>");
            }
            amounts.put(kind, new Amount(bytes, blocks));
        }
        return amounts;
    }
}
