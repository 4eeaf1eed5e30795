package dev.leakgate.board;

import dev.leakgate.board.ssh.BoardException;
import dev.leakgate.board.ssh.SshBoard;
import dev.leakgate.board.ssh.SshFiles;
import dev.leakgate.config.Settings;
import dev.leakgate.process.Console;
import dev.leakgate.process.MemcheckCommand;
import dev.leakgate.process.ShellQuoting;

import net.fornwall.jelf.ElfFile;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The valgrind leakgate brings to a board, and the debug file valgrind needs for the board's
 * dynamic loader: what a camera board without valgrind needs before anything can be checked on it.
 *
 * <p>{@link Settings#VALGRIND_DEPLOY} names a local prefix folder, as {@code make install} of a
 * cross-compiled valgrind leaves it ({@code bin/valgrind}, {@code libexec/valgrind/memcheck-*}):
 * its launcher and memcheck's files go to {@code <board dir>/valgrind} once per board (an unchanged
 * file is skipped, as every deployed file is), after checks that it is built for the board's CPU
 * and fits; the run's command then uses it, with {@code VALGRIND_LIB}.
 *
 * <p>valgrind cannot start on a board whose {@code ld.so} has no symbols ("a function redirection
 * which is mandatory for this platform-tool combination cannot be set up"): it needs the loader's
 * symbols from a separate debug file. Before a run the loader is fetched and read here; when it has
 * no symbols and the board has no debug file for it where valgrind looks, the matching file (same
 * build-id) from {@link Settings#VALGRIND_DEBUGINFO} is deployed and valgrind pointed at it with
 * {@code --extra-debuginfo-path}; without one, the preflight says what to give.
 */
final class BroughtValgrind {

    /** valgrind's platform names by what {@code uname -m} says. */
    private static final Map<String, String> PLATFORMS = Map.of(
            "aarch64", "arm64-linux", "arm64", "arm64-linux", "armv7l", "arm-linux", "armv6l", "arm-linux",
            "armv8l", "arm-linux", "x86_64", "amd64-linux", "i686", "x86-linux", "i386", "x86-linux",
            "riscv64", "riscv64-linux", "ppc64le", "ppc64le-linux");

    private final Path prefix;
    private final String prefixSource;
    private final Path debugFolder;
    private final String debugSource;
    private final String remote;
    private boolean deployed;
    private String extraDebugPath;

    private BroughtValgrind(Path prefix, String prefixSource, Path debugFolder, String debugSource, String root) {
        this.prefix = prefix;
        this.prefixSource = prefixSource;
        this.debugFolder = debugFolder;
        this.debugSource = debugSource;
        this.remote = root + "/valgrind";
    }

    /** What the settings ask for; fails with the fix when a named folder is not what it should be. */
    static BroughtValgrind from(Settings settings, String root) {
        Path prefix = settings.get(Settings.VALGRIND_DEPLOY).map(Path::of).orElse(null);
        Path debug = settings.get(Settings.VALGRIND_DEBUGINFO).map(Path::of).orElse(null);
        String prefixSource = settings.sourceOf(Settings.VALGRIND_DEPLOY);
        if (prefix != null) {
            if (settings.get(Settings.VALGRIND).isPresent() || settings.get(Settings.VALGRIND_LIB).isPresent()) {
                throw new BoardException(Settings.VALGRIND_DEPLOY + " (" + prefixSource + ") brings a valgrind to the"
                        + " board, and " + (settings.get(Settings.VALGRIND).isPresent() ? Settings.VALGRIND + " ("
                        + settings.sourceOf(Settings.VALGRIND) + ")" : Settings.VALGRIND_LIB + " ("
                        + settings.sourceOf(Settings.VALGRIND_LIB) + ")") + " names one already there: keep one of"
                        + " them");
            }
            if (!Files.isRegularFile(prefix.resolve("bin/valgrind"))) {
                throw new BoardException(Settings.VALGRIND_DEPLOY + " = " + prefix + " (" + prefixSource + ") holds no"
                        + " bin/valgrind: give the --prefix folder of a valgrind built for the board (after make"
                        + " install), or make one with scripts/valgrind-prefix.sh arm64 DIR");
            }
            if (tools(prefix).isEmpty()) {
                throw new BoardException(Settings.VALGRIND_DEPLOY + " = " + prefix + " (" + prefixSource + ") holds no"
                        + " libexec/valgrind/memcheck-*-linux: the prefix is incomplete; run make install again into"
                        + " it, or make one with scripts/valgrind-prefix.sh arm64 DIR");
            }
        }
        if (debug != null && !Files.isDirectory(debug)) {
            throw new BoardException(Settings.VALGRIND_DEBUGINFO + " = " + debug + " ("
                    + settings.sourceOf(Settings.VALGRIND_DEBUGINFO) + ") is not a folder: give a folder of debug files"
                    + " (with .build-id/xx/....debug, as a libc6-dbg package holds them under usr/lib/debug)");
        }
        return new BroughtValgrind(prefix, prefixSource, debug, settings.sourceOf(Settings.VALGRIND_DEBUGINFO), root);
    }

    /** The platforms ("arm64-linux") the prefix has a memcheck for. */
    private static List<String> tools(Path prefix) {
        try (Stream<Path> s = Files.list(prefix.resolve("libexec/valgrind"))) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.matches("memcheck-.+-linux"))
                    .map(n -> n.substring("memcheck-".length())).sorted().toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    /** The command uses the brought valgrind, when there is one. */
    void applyTo(MemcheckCommand.Builder command) {
        if (prefix != null) {
            command.valgrindPrefix(remote);
        }
    }

    /** The command as it runs: pointed at the deployed debug file of the loader, when there is one. */
    MemcheckCommand forRun(MemcheckCommand command) {
        if (extraDebugPath == null || command.valgrindOptions().stream().anyMatch(o -> o.startsWith(
                "--extra-debuginfo-path"))) {
            return command;
        }
        return command.toBuilder().options("--extra-debuginfo-path=" + extraDebugPath).build();
    }

    /**
     * Deploys the valgrind prefix to the board, once per connection (an unchanged file is skipped);
     * fails with the fix when it is built for another CPU or does not fit. Nothing when the
     * settings bring no valgrind.
     */
    synchronized void deploy(SshBoard board) {
        if (prefix == null || deployed) {
            return;
        }
        String cpu = board.run("uname -m", SshBoard.CHANNEL_TIMEOUT).stdout().trim();
        String platform = PLATFORMS.get(cpu);
        List<String> tools = tools(prefix);
        Path launcher = prefix.resolve("bin/valgrind");
        Integer machine = Preflight.machineOf(cpu);
        int launcherMachine = machine(launcher);
        if (platform != null && !tools.contains(platform) || machine != null && launcherMachine != machine) {
            throw new BoardException("the valgrind in " + Settings.VALGRIND_DEPLOY + " = " + prefix + " ("
                    + prefixSource + ") is built for " + (tools.isEmpty() ? Preflight.machineName(launcherMachine)
                    : String.join(", ", tools)) + ", but " + board.name() + " runs " + cpu + (platform == null ? ""
                    : " (valgrind's " + platform + ")") + ": build valgrind with --host for the board's toolchain"
                    + " (scripts/cross-build-valgrind.sh), or make a prefix with scripts/valgrind-prefix.sh "
                    + (platform != null && platform.startsWith("arm-") ? "armhf" : "arm64") + " DIR");
        }
        String tool = platform != null ? platform : tools.get(0);
        Map<Path, String> files = new LinkedHashMap<>();
        files.put(launcher, remote + "/bin");
        Path lib = prefix.resolve("libexec/valgrind");
        for (String f : new String[] {"memcheck-" + tool, "vgpreload_core-" + tool + ".so",
            "vgpreload_memcheck-" + tool + ".so", "default.supp"}) {
            if (!Files.isRegularFile(lib.resolve(f))) {
                throw new BoardException("the valgrind in " + Settings.VALGRIND_DEPLOY + " = " + prefix + " lacks"
                        + " libexec/valgrind/" + f + ", which memcheck needs: run make install again into the prefix");
            }
            files.put(lib.resolve(f), remote + "/libexec/valgrind");
        }
        requireSpace(board, files.keySet(), "valgrind from " + prefix);
        long copied = board.files().placeAll(files.entrySet().stream().map(f -> new SshFiles.Target(f.getKey(),
                f.getValue(), f.getKey().getFileName().toString())).toList(), null, null).stream()
                .filter(p -> p == SshFiles.Placed.COPIED).count();
        deployed = true;
        Console.say("valgrind (" + tool + ") from " + prefix + " on " + board.name() + " in " + remote
                + ": " + copied + " of " + files.size() + " files copied, the rest unchanged");
    }

    /**
     * Fails when the files would not fit under the board folder (counting what an earlier deploy left
     * there), saying how much is needed and how much is free.
     */
    private void requireSpace(SshBoard board, Iterable<Path> files, String what) {
        long need = 0;
        for (Path f : files) {
            try {
                need += Files.size(f);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        String q = ShellQuoting.quote(remote);
        String[] seen = board.run("mkdir -p " + q + " && df -Pk " + q + " | awk 'NR==2{print $4}'; du -sk " + q
                + " | awk '{print $1}'", SshBoard.CHANNEL_TIMEOUT).stdout().trim().split("\\s+");
        try {
            long free = Long.parseLong(seen[0]) + (seen.length > 1 ? Long.parseLong(seen[1]) : 0);
            long needKb = need / 1024 + 1024; // and a megabyte for the run's own files
            if (free < needKb) {
                throw new BoardException("not enough space on " + board.name() + " under " + remote + " for " + what
                        + ": it needs " + mb(needKb) + " and " + mb(free) + " are free; give leakgate a bigger"
                        + " folder with " + Settings.BOARD_DIR + " (a writable filesystem with room for valgrind, the"
                        + " harness and its libraries, e.g. /data/leakgate), or make the board's /tmp bigger");
            }
        } catch (NumberFormatException e) {
            // no df or du on the board: the copy itself will say when it does not fit
        }
    }

    private static String mb(long kb) {
        return String.format(Locale.ROOT, "%.1f MB", kb / 1024.0);
    }

    private static int machine(Path file) {
        try {
            return ElfFile.from(file.toFile()).e_machine;
        } catch (IOException | RuntimeException e) {
            throw new BoardException(file + " is not an ELF program (" + e.getMessage() + "): "
                    + Settings.VALGRIND_DEPLOY + " needs a prefix with the valgrind launcher as bin/valgrind, not a"
                    + " wrapper script (Debian's /usr/bin/valgrind is one: take valgrind.bin)");
        }
    }

    /**
     * Checks that valgrind will find symbols for the loader the program runs with, and deploys its
     * debug file when it will not and a debug folder has it. Returns the problems, with their fix.
     */
    List<String> loaderProblems(SshBoard board, Path program, Path scratch) {
        String interpreter;
        try {
            interpreter = ElfFile.from(program.toFile()).getInterpreter();
        } catch (IOException | RuntimeException e) {
            return List.of(); // the ELF checks report it
        }
        if (interpreter == null) {
            return List.of(); // statically linked: no loader
        }
        SshBoard.Result where = board.run("readlink -f " + ShellQuoting.quote(interpreter), SshBoard.CHANNEL_TIMEOUT);
        String loader = where.stdout().trim();
        if (!where.ok() || loader.isEmpty()) {
            return List.of(board.name() + " has no " + interpreter + ", the loader " + program.getFileName()
                    + " asks for: build it with the toolchain of the board's root filesystem");
        }
        Path local = scratch.resolve("ld.so");
        ElfIds ids;
        try {
            Files.createDirectories(scratch);
            Files.deleteIfExists(local);
            if (!board.files().download(loader, local)) {
                return List.of();
            }
            ids = ElfIds.of(ElfFile.from(local.toFile()));
        } catch (IOException | RuntimeException e) {
            return List.of(); // an unreadable loader: valgrind says more than a guess here would
        }
        if (ids.hasSymbols()) {
            return List.of();
        }
        String objdir = loader.substring(0, loader.lastIndexOf('/'));
        List<String> candidates = new ArrayList<>();
        if (ids.buildId() != null) {
            candidates.add("/usr/lib/debug/" + ids.buildIdPath());
        }
        if (ids.debugLink() != null) {
            candidates.add(objdir + "/" + ids.debugLink());
            candidates.add(objdir + "/.debug/" + ids.debugLink());
            candidates.add("/usr/lib/debug" + objdir + "/" + ids.debugLink());
        }
        if (!candidates.isEmpty() && !board.run("for f in " + String.join(" ", candidates.stream()
                .map(ShellQuoting::quote).toList()) + "; do [ -f \"$f\" ] && echo \"$f\"; done",
                SshBoard.CHANNEL_TIMEOUT).stdout().isBlank()) {
            return List.of(); // the board has it where valgrind looks
        }
        String wanted = ids.buildId() == null ? "a debug file named " + ids.debugLink()
                : ids.buildIdPath() + (ids.debugLink() == null ? "" : " (or a file named " + ids.debugLink()
                + " with that build-id)");
        if (debugFolder == null) {
            return List.of("valgrind cannot start on " + board.name() + ": its loader " + loader + " has no symbols"
                    + " and the board has no debug file for it, so valgrind would stop with 'a function redirection"
                    + " which is mandatory for this platform-tool combination cannot be set up'. Set "
                    + Settings.VALGRIND_DEBUGINFO + " to a folder with " + wanted + ": the debug package of the very"
                    + " C library the board runs (libc6-dbg on Debian; scripts/valgrind-prefix.sh makes such a folder),"
                    + " or build the board's glibc unstripped");
        }
        Path found = find(ids);
        if (found == null || ids.debugLink() == null) {
            return List.of(Settings.VALGRIND_DEBUGINFO + " = " + debugFolder + " (" + debugSource + ") has no debug"
                    + " file for " + board.name() + "'s loader " + loader + (ids.buildId() == null ? ""
                    : " (build-id " + ids.buildId() + ")") + (ids.debugLink() == null ? ", and the loader names no"
                    + " debug link that valgrind could follow outside /usr/lib/debug" : ": it needs " + wanted)
                    + "; take the debug files of the very C library version the board runs");
        }
        try {
            requireSpace(board, List.of(found), "the debug file of " + loader);
        } catch (BoardException e) {
            return List.of(e.getMessage());
        }
        board.files().upload(found, remote + "/debug" + objdir, ids.debugLink());
        extraDebugPath = remote + "/debug";
        return List.of();
    }

    /** The debug file for the loader in the debug folder: by build-id, else by its debug link name. */
    private Path find(ElfIds ids) {
        if (ids.buildId() != null) {
            for (Path p : List.of(debugFolder.resolve(ids.buildIdPath()),
                    debugFolder.resolve("usr/lib/debug").resolve(ids.buildIdPath()))) {
                if (Files.isRegularFile(p)) {
                    return p;
                }
            }
        }
        if (ids.debugLink() == null) {
            return null;
        }
        try (Stream<Path> s = Files.walk(debugFolder, 12)) {
            return s.filter(p -> p.getFileName().toString().equals(ids.debugLink()) && Files.isRegularFile(p))
                    .filter(p -> ids.buildId() == null || ids.buildId().equals(buildIdOf(p)))
                    .findFirst().orElse(null);
        } catch (IOException | UncheckedIOException e) {
            return null;
        }
    }

    private static String buildIdOf(Path file) {
        try {
            return ElfIds.of(ElfFile.from(file.toFile())).buildId();
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

}
