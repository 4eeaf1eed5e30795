package dev.leakgate.faults;

import dev.leakgate.gate.LeakGate;
import dev.leakgate.gate.Verdict;
import dev.leakgate.kit.KitProtocol;
import dev.leakgate.memcheck.MemcheckXmlParser;
import dev.leakgate.process.LocalMemcheckRunner;
import dev.leakgate.process.MemcheckCommand;
import dev.leakgate.process.MemcheckRun;
import dev.leakgate.process.RunOptions;
import dev.leakgate.testing.TestPrograms;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs of the fault programs of {@code src/test/c} under the host's valgrind, for the fault matrix. */
final class LocalRuns {

    static final LocalMemcheckRunner RUNNER = new LocalMemcheckRunner();

    private LocalRuns() {
    }

    static MemcheckCommand.Builder command(String program, String... args) {
        return MemcheckCommand.builder(TestPrograms.program(program).toString()).args(args);
    }

    static RunOptions quick(String name, int timeoutSeconds) {
        return RunOptions.named(name).withTimeout(Duration.ofSeconds(timeoutSeconds))
                .withGrace(Duration.ofSeconds(2), Duration.ofSeconds(3));
    }

    static MemcheckRun run(String program, String... args) {
        return RUNNER.run(command(program, args).build(), RunOptions.named("fault-" + program));
    }

    static Verdict verdict(MemcheckRun run) {
        return LeakGate.defaults().evaluate(run);
    }

    /** A run of the kit harness {@code kit_faults} with this script on stdin and a protocol token. */
    static KitRun kit(String script, int timeoutSeconds) {
        String token = KitProtocol.newToken();
        MemcheckRun run = RUNNER.run(MemcheckCommand.builder(TestPrograms.kitProgram("kit_faults").toString())
                        .secret(KitProtocol.TOKEN_FILE_VARIABLE, token).build(),
                quick("fault-kit", timeoutSeconds).withStdin(script));
        return new KitRun(run, KitProtocol.replies(run.files().stdout(), token));
    }

    record KitRun(MemcheckRun run, List<String> replies) {
    }

    /**
     * valgrind run directly (not through leakgate's builder, which refuses some options) with XML
     * output into {@code dir}; returns the XML file.
     */
    static Path rawValgrind(Path dir, List<String> options, String program) throws IOException, InterruptedException {
        Path xml = dir.resolve("raw.xml");
        List<String> cmd = new ArrayList<>(List.of("valgrind", "--xml=yes", "--xml-file=" + xml,
                "--log-file=" + dir.resolve("raw.log")));
        cmd.addAll(options);
        cmd.add(TestPrograms.program(program).toString());
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("raw.out").toFile()).start();
        p.getOutputStream().close();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("valgrind did not finish: " + cmd);
        }
        return xml;
    }

    static String text(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static MemcheckXmlParser parser() {
        return new MemcheckXmlParser();
    }
}
