package dev.leakgate.gate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.leakgate.memcheck.ErrorKind;
import dev.leakgate.memcheck.LeakKind;
import dev.leakgate.memcheck.MemcheckReport;
import dev.leakgate.memcheck.MemcheckXmlParser;
import dev.leakgate.process.LocalMemcheckRunner;
import dev.leakgate.process.MemcheckCommand;
import dev.leakgate.process.MemcheckRun;
import dev.leakgate.process.RunOptions;
import dev.leakgate.testing.StoredReports;
import dev.leakgate.testing.TestPrograms;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** The gate and its message, on real runs of real programs. */
class LeakGateTests {

    private static final LocalMemcheckRunner RUNNER = new LocalMemcheckRunner();

    private static MemcheckRun run(String program, String... args) {
        return RUNNER.run(MemcheckCommand.builder(TestPrograms.program(program).toString()).args(args).build(),
                RunOptions.named(program).withTimeout(Duration.ofSeconds(60)));
    }

    @Tag("valgrind")
    @Test
    void leakyProgramFailsWithTheLeakStacksLargestFirstAndTheRawFiles() {
        MemcheckRun run = run("leaky");

        Verdict verdict = LeakGate.defaults().evaluate(run);

        String malloc = run.report().leakRecords().get(0).stack().get(0).describe();
        assertThat(verdict.outcome()).isEqualTo(Outcome.FAIL);
        assertThat(verdict.message()).isEqualTo("""
                leakgate: FAIL: definitely lost: 128 bytes in 2 blocks (limit 0 bytes)

                Definitely lost, largest first:
                100 bytes in 1 blocks are definitely lost in loss record 2 of 2
                    at %1$s
                    at make_buffer (leaky.c:6)
                    at main (leaky.c:12)
                28 bytes in 1 blocks are definitely lost in loss record 1 of 2
                    at %1$s
                    at make_buffer (leaky.c:6)
                    at main (leaky.c:13)
                Raw files (kept):
                  raw XML: %2$s/memcheck.xml
                  valgrind log: %2$s/memcheck.log
                  program stdout: %2$s/stdout.txt
                  program stderr: %2$s/stderr.txt""".formatted(malloc, run.files().folder()));
    }

    @Tag("valgrind")
    @Test
    void cleanProgramPasses() {
        Verdict verdict = LeakGate.defaults().evaluate(run("clean"));

        assertThat(verdict.passed()).isTrue();
        assertThat(verdict.message()).startsWith("leakgate: PASS: definitely lost 0 bytes in 0 blocks, indirectly"
                + " lost 0 bytes in 0 blocks, possibly lost 0 bytes in 0 blocks, still reachable 0 bytes in 0 blocks\n"
                + "Raw files (kept):");
    }

    @Tag("valgrind")
    @Test
    void limitsPerKindAreHonoured() {
        MemcheckRun run = run("interior");

        assertThat(LeakGate.defaults().evaluate(run).outcome()).isEqualTo(Outcome.PASS);
        assertThat(LeakGate.defaults().limit(LeakKind.POSSIBLY_LOST, 200).evaluate(run).outcome())
                .isEqualTo(Outcome.PASS);
        Verdict over = LeakGate.defaults().limit(LeakKind.POSSIBLY_LOST, 199)
                .limit(LeakKind.STILL_REACHABLE, 100).evaluate(run);
        assertThat(over.outcome()).isEqualTo(Outcome.FAIL);
        assertThat(over.message()).startsWith("leakgate: FAIL: possibly lost: 200 bytes in 1 blocks (limit 199"
                + " bytes); still reachable: 147 bytes in 3 blocks (limit 100 bytes)\n\nPossibly lost, largest first:\n"
                + "200 bytes in 1 blocks are possibly lost in loss record 2 of 2\n");
        assertThat(LeakGate.defaults().ungated(LeakKind.DEFINITELY_LOST).evaluate(run("leaky")).passed()).isTrue();
    }

    @Tag("valgrind")
    @Test
    void memcheckErrorsFailOnlyWhenAsked() {
        MemcheckRun run = run("invalid_read");

        assertThat(LeakGate.defaults().evaluate(run).passed()).isTrue();
        Verdict verdict = LeakGate.defaults().failOn(ErrorKind.INVALID_READ, ErrorKind.INVALID_WRITE).evaluate(run);
        assertThat(verdict.outcome()).isEqualTo(Outcome.FAIL);
        assertThat(verdict.message())
                .startsWith("leakgate: FAIL: InvalidRead: 1 error (limit 0); InvalidWrite: 1 error (limit 0)\n\n"
                        + "InvalidRead:\nInvalid read of size 4\n    at main (invalid_read.c:10)\n"
                        + "  Address ")
                .contains("\nInvalidWrite:\nInvalid write of size 4\n    at main (invalid_read.c:12)\n");
        assertThat(LeakGate.defaults().failOnAnyError().evaluate(run).violations()).hasSize(2);
    }

    @Tag("valgrind")
    @Test
    void crashIsInconclusiveAndSaysWhyAndWhatWasSeen() {
        MemcheckRun run = run("crash", "segv");

        Verdict verdict = LeakGate.defaults().evaluate(run);

        assertThat(verdict.outcome()).isEqualTo(Outcome.INCONCLUSIVE);
        assertThat(verdict.passed()).isFalse();
        assertThat(verdict.message()).startsWith("""
                leakgate: INCONCLUSIVE: no complete leak check, so the gate cannot pass
                  - the program was ended by SIGSEGV (Access not within mapped region) at main (crash.c:13), so its\
                 leak check is not conclusive (blocks still in use when it died count as leaks); make the program\
                 return from main
                As far as it was read, the run was also over limits: definitely lost: 40 bytes in 1 blocks (limit 0\
                 bytes)""");
    }

    @Tag("valgrind")
    @Test
    void limitOnATotalTheReportDoesNotGiveIsInconclusiveNotPassed() {
        Verdict verdict = LeakGate.defaults().limit(LeakKind.SUPPRESSED, 0).evaluate(run("clean"));

        assertThat(verdict.outcome()).isEqualTo(Outcome.INCONCLUSIVE);
        assertThat(verdict.reasons()).containsExactly("the gate limits suppressed bytes, but valgrind writes the"
                + " suppressed total to XML only from protocol 6 (valgrind 3.26); use a newer valgrind to gate on it");
    }

    @Test
    void invalidLimitsAreRefusedWithTheAlternative() {
        assertThatThrownBy(() -> LeakGate.defaults().limit(LeakKind.STILL_REACHABLE, -1))
                .hasMessage("The limit for still reachable must be >= 0 bytes, but was -1; use"
                        + " ungated(STILL_REACHABLE) to not gate that kind");
        assertThatThrownBy(() -> LeakGate.defaults().failOn(ErrorKind.UNKNOWN))
                .hasMessageStartingWith("ErrorKind.UNKNOWN names no kind");
    }

    @Test
    void manyRecordsAreCappedInTheMessage() {
        String xml = StoredReports.text("valgrind-3.19-leak.xml");
        StringBuilder many = new StringBuilder(xml.substring(0, xml.indexOf("<errorcounts>")));
        for (int i = 0; i < 15; i++) {
            many.append("<error><unique>0x").append(100 + i).append("</unique><tid>1</tid>"
                    + "<kind>Leak_DefinitelyLost</kind><xwhat><text>").append(i + 1).append(" bytes in 1 blocks are"
                    + " definitely lost</text><leakedbytes>").append(i + 1).append("</leakedbytes><leakedblocks>1"
                    + "</leakedblocks></xwhat><stack><frame><ip>0x1</ip><fn>f").append(i).append("</fn></frame>"
                    + "</stack></error>\n");
        }
        many.append(xml.substring(xml.indexOf("<errorcounts>")));
        MemcheckReport report = new MemcheckXmlParser().parse(
                new ByteArrayInputStream(many.toString().getBytes(StandardCharsets.UTF_8)),
                "many.xml");

        String message = LeakGate.defaults().evaluate(report).message();

        assertThat(message).endsWith("\n... and 7 more definitely lost records (28 bytes) not shown");
        assertThat(message.lines().filter(l -> l.contains("are definitely lost"))).hasSize(FailureMessage.MAX_RECORDS);
    }
}
