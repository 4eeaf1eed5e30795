package dev.leakgate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.leakgate.testing.TestPrograms;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LeakgateCommandTests {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int execute(String... args) {
        return LeakgateCommand.execute(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void runFailsOnALeakyProgramAndPassesOnACleanOne(@TempDir Path runs) {
        assertThat(execute("run", "--runs-dir", runs.toString(), "--", TestPrograms.program("leaky").toString()))
                .isEqualTo(LeakgateCommand.FAIL);
        assertThat(err()).startsWith("leakgate: FAIL: definitely lost: 128 bytes in 2 blocks (limit 0 bytes)")
                .contains("at make_buffer (leaky.c:6)", "raw XML: " + runs);

        assertThat(execute("run", "--runs-dir", runs.toString(), "--", TestPrograms.program("clean").toString()))
                .isEqualTo(LeakgateCommand.PASS);
        assertThat(out.toString(StandardCharsets.UTF_8)).startsWith("leakgate: PASS: ");
    }

    @Test
    void checkGatesAnExistingReportWithLimits(@TempDir Path dir) throws Exception {
        Path xml = dir.resolve("memcheck.xml");
        try (var in = getClass().getResourceAsStream("/xml/valgrind-3.19-leak.xml")) {
            Files.copy(in, xml);
        }

        assertThat(execute("check", xml.toString())).isEqualTo(LeakgateCommand.FAIL);
        assertThat(execute("check", "--limit", "definitely_lost=132", xml.toString())).isEqualTo(LeakgateCommand.PASS);
        assertThat(execute("check", "--limit", "definitely-lost=none", "--limit", "possibly_lost=63", xml.toString()))
                .isEqualTo(LeakgateCommand.FAIL);
        assertThat(execute("check", "--limit", "suppressed=0", xml.toString())).isEqualTo(LeakgateCommand.INCONCLUSIVE);
    }

    @Test
    void cutOffReportIsInconclusive(@TempDir Path dir) throws Exception {
        Path xml = Files.writeString(dir.resolve("cut.xml"), "<?xml version=\"1.0\"?>\n<valgrindoutput>\n<protocolversion>4");

        assertThat(execute("check", xml.toString())).isEqualTo(LeakgateCommand.INCONCLUSIVE);
        assertThat(err()).contains("cut.xml is cut off at line 3");
    }

    @Test
    void badUsageSaysWhatIsWrongAndHowToCallIt() {
        assertThat(execute("check")).isEqualTo(LeakgateCommand.USAGE);
        assertThat(err()).startsWith("leakgate: check needs the XML file valgrind wrote (--xml-file)\nusage: ");
        assertThat(execute("run", "--limit", "lost=3", "--", "x")).isEqualTo(LeakgateCommand.USAGE);
        assertThat(err()).contains("leakgate: Unknown leak kind 'lost': use one of definitely_lost, ");
        assertThat(execute("run", "--", "./no/such/program")).isEqualTo(LeakgateCommand.USAGE);
        assertThat(err()).contains("the program './no/such/program' does not exist or is not executable");
        assertThat(execute("frobnicate")).isEqualTo(LeakgateCommand.USAGE);
    }
}
