package dev.leakgate.config;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

/**
 * leakgate's settings for the environment a test runs in (which board, how to log in, where
 * valgrind is), resolved with one precedence, highest first:
 * <ol>
 *   <li>a system property, e.g. {@code -Dleakgate.board=ssh://root@10.0.0.7};</li>
 *   <li>an environment variable, its name derived mechanically: upper case, {@code .} and
 *       {@code -} as {@code _} ({@code leakgate.ssh.knownHosts} is {@code LEAKGATE_SSH_KNOWNHOSTS});</li>
 *   <li>{@code leakgate.properties}, then {@code junit-platform.properties}, on the classpath;</li>
 *   <li>the default the caller gives (for a test, its annotation's attribute).</li>
 * </ol>
 * So CI runs on the emulated board and the lab on its real board with the same test code.
 * Immutable; {@link #toString()} shows where each setting came from but never a secret's value.
 */
public final class Settings {

    public static final String BOARD = "leakgate.board";
    public static final String BOARD_IMAGE = "leakgate.board.image";
    /**
     * A pool of boards that test classes lease (see {@link BoardPool}): a number of emulated boards, or
     * a comma-separated list of boards; unset, one board serves the test run.
     */
    public static final String BOARDS = "leakgate.boards";
    public static final String BOARD_DIR = "leakgate.board.dir";
    /**
     * The CPU share of each emulated board (its container's {@code --cpus}, e.g. {@code 0.5}): a board
     * then behaves as a separate, slower machine, as a camera's SoC is, and the JVM keeps the rest.
     * Unset: no cap.
     */
    public static final String BOARD_CPUS = "leakgate.board.cpus";
    /**
     * The memory of a system-emulated board's machine ({@code emulated-system}), in MiB (1024 unless
     * set); its container needs 256 MiB more for QEMU, and refuses to start, with the figures, when the
     * machine has less available.
     */
    public static final String BOARD_MEMORY = "leakgate.board.memory";
    /**
     * The Debian release of the emulated aarch64 board's image: bookworm (valgrind 3.19, glibc 2.36) unless
     * set; trixie (valgrind 3.24, glibc 2.41) is built by {@code docker/build-image.sh debian trixie}.
     */
    public static final String BOARD_RELEASE = "leakgate.board.release";
    /**
     * How a daemon takes leak checks on demand: {@code probe} (the preloaded leakgate_probe.so), {@code vgdb}
     * (valgrind's gdbserver, where the board lets it ptrace the program: refused at start with the reason
     * where it cannot), or {@code auto} (the default: the probe when one is named, else vgdb where allowed).
     */
    public static final String LEAK_CHECKS = "leakgate.leakChecks";
    /** How files travel to a board: auto (the best it offers), sftp, scp or stream. */
    public static final String BOARD_TRANSFER = "leakgate.board.transfer";
    public static final String SSH_PASSWORD = "leakgate.ssh.password";
    public static final String SSH_KEY = "leakgate.ssh.key";
    public static final String SSH_KNOWN_HOSTS = "leakgate.ssh.knownHosts";
    public static final String SSH_HOST_KEY = "leakgate.ssh.hostKey";
    /** SSH algorithms to offer beyond (+) or instead of leakgate's: {@code kex=+diffie-hellman-group14-sha1}. */
    public static final String SSH_ALGORITHMS = "leakgate.ssh.algorithms";
    public static final String VALGRIND = "leakgate.valgrind";
    public static final String VALGRIND_LIB = "leakgate.valgrind.lib";
    /** A local valgrind prefix (bin/valgrind, libexec/valgrind) for leakgate to deploy to a board without one. */
    public static final String VALGRIND_DEPLOY = "leakgate.valgrind.deploy";
    /** A local folder of debug files (.build-id/...) for the board's loader, when its ld.so has no symbols. */
    public static final String VALGRIND_DEBUGINFO = "leakgate.valgrind.debuginfo";
    /**
     * Whether a class that shares a process (lifecycle = PER_CLASS) starts its program again as it ends,
     * for the next class that runs it, once an earlier class of the run ran it too: {@code true} (the
     * default) or {@code false}.
     */
    public static final String PRESTART = "leakgate.prestart";
    /** "true": write the known-leak baselines of the tests that run from what they find. */
    public static final String BASELINE_UPDATE = "leakgate.baseline.update";

    private final Map<String, String> systemProperties;
    private final Map<String, String> environment;
    private final Map<String, Properties> files;
    /** Values that win over every other source (a command line option), with the name of their source. */
    private final Map<String, String[]> overrides;

    /**
     * Settings from these sources, the first that has a key winning: system properties, then the
     * environment, then the files (each named by where it was read).
     */
    public Settings(Map<String, String> systemProperties, Map<String, String> environment, Map<String, Properties> files) {
        this(systemProperties, environment, files, Map.of());
    }

    private Settings(Map<String, String> systemProperties, Map<String, String> environment,
                     Map<String, Properties> files, Map<String, String[]> overrides) {
        this.systemProperties = Map.copyOf(systemProperties);
        this.environment = Map.copyOf(environment);
        this.files = new LinkedHashMap<>(files);
        this.overrides = Map.copyOf(overrides);
    }

    /**
     * These settings with one value that wins over every source, e.g. a command line option
     * ({@code source}: "option --board"); a null value changes nothing.
     */
    public Settings with(String property, String value, String source) {
        if (value == null) {
            return this;
        }
        Map<String, String[]> o = new LinkedHashMap<>(overrides);
        o.put(property, new String[] {value.trim(), source});
        return new Settings(systemProperties, environment, files, o);
    }

    /** Settings given in code (taken as system properties would be), e.g. for a tool that picks its board. */
    public static Settings of(Map<String, String> values) {
        return new Settings(values, Map.of(), Map.of());
    }

    /** The settings of this JVM: its system properties, environment and classpath files. */
    public static Settings load() {
        Map<String, String> props = new LinkedHashMap<>();
        System.getProperties().forEach((k, v) -> props.put(String.valueOf(k), String.valueOf(v)));
        Map<String, Properties> files = new LinkedHashMap<>();
        for (String name : new String[] {"leakgate.properties", "junit-platform.properties"}) {
            Properties p = new Properties();
            try (InputStream in = Thread.currentThread().getContextClassLoader().getResourceAsStream(name)) {
                if (in != null) {
                    p.load(in);
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + name + " from the classpath", e);
            }
            files.put(name, p);
        }
        return new Settings(props, System.getenv(), files);
    }

    /** The environment variable that holds a property: {@code leakgate.board} is {@code LEAKGATE_BOARD}. */
    public static String environmentName(String property) {
        return property.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    /** The value of a setting, or empty when no source sets it (the caller's default applies). */
    public Optional<String> get(String property) {
        return Optional.ofNullable(lookup(property)[0]);
    }

    /** The value of a setting, or {@code fallback}. */
    public String get(String property, String fallback) {
        return get(property).orElse(fallback);
    }

    /** Where a setting's value comes from, for messages: e.g. "environment variable LEAKGATE_BOARD". */
    public String sourceOf(String property) {
        String source = lookup(property)[1];
        return source == null ? "the default" : source;
    }

    private String[] lookup(String property) {
        String[] over = overrides.get(property);
        if (over != null) {
            return over;
        }
        String v = systemProperties.get(property);
        if (v != null && !v.isBlank()) {
            return new String[] {v.trim(), "system property " + property};
        }
        String env = environmentName(property);
        v = environment.get(env);
        if (v != null && !v.isBlank()) {
            return new String[] {v.trim(), "environment variable " + env};
        }
        for (Map.Entry<String, Properties> f : files.entrySet()) {
            v = f.getValue().getProperty(property);
            if (v != null && !v.isBlank()) {
                return new String[] {v.trim(), property + " in " + f.getKey()};
            }
        }
        return new String[] {null, null};
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("leakgate settings:");
        for (String p : new String[] {BOARD, BOARDS, BOARD_IMAGE, BOARD_CPUS, BOARD_MEMORY, BOARD_RELEASE, LEAK_CHECKS, PRESTART,
            BOARD_DIR,
            SSH_PASSWORD, SSH_KEY, SSH_KNOWN_HOSTS,
            SSH_HOST_KEY, SSH_ALGORITHMS, VALGRIND, VALGRIND_LIB, VALGRIND_DEPLOY, VALGRIND_DEBUGINFO, BOARD_TRANSFER}) {
            get(p).ifPresent(v -> s.append("\n  ").append(p).append(" = ")
                    .append(p.equals(SSH_PASSWORD) ? "(set)" : v).append(" (").append(sourceOf(p)).append(')'));
        }
        return s.toString();
    }
}
