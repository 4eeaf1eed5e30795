package dev.leakgate.board;

import dev.leakgate.board.ssh.BoardException;
import dev.leakgate.board.ssh.SshBoard;
import dev.leakgate.process.MemcheckCommand;
import dev.leakgate.process.ShellQuoting;

import net.fornwall.jelf.ElfFile;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Checks, before anything is deployed or run, what would otherwise fail late or silently: a
 * harness or library built for another CPU, a stripped library or one without line information,
 * valgrind missing or not runnable on the board, a wrong {@code VALGRIND_LIB}, a C library valgrind
 * cannot serve (musl, uClibc), and too little space for the deployment. Each problem says the fix.
 */
public final class Preflight {

    /** ELF machine numbers by what {@code uname -m} says. */
    private static final Map<String, Integer> MACHINES = Map.of(
            "aarch64", 183, "arm64", 183, "armv7l", 40, "armv6l", 40, "x86_64", 62, "i686", 3, "i386", 3,
            "mips", 8, "ppc64le", 21, "riscv64", 243);

    private Preflight() {
    }

    /**
     * The board facts preflight asked for (CPU, C library, valgrind's answer, free space), kept for
     * the life of one {@link Board}, i.e. one test run: under emulation asking costs about a second
     * per test class, and none of it changes while the run lasts but the free space, which a run
     * that fills the board still reports by itself (valgrind's report is then cut off).
     */
    public static final class FactsCache {
        private final ConcurrentHashMap<String, BoardFacts> facts =
                new ConcurrentHashMap<>();

        private BoardFacts of(SshBoard board, MemcheckCommand command, String deployRoot) {
            String key = command.valgrind() + "\0" + command.environment().get("VALGRIND_LIB") + "\0" + deployRoot;
            return facts.computeIfAbsent(key, k -> BoardFacts.read(board, command, deployRoot));
        }
    }

    /** What the checks found; empty when all is well. */
    public static List<String> problems(SshBoard board, Path harness, List<Path> libraries, MemcheckCommand command,
                                        String deployRoot) {
        return problems(board, harness, libraries, command, deployRoot, new FactsCache());
    }

    /** As {@link #problems(SshBoard, Path, List, MemcheckCommand, String)}, with the board's facts from a cache. */
    public static List<String> problems(SshBoard board, Path harness, List<Path> libraries, MemcheckCommand command,
                                        String deployRoot, FactsCache cache) {
        List<String> problems = new ArrayList<>();
        BoardFacts facts = cache.of(board, command, deployRoot);
        Integer machine = MACHINES.get(facts.cpu);
        List<Path> all = new ArrayList<>();
        all.add(harness);
        all.addAll(libraries);
        long bytes = 0;
        for (Path file : all) {
            problems.addAll(elfProblems(file, file == harness, facts.cpu, machine, facts.armLoader));
            try {
                bytes += Files.size(file);
            } catch (IOException e) {
                // reported by elfProblems
            }
        }
        if (facts.libc != null && !facts.libc.isEmpty()) {
            problems.add(board.name() + " runs " + facts.libc + ", which valgrind does not support: valgrind needs"
                    + " glibc; use a glibc build of the board's root filesystem");
        }
        if (!facts.valgrindVersion.startsWith("valgrind-")) {
            problems.add(facts.valgrindProblem(board, command));
        }
        if (facts.freeKb >= 0 && facts.freeKb * 1024 < bytes * 2) {
            problems.add("not enough space for the deployment on " + board.name() + ": " + (facts.freeKb / 1024)
                    + " MB free under " + deployRoot + ", " + (bytes / 1024 / 1024) + " MB to copy (and as much"
                    + " again for the run); free space or set the board folder (leakgate.board.dir)");
        }
        return problems;
    }

    /** Throws a {@link BoardException} listing every problem, if there is any. */
    public static void check(SshBoard board, Path harness, List<Path> libraries, MemcheckCommand command,
                             String deployRoot) {
        fail(board, problems(board, harness, libraries, command, deployRoot));
    }

    /** Throws a {@link BoardException} listing every problem, if there is any. */
    static void fail(SshBoard board, List<String> problems) {
        if (!problems.isEmpty()) {
            throw new BoardException("leakgate preflight found " + problems.size() + " problem"
                    + (problems.size() == 1 ? "" : "s") + " before running on " + board.name() + ":\n  - "
                    + String.join("\n  - ", problems));
        }
    }

    /** ARM EABI float ABI flags of an ELF header's e_flags. */
    private static final int EF_ARM_ABI_FLOAT_SOFT = 0x200;
    private static final int EF_ARM_ABI_FLOAT_HARD = 0x400;
    /** The loaders that tell a 32-bit ARM root's float ABI apart. */
    static final String ARMHF_LOADER = "/lib/ld-linux-armhf.so.3";
    static final String ARMEL_LOADER = "/lib/ld-linux.so.3";

    /**
     * The cross compiler of a board, as Debian names it: by its CPU, and on 32-bit ARM by the
     * loader its root has ({@code armLoader}, null when not known).
     */
    static String toolchain(String cpu, String armLoader) {
        Integer machine = MACHINES.get(cpu);
        if (machine == null) {
            return "the board's cross compiler";
        }
        return switch (machine) {
            case 183 -> "aarch64-linux-gnu-gcc";
            case 40 -> ARMEL_LOADER.equals(armLoader) ? "arm-linux-gnueabi-gcc" : "arm-linux-gnueabihf-gcc";
            case 62 -> "x86_64-linux-gnu-gcc";
            default -> "the board's cross compiler";
        };
    }

    /** "armhf" or "armel" for a 32-bit ARM ELF file by its float ABI (flags, else its loader); null: not told. */
    static String armAbi(ElfFile elf) {
        if ((elf.e_flags & EF_ARM_ABI_FLOAT_HARD) != 0) {
            return "armhf";
        }
        if ((elf.e_flags & EF_ARM_ABI_FLOAT_SOFT) != 0) {
            return "armel";
        }
        String interpreter = elf.getInterpreter();
        return ARMHF_LOADER.equals(interpreter) ? "armhf" : ARMEL_LOADER.equals(interpreter) ? "armel" : null;
    }

    /** The ELF checks of one file, against the board's CPU (and, on 32-bit ARM, the loader its root has). */
    static List<String> elfProblems(Path file, boolean isHarness, String cpu, Integer machine, String armLoader) {
        List<String> problems = new ArrayList<>();
        ElfFile elf;
        try {
            elf = ElfFile.from(file.toFile());
        } catch (IOException | RuntimeException e) {
            problems.add(file + " is not an ELF " + (isHarness ? "program" : "library") + " (" + e.getMessage()
                    + "): pass the built binary, not a script or a source file");
            return problems;
        }
        if (machine != null && elf.e_machine != machine) {
            problems.add(file + " is built for " + machineName(elf.e_machine) + ", but the board's CPU is " + cpu
                    + ": build it with the board's cross compiler (" + toolchain(cpu, armLoader) + ")");
        } else if (machine != null && machine == 40 && armLoader != null) {
            // one CPU, two ABIs: a soft-float (armel) binary cannot load on a hard-float (armhf) root, nor back
            String board = ARMHF_LOADER.equals(armLoader) ? "armhf" : "armel";
            String built = armAbi(elf);
            if (built != null && !built.equals(board)) {
                problems.add(file + " is built for " + built + " (32-bit ARM, " + (built.equals("armhf") ? "hard" : "soft")
                        + "-float ABI), but the board's root is " + board + " (its loader is " + armLoader + "): build"
                        + " it with the board's toolchain (" + toolchain(cpu, armLoader) + ")");
            }
        }
        try {
            if (elf.firstSectionByName(".symtab") == null) {
                problems.add(file + " is stripped (no symbol table), so leak stacks cannot name its functions:"
                        + " remove strip from the build and add -ggdb3");
            } else if (elf.firstSectionByName(".debug_line") == null) {
                problems.add(file + " has no line information, so leak stacks cannot show file:line: add -ggdb3"
                        + " (or -g) to its build");
            }
            String interpreter = isHarness ? elf.getInterpreter() : null;
            if (interpreter != null && (interpreter.contains("musl") || interpreter.contains("uClibc"))) {
                problems.add(file + " is linked against " + (interpreter.contains("musl") ? "musl" : "uClibc")
                        + " (" + interpreter + "), which valgrind does not support: build it against glibc");
            }
        } catch (RuntimeException e) {
            problems.add(file + " has ELF sections leakgate cannot read (" + e.getMessage() + ")");
        }
        return problems;
    }

    /** The ELF machine of a CPU as {@code uname -m} names it, or null when not known. */
    static Integer machineOf(String cpu) {
        return MACHINES.get(cpu);
    }

    static String machineName(int machine) {
        return switch (machine) {
            case 183 -> "aarch64";
            case 40 -> "32-bit ARM";
            case 62 -> "x86-64";
            case 3 -> "x86";
            case 8 -> "MIPS";
            case 243 -> "RISC-V";
            default -> "ELF machine " + machine;
        };
    }

    /** What one round trip to the board tells: its CPU, C library, valgrind and free space. */
    private record BoardFacts(String cpu, String libc, String valgrindVersion, String valgrindOutput,
                              boolean libDirOk, long freeKb, String armLoader) {

        static BoardFacts read(SshBoard board, MemcheckCommand command, String deployRoot) {
            String lib = command.environment().get("VALGRIND_LIB");
            String script = "uname -m; echo '--'; ls /lib/ld-musl-* /lib/ld-uClibc* 2>/dev/null | head -1; echo '--';"
                    + " " + command.valgrindShellWords() + " --version 2>&1 | head -3; echo '--';"
                    + (lib == null ? " echo ok" : " ls " + ShellQuoting.quote(lib) + "/memcheck-*-linux >/dev/null"
                    + " 2>&1 && echo ok || echo missing") + "; echo '--';"
                    + " mkdir -p " + ShellQuoting.quote(deployRoot) + " && df -Pk " + ShellQuoting.quote(deployRoot)
                    + " | awk 'NR==2{print $4}'; echo '--';"
                    // builtins only: which 32-bit ARM loader the root has (armhf or armel)
                    + " for f in " + ARMHF_LOADER + " " + ARMEL_LOADER + "; do [ -e $f ] && echo $f && break; done; true";
            String[] parts = board.run(script, Duration.ofSeconds(60)).stdout().split("--\n", -1);
            String cpu = parts[0].trim();
            String libc = parts.length > 1 ? parts[1].trim() : "";
            libc = libc.contains("musl") ? "musl (" + libc + ")" : libc.contains("uClibc") ? "uClibc (" + libc + ")" : "";
            String vg = parts.length > 2 ? parts[2].trim() : "";
            boolean libOk = parts.length > 3 && parts[3].trim().equals("ok");
            long free;
            try {
                free = parts.length > 4 ? Long.parseLong(parts[4].trim()) : -1;
            } catch (NumberFormatException e) {
                free = -1;
            }
            String armLoader = parts.length > 5 && !parts[5].isBlank() ? parts[5].trim() : null;
            return new BoardFacts(cpu, libc, vg.lines().findFirst().orElse(""), vg, libOk, free, armLoader);
        }

        String valgrindProblem(SshBoard board, MemcheckCommand command) {
            String lib = command.environment().get("VALGRIND_LIB");
            if (valgrindOutput.contains("failed to start tool")) {
                return "valgrind '" + command.valgrind() + "' on " + board.name() + " cannot find its tools"
                        + (lib == null ? "" : " in VALGRIND_LIB=" + lib) + ": a valgrind installed in a custom prefix"
                        + " needs VALGRIND_LIB=<prefix>/libexec/valgrind (set leakgate.valgrind.lib)";
            }
            if (valgrindOutput.contains("not found") || valgrindOutput.contains("No such file")) {
                return "there is no valgrind at '" + command.valgrind() + "' on " + board.name() + ": install it"
                        + " there (a cross-compiled valgrind and its libexec folder), or set leakgate.valgrind to its"
                        + " path (and leakgate.valgrind.lib to VALGRIND_LIB for a custom prefix)";
            }
            if (lib != null && !libDirOk) {
                return "VALGRIND_LIB=" + lib + " on " + board.name() + " holds no memcheck tool (no memcheck-*-linux):"
                        + " point it at <prefix>/libexec/valgrind of the valgrind you run";
            }
            return "valgrind '" + command.valgrind() + "' does not run on " + board.name() + ": it printed '"
                    + valgrindOutput.replace('\n', ' ') + "'; check that it was built for the board's CPU (" + cpu + ")";
        }
    }
}
