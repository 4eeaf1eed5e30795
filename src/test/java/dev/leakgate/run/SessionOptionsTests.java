package dev.leakgate.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.leakgate.config.Settings;
import dev.leakgate.run.SessionOptions.LeakChecks;

import org.junit.jupiter.api.Test;

import java.util.Map;

/** How a session's leak checks on demand are chosen from the settings: no board, no valgrind. */
class SessionOptionsTests {

    @Test
    void leakChecksAreAutoUnlessTheSettingsNameAWay() {
        SessionOptions daemon = SessionOptions.daemon("d", 8080);

        assertThat(daemon.leakChecks()).isEqualTo(LeakChecks.AUTO);
        assertThat(daemon.withLeakChecks(Settings.of(Map.of())).leakChecks()).isEqualTo(LeakChecks.AUTO);
        assertThat(daemon.withLeakChecks(new Settings(Map.of("leakgate.leakChecks", "vgdb"), Map.of(), Map.of())).vgdb())
                .isTrue();
        assertThat(daemon.withLeakChecks(new Settings(Map.of(), Map.of("LEAKGATE_LEAKCHECKS", "Probe"), Map.of()))
                .leakChecks()).isEqualTo(LeakChecks.PROBE);
        assertThat(daemon.withVgdb().withProbe("/p.so").vgdb()).as("asked for vgdb, a probe named as well").isTrue();
    }

    @Test
    void aWayThatIsNotOneIsRefusedWithWhereItCameFromAndTheChoices() {
        Settings settings = new Settings(Map.of("leakgate.leakChecks", "ptrace"), Map.of(), Map.of());

        assertThatThrownBy(() -> SessionOptions.daemon("d", 8080).withLeakChecks(settings))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("leakgate.leakChecks = 'ptrace' (from system property leakgate.leakChecks) is not a way to take"
                        + " leak checks: use 'probe' (the preloaded leakgate_probe.so), 'vgdb' (valgrind's gdbserver,"
                        + " where the board allows ptrace) or 'auto' (the probe when one is named, else vgdb where allowed)");
    }
}
