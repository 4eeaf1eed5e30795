package dev.leakgate.memcheck;

import static org.assertj.core.api.Assertions.assertThat;

import dev.leakgate.gate.LeakGate;
import dev.leakgate.gate.Outcome;
import dev.leakgate.testing.StoredReports;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MemcheckXmlParserTests {

    private final MemcheckXmlParser parser = new MemcheckXmlParser();

    static String resource(String name) {
        return StoredReports.text(name);
    }

    MemcheckReport parse(String xml) {
        return parser.parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)), "test.xml");
    }

    @Nested
    class Protocol6 {
        private final MemcheckReport report = parse(resource("protocol6.xml"));

        @Test
        void isCompleteWithTotalsFromValgrindsOwnLeakSummary() {
            assertThat(report.problems()).isEmpty();
            assertThat(report.protocolVersion()).isEqualTo(6);
            assertThat(report.valgrindVersion()).isEqualTo("3.26.0");
            LeakTotals totals = report.totals();
            assertThat(totals.source()).isEqualTo(LeakTotals.Source.LEAK_SUMMARY);
            assertThat(totals.of(LeakKind.DEFINITELY_LOST)).contains(new Amount(460, 2));
            assertThat(totals.of(LeakKind.INDIRECTLY_LOST)).contains(new Amount(4000, 25));
            assertThat(totals.of(LeakKind.POSSIBLY_LOST)).contains(new Amount(0, 0));
            assertThat(totals.of(LeakKind.STILL_REACHABLE)).contains(new Amount(1024, 2));
            assertThat(totals.of(LeakKind.SUPPRESSED)).contains(new Amount(4516, 1));
        }

        @Test
        void finalRecordsComeLargestFirstWithDirectAndIndirectBytesAndDecodedNames() {
            assertThat(report.leakRecords()).extracting(LeakRecord::bytes).containsExactly(4160L, 300L);
            LeakRecord largest = report.leakRecords().get(0);
            assertThat(largest.directBytes()).isEqualTo(160);
            assertThat(largest.indirectBytes()).isEqualTo(4000);
            assertThat(largest.lossRecord()).isEqualTo(3);
            assertThat(largest.lossRecordCount()).isEqualTo(3);
            assertThat(largest.text()).startsWith("4,160 (160 direct, 4,000 indirect) bytes");
            assertThat(largest.stack()).extracting(Frame::describe).containsExactly(
                    "malloc (in /usr/libexec/valgrind/vgpreload_memcheck-arm64-linux.so)",
                    "onvif_read_profile_xml (profile.c:57)",
                    "onvifStartStream (stream.c:212)",
                    "std::vector<int>::operator[](unsigned long) (in /app/bin/onvif_test)");
            assertThat(largest.stack().get(1).ip()).isEqualTo(0x10B004L);
            assertThat(largest.stack().get(1).ipHex()).isEqualTo("0x10B004");
            assertThat(largest.stack().get(1).dir()).isEqualTo("/home/build/onvif/src");
            assertThat(largest.allocationSite().fn()).isEqualTo("onvif_read_profile_xml");
            assertThat(largest.passesThrough("onvifStartStream")).isTrue();
        }

        @Test
        void midRunLeakCheckIsKeptApartAndTiedToTheMessageBeforeIt() {
            assertThat(report.intermediateLeakChecks()).singleElement().satisfies(check -> {
                assertThat(check.clientMessagesBefore()).isEqualTo(1);
                assertThat(check.totals().of(LeakKind.DEFINITELY_LOST)).contains(new Amount(300, 1));
                assertThat(check.records()).extracting(LeakRecord::text)
                        .containsExactly("300 (+300) bytes in 1 (+1) blocks are definitely lost in loss record 1 of 1");
            });
            assertThat(report.clientMessages()).containsExactly(
                    new ClientMessage(1, "leakgate: scenario onvifStartStream begins"));
        }

        @Test
        void unknownErrorKindsAndElementsAreKept() {
            assertThat(report.errors()).extracting(MemcheckError::kind, MemcheckError::kindName).containsExactly(
                    Tuple.tuple(ErrorKind.INVALID_SIZE_AND_ALIGNMENT, "InvalidSizeAndAlignment"),
                    Tuple.tuple(ErrorKind.UNKNOWN, "FutureErrorKind"));
            assertThat(report.errors().get(0).tid()).isEqualTo(2);
            assertThat(report.unknownElements()).extracting(XmlElement::path).containsExactly(
                    "valgrindoutput/tool",
                    "valgrindoutput/error/threadname",
                    "valgrindoutput/error/newdetail",
                    "valgrindoutput/newthing",
                    "valgrindoutput/error_summary",
                    "valgrindoutput/heap_summary",
                    "valgrindoutput/all_heap_blocks_freed",
                    "valgrindoutput/leak_summary/still_reachable/reachable_heuristic");
            XmlElement newThing = report.unknownElements().get(3);
            assertThat(newThing.children()).extracting(XmlElement::name, XmlElement::text).containsExactly(
                    Tuple.tuple("value", "42"),
                    Tuple.tuple("label", "a top-level element from a later protocol"));
            assertThat(report.unknownElements().get(2).text()).isEqualTo("kept & not dropped");
        }

        @Test
        void countsAndArgumentsAreRead() {
            assertThat(report.errorCounts()).containsEntry("0x0", 3L).containsEntry("0x1", 1L);
            assertThat(report.suppressionCounts()).containsExactly(Map.entry("vendor_sdk_cache", 7L));
            assertThat(report.programArgs()).containsExactly("/app/bin/onvif_test", "--profile");
            assertThat(report.valgrindArgs()).contains("--leak-check=full", "--show-leak-kinds=definite");
            assertThat(report.pid()).isEqualTo(812);
        }

        @Test
        void leakCheckCutShortBeforeItsSummaryIsIncomplete() {
            String xml = resource("protocol6.xml");
            int lastSummary = xml.lastIndexOf("<leak_summary>");
            String withoutFinalSummary = xml.substring(0, lastSummary)
                    + xml.substring(xml.indexOf("</leak_summary>", lastSummary) + "</leak_summary>".length());

            MemcheckReport cut = parse(withoutFinalSummary);

            assertThat(cut.problems()).containsExactly("test.xml has no <leak_summary> after the program finished:"
                    + " the leak check did not run or was cut short; see the run's log");
        }
    }

    @Nested
    class Protocol4And5 {

        @Test
        void valgrind319ReportAddsUpDirectBytesLikeItsLeakSummary() {
            MemcheckReport report = parse(resource("valgrind-3.19-leak.xml"));

            assertThat(report.problems()).isEmpty();
            assertThat(report.protocolVersion()).isEqualTo(4);
            assertThat(report.valgrindVersion()).isEqualTo("3.19.0");
            assertThat(report.totals().source()).isEqualTo(LeakTotals.Source.LOSS_RECORDS);
            // valgrind's text LEAK SUMMARY for this run: 132/2, 64/2, 64/1, 55/1
            assertThat(report.totals().of(LeakKind.DEFINITELY_LOST)).contains(new Amount(132, 2));
            assertThat(report.totals().of(LeakKind.INDIRECTLY_LOST)).contains(new Amount(64, 2));
            assertThat(report.totals().of(LeakKind.POSSIBLY_LOST)).contains(new Amount(64, 1));
            assertThat(report.totals().of(LeakKind.STILL_REACHABLE)).contains(new Amount(55, 1));
            assertThat(report.totals().of(LeakKind.SUPPRESSED)).isEmpty();
            assertThat(report.totals().whyUnknown(LeakKind.SUPPRESSED)).contains("protocol 6");
            assertThat(report.errors(ErrorKind.INVALID_READ)).singleElement().satisfies(e -> {
                assertThat(e.auxWhat()).containsExactly("Address 0x4a40324 is 4 bytes after a block of size 16 alloc'd");
                assertThat(e.auxStacks()).hasSize(1);
            });
        }

        @Test
        void suppressionsGeneratedBetweenLossRecordsDoNotSplitTheLeakCheck() {
            // valgrind 3.19 on aarch64 with --gen-suppressions=all: each record is followed by a
            // top-level <suppression> as well as its own; valgrind's summary: 128 bytes in 2 blocks
            MemcheckReport report = parse(resource("valgrind-3.19-gen-suppressions-aarch64.xml"));

            assertThat(report.problems()).isEmpty();
            assertThat(report.intermediateLeakChecks()).isEmpty();
            assertThat(report.totals().of(LeakKind.DEFINITELY_LOST)).contains(new Amount(128, 2));
            assertThat(report.leakRecords()).extracting(LeakRecord::suppression).allSatisfy(s -> assertThat(s)
                    .contains("Memcheck:Leak", "match-leak-kinds: definite", "fun:make_buffer"));
        }

        @Test
        void protocol5IsReadLikeProtocol4() {
            String v5 = resource("valgrind-3.19-leak.xml")
                    .replace("<protocolversion>4</protocolversion>", "<protocolversion>5</protocolversion>");

            MemcheckReport report = parse(v5);

            assertThat(report.problems()).isEmpty();
            assertThat(report.totals().bytes(LeakKind.DEFINITELY_LOST)).isEqualTo(132);
        }

        @Test
        void kindsTheRunDidNotShowAreUnknownNotZero() {
            String definiteOnly = resource("valgrind-3.19-leak.xml")
                    .replace("<arg>--show-leak-kinds=all</arg>", "<arg>--show-leak-kinds=definite</arg>");

            LeakTotals totals = parse(definiteOnly).totals();

            assertThat(totals.isKnown(LeakKind.DEFINITELY_LOST)).isTrue();
            assertThat(totals.of(LeakKind.STILL_REACHABLE)).isEmpty();
            assertThat(totals.whyUnknown(LeakKind.STILL_REACHABLE)).contains("--show-leak-kinds=all");
        }

        @Test
        void leakCheckOptionDoesNotMatterUnderXmlWhereValgrindAlwaysChecksInFull() {
            // with --xml=yes memcheck makes a full final leak check whatever --leak-check says (mc_main.c)
            String summaryOnly = resource("valgrind-3.19-leak.xml")
                    .replace("<arg>--leak-check=full</arg>", "<arg>--leak-check=summary</arg>");

            MemcheckReport report = parse(summaryOnly);

            assertThat(report.problems()).isEmpty();
            assertThat(report.totals().of(LeakKind.DEFINITELY_LOST)).contains(new Amount(132, 2));
        }

        @Test
        void runThatNeverFinishedIsIncomplete() {
            String xml = resource("valgrind-3.19-leak.xml");
            String running = xml.substring(0, xml.indexOf("<status>\n  <state>FINISHED"))
                    + "<errorcounts>\n</errorcounts>\n</valgrindoutput>\n";

            assertThat(parse(running).problems()).containsExactly("test.xml never reached <state>FINISHED</state>:"
                    + " the program did not run to its end under valgrind");
        }

        @Test
        void retentionLimitKeepsTheLargestRecordsAndExactTotals() {
            MemcheckReport report = parser.retaining(2, 0)
                    .parse(new ByteArrayInputStream(resource("valgrind-3.19-leak.xml").getBytes(StandardCharsets.UTF_8)),
                            "limited.xml");

            assertThat(report.leakRecords()).extracting(LeakRecord::bytes).containsExactly(100L, 96L);
            assertThat(report.finalLeakCheck().orElseThrow().omittedRecords()).isEqualTo(3);
            assertThat(report.totals().of(LeakKind.STILL_REACHABLE)).contains(new Amount(55, 1));
            assertThat(report.errors()).isEmpty();
            assertThat(report.omittedErrors()).isEqualTo(1);
        }
    }

    @Nested
    class BadInput {

        @Test
        void everyCutOfARealReportIsIncompleteAndNeverPasses() {
            String xml = resource("valgrind-3.19-leak.xml");
            int end = xml.lastIndexOf("</valgrindoutput>");
            for (int cut = 0; cut < end; cut += 37) {
                MemcheckReport report = parse(xml.substring(0, cut));
                assertThat(report.isComplete()).as("cut at %d", cut).isFalse();
                assertThat(LeakGate.defaults().evaluate(report).outcome()).as("cut at %d", cut)
                        .isEqualTo(Outcome.INCONCLUSIVE);
            }
        }

        @Test
        void cutOffReportSaysWhereAndKeepsWhatWasRead() {
            String xml = resource("valgrind-3.19-leak.xml");
            MemcheckReport report = parse(xml.substring(0, xml.indexOf("<errorcounts>")));

            assertThat(report.problems()).singleElement().asString()
                    .startsWith("test.xml is cut off at line ")
                    .endsWith("valgrind was killed (SIGKILL, out of memory, board lost) or the file was truncated;"
                            + " the raw file is kept as it is");
            assertThat(report.leakRecords()).hasSize(5);
            assertThat(report.errors()).hasSize(1);
        }

        @Test
        void emptyFileIsIncomplete(@TempDir Path dir) throws IOException {
            Path empty = Files.createFile(dir.resolve("memcheck.xml"));

            assertThat(parser.parse(empty).problems()).containsExactly(empty + " is empty: valgrind did not start or"
                    + " was killed before it wrote anything; see the run's log and stderr");
        }

        @Test
        void missingFileIsIncomplete(@TempDir Path dir) {
            Path missing = dir.resolve("nothing.xml");

            assertThat(parser.parse(missing).problems()).containsExactly("there is no memcheck XML at " + missing
                    + ": valgrind did not start, or wrote elsewhere; see the run's log and stderr");
        }

        @Test
        void textLogInsteadOfXmlIsNotWellFormed() {
            MemcheckReport report = parse("==1883== Memcheck, a memory error detector\n==1883== LEAK SUMMARY:\n");

            assertThat(report.problems()).singleElement().asString()
                    .startsWith("test.xml is not well-formed memcheck XML at line 1, column 1 (text before the root element")
                    .endsWith("check that it is the file given to --xml-file, not the --log-file");
        }

        @Test
        void otherRootElementIsRefused() {
            assertThat(parse("<?xml version=\"1.0\"?><html><body/></html>").problems()).containsExactly(
                    "test.xml is not a valgrind XML report (its root element is <html>, not <valgrindoutput>)");
        }

        @Test
        void otherToolIsIncomplete() {
            String helgrind = resource("valgrind-3.19-leak.xml")
                    .replace("<protocoltool>memcheck</protocoltool>", "<protocoltool>helgrind</protocoltool>");

            assertThat(parse(helgrind).problems()).containsExactly("test.xml was written by valgrind's 'helgrind'"
                    + " tool, not memcheck; run valgrind with --tool=memcheck");
        }

        @Test
        void unknownProtocolVersionIsIncomplete() {
            String v7 = resource("valgrind-3.19-leak.xml")
                    .replace("<protocolversion>4</protocolversion>", "<protocolversion>7</protocolversion>");

            assertThat(parse(v7).problems()).singleElement().asString()
                    .startsWith("test.xml uses XML protocol version 7 (written by valgrind-3.19.0), which leakgate does"
                            + " not read");
        }

        @Test
        void entityExpansionIsRefusedAtTheDoctype() {
            String laughs = "<?xml version=\"1.0\"?>\n<!DOCTYPE valgrindoutput [\n"
                    + " <!ENTITY a \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\">\n"
                    + " <!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">\n"
                    + " <!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">\n"
                    + " <!ENTITY d \"&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;\">\n"
                    + " <!ENTITY e \"&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;\">\n"
                    + "]>\n<valgrindoutput><protocolversion>4</protocolversion><tool>&e;&e;&e;&e;</tool>"
                    + "</valgrindoutput>";

            MemcheckReport report = parse(laughs);

            assertThat(report.problems()).containsExactly("test.xml declares a DTD (<!DOCTYPE>), which valgrind never"
                    + " writes; leakgate refuses DTDs and external entities; pass the file valgrind wrote");
            assertThat(report.unknownElements()).isEmpty();
        }

        @Test
        void externalEntityIsRefusedAndNeverRead(@TempDir Path dir) throws IOException {
            Path secret = Files.writeString(dir.resolve("secret.txt"), "TOP-SECRET-TOKEN");
            String xxe = "<?xml version=\"1.0\"?>\n<!DOCTYPE valgrindoutput [ <!ENTITY s SYSTEM \""
                    + secret.toUri() + "\"> ]>\n<valgrindoutput><protocolversion>4</protocolversion>"
                    + "<protocoltool>&s;</protocoltool></valgrindoutput>";

            MemcheckReport report = parse(xxe);

            assertThat(report.isComplete()).isFalse();
            assertThat(report.problems()).singleElement().asString().contains("refuses DTDs and external entities");
            assertThat(report.toString()).doesNotContain("TOP-SECRET-TOKEN");
            assertThat(report.protocolTool()).isNull();
        }

        @Test
        void undeclaredEntityIsNotWellFormed() {
            MemcheckReport report = parse("<valgrindoutput><protocolversion>4</protocolversion>"
                    + "<protocoltool>&s;</protocoltool></valgrindoutput>");

            assertThat(report.problems()).singleElement().asString().startsWith("test.xml is not well-formed");
        }

        @Test
        void leakRecordWithoutItsNumbersIsNotWellFormed() {
            String xml = resource("valgrind-3.19-leak.xml").replace("<leakedbytes>100</leakedbytes>", "");

            assertThat(parse(xml).problems()).singleElement().asString().contains(
                    "a Leak_DefinitelyLost record has no <leakedbytes> or <leakedblocks>");
        }
    }
}
