package dev.leakgate.memcheck;

import static org.assertj.core.api.Assertions.assertThat;

import dev.leakgate.process.LocalMemcheckRunner;
import dev.leakgate.process.MemcheckCommand;
import dev.leakgate.process.MemcheckRun;
import dev.leakgate.process.RunOptions;
import dev.leakgate.testing.TestPrograms;
import dev.leakgate.testing.ValgrindTextSummary;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * leakgate's totals, read from valgrind's XML, against valgrind's own text LEAK SUMMARY for the
 * same program: they must be equal, kind by kind, bytes and blocks.
 */
@Tag("valgrind")
class LeakTotalsAgainstValgrindTests {

    private final LocalMemcheckRunner runner = new LocalMemcheckRunner();

    static Stream<Arguments> programs() {
        return Stream.of(
                Arguments.of("clean", List.of()),
                Arguments.of("leaky", List.of()),
                Arguments.of("structures", List.of()),
                Arguments.of("interior", List.of()),
                Arguments.of("threads", List.of()),
                Arguments.of("forks", List.of()),
                Arguments.of("invalid_read", List.of()),
                Arguments.of("suppressed", List.of(TestPrograms.SOURCES.resolve("suppressed.supp").toString())));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("programs")
    void totalsEqualValgrindsLeakSummary(String name, List<String> suppressions) throws Exception {
        Path program = TestPrograms.program(name);
        MemcheckCommand command = MemcheckCommand.builder(program.toString())
                .suppressions(suppressions)
                .build();

        MemcheckRun run = runner.run(command, RunOptions.named(name));
        Map<LeakKind, Amount> expected = ValgrindTextSummary.of(
                suppressions.stream().map(s -> "--suppressions=" + s).toList(), List.of(program.toString()), Map.of());

        assertThat(run.problems()).isEmpty();
        assertTotalsEqual(run.report().totals(), expected);
    }

    @Test
    void totalsEqualValgrindsLeakSummaryWithGeneratedSuppressions() throws Exception {
        // --gen-suppressions=all puts a <suppression> between the loss records (the extension uses it)
        Path program = TestPrograms.program("structures");
        MemcheckRun run = runner.run(MemcheckCommand.builder(program.toString()).options("--gen-suppressions=all").build(),
                RunOptions.named("gen-suppressions"));

        assertThat(run.problems()).isEmpty();
        assertTotalsEqual(run.report().totals(), ValgrindTextSummary.of(List.of(), List.of(program.toString()), Map.of()));
        assertThat(run.report().leakRecords()).allSatisfy(r -> assertThat(r.suppression()).contains("Memcheck:Leak"));
    }

    @Test
    void totalsEqualValgrindsLeakSummaryForLeaksInASharedLibrary() throws Exception {
        Path program = TestPrograms.programUsing("uses_lib", "stream");
        Map<String, String> env = Map.of("LD_LIBRARY_PATH", TestPrograms.OUT.toString());
        MemcheckCommand command = MemcheckCommand.builder(program.toString())
                .env("LD_LIBRARY_PATH", TestPrograms.OUT.toString())
                .build();

        MemcheckRun run = runner.run(command, RunOptions.named("shared-library"));

        assertThat(run.problems()).isEmpty();
        assertTotalsEqual(run.report().totals(), ValgrindTextSummary.of(List.of(), List.of(program.toString()), env));
        LeakRecord leak = run.report().leakRecords(LeakKind.DEFINITELY_LOST).get(0);
        assertThat(leak.stack()).extracting(Frame::describe)
                .containsSubsequence("read_profile (libstream.c:7)", "start_stream (libstream.c:14)",
                        "main (uses_lib.c:6)");
        assertThat(leak.stack().get(1).obj()).endsWith("/libstream.so");
        assertThat(leak.bytes()).isEqualTo(3 * (4 + 64));
    }

    static void assertTotalsEqual(LeakTotals totals, Map<LeakKind, Amount> expected) {
        // valgrind 3.19 writes protocol 4, which has no suppressed total; every other kind must match
        EnumSet<LeakKind> compared = EnumSet.allOf(LeakKind.class);
        if (totals.source() == LeakTotals.Source.LOSS_RECORDS) {
            compared.remove(LeakKind.SUPPRESSED);
            assertThat(totals.of(LeakKind.SUPPRESSED)).isEmpty();
        }
        for (LeakKind kind : compared) {
            assertThat(totals.of(kind)).as(kind.label()).contains(expected.get(kind));
        }
    }
}
