package dev.leakgate.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Builds the C programs of {@code src/test/c} with the host's gcc ({@code -g -O0}, unstripped),
 * once per test run, into {@code target/test-programs}.
 */
public final class TestPrograms {

    public static final Path SOURCES = Path.of("src/test/c").toAbsolutePath();
    public static final Path OUT = Path.of("target/test-programs").toAbsolutePath();

    private TestPrograms() {
    }

    /** The executable built from {@code src/test/c/NAME.c}. */
    public static synchronized Path program(String name) {
        Path out = OUT.resolve(name);
        compile(out, List.of(SOURCES.resolve(name + ".c").toString(), "-pthread"));
        return out;
    }

    /** An executable from {@code src/test/c/NAME.c} that includes the harness kit (leakgate_harness.h). */
    public static synchronized Path kitProgram(String name) {
        Path out = OUT.resolve(name);
        Path kit = Path.of("src/main/resources/leakgate").toAbsolutePath();
        try {
            if (Files.exists(out) && Files.getLastModifiedTime(kit.resolve("leakgate_harness.h"))
                    .compareTo(Files.getLastModifiedTime(out)) > 0) {
                Files.delete(out); // the kit changed: build again
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        compile(out, List.of(SOURCES.resolve(name + ".c").toString(), "-I" + kit));
        return out;
    }

    /** An aarch64 executable from {@code src/test/c/NAME.c} that includes the harness kit. */
    public static synchronized Path aarch64KitProgram(String name) {
        Path out = OUT.resolve("aarch64").resolve(name);
        Path kit = Path.of("src/main/resources/leakgate").toAbsolutePath();
        Path include = OUT.resolve("aarch64-include");
        try {
            Files.createDirectories(include);
            if (!Files.exists(include.resolve("valgrind"))) { // valgrind's headers only, not the host's others
                Files.createSymbolicLink(include.resolve("valgrind"), Path.of("/usr/include/valgrind"));
            }
            if (Files.exists(out) && Files.getLastModifiedTime(kit.resolve("leakgate_harness.h"))
                    .compareTo(Files.getLastModifiedTime(out)) > 0) {
                Files.delete(out);
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        compile("aarch64-linux-gnu-gcc", out, List.of(SOURCES.resolve(name + ".c").toString(), "-I" + kit,
                "-I" + include));
        return out;
    }

    /** The leak check probe (src/main/resources/leakgate/leakgate_probe.c) built for this machine. */
    public static synchronized Path probe() {
        Path out = OUT.resolve("leakgate_probe.so");
        compile(out, List.of("-shared", "-fPIC", "-pthread",
                Path.of("src/main/resources/leakgate/leakgate_probe.c").toAbsolutePath().toString()));
        return out;
    }

    /** The leak check probe built for aarch64 with the cross compiler (valgrind's headers from the host). */
    public static synchronized Path aarch64Probe() {
        Path out = OUT.resolve("aarch64").resolve("leakgate_probe.so");
        compile("aarch64-linux-gnu-gcc", out, List.of("-shared", "-fPIC", "-pthread", "-I" + aarch64Include(),
                Path.of("src/main/resources/leakgate/leakgate_probe.c").toAbsolutePath().toString()));
        return out;
    }

    /** The UDP relay (src/main/resources/leakgate/leakgate_udp_relay.c) built for aarch64 with the cross compiler. */
    public static synchronized Path aarch64UdpRelay() {
        Path out = OUT.resolve("aarch64").resolve("leakgate_udp_relay");
        compile("aarch64-linux-gnu-gcc", out, List.of("-O2",
                Path.of("src/main/resources/leakgate/leakgate_udp_relay.c").toAbsolutePath().toString()));
        return out;
    }

    /** The UDP relay built for this machine (for a board of another CPU: the wrong build). */
    public static synchronized Path udpRelay() {
        Path out = OUT.resolve("leakgate_udp_relay");
        compile(out, List.of("-O2", Path.of("src/main/resources/leakgate/leakgate_udp_relay.c").toAbsolutePath()
                .toString()));
        return out;
    }

    /** A folder holding only valgrind's headers, for cross builds (not the host's other headers). */
    private static Path aarch64Include() {
        Path include = OUT.resolve("aarch64-include");
        try {
            Files.createDirectories(include);
            if (!Files.exists(include.resolve("valgrind"))) {
                Files.createSymbolicLink(include.resolve("valgrind"), Path.of("/usr/include/valgrind"));
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return include;
    }

    /** The shared library {@code libNAME.so} built from {@code src/test/c/libNAME.c}. */
    public static synchronized Path sharedLibrary(String name) {
        Path out = OUT.resolve("lib" + name + ".so");
        compile(out, List.of("-shared", "-fPIC", SOURCES.resolve("lib" + name + ".c").toString()));
        return out;
    }

    /** An executable linked against shared libraries in {@link #OUT} ({@code -lNAME}). */
    public static synchronized Path programUsing(String name, String... libraries) {
        Path out = OUT.resolve(name);
        List<String> args = new ArrayList<>(List.of(SOURCES.resolve(name + ".c").toString(), "-L" + OUT));
        for (String lib : libraries) {
            sharedLibrary(lib);
            args.add("-l" + lib);
        }
        compile(out, args);
        return out;
    }

    /** The aarch64 executable built from {@code src/test/c/NAME.c} with the cross compiler. */
    public static synchronized Path aarch64Program(String name) {
        Path out = OUT.resolve("aarch64").resolve(name);
        compile("aarch64-linux-gnu-gcc", out, List.of(SOURCES.resolve(name + ".c").toString(), "-pthread"));
        return out;
    }

    /** The 32-bit ARM (armhf) executable built from {@code src/test/c/NAME.c} with the cross compiler. */
    public static synchronized Path armhfProgram(String name) {
        Path out = OUT.resolve("armhf").resolve(name);
        compile("arm-linux-gnueabihf-gcc", out, List.of(SOURCES.resolve(name + ".c").toString(), "-pthread"));
        return out;
    }

    /** Where {@link #onvifExample()} builds the example: {@code leaky/} and {@code fixed/}. */
    public static final Path ONVIF = OUT.resolve("onvif");

    /** Builds the ONVIF example for aarch64 with its own script (example-tests/build.sh), once per run. */
    public static synchronized Path onvifExample() {
        if (!onvifBuilt) {
            try {
                run(List.of("bash", Path.of("example-tests/build.sh").toAbsolutePath().toString(), ONVIF.toString()));
            } catch (IOException e) {
                throw new IllegalStateException("cannot build the ONVIF example", e);
            }
            onvifBuilt = true;
        }
        return ONVIF;
    }

    private static boolean onvifBuilt;

    /** The aarch64 {@code libNAME.so} from {@code src/test/c/libNAME.c}, unstripped. */
    public static synchronized Path aarch64SharedLibrary(String name) {
        Path out = OUT.resolve("aarch64").resolve("lib" + name + ".so");
        compile("aarch64-linux-gnu-gcc", out, List.of("-shared", "-fPIC", SOURCES.resolve("lib" + name + ".c").toString()));
        return out;
    }

    /** An aarch64 executable linked against aarch64 libraries built by {@link #aarch64SharedLibrary}. */
    public static synchronized Path aarch64ProgramUsing(String name, String... libraries) {
        Path out = OUT.resolve("aarch64").resolve(name);
        List<String> args = new ArrayList<>(List.of(SOURCES.resolve(name + ".c").toString(), "-L" + out.getParent()));
        for (String lib : libraries) {
            aarch64SharedLibrary(lib);
            args.add("-l" + lib);
        }
        compile("aarch64-linux-gnu-gcc", out, args);
        return out;
    }

    /**
     * A variant of {@code src/test/c/NAME.c} for aarch64, built with these flags instead of
     * {@code -g} (e.g. none, for a build without line information), and stripped when asked.
     */
    public static synchronized Path aarch64Variant(String name, String variant, boolean strip, String... flags) {
        Path out = OUT.resolve("aarch64").resolve(name + "-" + variant);
        try {
            Files.createDirectories(out.getParent());
            List<String> cmd = new ArrayList<>(List.of("aarch64-linux-gnu-gcc", "-O0", "-o", out.toString()));
            cmd.addAll(List.of(flags));
            cmd.add(SOURCES.resolve(name + ".c").toString());
            run(cmd);
            if (strip) {
                run(List.of("aarch64-linux-gnu-strip", out.toString()));
            }
            return out;
        } catch (IOException e) {
            throw new IllegalStateException("cannot build " + out, e);
        }
    }

    private static void run(List<String> cmd) throws IOException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", cmd) + " failed:\n" + output);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static boolean upToDate(Path out, List<String> inputs) throws IOException {
        if (!Files.exists(out)) {
            return false;
        }
        for (String input : inputs) {
            Path source = Path.of(input);
            if (input.startsWith("/") && Files.isRegularFile(source)
                    && Files.getLastModifiedTime(source).compareTo(Files.getLastModifiedTime(out)) > 0) {
                return false;
            }
        }
        return true;
    }

    private static void compile(Path out, List<String> inputs) {
        compile("gcc", out, inputs);
    }

    private static void compile(String compiler, Path out, List<String> inputs) {
        try {
            Files.createDirectories(out.getParent());
            if (upToDate(out, inputs)) {
                return;
            }
            List<String> cmd = new ArrayList<>(List.of(compiler, "-g", "-O0", "-Wall", "-o", out.toString()));
            cmd.addAll(inputs);
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException(compiler + " failed for " + out + ":\n" + output);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + compiler + ": run scripts/setup.sh (gcc) or"
                    + " scripts/setup-board.sh (gcc-aarch64-linux-gnu, gcc-arm-linux-gnueabihf)", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
