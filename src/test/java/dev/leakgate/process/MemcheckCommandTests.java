package dev.leakgate.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MemcheckCommandTests {

    @Test
    void argvHasLeakgatesOptionsThenTheUsersThenTheProgram() {
        MemcheckCommand c = MemcheckCommand.builder("/app/bin/onvif_test")
                .args("--profile", "main")
                .suppressions("/app/vendor.supp")
                .options("--track-fds=yes")
                .numCallers(40)
                .xmlFile("/run/1/memcheck.xml")
                .logFile("/run/1/memcheck.log")
                .build();

        assertThat(c.argv()).containsExactly("valgrind", "--tool=memcheck", "--leak-check=full",
                "--show-leak-kinds=all", "--undef-value-errors=no", "--num-callers=40",
                "--trace-children=yes", "--child-silent-after-fork=no", "--suppressions=/app/vendor.supp", "--track-fds=yes",
                "--xml=yes", "--xml-file=/run/1/memcheck.%p.xml", "--log-file=/run/1/memcheck.log",
                "/app/bin/onvif_test", "--profile", "main");
        assertThat(c.environment()).isEmpty();
    }

    @Test
    void valgrindInACustomPrefixRunsWithValgrindLib() {
        MemcheckCommand c = MemcheckCommand.builder("onvif_test").valgrindPrefix("/opt/valgrind/").build();

        assertThat(c.argv().get(0)).isEqualTo("/opt/valgrind/bin/valgrind");
        assertThat(c.environment()).containsExactly(Map.entry("VALGRIND_LIB", "/opt/valgrind/libexec/valgrind"));
        assertThat(c.shellCommand()).startsWith("export VALGRIND_LIB=/opt/valgrind/libexec/valgrind && exec"
                + " /opt/valgrind/bin/valgrind --tool=memcheck ");
    }

    @Test
    void percentInFileNamesStaysLiteralForValgrind() {
        MemcheckCommand c = MemcheckCommand.builder("p").xmlFile("/runs/100%/x-%p.xml").build();

        assertThat(c.argv()).contains("--xml-file=/runs/100%%/x-%%p.%p.xml");
    }

    @Test
    void programNamedLikeAnOptionIsNotTakenForOne() {
        assertThat(MemcheckCommand.builder("-evil").build().argv()).contains("./-evil").doesNotContain("-evil");
    }

    @ParameterizedTest
    @ValueSource(strings = {"--xml=no", "--xml-file=/tmp/x", "--log-file=x", "--leak-check=summary",
        "--show-leak-kinds=definite", "--tool=helgrind", "--num-callers=3", "--suppressions=x", "--trace-children=no",
        "--child-silent-after-fork=yes"})
    void optionsLeakgateSetsAreRefusedWithTheAlternative(String option) {
        assertThatThrownBy(() -> MemcheckCommand.builder("p").options(option))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("The valgrind option " + option.substring(0, option.indexOf('='))
                        + " is set by leakgate: ");
    }

    @Test
    void programArgumentsPassedAsOptionsAreRefused() {
        assertThatThrownBy(() -> MemcheckCommand.builder("p").options("verbose"))
                .hasMessage("'verbose' is not a valgrind option: options start with '--'; pass program arguments"
                        + " with args(..)");
    }

    @Test
    void environmentNamesThatCannotBeQuotedAreRefused() {
        assertThatThrownBy(() -> MemcheckCommand.builder("p").env("A;rm -rf /", "x"))
                .hasMessage("'A;rm -rf /' cannot be an environment variable name: use letters, digits and '_', not"
                        + " starting with a digit");
        assertThatThrownBy(() -> MemcheckCommand.builder("p").env("VALGRIND_LIB", "x"))
                .hasMessage("Set VALGRIND_LIB with valgrindLib(..) or valgrindPrefix(..)");
    }

    @Test
    void numCallersOutsideValgrindsLimitsIsRefused() {
        assertThatThrownBy(() -> MemcheckCommand.builder("p").numCallers(501))
                .hasMessage("numCallers must be between 1 and 500 (valgrind's limits), but was 501");
    }

    /** The shell line, run by a real sh, hands every word over unchanged and runs nothing else. */
    @Test
    void shellCommandCannotBeInjected(@TempDir Path dir) throws Exception {
        Path pwned = dir.resolve("pwned");
        String hostile = "a b'c\"d;e$(touch " + pwned + ")`touch " + pwned + "`&|<>*?~#!\\\n%p";
        Path fakeValgrind = dir.resolve("fake valgrind;'$x'");
        Files.writeString(fakeValgrind, "#!/bin/sh\nprintf 'cwd=%s\\n' \"$PWD\"\nprintf 'lib=%s\\n' \"$VALGRIND_LIB\"\n"
                + "printf 'env=%s\\n' \"$ODD\"\nfor a in \"$@\"; do printf 'arg=%s\\n' \"$a\"; done\n");
        fakeValgrind.toFile().setExecutable(true);
        Path workDir = Files.createDirectories(dir.resolve("work dir $(x) 'q'"));
        MemcheckCommand c = MemcheckCommand.builder(hostile)
                .valgrind(fakeValgrind.toString())
                .valgrindLib(hostile)
                .args(hostile, "")
                .env("ODD", hostile)
                .workingDirectory(workDir.toString())
                .xmlFile(hostile)
                .build();

        List<String> lines = sh(c.shellCommand());

        List<String> expected = new ArrayList<>();
        expected.add("cwd=" + workDir);
        expected.add("lib=" + hostile);
        expected.add("env=" + hostile);
        for (String option : c.valgrindOptions()) {
            expected.add("arg=" + option);
        }
        expected.add("arg=" + hostile);
        expected.add("arg=" + hostile);
        expected.add("arg=");
        assertThat(String.join("\n", lines)).isEqualTo(String.join("\n", expected));
        assertThat(pwned).doesNotExist();
    }

    private static List<String> sh(String line) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("sh", "-c", line).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        return out.lines().toList();
    }
}
