package dev.leakgate.process;

import static org.assertj.core.api.Assertions.assertThat;

import dev.leakgate.gate.LeakGate;
import dev.leakgate.gate.Outcome;
import dev.leakgate.memcheck.Amount;
import dev.leakgate.memcheck.ErrorKind;
import dev.leakgate.memcheck.LeakKind;
import dev.leakgate.testing.EndAfter;
import dev.leakgate.testing.TestPrograms;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

class LocalMemcheckRunnerTests {

    private final LocalMemcheckRunner runner = new LocalMemcheckRunner();

    private static MemcheckCommand command(String program, String... args) {
        return MemcheckCommand.builder(TestPrograms.program(program).toString()).args(args).build();
    }

    private static RunOptions quick(String name) {
        return RunOptions.named(name)
                .withTimeout(Duration.ofSeconds(4))
                .withGrace(Duration.ofSeconds(3), Duration.ofSeconds(5));
    }

    @Tag("valgrind")
    @Test
    void programThatEndsByItselfIsConclusiveAndKeepsEveryRawFile() throws Exception {
        MemcheckRun run = runner.run(command("leaky"), RunOptions.named("leaky"));

        assertThat(run.termination()).isEqualTo(Termination.EXITED);
        assertThat(run.exitStatus()).hasValue(0);
        assertThat(run.isConclusive()).isTrue();
        assertThat(run.report().totals().of(LeakKind.DEFINITELY_LOST)).contains(new Amount(128, 2));
        RunFiles files = run.files();
        assertThat(files.folder()).startsWith(Path.of("target/leakgate/runs").toAbsolutePath());
        assertThat(files.xml()).isRegularFile();
        assertThat(files.log()).isRegularFile();
        assertThat(files.stdout()).isRegularFile();
        assertThat(files.stderr()).isRegularFile();
        assertThat(Files.readString(files.command())).contains("--leak-check=full",
                "--xml-file=" + files.folder().resolve("memcheck.%p.xml"));
        assertThat(Files.isSymbolicLink(files.xml())).as("the own report is put in place of the link").isFalse();
    }

    @Tag("valgrind")
    @Test
    void timeoutClosesStdinFirstAndEvenAProgramThatThenReturnsFromMainIsInconclusive() {
        MemcheckRun run = runner.run(command("hang", "stdin"), quick("hang-stdin").withStdinKeptOpen());

        assertThat(run.termination()).isEqualTo(Termination.STDIN_CLOSED);
        assertThat(run.report().isComplete()).as("valgrind wrote its whole leak check").isTrue();
        assertThat(run.report().totals().bytes(LeakKind.DEFINITELY_LOST)).isEqualTo(16);
        assertThat(run.problems()).containsExactly("the program did not end by itself: leakgate ended it at the"
                + " timeout after 4 s (it hit the timeout and ended after its standard input was closed); what it"
                + " would have done after the cut is not in the report. Make the program return from main within"
                + " the timeout (a harness: quit, or end of input), or raise the timeout");
    }

    @Tag("valgrind")
    @Test
    void timeoutThenSigtermGivesALeakCheckButAnInconclusiveRun() {
        MemcheckRun run = runner.run(command("hang", "pause"), quick("hang-pause"));

        assertThat(run.termination()).isEqualTo(Termination.TERMINATED);
        assertThat(run.report().fatalSignal()).hasValueSatisfying(s -> assertThat(s.signame()).isEqualTo("SIGTERM"));
        assertThat(run.report().finalLeakCheck()).isPresent();
        assertThat(run.isConclusive()).isFalse();
        assertThat(run.problems()).hasSize(2);
        assertThat(run.problems().get(0)).startsWith("the program did not end by itself: leakgate ended it at the"
                + " timeout after 4 s (it hit the timeout and was sent SIGTERM)");
        assertThat(run.problems().get(1)).startsWith("the program was ended by SIGTERM at ")
                .contains("make the program return from main");
    }

    @Tag("valgrind")
    @Test
    void programThatIgnoresSigtermIsKilledAndTheRunSaysSo() {
        MemcheckRun run;
        try (MemcheckProcess p = runner.start(command("hang", "stubborn"), quick("hang-stubborn"))) {
            // ended once it ignores SIGTERM, however long a busy machine takes to get it there
            run = EndAfter.line(p, "ready stubborn", Duration.ofSeconds(60), Duration.ofSeconds(1),
                    Duration.ofSeconds(2));
        }

        assertThat(run.termination()).isEqualTo(Termination.KILLED);
        assertThat(run.exitStatus()).isEmpty();
        assertThat(run.report().isComplete()).isFalse();
        assertThat(run.problems()).anySatisfy(p -> assertThat(p)
                .contains("ignored SIGTERM and was killed with SIGKILL", "could not write its leak check"));
        assertThat(run.problems()).anySatisfy(p -> assertThat(p).contains("is cut off at line"));
        assertThat(ProcessHandle.allProcesses()
                .filter(h -> h.info().commandLine().orElse("").contains(run.files().folder().toString())))
                .as("no process of the run is left").isEmpty();
    }

    @Tag("valgrind")
    @Test
    void segfaultIsInconclusiveAndNamesTheSignalAndWhere() {
        MemcheckRun run = runner.run(command("crash", "segv"), RunOptions.named("segv"));

        assertThat(run.termination()).isEqualTo(Termination.EXITED);
        assertThat(run.exitStatus()).hasValue(128 + 11);
        assertThat(run.report().errors(ErrorKind.INVALID_WRITE)).hasSize(1);
        assertThat(run.problems()).containsExactly("the program was ended by SIGSEGV (Access not within mapped"
                + " region) at main (crash.c:13), so its leak check is not conclusive (blocks still in use when"
                + " it died count as leaks); make the program return from main");
    }

    @Tag("valgrind")
    @Test
    void abortIsInconclusive() {
        MemcheckRun run = runner.run(command("crash", "abort"), RunOptions.named("abort"));

        assertThat(run.report().fatalSignal()).hasValueSatisfying(s -> assertThat(s.signame()).isEqualTo("SIGABRT"));
        assertThat(run.isConclusive()).isFalse();
        assertThat(LeakGate.defaults().evaluate(run).outcome()).isEqualTo(Outcome.INCONCLUSIVE);
    }

    @Tag("valgrind")
    @Test
    void forkedChildStaysOutOfTheParentsReport() {
        MemcheckRun run = runner.run(command("forks"), RunOptions.named("forks"));

        assertThat(run.isConclusive()).isTrue();
        assertThat(run.report().leakRecords()).extracting(r -> r.allocationSite().fn())
                .containsExactly("parent_leak");
    }

    @Tag("valgrind")
    @Test
    void leaksInThreadsAreCounted() {
        MemcheckRun run = runner.run(command("threads"), RunOptions.named("threads"));

        assertThat(run.isConclusive()).isTrue();
        // valgrind merges the four threads' blocks into one loss record: same allocation stack
        assertThat(run.report().leakRecords(LeakKind.DEFINITELY_LOST)).singleElement().satisfies(r -> {
            assertThat(r.bytes()).isEqualTo(16 + 32 + 48 + 64);
            assertThat(r.blocks()).isEqualTo(4);
            assertThat(r.allocationSite().describe()).isEqualTo("worker (threads.c:8)");
        });
    }

    @Test
    void missingValgrindIsNotStartedWithTheFix() {
        MemcheckCommand command = MemcheckCommand.builder(TestPrograms.program("clean").toString())
                .valgrind("/nonexistent/bin/valgrind").build();

        MemcheckRun run = runner.run(command, RunOptions.named("no-valgrind"));

        assertThat(run.termination()).isEqualTo(Termination.NOT_STARTED);
        assertThat(run.problems().get(0)).startsWith("could not start valgrind '/nonexistent/bin/valgrind'")
                .endsWith("install valgrind (Debian: apt-get install valgrind) or set the path to it");
        assertThat(LeakGate.defaults().evaluate(run).outcome()).isEqualTo(Outcome.INCONCLUSIVE);
    }

    @Tag("valgrind")
    @Test
    void valgrindThatRefusesItsOptionsIsInconclusiveAndShowsWhatValgrindSaid() {
        MemcheckCommand command = MemcheckCommand.builder(TestPrograms.program("clean").toString())
                .options("--no-such-option=1").build();

        MemcheckRun run = runner.run(command, RunOptions.named("bad-option"));

        assertThat(run.exitStatus()).hasValue(1);
        assertThat(run.problems()).anySatisfy(p -> assertThat(p).contains("there is no memcheck XML at"));
        assertThat(run.problems()).anySatisfy(p -> assertThat(p)
                .startsWith("valgrind wrote no report; its stderr ends with:").contains("--no-such-option=1"));
    }

    @Tag("valgrind")
    @Test
    void argumentsEnvironmentAndStdinReachTheProgramUnchanged(@TempDir Path dir) throws Exception {
        String hostile = "it's a \"test\"; $(touch " + dir.resolve("pwned") + ") `id` %p";
        MemcheckCommand command = MemcheckCommand.builder(TestPrograms.program("echo_env").toString())
                .args(hostile, "two words")
                .env("LEAKGATE_TEST_VALUE", hostile)
                .build();

        MemcheckRun run = runner.run(command, RunOptions.named("echo").withStdin("line from stdin\n"));

        assertThat(run.isConclusive()).isTrue();
        assertThat(Files.readAllLines(run.files().stdout())).containsExactly(
                "arg:" + hostile, "arg:two words", "env:" + hostile, "line from stdin");
        assertThat(dir.resolve("pwned")).doesNotExist();
    }

    @Tag("valgrind")
    @Test
    void programAndRunFolderWithSpacesQuotesAndSemicolonsWork(@TempDir Path dir) throws Exception {
        Path odd = Files.createDirectories(dir.resolve("it's; a $(dir) %p"));
        Path program = Files.copy(TestPrograms.program("leaky"), odd.resolve("leaky 'prog'"));
        LocalMemcheckRunner oddRunner = new LocalMemcheckRunner(odd.resolve("runs %q{HOME}"));

        MemcheckRun run = oddRunner.run(MemcheckCommand.builder(program.toString()).build(),
                RunOptions.named("odd name; $(x)"));

        assertThat(run.isConclusive()).isTrue();
        assertThat(run.files().xml()).isRegularFile().startsWith(odd);
        assertThat(run.files().folder().getFileName().toString()).startsWith("odd_name____x_-");
        assertThat(run.report().programArgs()).containsExactly(program.toString());
        assertThat(run.report().totals().bytes(LeakKind.DEFINITELY_LOST)).isEqualTo(128);
        assertThat(List.of(run.files().log(), run.files().xml())).allSatisfy(p -> assertThat(p).exists());
    }
}
