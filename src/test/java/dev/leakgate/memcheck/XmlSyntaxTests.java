package dev.leakgate.memcheck;

import static org.assertj.core.api.Assertions.assertThat;

import dev.leakgate.bench.MemcheckXmlGenerator;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The XML that leakgate's own reader must accept or refuse: everything well-formed XML may hold
 * around valgrind's elements, and the faults a cut or corrupted file shows.
 */
class XmlSyntaxTests {

    private static final String HEAD = "<?xml version=\"1.0\"?>\n<valgrindoutput>\n<protocolversion>4</protocolversion>\n"
            + "<protocoltool>memcheck</protocoltool>\n<args><vargv><exe>valgrind</exe><arg>--leak-check=full</arg>"
            + "<arg>--show-leak-kinds=all</arg></vargv><argv><exe>./p</exe></argv></args>\n"
            + "<status><state>FINISHED</state></status>\n";
    private static final String TAIL = "<errorcounts>\n</errorcounts>\n<suppcounts>\n</suppcounts>\n</valgrindoutput>\n";

    private static String leak(long bytes, String... frames) {
        StringBuilder s = new StringBuilder("<error><unique>0x1</unique><tid>1</tid><kind>Leak_DefinitelyLost</kind>"
                + "<xwhat><text>" + bytes + " bytes in 1 blocks are definitely lost</text><leakedbytes>" + bytes
                + "</leakedbytes><leakedblocks>1</leakedblocks></xwhat><stack>");
        for (String f : frames) {
            s.append(f);
        }
        return s.append("</stack></error>\n").toString();
    }

    private static String frame(String ip, String fnXml) {
        return "<frame><ip>" + ip + "</ip><obj>/app/lib/libx.so</obj><fn>" + fnXml + "</fn><file>x.c</file>"
                + "<line>7</line></frame>";
    }

    private static MemcheckReport parse(String xml) {
        return parse(xml.getBytes(StandardCharsets.UTF_8));
    }

    private static MemcheckReport parse(byte[] xml) {
        return new MemcheckXmlParser().parse(new ByteArrayInputStream(xml), "doc.xml");
    }

    private static List<String> functions(MemcheckReport report) {
        return report.leakRecords().stream().flatMap(r -> r.stack().stream()).map(Frame::fn).toList();
    }

    @Test
    void entitiesAndCharacterReferencesAreDecoded() {
        MemcheckReport r = parse(HEAD + leak(8, frame("0x10", "std::map&lt;K, V&gt;::at &amp; &quot;x&quot; &apos;y&apos; &#65;&#x42;")) + TAIL);

        assertThat(r.problems()).isEmpty();
        assertThat(functions(r)).containsExactly("std::map<K, V>::at & \"x\" 'y' AB");
    }

    @Test
    void cdataCommentsAndProcessingInstructionsAreHandledAlsoInRepeatedFrames() {
        String odd = frame("0x20", "<![CDATA[a</frame>b]]>") + "<!-- a comment </frame> -->"
                + frame("0x30", "ma<!-- split -->in<?pi data?>");
        MemcheckReport r = parse(HEAD + "<!-- top-level comment -->\n" + leak(8, odd) + leak(9, odd) + TAIL);

        assertThat(r.problems()).isEmpty();
        assertThat(functions(r)).containsExactly("a</frame>b", "main", "a</frame>b", "main");
    }

    @Test
    void sameIpWithOtherNamesStaysApart() {
        MemcheckReport r = parse(HEAD + leak(8, frame("0x40", "first")) + leak(9, frame("0x40", "second"))
                + leak(10, frame("0x40", "first")) + TAIL);

        assertThat(functions(r)).containsExactly("first", "second", "first");
    }

    @Test
    void utf8NamesAreDecodedAndBadBytesReplaced() {
        byte[] head = (HEAD + leak(8, frame("0x50", "größe_überlauf")) + leak(9, frame("0x51", "bad_"))).getBytes(StandardCharsets.UTF_8);
        byte[] xml = new byte[head.length + TAIL.length()];
        System.arraycopy(head, 0, xml, 0, head.length);
        System.arraycopy(TAIL.getBytes(StandardCharsets.US_ASCII), 0, xml, head.length, TAIL.length());
        String all = new String(xml, StandardCharsets.ISO_8859_1);
        int at = all.lastIndexOf("bad_") + 3;
        xml[at] = (byte) 0xFF; // "bad" followed by a byte that starts no UTF-8 sequence

        MemcheckReport r = parse(xml);

        assertThat(r.problems()).isEmpty();
        assertThat(functions(r)).containsExactly("bad\uFFFD", "größe_überlauf"); // largest record first
    }

    @Test
    void declarationAttributesAndSelfClosingTagsAreAccepted() {
        String xml = "\uFEFF".repeat(0) + "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
                + HEAD.substring(HEAD.indexOf("<valgrindoutput>")).replace("<valgrindoutput>",
                        "<valgrindoutput xmlns:v=\"urn:x\" note='a &amp; b'>")
                + "<errorcounts/><suppcounts/></valgrindoutput>";

        MemcheckReport r = parse(xml);

        assertThat(r.problems()).isEmpty();
        assertThat(r.totals().bytes(LeakKind.DEFINITELY_LOST)).isZero();
    }

    @Test
    void otherEncodingsAreRefused() {
        String xml = "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>" + HEAD.substring(HEAD.indexOf("<valgrindoutput>")) + TAIL;

        assertThat(parse(xml).problems()).singleElement().asString()
                .contains("(the document is in ISO-8859-1; valgrind writes UTF-8)");
    }

    @Test
    void mismatchedEndTagIsNotWellFormed() {
        MemcheckReport r = parse(HEAD + "<status><state>FINISHED</status></state>" + TAIL);

        assertThat(r.problems()).singleElement().asString()
                .startsWith("doc.xml is not well-formed memcheck XML at line 7, column 32 (</status> closes <state>)");
    }

    @Test
    void undeclaredEntityAndBareAmpersandAreNotWellFormed() {
        assertThat(parse(HEAD + leak(8, frame("0x1", "a &nbsp; b")) + TAIL).problems()).singleElement().asString()
                .contains("undeclared entity &nbsp;");
        assertThat(parse(HEAD + leak(8, frame("0x1", "a & b")) + TAIL).problems()).singleElement().asString()
                .contains("is not an entity reference (write &amp; for '&')");
    }

    @Test
    void deepUnknownElementsAreKeptToALimit() {
        String deep = "<x>".repeat(100) + "</x>".repeat(100);

        MemcheckReport r = parse(HEAD + deep + TAIL);

        assertThat(r.problems()).isEmpty();
        XmlElement e = r.unknownElements().get(r.unknownElements().size() - 1);
        for (int level = 1; level <= 32; level++) { // down to level 33
            e = e.children().get(0);
        }
        assertThat(e.text()).isEqualTo("(nested deeper than 32 levels: not kept)");
    }

    @Test
    void absurdNestingIsRefusedNotOverflowed() {
        String deep = "<x>".repeat(5000) + "</x>".repeat(5000);

        assertThat(parse(HEAD + deep + TAIL).problems()).singleElement().asString()
                .contains("elements nested deeper than 4096 levels");
    }

    @Test
    void textLongerThanTheReadBufferIsReadWhole() {
        String what = "x".repeat(300_000) + "é" + "y".repeat(300_000);
        String error = "<error><unique>0x9</unique><tid>1</tid><kind>InvalidRead</kind><what>" + what
                + "</what><stack>" + frame("0x60", "f") + "</stack></error>\n";

        MemcheckReport r = parse(HEAD.replace("<status><state>FINISHED", error + "<status><state>FINISHED") + TAIL);

        assertThat(r.problems()).isEmpty();
        assertThat(r.errors()).singleElement().extracting(MemcheckError::what).isEqualTo(what);
    }

    @Test
    void errorsSayLineAndColumn() {
        MemcheckReport r = parse(HEAD + "<status>\n  <state>FINI<SHED</state></status>" + TAIL);

        assertThat(r.problems()).singleElement().asString()
                .startsWith("doc.xml is not well-formed memcheck XML at line 8, column 18 (<SHED> inside <state>,"
                        + " which holds only text)");
    }

    /** A generated report of several megabytes: many buffer refills, frames across their edges. */
    @Test
    void generatedReportAddsUpToItsKnownSummary(@TempDir Path dir) throws Exception {
        Path xml = dir.resolve("big.xml");
        MemcheckXmlGenerator.main(new String[] {xml.toString(), "6", "20"});
        String summary = Files.readString(Path.of(xml + ".summary"));

        MemcheckReport r = new MemcheckXmlParser().parse(xml);

        assertThat(r.problems()).isEmpty();
        Matcher m = Pattern.compile("(definitely lost|indirectly lost|possibly lost|still reachable): (\\d+) bytes in (\\d+) blocks")
                .matcher(summary);
        int kinds = 0;
        while (m.find()) {
            kinds++;
            assertThat(r.totals().of(LeakKind.parse(m.group(1))))
                    .contains(new Amount(Long.parseLong(m.group(2)), Long.parseLong(m.group(3))));
        }
        assertThat(kinds).isEqualTo(4);
        assertThat(r.errors(ErrorKind.INVALID_READ)).hasSize(200);
        assertThat(r.leakRecords().get(0).stack()).hasSize(20)
                .first().extracting(Frame::fn).isEqualTo("malloc");
        assertThat(r.leakRecords()).flatExtracting(LeakRecord::stack).extracting(Frame::fn)
                .anyMatch(fn -> fn.startsWith("std::vector<onvif::Profile"));
    }
}
