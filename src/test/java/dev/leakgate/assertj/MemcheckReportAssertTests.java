package dev.leakgate.assertj;

import static dev.leakgate.assertj.LeakgateAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.leakgate.memcheck.ErrorKind;
import dev.leakgate.memcheck.LeakKind;
import dev.leakgate.memcheck.MemcheckReport;
import dev.leakgate.process.LocalMemcheckRunner;
import dev.leakgate.process.MemcheckCommand;
import dev.leakgate.process.RunOptions;
import dev.leakgate.testing.TestPrograms;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("valgrind")
class MemcheckReportAssertTests {

    private static final LocalMemcheckRunner RUNNER = new LocalMemcheckRunner();

    private static MemcheckReport report(String program, String... args) {
        return RUNNER.run(MemcheckCommand.builder(TestPrograms.program(program).toString()).args(args).build(),
                RunOptions.named(program)).report();
    }

    @Test
    void passingAssertionsOnACleanAndALeakyRun() {
        assertThat(report("clean")).isComplete().hasNoDefinitelyLostBytes().hasBytes(LeakKind.STILL_REACHABLE, 0);
        assertThat(report("leaky"))
                .hasBytes(LeakKind.DEFINITELY_LOST, 128)
                .hasAtMostBytes(LeakKind.DEFINITELY_LOST, 128)
                .hasLeakThrough("make_buffer")
                .hasNoLeakThrough("free")
                .hasNoErrorsOfKind(ErrorKind.INVALID_READ);
    }

    @Test
    void definitelyLostBytesFailWithTheRecords() {
        MemcheckReport leaky = report("leaky");

        assertThatThrownBy(() -> assertThat(leaky).hasNoDefinitelyLostBytes())
                .isInstanceOf(AssertionError.class)
                .hasMessageStartingWith(String.format("%nExpecting report%n  %s%nto have at most 0 definitely lost"
                        + " bytes, but had:%n  128 bytes in 2 blocks%n  100 bytes in 1 blocks are definitely lost in"
                        + " loss record 2 of 2%n      at ", leaky.source()))
                .hasMessageContaining(String.format("%n      at make_buffer (leaky.c:6)%n      at main (leaky.c:12)"));
    }

    @Test
    void incompleteReportFailsEveryLeakAssertionWithTheReasons() {
        MemcheckReport crashed = report("crash", "segv");

        assertThatThrownBy(() -> assertThat(crashed).hasNoDefinitelyLostBytes())
                .hasMessage(String.format("%nExpecting report%n  %s%nto be complete, but it was not:%n  - the program"
                        + " was ended by SIGSEGV (Access not within mapped region) at main (crash.c:13), so its leak"
                        + " check is not conclusive (blocks still in use when it died count as leaks); make the"
                        + " program return from main", crashed.source()));
    }

    @Test
    void errorsOfAKindFailWithTheirStacks() {
        MemcheckReport report = report("invalid_read");

        assertThatThrownBy(() -> assertThat(report).hasNoErrorsOfKind(ErrorKind.INVALID_WRITE))
                .hasMessage(String.format("%nExpecting report%n  %s%nto have no InvalidWrite errors, but had 1:%n"
                        + "  Invalid write of size 4%n      at main (invalid_read.c:12)", report.source()));
    }

    @Test
    void leakThroughAFunctionIsFoundOrMissed() {
        MemcheckReport leaky = report("leaky");

        assertThatThrownBy(() -> assertThat(leaky).hasLeakThrough("onvifStartStream"))
                .hasMessage(String.format("%nExpecting report%n  %s%nto have a lost block allocated through%n"
                        + "  onvifStartStream%nbut no lost record's stack passes through it", leaky.source()));
        assertThatThrownBy(() -> assertThat(leaky).hasNoLeakThrough("make_buffer"))
                .hasMessageContaining("to have no lost block allocated through%n  make_buffer%nbut had:%n  100 bytes"
                        .formatted());
    }

    @Test
    void totalTheReportDoesNotGiveFailsRatherThanPassing() {
        assertThatThrownBy(() -> assertThat(report("clean")).hasBytes(LeakKind.SUPPRESSED, 0))
                .hasMessageEndingWith("to give its suppressed total, but it does not: valgrind writes the suppressed"
                        + " total to XML only from protocol 6 (valgrind 3.26); use a newer valgrind to gate on it");
    }
}
