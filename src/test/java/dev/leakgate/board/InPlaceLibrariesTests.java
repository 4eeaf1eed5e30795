package dev.leakgate.board;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.leakgate.board.emulated.EmulatedBoard;
import dev.leakgate.board.ssh.BoardException;
import dev.leakgate.board.ssh.SshBoard;
import dev.leakgate.board.ssh.SshFiles;
import dev.leakgate.gate.LeakGate;
import dev.leakgate.gate.Verdict;
import dev.leakgate.process.MemcheckCommand;
import dev.leakgate.process.MemcheckRun;
import dev.leakgate.process.RunOptions;
import dev.leakgate.testing.SharedEmulatedBoard;
import dev.leakgate.testing.TestPrograms;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The field report's in-place override (the unstripped library symlinked over the installed one)
 * on the real emulated board: the run sees the unstripped library, and the original always comes back.
 */
@ExtendWith(SharedEmulatedBoard.class)
@Tag("board")
class InPlaceLibrariesTests {

    private static final String ROOT = "/tmp/leakgate";
    private static final String INSTALLED = "/app/lib/libstream.so";

    private final SshBoard board;
    private final BoardMemcheckRunner runner;
    private String originalHash;
    private String program;
    private String unstripped;

    InPlaceLibrariesTests(EmulatedBoard emulated) {
        this.board = emulated.board();
        this.runner = new BoardMemcheckRunner(board);
    }

    /** The board has a stripped libstream.so installed in /app/lib, as a product image would. */
    @BeforeEach
    void installStrippedLibrary(@TempDir Path dir) throws Exception {
        Path lib = TestPrograms.aarch64SharedLibrary("stream");
        Path stripped = Files.copy(lib, dir.resolve("libstream.so"));
        new ProcessBuilder("aarch64-linux-gnu-strip", stripped.toString()).start().waitFor();
        board.files().upload(stripped, "/app/lib", "libstream.so");
        originalHash = SshFiles.sha256(stripped);
        Deployment d = runner.deploy("in-place",
                List.of(TestPrograms.aarch64ProgramUsing("uses_lib", "stream"), lib));
        program = d.paths().get(0);
        unstripped = d.paths().get(1);
    }

    private String installedState() {
        return board.run("if [ -L " + INSTALLED + " ]; then echo link; else sha256sum " + INSTALLED + " | cut -c1-64; fi",
                Duration.ofSeconds(10)).stdout().trim();
    }

    private MemcheckRun runFromInstalledLocation() {
        return runner.run(MemcheckCommand.builder(program).env("LD_LIBRARY_PATH", "/app/lib").build(),
                RunOptions.named("in-place"));
    }

    @Test
    void runSeesTheUnstrippedLibraryAndTheOriginalComesBack() {
        Verdict before = LeakGate.defaults().evaluate(runFromInstalledLocation());
        Verdict during;
        try (InPlaceLibraries swapped = InPlaceLibraries.swap(board, ROOT, Map.of(INSTALLED, unstripped))) {
            assertThat(installedState()).isEqualTo("link");
            during = LeakGate.defaults().evaluate(runFromInstalledLocation());
        }

        assertThat(before.message()).as("the stripped original has no file:line").doesNotContain("libstream.c:");
        assertThat(during.message()).contains("at read_profile (libstream.c:7)", "at start_stream (libstream.c:14)");
        assertThat(installedState()).isEqualTo(originalHash);
    }

    @Test
    void originalComesBackWhenTheTestFails() {
        assertThatThrownBy(() -> {
            try (InPlaceLibraries swapped = InPlaceLibraries.swap(board, ROOT, Map.of(INSTALLED, unstripped))) {
                throw new AssertionError("the test failed while the library was swapped");
            }
        }).hasMessage("the test failed while the library was swapped");

        assertThat(installedState()).isEqualTo(originalHash);
    }

    @Test
    void originalComesBackWhenTheConnectionDroppedAndLeakgateReconnects() {
        SshBoard second = SshBoard.connect(board.target(), "the emulated aarch64 board");
        InPlaceLibraries.swap(second, ROOT, Map.of(INSTALLED, unstripped));
        second.close(); // the connection drops: close() of the swap never runs

        assertThat(installedState()).isEqualTo("link");
        try (SshBoard again = SshBoard.connect(board.target(), "the emulated aarch64 board")) {
            InPlaceLibraries.recover(again, ROOT);
        }
        assertThat(installedState()).isEqualTo(originalHash);
        assertThat(board.run("ls /app/lib", Duration.ofSeconds(10)).stdout()).doesNotContain("leakgate-original");
    }

    @Test
    void overridingAFileThatIsNotInstalledFailsAndChangesNothing() {
        assertThatThrownBy(() -> InPlaceLibraries.swap(board, ROOT,
                Map.of("/app/lib/libnothing.so", unstripped)))
                .isInstanceOf(BoardException.class)
                .hasMessageContaining("no installed file /app/lib/libnothing.so to override");
        assertThat(board.run("ls /app/lib", Duration.ofSeconds(10)).stdout()).doesNotContain("libnothing");
        assertThat(installedState()).isEqualTo(originalHash);
    }
}
