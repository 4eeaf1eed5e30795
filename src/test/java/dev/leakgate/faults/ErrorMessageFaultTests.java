package dev.leakgate.faults;

import static dev.leakgate.faults.LocalRuns.command;
import static dev.leakgate.faults.LocalRuns.kit;
import static dev.leakgate.faults.LocalRuns.verdict;
import static org.assertj.core.api.Assertions.assertThat;

import dev.leakgate.cli.LeakgateCommandAccess;
import dev.leakgate.gate.Outcome;
import dev.leakgate.gate.Verdict;
import dev.leakgate.kit.KitReplies;
import dev.leakgate.process.MemcheckRun;
import dev.leakgate.process.RunOptions;
import dev.leakgate.testing.TestPrograms;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/** The fault matrix, errors that must say their real cause, on this machine. */
class ErrorMessageFaultTests {

    @Tag("valgrind")
    @Test
    void brokenSuppressionFileQuotesValgrindsFatalLine() {
        MemcheckRun run = LocalRuns.RUNNER.run(command("leaky")
                        .suppressions(TestPrograms.SOURCES.resolve("broken.supp").toString()).build(),
                RunOptions.named("broken-supp"));

        Verdict v = verdict(run);

        assertThat(v.outcome()).isEqualTo(Outcome.INCONCLUSIVE);
        assertThat(v.reasons().get(0)).isEqualTo("valgrind stopped with a fatal error: FATAL: in suppressions file \""
                + TestPrograms.SOURCES.resolve("broken.supp") + "\" near line 5:\n"
                + "    location should be \"...\", or should start with \"fun:\", \"obj:\", or \"src:\"\n"
                + "    exiting now. (fix the suppression file it names, or remove it from suppressions)");
    }

    @Tag("valgrind")
    @Test
    void programThatExecsAnotherIsFollowedIntoItAndSaysSo() {
        MemcheckRun run = LocalRuns.run("execs");

        Verdict v = verdict(run);

        assertThat(run.exitStatus()).hasValue(0);
        assertThat(run.report().programArgs()).containsExactly("/bin/true");
        assertThat(v.outcome()).isEqualTo(Outcome.PASS);
        assertThat(v.notes()).containsExactly("the program replaced itself (exec) with '/bin/true', which valgrind"
                + " followed: the report is that program's");
    }

    @Tag("valgrind")
    @Test
    void bytesThatAreNotUtf8OnTheHarnessesStdoutDoNotHideItsReplies() {
        LocalRuns.KitRun k = kit("run binary 2\nquit\n", 60);

        KitReplies replies = KitReplies.check(k.replies(), List.of(new KitReplies.Request("binary", 2)));

        assertThat(replies.problems()).isEmpty();
        assertThat(replies.results()).singleElement().satisfies(r -> assertThat(r.lost()).isZero());
        assertThat(verdict(k.run()).outcome()).isEqualTo(Outcome.PASS);
    }

    @Test
    void commandLineInternalErrorIsOneLineWithItsOwnExitStatus() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Path unwritable = Path.of("/proc/leakgate-runs");

        int status = LeakgateCommandAccess.execute(new String[] {"run", "--runs-dir",
                        unwritable.toString(), "--", TestPrograms.program("clean").toString()},
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));

        assertThat(status).isEqualTo(70);
        assertThat(err.toString(StandardCharsets.UTF_8).lines()).as("no stack trace").noneMatch(l -> l.contains("\tat "))
                .filteredOn(l -> l.contains("error")).singleElement().asString()
                .startsWith("leakgate: internal error: UncheckedIOException: cannot create a run folder under "
                        + unwritable);
        assertThat(out.toString(StandardCharsets.UTF_8)).isEmpty();
    }
}
