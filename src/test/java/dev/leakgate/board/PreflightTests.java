package dev.leakgate.board;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.leakgate.board.emulated.EmulatedBoard;
import dev.leakgate.board.ssh.BoardException;
import dev.leakgate.board.ssh.SshBoard;
import dev.leakgate.process.MemcheckCommand;
import dev.leakgate.testing.SharedEmulatedBoard;
import dev.leakgate.testing.TestPrograms;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Each preflight check against the real emulated board, with the message a user would get. */
@ExtendWith(SharedEmulatedBoard.class)
@Tag("board")
class PreflightTests {

    private static final String ROOT = "/tmp/leakgate";

    private final SshBoard board;

    PreflightTests(EmulatedBoard emulated) {
        this.board = emulated.board();
    }

    private static MemcheckCommand plain() {
        return MemcheckCommand.builder("/tmp/leakgate/deploy/x/prog").build();
    }

    @Test
    void rightlyBuiltHarnessAndValgrindPass() {
        assertThat(Preflight.problems(board, TestPrograms.aarch64Program("leaky"), List.of(), plain(), ROOT)).isEmpty();
        assertThat(Preflight.problems(board, TestPrograms.aarch64Program("leaky"), List.of(),
                MemcheckCommand.builder("p").valgrindPrefix("/opt/valgrind").build(), ROOT)).isEmpty();
    }

    @Test
    void theBoardsFactsAreAskedOnceForTheTestRun() {
        // a valgrind prefix of its own, so that taking it away touches no other test
        String copy = "/tmp/leakgate-preflight-cache";
        board.run("rm -rf " + copy + " && cp -a /opt/valgrind " + copy, Duration.ofSeconds(60));
        MemcheckCommand command = MemcheckCommand.builder("p").valgrindPrefix(copy).build();
        Path leaky = TestPrograms.aarch64Program("leaky");
        Preflight.FactsCache run = new Preflight.FactsCache();
        try {
            long first = System.nanoTime();
            assertThat(Preflight.problems(board, leaky, List.of(), command, ROOT, run)).isEmpty();
            first = System.nanoTime() - first;
            board.run("rm -rf " + copy, Duration.ofSeconds(30));
            long second = System.nanoTime();
            // the same test run: the board is not asked again (the valgrind it saw is taken as still there)
            assertThat(Preflight.problems(board, leaky, List.of(), command, ROOT, run)).isEmpty();
            second = System.nanoTime() - second;
            System.out.printf("preflight: %.2f s asking the board, %.3f s from the run's facts%n", first / 1e9,
                    second / 1e9);
            // the next test run asks afresh and sees that it is gone
            assertThat(Preflight.problems(board, leaky, List.of(), command, ROOT, new Preflight.FactsCache()))
                    .singleElement().asString().startsWith("there is no valgrind at '" + copy + "/bin/valgrind'");
        } finally {
            board.run("rm -rf " + copy, Duration.ofSeconds(30));
        }
    }

    @Test
    void harnessForAnotherCpuIsRefusedWithTheFix() {
        Path host = TestPrograms.program("leaky");

        assertThatThrownBy(() -> Preflight.check(board, host, List.of(), plain(), ROOT))
                .isInstanceOf(BoardException.class)
                .hasMessage("leakgate preflight found 1 problem before running on the emulated aarch64 board:\n  - "
                        + host + " is built for x86-64, but the board's CPU is aarch64: build it with the board's"
                        + " cross compiler (aarch64-linux-gnu-gcc)");
    }

    @Test
    void strippedOrLineLessLibrariesAreNamedWithTheFix() {
        Path stripped = TestPrograms.aarch64Variant("leaky", "stripped", true, "-ggdb3");
        Path noLines = TestPrograms.aarch64Variant("leaky", "nolines", false);

        List<String> problems = Preflight.problems(board, TestPrograms.aarch64Program("leaky"),
                List.of(stripped, noLines), plain(), ROOT);

        assertThat(problems).containsExactly(
                stripped + " is stripped (no symbol table), so leak stacks cannot name its functions: remove strip"
                        + " from the build and add -ggdb3",
                noLines + " has no line information, so leak stacks cannot show file:line: add -ggdb3 (or -g) to its"
                        + " build");
    }

    @Test
    void harnessLinkedAgainstMuslIsRefused() {
        Path musl = TestPrograms.aarch64Variant("leaky", "musl", false, "-g",
                "-Wl,--dynamic-linker=/lib/ld-musl-aarch64.so.1");

        assertThat(Preflight.problems(board, musl, List.of(), plain(), ROOT)).containsExactly(musl + " is linked"
                + " against musl (/lib/ld-musl-aarch64.so.1), which valgrind does not support: build it against glibc");
    }

    @Test
    void missingValgrindIsNamedWithWhereToSetIt() {
        MemcheckCommand command = MemcheckCommand.builder("p").valgrind("/opt/nothing/bin/valgrind").build();

        assertThat(Preflight.problems(board, TestPrograms.aarch64Program("leaky"), List.of(), command, ROOT))
                .containsExactly("there is no valgrind at '/opt/nothing/bin/valgrind' on the emulated aarch64 board:"
                        + " install it there (a cross-compiled valgrind and its libexec folder), or set"
                        + " leakgate.valgrind to its path (and leakgate.valgrind.lib to VALGRIND_LIB for a custom"
                        + " prefix)");
    }

    @Test
    void customPrefixValgrindWithoutOrWithAWrongValgrindLibIsExplained() {
        MemcheckCommand noLib = MemcheckCommand.builder("p").valgrind("/opt/valgrind/bin/valgrind").build();
        MemcheckCommand wrongLib = MemcheckCommand.builder("p").valgrind("/opt/valgrind/bin/valgrind")
                .valgrindLib("/opt/valgrind/lib").build();

        assertThat(Preflight.problems(board, TestPrograms.aarch64Program("leaky"), List.of(), noLib, ROOT))
                .containsExactly("valgrind '/opt/valgrind/bin/valgrind' on the emulated aarch64 board cannot find its"
                        + " tools: a valgrind installed in a custom prefix needs VALGRIND_LIB=<prefix>/libexec/valgrind"
                        + " (set leakgate.valgrind.lib)");
        assertThat(Preflight.problems(board, TestPrograms.aarch64Program("leaky"), List.of(), wrongLib, ROOT))
                .singleElement().asString().contains("cannot find its tools in VALGRIND_LIB=/opt/valgrind/lib");
    }

    @Test
    void deploymentLargerThanTheFreeSpaceIsRefused(@TempDir Path dir) throws Exception {
        // /dev/shm of a container is 64 MB: a 40 MB library (an ELF with padding) and its run need more
        Path big = Files.copy(TestPrograms.aarch64Program("clean"), dir.resolve("libbig.so"));
        try (OutputStream out = Files.newOutputStream(big, StandardOpenOption.APPEND)) {
            out.write(new byte[40 << 20]);
        }

        List<String> problems = Preflight.problems(board, TestPrograms.aarch64Program("leaky"), List.of(big), plain(),
                "/dev/shm/leakgate");

        assertThat(problems).singleElement().asString()
                .startsWith("not enough space for the deployment on the emulated aarch64 board: ")
                .contains("MB free under /dev/shm/leakgate, 40 MB to copy");
    }
}
