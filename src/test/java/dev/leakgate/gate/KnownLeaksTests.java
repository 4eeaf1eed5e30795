package dev.leakgate.gate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.leakgate.memcheck.LeakKind;
import dev.leakgate.memcheck.LeakRecord;
import dev.leakgate.memcheck.MemcheckReport;
import dev.leakgate.memcheck.MemcheckXmlParser;
import dev.leakgate.testing.StoredReports;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The known-leak baseline against a real valgrind 3.19 report: definitely lost 132 bytes, 100 from
 * make (leak.c:6) called by main, and 32 direct bytes of a list allocated in main (leak.c:9).
 */
class KnownLeaksTests {

    private final MemcheckReport report = new MemcheckXmlParser().parse(new ByteArrayInputStream(
            StoredReports.text("valgrind-3.19-leak.xml").getBytes(StandardCharsets.UTF_8)), "leak.xml");

    private static KnownLeaks baseline(Path dir, String... lines) throws Exception {
        return KnownLeaks.read(Files.writeString(dir.resolve("known-leaks.txt"), String.join("\n", lines) + "\n"));
    }

    @Test
    void fingerprintSkipsTheAllocatorAndKeepsNoAddressOrLine() {
        LeakRecord make = report.leakRecords(LeakKind.DEFINITELY_LOST).get(0);

        assertThat(KnownLeaks.fingerprint(make)).containsExactly("make", "main");
    }

    @Test
    void acceptedLeakIsTakenOffItsKindButAnUnknownOneStillFails(@TempDir Path dir) throws Exception {
        Verdict v = LeakGate.defaults().withKnownLeaks(baseline(dir, "# accepted", "definitely_lost 100 make < main"))
                .evaluate(report);

        assertThat(v.outcome()).isEqualTo(Outcome.FAIL);
        assertThat(v.message()).startsWith("leakgate: FAIL: definitely lost: 132 bytes in 2 blocks, holding 64 bytes"
                        + " indirectly lost, 100 of them known (limit 0 bytes)\n\nDefinitely lost, largest first:\n96 (32 direct, 64 indirect) bytes")
                .doesNotContain("at make (leak.c:6)")
                .endsWith("Note: known leak accepted: definitely_lost 100 make < main (100 bytes now)");
    }

    @Test
    void leaksAllKnownAndWithinBudgetPassWithNotes(@TempDir Path dir) throws Exception {
        Verdict v = LeakGate.defaults().withKnownLeaks(baseline(dir, "definitely_lost 100 make < main",
                "definitely_lost 32 main", "possibly_lost 10 vendor_init")).evaluate(report);

        assertThat(v.outcome()).isEqualTo(Outcome.PASS);
        assertThat(v.notes()).containsExactly(
                "known leak accepted: definitely_lost 100 make < main (100 bytes now)",
                "known leak accepted: definitely_lost 32 main (32 bytes now)",
                "stale known leak (matches nothing; remove it from " + dir.resolve("known-leaks.txt")
                        + "): possibly_lost 10 vendor_init");
    }

    @Test
    void knownLeakOverItsBudgetFailsWithItsStack(@TempDir Path dir) throws Exception {
        Verdict v = LeakGate.defaults().withKnownLeaks(baseline(dir, "definitely_lost 50 make < main",
                "definitely_lost 32 main")).evaluate(report);

        assertThat(v.outcome()).isEqualTo(Outcome.FAIL);
        assertThat(v.message()).contains("known leak 'make < main' (definitely lost) is over its budget: 100 bytes"
                + " (budget 50)", "Known leak 'make < main' (definitely lost) is over its budget: 100 bytes (budget 50):\n"
                + "100 bytes in 1 blocks are definitely lost in loss record 5 of 5\n", "    at make (leak.c:6)");
    }

    @Test
    void baselineWrittenFromARunAcceptsThatRunAndReadsBack(@TempDir Path dir) {
        Path file = dir.resolve("nested/known-leaks.txt");

        KnownLeaks written = KnownLeaks.write(file, report.leakRecords(), EnumSet.of(LeakKind.DEFINITELY_LOST));

        assertThat(written.entries()).extracting(KnownLeaks.Entry::toString)
                .containsExactly("definitely_lost 100 make < main", "definitely_lost 32 main");
        assertThat(KnownLeaks.read(file).entries()).isEqualTo(written.entries());
        assertThat(LeakGate.defaults().withKnownLeaks(KnownLeaks.read(file)).evaluate(report).passed()).isTrue();
    }

    @Test
    void aBadLineNamesTheFileTheLineAndTheForm(@TempDir Path dir) {
        assertThatThrownBy(() -> baseline(dir, "definitely_lost lots make"))
                .hasMessageStartingWith(dir.resolve("known-leaks.txt") + " line 1 is not a known leak"
                        + " ('definitely_lost lots make'): ")
                .hasMessageEndingWith("; e.g. definitely_lost 4096 sdk_cache_create < vendor_sdk_init");
        assertThat(KnownLeaks.read(dir.resolve("missing.txt")).entries()).isEmpty();
    }
}
