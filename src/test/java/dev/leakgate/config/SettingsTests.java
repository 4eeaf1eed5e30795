package dev.leakgate.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.leakgate.board.BoardSpec;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class SettingsTests {

    private static Properties props(String... keyValues) {
        Properties p = new Properties();
        for (int i = 0; i < keyValues.length; i += 2) {
            p.setProperty(keyValues[i], keyValues[i + 1]);
        }
        return p;
    }

    @Test
    void systemPropertyBeatsEnvironmentBeatsFilesBeatsTheDefault() {
        Map<String, Properties> files = Map.of("leakgate.properties", props("leakgate.board", "local"));
        Settings all = new Settings(Map.of("leakgate.board", "ssh://a@h"), Map.of("LEAKGATE_BOARD", "ssh://b@h"), files);
        Settings envAndFile = new Settings(Map.of(), Map.of("LEAKGATE_BOARD", "ssh://b@h"), files);
        Settings fileOnly = new Settings(Map.of(), Map.of(), files);
        Settings none = new Settings(Map.of(), Map.of(), Map.of());

        assertThat(all.get(Settings.BOARD, "emulated")).isEqualTo("ssh://a@h");
        assertThat(all.sourceOf(Settings.BOARD)).isEqualTo("system property leakgate.board");
        assertThat(envAndFile.get(Settings.BOARD, "emulated")).isEqualTo("ssh://b@h");
        assertThat(envAndFile.sourceOf(Settings.BOARD)).isEqualTo("environment variable LEAKGATE_BOARD");
        assertThat(fileOnly.get(Settings.BOARD, "emulated")).isEqualTo("local");
        assertThat(fileOnly.sourceOf(Settings.BOARD)).isEqualTo("leakgate.board in leakgate.properties");
        assertThat(none.get(Settings.BOARD, "emulated")).isEqualTo("emulated");
        assertThat(none.sourceOf(Settings.BOARD)).isEqualTo("the default");
    }

    @Test
    void leakgatePropertiesComeBeforeJunitPlatformProperties() {
        Map<String, Properties> files = new LinkedHashMap<>();
        files.put("leakgate.properties", props("leakgate.valgrind", "/opt/vg/bin/valgrind"));
        files.put("junit-platform.properties", props("leakgate.valgrind", "/usr/bin/valgrind", "leakgate.board", "local"));

        Settings s = new Settings(Map.of(), Map.of(), files);

        assertThat(s.get(Settings.VALGRIND)).contains("/opt/vg/bin/valgrind");
        assertThat(s.get(Settings.BOARD)).contains("local");
        assertThat(s.sourceOf(Settings.BOARD)).isEqualTo("leakgate.board in junit-platform.properties");
    }

    @Test
    void environmentNamesAreDerivedMechanically() {
        assertThat(Settings.environmentName("leakgate.board")).isEqualTo("LEAKGATE_BOARD");
        assertThat(Settings.environmentName("leakgate.ssh.knownHosts")).isEqualTo("LEAKGATE_SSH_KNOWNHOSTS");
        assertThat(Settings.environmentName("leakgate.valgrind.lib")).isEqualTo("LEAKGATE_VALGRIND_LIB");
    }

    @Test
    void blankValuesDoNotCount() {
        Settings s = new Settings(Map.of("leakgate.board", " "), Map.of("LEAKGATE_BOARD", "local"), Map.of());

        assertThat(s.get(Settings.BOARD)).contains("local");
    }

    @Test
    void passwordIsNeverShown() {
        Settings s = new Settings(Map.of("leakgate.ssh.password", "hunter2", "leakgate.board", "ssh://root@b"), Map.of(),
                Map.of());

        assertThat(s.toString()).contains("leakgate.ssh.password = (set)", "leakgate.board = ssh://root@b")
                .doesNotContain("hunter2");
    }

    @Test
    void boardNamesAreParsed() {
        assertThat(BoardSpec.parse("emulated", "x")).isEqualTo(new BoardSpec.Emulated());
        assertThat(BoardSpec.parse("emulated-bare", "x")).isEqualTo(new BoardSpec.Emulated("aarch64-bare"));
        assertThat(((BoardSpec.Emulated) BoardSpec.parse("emulated-bare", "x")).image())
                .isEqualTo("leakgate/board-aarch64-bare:latest");
        assertThat(BoardSpec.parse("emulated-armhf", "x")).isEqualTo(new BoardSpec.Emulated("armhf"))
                .hasToString("emulated-armhf");
        assertThat(((BoardSpec.Emulated) BoardSpec.parse("emulated-armhf", "x")).image())
                .isEqualTo("leakgate/board-armhf:latest");
        assertThat(BoardSpec.parse("emulated-system", "x")).isEqualTo(new BoardSpec.Emulated("aarch64-system"))
                .hasToString("emulated-system");
        assertThat(((BoardSpec.Emulated) BoardSpec.parse("emulated-system", "x")).image())
                .isEqualTo("leakgate/board-aarch64-system:latest");
        assertThat(BoardSpec.parse("local", "x")).isEqualTo(new BoardSpec.Local());
        assertThat(BoardSpec.parse("ssh://root@camera-7", "x")).isEqualTo(new BoardSpec.Ssh("root", "camera-7", 22));
        assertThat(BoardSpec.parse("ssh://admin@10.1.2.3:2222", "x")).isEqualTo(new BoardSpec.Ssh("admin", "10.1.2.3", 2222));
    }

    @Test
    void theDebianBoardIsChosenByItsReleaseAndOnlyItIsBuiltForAnother() {
        BoardSpec.Emulated debian = new BoardSpec.Emulated();

        assertThat(debian.image("bookworm")).isEqualTo("leakgate/board-aarch64:latest");
        assertThat(debian.image("Trixie")).isEqualTo("leakgate/board-aarch64-trixie:latest");
        assertThatThrownBy(() -> debian.image("trixie; rm -rf /")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("'trixie; rm -rf /' is not a Debian release's name: give one such as bookworm or trixie");
        assertThatThrownBy(() -> new BoardSpec.Emulated("aarch64-bare").image("trixie"))
                .hasMessage("only the emulated aarch64 board is built for another Debian release than bookworm, not the"
                        + " emulated-bare one: leave leakgate.board.release unset, or use leakgate.board=emulated");
        assertThat(new BoardSpec.Emulated("armhf").image("bookworm")).isEqualTo("leakgate/board-armhf:latest");
    }

    @Test
    void wrongBoardNamesSayWhereTheyCameFromAndWhatToWrite() {
        assertThatThrownBy(() -> BoardSpec.parse("qemu", "environment variable LEAKGATE_BOARD"))
                .hasMessage("'qemu' (from environment variable LEAKGATE_BOARD) is not a board: use 'emulated' (the"
                        + " emulated aarch64 board, the default), 'emulated-bare' (an emulated camera-like board with"
                        + " dropbear and no valgrind), 'emulated-armhf' (an emulated 32-bit ARM board),"
                        + " 'emulated-system' (a whole emulated aarch64 machine with its own kernel),"
                        + " 'ssh://user@host[:port]' (a real board) or 'local' (this machine)");
        assertThatThrownBy(() -> BoardSpec.parse("ssh://root:pw@host", "system property leakgate.board"))
                .hasMessageEndingWith("(an SSH board reads ssh://user@host or ssh://user@host:port; put the password"
                        + " in leakgate.ssh.password, not in the URI)")
                .hasMessageNotContaining("pw@");
        assertThatThrownBy(() -> BoardSpec.parse("ssh://host", "x")).hasMessageContaining("is not a board");
    }
}
