package dev.leakgate.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ShellQuotingTests {

    @ParameterizedTest
    @ValueSource(strings = {"plain", "", " ", "two words", "it's", "'", "''", "\"", "$HOME", "$(id)", "`id`",
        "a;b", "a&&b", "a|b", "*", "~", "#comment", "line\nbreak", "tab\there", "back\\slash", "!event",
        "ünïcödé", "-n", "%p"})
    void realShellGetsTheWordBackUnchanged(String word) throws Exception {
        Process p = new ProcessBuilder("sh", "-c", "printf '%s' " + ShellQuoting.quote(word)).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(10, TimeUnit.SECONDS);

        assertThat(out).isEqualTo(word);
    }

    @Test
    void safeWordsStayReadable() {
        assertThat(ShellQuoting.join(List.of("/opt/valgrind/bin/valgrind", "--tool=memcheck", "a b")))
                .isEqualTo("/opt/valgrind/bin/valgrind --tool=memcheck 'a b'");
    }

    @Test
    void nulCannotBeQuoted() {
        assertThatThrownBy(() -> ShellQuoting.quote("a\0b"))
                .hasMessage("A shell word cannot hold a NUL character: a\\0b");
    }
}
