package dev.leakgate.junit;

import dev.leakgate.config.Settings;
import dev.leakgate.memcheck.ErrorKind;
import dev.leakgate.gate.LeakGate;
import dev.leakgate.memcheck.LeakKind;
import dev.leakgate.run.Placeholders;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.AnnotatedElement;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;

/** The settings of one {@link ValgrindOnBoard} test, every attribute checked before anything runs. */
record TestConfig(ValgrindOnBoard annotation, Path harness, List<Path> libs, List<Path> suppressions, Path probe,
                  Pattern readyLine, Settings settings, Path dataFiles, Map<String, String> env, Path udpRelay) {

    static TestConfig of(ExtensionContext context) {
        Settings settings = Settings.load(); // once per test: the files on the classpath are read here
        ValgrindOnBoard a = find(context).orElseThrow(() -> new ExtensionConfigurationException(
                "@ValgrindOnBoard is missing on " + context.getDisplayName()));
        List<String> errors = new ArrayList<>();
        if (a.harness().isBlank()) {
            errors.add("harness is empty: name the harness binary, e.g. harness = \"build/aarch64/onvif_test\"");
        }
        Path harness = Path.of(a.harness());
        List<Path> libs = paths(a.libs(), "libs", errors);
        List<Path> supps = paths(a.suppressions(), "suppressions", errors);
        if (!a.harness().isBlank()) {
            file(harness, "harness = \"" + a.harness() + "\"", "name the program in it", errors);
        }
        Path probe = null;
        if (!a.probe().isEmpty()) {
            probe = Path.of(a.probe());
            file(probe, "probe = \"" + a.probe() + "\"", "name the probe library in it", errors);
        }
        Path udpRelay = null;
        if (!a.udpRelay().isEmpty()) {
            udpRelay = Path.of(a.udpRelay());
            file(udpRelay, "udpRelay = \"" + a.udpRelay() + "\"", "name the UDP relay program in it", errors);
            if (a.udpPorts().length == 0) {
                errors.add("udpRelay is given but udpPorts is empty: name the daemon's UDP ports, or drop udpRelay");
            }
        }
        settings.get(Settings.PRESTART).filter(v -> !v.equalsIgnoreCase("true") && !v.equalsIgnoreCase("false"))
                .ifPresent(v -> errors.add(Settings.PRESTART + " = '" + v + "' (from " + settings.sourceOf(Settings.PRESTART)
                        + ") is neither true nor false"));
        for (String kind : a.failOnErrors()) {
            try {
                ErrorKind.parse(kind);
            } catch (IllegalArgumentException e) {
                errors.add("failOnErrors names " + e.getMessage());
            }
        }
        limit(a.maxDefinitelyLost(), "maxDefinitelyLost", errors);
        limit(a.maxIndirectlyLost(), "maxIndirectlyLost", errors);
        limit(a.maxPossiblyLost(), "maxPossiblyLost", errors);
        limit(a.maxStillReachable(), "maxStillReachable", errors);
        atLeastOne(a.timeoutSeconds(), "timeoutSeconds", errors);
        atLeastOne(a.readySeconds(), "readySeconds", errors);
        atLeastOne(a.stopSeconds(), "stopSeconds", errors);
        for (int port : a.ports()) {
            if (port < 1 || port > 65535) {
                errors.add("ports names " + port + ", which is not a TCP port (1 to 65535)");
            }
        }
        for (int port : a.udpPorts()) {
            if (port < 1 || port > 65535) {
                errors.add("udpPorts names " + port + ", which is not a UDP port (1 to 65535)");
            }
        }
        if (a.udpPorts().length > 0 && a.plain()) {
            errors.add("udpPorts is for daemons: a plain program gets its input on stdin and is not talked to");
        }
        if (!a.stopSignal().matches("[A-Z][A-Z0-9]*") || a.stopSignal().startsWith("SIG")) {
            errors.add("stopSignal = \"" + a.stopSignal() + "\" is not a signal name: use TERM, INT, HUP, USR1 (no SIG)");
        }
        Pattern ready = null;
        try {
            ready = a.readyLine().isEmpty() ? null : Pattern.compile(a.readyLine());
        } catch (PatternSyntaxException e) {
            errors.add("readyLine = \"" + a.readyLine() + "\" is not a regular expression: " + e.getDescription());
        }
        if (!a.baseline().isEmpty() && !Files.isRegularFile(Path.of(a.baseline())) && !updateBaselines(settings)) {
            errors.add("baseline = \"" + a.baseline() + "\" does not exist (looked in "
                    + Path.of(a.baseline()).toAbsolutePath() + "): write it from a run with"
                    + " -Dleakgate.baseline.update=true, or fix the path");
        }
        if (!a.plain() && !a.stdin().isEmpty()) {
            errors.add("stdin is only for plain programs: a kit harness reads scenario requests from stdin; set"
                    + " plain = true, or drive it through the Harness parameter");
        }
        if (a.lifecycle() == ValgrindOnBoard.Lifecycle.PER_CLASS) {
            if (a.plain()) {
                errors.add("lifecycle = PER_CLASS shares a kit harness between tests; a plain program runs once per"
                        + " test: drop one of them");
            }
            if (context.getTestMethod().map(m -> m.isAnnotationPresent(ValgrindOnBoard.class)).orElse(false)) {
                errors.add("lifecycle = PER_CLASS shares one process between the tests of a class: put it on the"
                        + " class's @ValgrindOnBoard, not on a method's");
            }
            if (!a.baseline().isEmpty() || a.maxDefinitelyLost() != 0) {
                errors.add("lifecycle = PER_CLASS gates each test on what its scenarios lost, which must be nothing:"
                        + " it takes no baseline and no maxDefinitelyLost; use PER_TEST for those");
            }
        }
        Path dataFiles = null;
        if (!a.files().isEmpty()) {
            dataFiles = Path.of(a.files());
            if (!Files.isDirectory(dataFiles)) {
                errors.add("files = \"" + a.files() + "\" is not a folder (looked in " + dataFiles.toAbsolutePath()
                        + "): name the local folder whose files travel with the program (config, certificates)");
            }
        }
        Map<String, String> env = new LinkedHashMap<>();
        for (String entry : a.env()) {
            int eq = entry.indexOf('=');
            String name = eq < 0 ? entry : entry.substring(0, eq);
            if (eq < 1 || !name.matches("[A-Za-z_][A-Za-z0-9_]*")) {
                errors.add("env names \"" + entry + "\", which is not NAME=VALUE with a name of letters, digits and '_'");
            } else if (name.equals("LD_LIBRARY_PATH") || name.equals("LD_PRELOAD") || name.startsWith("LEAKGATE_")
                    || name.equals("VALGRIND_LIB")) {
                errors.add("env sets " + name + ", which leakgate sets itself (the deployed libraries, the probe, the"
                        + " run's identity, the board's valgrind): leave it out");
            } else {
                env.put(name, entry.substring(eq + 1));
            }
        }
        boolean hasFiles = dataFiles != null;
        for (String arg : a.args()) {
            errors.addAll(Placeholders.problems(arg, "args", hasFiles));
        }
        env.values().forEach(v -> errors.addAll(Placeholders.problems(v, "env", hasFiles)));
        errors.addAll(Placeholders.problems(a.stopCommand(), "stopCommand", hasFiles));
        errors.addAll(Placeholders.problems(a.workDir(), "workDir", hasFiles));
        if (!errors.isEmpty()) {
            throw new ExtensionConfigurationException("@ValgrindOnBoard on " + context.getDisplayName()
                    + " is wrong:\n  - " + String.join("\n  - ", errors));
        }
        return new TestConfig(a, harness, libs, supps, probe, ready, settings, dataFiles, Map.copyOf(env), udpRelay);
    }

    /** Every file to deploy: the program, its libraries, the suppressions, the probe, the UDP relay. */
    List<Path> files() {
        List<Path> files = new ArrayList<>();
        files.add(harness);
        files.addAll(libs);
        files.addAll(suppressions);
        if (probe != null) {
            files.add(probe);
        }
        if (udpRelay != null) {
            files.add(udpRelay);
        }
        return files;
    }

    /**
     * What makes this test's process the same as another's, for a process prestarted for it
     * ({@link Prestarted}): its files with their sizes and times (a rebuilt library is another
     * program), the data files likewise, its arguments, environment, working folder, timeout, stop,
     * board and settings.
     */
    String processKey() {
        ValgrindOnBoard a = annotation;
        StringBuilder key = new StringBuilder();
        List<Path> all = new ArrayList<>(files());
        if (dataFiles != null) {
            try (var walk = Files.walk(dataFiles)) {
                walk.filter(Files::isRegularFile).sorted().forEach(all::add);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot list the data files in " + dataFiles, e);
            }
        }
        for (Path f : all) {
            try {
                key.append(f.toAbsolutePath().normalize()).append(' ').append(Files.size(f)).append(' ')
                        .append(Files.getLastModifiedTime(f).toMillis()).append('\n');
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + f, e);
            }
        }
        return key.append(List.of(a.args())).append(new TreeMap<>(env)).append(" workDir=").append(a.workDir())
                .append(" timeout=").append(a.timeoutSeconds()).append(" stop=").append(a.stopSignal()).append(' ')
                .append(a.stopCommand()).append(' ').append(a.stopSeconds()).append(" board=").append(a.board())
                .append('\n').append(settings).toString();
    }

    /** Whether a class that shares a process may start it again for the next class (see {@link Prestarted}). */
    boolean prestart() {
        return !"false".equalsIgnoreCase(settings.get(Settings.PRESTART, "true"));
    }

    /** Whether the settings ask for known-leak baselines to be written from this run. */
    boolean updateBaselines() {
        return updateBaselines(settings);
    }

    private static boolean updateBaselines(Settings settings) {
        return "true".equalsIgnoreCase(settings.get(Settings.BASELINE_UPDATE, "false"));
    }

    private static void file(Path p, String attribute, String inFolder, List<String> errors) {
        if (Files.isDirectory(p)) {
            errors.add(attribute + " is a folder (" + p.toAbsolutePath() + "): " + inFolder);
        } else if (!Files.isRegularFile(p)) {
            errors.add(attribute + " does not exist (looked in " + p.toAbsolutePath()
                    + "): build it first, or fix the path (relative to the test's working directory)");
        }
    }

    private static List<Path> paths(String[] names, String attribute, List<String> errors) {
        List<Path> out = new ArrayList<>();
        for (String n : names) {
            Path p = Path.of(n);
            if (Files.isDirectory(p)) {
                errors.add(attribute + " names \"" + n + "\", which is a folder (" + p.toAbsolutePath()
                        + "): name each file in it, e.g. \"" + n + (n.endsWith("/") ? "" : "/") + "libname.so\"");
            } else if (!Files.isRegularFile(p)) {
                errors.add(attribute + " names \"" + n + "\", which does not exist (looked in " + p.toAbsolutePath()
                        + "): build it first, or fix the path");
            }
            out.add(p);
        }
        return out;
    }

    private static void limit(long value, String attribute, List<String> errors) {
        if (value < ValgrindOnBoard.NOT_GATED) {
            errors.add(attribute + " = " + value + " must be a number of bytes (>= 0), or ValgrindOnBoard.NOT_GATED");
        }
    }

    private static void atLeastOne(int value, String attribute, List<String> errors) {
        if (value < 1) {
            errors.add(attribute + " = " + value + " must be at least 1");
        }
    }

    Set<LeakKind> gatedKinds() {
        Set<LeakKind> kinds = EnumSet.noneOf(LeakKind.class);
        kinds.addAll(gate().limits().keySet());
        return kinds;
    }

    LeakGate gate() {
        LeakGate gate = LeakGate.defaults().ungated(LeakKind.DEFINITELY_LOST);
        gate = limit(gate, LeakKind.DEFINITELY_LOST, annotation.maxDefinitelyLost());
        gate = limit(gate, LeakKind.INDIRECTLY_LOST, annotation.maxIndirectlyLost());
        gate = limit(gate, LeakKind.POSSIBLY_LOST, annotation.maxPossiblyLost());
        gate = limit(gate, LeakKind.STILL_REACHABLE, annotation.maxStillReachable());
        return annotation.failOnErrors().length == 0 ? gate : gate.failOn(annotation.failOnErrors());
    }

    private static LeakGate limit(LeakGate gate, LeakKind kind, long bytes) {
        return bytes == ValgrindOnBoard.NOT_GATED ? gate : gate.limit(kind, bytes);
    }

    /** The annotation of the test method, else of its class or an enclosing class (for @Nested). */
    static Optional<ValgrindOnBoard> find(ExtensionContext context) {
        Optional<ValgrindOnBoard> onMethod = context.getTestMethod().flatMap(TestConfig::annotation);
        if (onMethod.isPresent()) {
            return onMethod;
        }
        for (Class<?> c = context.getRequiredTestClass(); c != null; c = c.getEnclosingClass()) {
            Optional<ValgrindOnBoard> onClass = annotation(c);
            if (onClass.isPresent()) {
                return onClass;
            }
        }
        return Optional.empty();
    }

    private static Optional<ValgrindOnBoard> annotation(AnnotatedElement element) {
        return Optional.ofNullable(element.getAnnotation(ValgrindOnBoard.class));
    }
}
