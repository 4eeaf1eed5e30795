package dev.leakgate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.leakgate.testing.TestPrograms;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.DatagramSocket;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line tool in this JVM: results on stdout, diagnostics on stderr, exit codes. */
class LeakgateCommandTests {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int execute(String... args) {
        out.reset();
        err.reset();
        return LeakgateCommand.execute(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Tag("valgrind")
    @Test
    void runFailsOnALeakyProgramAndPassesOnACleanOneWithTheVerdictOnStdout(@TempDir Path runs) {
        assertThat(execute("run", "--runs-dir", runs.toString(), "--", TestPrograms.program("leaky").toString()))
                .isEqualTo(LeakgateCommand.FAIL);
        assertThat(out()).startsWith("leakgate: FAIL: definitely lost: 128 bytes in 2 blocks (limit 0 bytes)")
                .contains("at make_buffer (leaky.c:6)", "raw XML: " + runs);
        assertThat(err()).startsWith("leakgate: board: this machine (local valgrind)");

        assertThat(execute("run", "--runs-dir", runs.toString(), "--", TestPrograms.program("clean").toString()))
                .isEqualTo(LeakgateCommand.PASS);
        assertThat(out()).startsWith("leakgate: PASS: ");
    }

    @Tag("valgrind")
    @Test
    void runDrivesAKitHarnessScenarioByScenario(@TempDir Path runs) {
        int status = execute("run", "--runs-dir", runs.toString(), "--scenario", "frees=3", "--scenario", "leaks",
                "--", TestPrograms.kitProgram("kit_demo").toString());

        assertThat(status).isEqualTo(LeakgateCommand.FAIL);
        assertThat(err()).contains("leakgate: frees x3: lost 0 bytes", "leakgate: leaks x1: lost 300 bytes");
        assertThat(out()).startsWith("scenario leaks (x1) lost 300 bytes while it ran (definitely and indirectly lost;"
                + " limit 0)\nleakgate: FAIL: definitely lost: 300 bytes in 1 blocks");
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** A client that sends one line to the daemon's forwarded port (bash's /dev/tcp) and prints the answer. */
    private static String send(int port, String line) {
        return "bash -c 'exec 3<>/dev/tcp/$LEAKGATE_HOST/$LEAKGATE_PORT_" + port + "; printf \"" + line
                + "\" >&3; cat <&3'";
    }

    @Tag("valgrind")
    @Test
    void runServesADaemonToClientCommandsWithALeakCheckAfterEachAndGatesIt(@TempDir Path runs) throws Exception {
        int port = freePort();
        int status = execute("run", "--runs-dir", runs.toString(), "--port", String.valueOf(port),
                "--probe", TestPrograms.probe().toString(), "--client", send(port, "keep 10"),
                "--client", send(port, "leak 40"), "--client", send(port, "ping"),
                "--", TestPrograms.program("daemon").toString(), String.valueOf(port));

        assertThat(status).as(out() + err()).isEqualTo(LeakgateCommand.FAIL);
        assertThat(err()).contains("leakgate: the daemon is ready; clients get {LEAKGATE_HOST=127.0.0.1, LEAKGATE_PORT_"
                + port + "=", "leakgate: client: " + send(port, "leak 40"), "\n  ok\n",
                "leakgate: leak check 'after client 1: bash -c 'exec 3<>/dev/tcp/$LEAKGATE_HOST/", "...' at ");
        assertThat(out()).contains("found 40 bytes lost since 'after client 2: ", "at serve (daemon.c:",
                "leakgate: FAIL: definitely lost: 40 bytes in 1 blocks");
    }

    @Tag("valgrind")
    @Test
    void runServesAUdpDaemonToAClientThatSendsDatagramsAndWaitsForTheAnswer(@TempDir Path runs) throws Exception {
        int port;
        try (DatagramSocket free = new DatagramSocket(0)) {
            port = free.getLocalPort();
        }
        // bash's /dev/udp: a connected UDP socket, so the answer is read back from it (one whole datagram: dd)
        String client = "bash -c 'exec 3<>/dev/udp/$LEAKGATE_HOST/$LEAKGATE_UDP_PORT_" + port
                + "; printf \"leak 44\" >&3; timeout 30 dd bs=1024 count=1 status=none <&3; echo'";
        int status = execute("run", "--runs-dir", runs.toString(), "--udp-port", String.valueOf(port),
                "--client", client, "--", TestPrograms.program("udp_daemon").toString(), String.valueOf(port));

        assertThat(status).as(out() + err()).isEqualTo(LeakgateCommand.FAIL);
        assertThat(err()).contains("clients get {LEAKGATE_HOST=127.0.0.1, LEAKGATE_UDP_PORT_" + port + "=" + port + "}",
                "\n  ok leak 44\n");
        assertThat(out()).contains("at lose (udp_daemon.c:", "leakgate: FAIL: definitely lost: 44 bytes in 1 blocks");
    }

    @Tag("valgrind")
    @Test
    void aClientThatFailsIsQuotedAndTheDaemonIsStillStoppedAndJudged(@TempDir Path runs) throws Exception {
        int port = freePort();
        int status = execute("run", "--runs-dir", runs.toString(), "--port", String.valueOf(port),
                "--client", "echo the camera answered 500; exit 7", "--client", send(port, "leak 40"),
                "--", TestPrograms.program("daemon").toString(), String.valueOf(port));

        assertThat(status).as(out() + err()).isEqualTo(LeakgateCommand.CLIENT_FAILED);
        assertThat(out()).startsWith("leakgate: PASS: ").contains("leakgate: the client command 'echo the camera"
                + " answered 500; exit 7' failed (exit status 7); its output ends with:\n    the camera answered 500\n"
                + "The daemon was stopped and judged all the same (above).");
        assertThat(err()).doesNotContain("leak 40");
    }

    @Test
    void daemonOptionsWithoutADaemonAreAUsageError() {
        assertThat(execute("run", "--client", "true", "--", TestPrograms.program("clean").toString()))
                .isEqualTo(LeakgateCommand.USAGE);
        assertThat(err()).startsWith("leakgate: --client, --probe, --stop-command and --udp-relay are for a daemon: name"
                + " its --port, --udp-port (or --ready-line)\nUsage: leakgate run ");
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
        assertThat(out()).contains("cut.xml is cut off at line 3");
    }

    @Test
    void kitWritesTheCKitIntoAFolder(@TempDir Path dir) throws Exception {
        assertThat(execute("kit", dir.resolve("kit").toString())).isEqualTo(LeakgateCommand.PASS);

        assertThat(dir.resolve("kit/leakgate_harness.h")).hasSameTextualContentAs(
                Path.of("src/main/resources/leakgate/leakgate_harness.h"));
        assertThat(dir.resolve("kit/leakgate_probe.c")).isRegularFile();
        assertThat(dir.resolve("kit/leakgate_probe.supp")).isRegularFile();
        assertThat(dir.resolve("kit/leakgate_udp_relay.c")).hasSameTextualContentAs(
                Path.of("src/main/resources/leakgate/leakgate_udp_relay.c"));
        assertThat(out().lines()).containsExactly(dir.resolve("kit/leakgate_harness.h").toString(),
                dir.resolve("kit/leakgate_probe.c").toString(), dir.resolve("kit/leakgate_probe.supp").toString(),
                dir.resolve("kit/leakgate_udp_relay.c").toString());
    }

    @Test
    void badUsageSaysWhatIsWrongAndHowToCallIt() {
        assertThat(execute("check")).isEqualTo(LeakgateCommand.USAGE);
        assertThat(err()).startsWith("leakgate: check needs the XML file valgrind wrote (--xml-file)\nUsage: leakgate check");
        assertThat(execute("run", "--limit", "lost=3", "--", "x")).isEqualTo(LeakgateCommand.USAGE);
        assertThat(err()).contains("'x' does not exist or is not a file");
        assertThat(execute("run", "--limit", "lost=3", "--", TestPrograms.program("clean").toString()))
                .isEqualTo(LeakgateCommand.USAGE);
        assertThat(err()).startsWith("leakgate: Unknown leak kind 'lost': use one of definitely_lost, ");
        assertThat(execute("run", "--", "./no/such/program")).isEqualTo(LeakgateCommand.USAGE);
        assertThat(err()).contains("'./no/such/program' does not exist or is not a file");
        assertThat(execute("frobnicate")).isEqualTo(LeakgateCommand.USAGE);
        assertThat(err()).startsWith("leakgate: Unmatched argument at index 0: 'frobnicate'");
        assertThat(execute("run", "--no-such-option", "--", "x")).isEqualTo(LeakgateCommand.USAGE);
        assertThat(err()).startsWith("leakgate: Unknown option: '--no-such-option'").contains("Usage: leakgate run");
        assertThat(execute()).isEqualTo(LeakgateCommand.USAGE);
        assertThat(err()).startsWith("leakgate: no command given: use check, run or kit");
    }

    @Test
    void aBoardThatIsDownAWrongSettingAndAProgramThatIsNotAKitHarnessEachHaveTheirOwnStatusWithoutTheUsage(
            @TempDir Path runs) {
        assertThat(execute("run", "--board", "ssh://root@127.0.0.1:1", "--runs-dir", runs.toString(), "--",
                TestPrograms.program("clean").toString())).isEqualTo(LeakgateCommand.BOARD_UNAVAILABLE);
        assertThat(err()).startsWith("leakgate: the board is unavailable: ").doesNotContain("Usage:");

        assertThat(execute("run", "--board", "emulated-x", "--runs-dir", runs.toString(), "--",
                TestPrograms.program("clean").toString())).isEqualTo(LeakgateCommand.CONFIGURATION);
        assertThat(err()).startsWith("leakgate: a setting is wrong: ").contains("emulated-x").doesNotContain("Usage:");

        assertThat(execute("run", "--runs-dir", runs.toString(), "--scenario", "frees", "--",
                TestPrograms.program("clean").toString())).isEqualTo(LeakgateCommand.PROGRAM);
        assertThat(err()).contains("leakgate: the harness ended before it answered its greeting")
                .doesNotContain("Usage:");
    }

    @Tag("valgrind")
    @Test
    void runTakesDataFilesEnvironmentAndAWorkingFolderNamedThroughThePlaceholders(@TempDir Path runs) throws Exception {
        Path files = Path.of("src/test/resources/appconfig").toAbsolutePath();
        int status = execute("run", "--runs-dir", runs.toString(), "--files", files.toString(),
                "--env", "APP_HOME=${board.files}", "--workdir", "${board.dir}",
                "--", TestPrograms.program("reads_config").toString(), "${board.files}/etc/app.conf");

        assertThat(status).as(out() + err()).isEqualTo(LeakgateCommand.FAIL);
        assertThat(out()).startsWith("leakgate: FAIL: definitely lost: 64 bytes in 1 blocks")
                .contains("at apply_config (reads_config.c:12)");
        String stdout = out().lines().filter(l -> l.contains("program stdout: ")).findFirst().orElseThrow()
                .replaceFirst(".*program stdout: ", "");
        assertThat(Files.readString(Path.of(stdout))).isEqualTo("read " + files + "/etc/app.conf\nAPP_HOME=" + files
                + "\ncwd=" + TestPrograms.program("reads_config").getParent() + "\n");

        assertThat(execute("run", "--env", "APP_HOME=${board.dri}", "--", TestPrograms.program("clean").toString()))
                .isEqualTo(LeakgateCommand.USAGE);
        assertThat(err()).startsWith("leakgate: --env names the placeholder ${board.dri}, which leakgate does not know:");
    }
}
