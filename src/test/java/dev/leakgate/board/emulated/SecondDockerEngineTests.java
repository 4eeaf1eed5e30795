package dev.leakgate.board.emulated;

import static org.assertj.core.api.Assertions.assertThat;

import dev.leakgate.board.BoardSpec;
import dev.leakgate.cli.LeakgateCommand;
import dev.leakgate.testing.TestPrograms;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Emulated boards on another Docker engine, chosen as Docker's own tools choose one: DOCKER_HOST.
 * A second dockerd runs on this machine on a socket, a bridge and a data folder of its own (no
 * iptables of its own: its published ports go through docker-proxy), with the board image loaded
 * into it; leakgate's command line tool, in a JVM of its own with DOCKER_HOST set, starts the board
 * there and gates a leaky program on it.
 */
@Tag("board")
class SecondDockerEngineTests {

    static final Path HOME = Path.of("/run/leakgate-docker2");
    static final String SOCKET = "unix://" + HOME.resolve("docker.sock");
    static final String BRIDGE = "leakgate-br2";
    private static Process dockerd;

    @BeforeAll
    static void startTheSecondEngine() throws Exception {
        Files.createDirectories(HOME);
        sh("ip link show " + BRIDGE + " >/dev/null 2>&1 || { ip link add name " + BRIDGE + " type bridge"
                + " && ip addr add 10.231.7.1/24 dev " + BRIDGE + " && ip link set " + BRIDGE + " up; }");
        dockerd = new ProcessBuilder("dockerd", "--host", SOCKET, "--data-root", "/var/lib/leakgate-docker2",
                "--exec-root", HOME.resolve("exec").toString(), "--pidfile", HOME.resolve("dockerd.pid").toString(),
                "--bridge", BRIDGE, "--iptables=false", "--ip-masq=false")
                .redirectErrorStream(true).redirectOutput(HOME.resolve("dockerd.log").toFile()).start();
        for (int i = 0; i < 120 && !sh("docker -H " + SOCKET + " info >/dev/null 2>&1").isEmpty(); i++) {
            Thread.sleep(500);
        }
        assertThat(sh("docker -H " + SOCKET + " info >/dev/null 2>&1")).as("the second engine answers; its log: "
                + HOME.resolve("dockerd.log")).isEmpty();
        // the board image, from the first engine into the second (kept in its data folder for the next run)
        String image = new BoardSpec.Emulated().image();
        String id = "image inspect -f '{{.Id}}' " + image;
        assertThat(sh("[ \"$(docker -H " + SOCKET + " " + id + " 2>/dev/null)\" = \"$(docker " + id + ")\" ] || docker save "
                + image + " | docker -H " + SOCKET + " load -q >/dev/null")).isEmpty();
    }

    @AfterAll
    static void stopTheSecondEngine() throws Exception {
        if (dockerd != null) {
            dockerd.destroy();
            if (!dockerd.waitFor(60, TimeUnit.SECONDS)) {
                dockerd.destroyForcibly();
            }
        }
    }

    /** Runs a shell command; its output and error output when it failed, else empty. */
    private static String sh(String command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("sh", "-c", command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return p.waitFor() == 0 ? "" : "exit " + p.exitValue() + ": " + out;
    }

    @Test
    void theEmulatedBoardStartsOnTheEngineDockerHostNames(@TempDir Path runs) throws Exception {
        Path leaky = TestPrograms.aarch64Program("leaky");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), LeakgateCommand.class.getName(), "run", "--board",
                "emulated", "--runs-dir", runs.toString(), "--", leaky.toString()));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("DOCKER_HOST", SOCKET);
        pb.environment().remove("LEAKGATE_BOARD");
        Process cli = pb.start();
        String output = new String(cli.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(cli.waitFor(5, TimeUnit.MINUTES)).isTrue();

        assertThat(cli.exitValue()).as(output).isEqualTo(1); // FAIL
        assertThat(output).contains("leakgate: FAIL: definitely lost: 128 bytes in 2 blocks",
                "at make_buffer (leaky.c:6)");
        Matcher container = Pattern.compile("container ([0-9a-f]{12})").matcher(output);
        assertThat(container.find()).as(output).isTrue();
        // that container ran on the second engine, not on the first
        String started = new String(new ProcessBuilder("docker", "-H", SOCKET, "events", "--since", "10m", "--until",
                "0s", "--filter", "type=container", "--filter", "event=start", "--format", "{{.ID}}").start()
                .getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(started).contains(container.group(1));
        assertThat(sh("docker events --since 10m --until 0s --filter type=container --filter event=start"
                + " --format '{{.ID}}' | grep -q " + container.group(1))).startsWith("exit 1");
    }
}
