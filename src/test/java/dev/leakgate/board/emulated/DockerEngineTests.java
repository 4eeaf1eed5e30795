package dev.leakgate.board.emulated;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.leakgate.board.ssh.BoardException;

import java.net.ServerSocket;
import java.net.StandardProtocolFamily;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Docker engine asked directly, within seconds, with the cause when it does not answer; and
 * the emulated board started with no Testcontainers setting at all.
 */
class DockerEngineTests {

    @Test
    void runningEngineAnswers() {
        DockerEngine.requireAnswering(URI.create("unix:///var/run/docker.sock"));
    }

    @Test
    void missingSocketSaysNoEngineRunsHereAndHowToStartOne(@TempDir Path dir) {
        URI none = URI.create("unix://" + dir.resolve("docker.sock"));

        assertThatThrownBy(() -> DockerEngine.requireAnswering(none)).isInstanceOf(BoardException.class)
                .hasMessageStartingWith("no Docker engine runs here: there is no socket " + dir.resolve("docker.sock")
                        + ". Start it (as root: dockerd &, or systemctl start docker;");
    }

    @Test
    void socketThatNobodyListensOnSaysTheEngineStopped(@TempDir Path dir) throws Exception {
        Path socket = dir.resolve("docker.sock");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket)); // the socket file stays when it closes
        }

        assertThatThrownBy(() -> DockerEngine.requireAnswering(URI.create("unix://" + socket)))
                .hasMessageStartingWith("the Docker engine's socket " + socket + " is there but nothing listens on it");
    }

    @Test
    void engineThatDoesNotAnswerIsGivenUpOnWithinSeconds() throws Exception {
        try (ServerSocket silent = new ServerSocket(0)) { // accepts, never answers
            long start = System.nanoTime();
            assertThatThrownBy(() -> DockerEngine.requireAnswering(URI.create("tcp://127.0.0.1:" + silent.getLocalPort())))
                    .hasMessageStartingWith("the Docker engine at tcp://127.0.0.1:" + silent.getLocalPort()
                            + " does not answer within 3 s");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
        }
    }

    @Tag("board")
    @Test
    void emulatedBoardStartsWithoutAnyTestcontainersSettingAndWithoutSlf4jNoise() throws Exception {
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), StartAndStop.class.getName());
        pb.environment().keySet().removeIf(k -> k.startsWith("TESTCONTAINERS_"));
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);

        assertThat(p.waitFor(3, TimeUnit.MINUTES)).isTrue();
        assertThat(p.exitValue()).as(out + err).isZero();
        assertThat(out).contains("board started: emulated aarch64 board (container ");
        assertThat(err).as("no SLF4J warning without a logger").doesNotContain("SLF4J");
    }

    /** Starts the emulated board and stops it, in a JVM of its own. */
    public static final class StartAndStop {
        public static void main(String[] args) {
            try (EmulatedBoard board = EmulatedBoard.start()) {
                System.out.println("board started: " + board);
            }
        }
    }
}
