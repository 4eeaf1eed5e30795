package dev.leakgate.board;

import dev.leakgate.board.ssh.BoardException;
import dev.leakgate.config.Settings;
import dev.leakgate.process.LocalMemcheckRunner;
import dev.leakgate.process.LocalProcesses;
import dev.leakgate.process.MemcheckCommand;
import dev.leakgate.process.MemcheckProcess;
import dev.leakgate.process.NativeRun;
import dev.leakgate.process.RunFiles;
import dev.leakgate.process.RunIdentity;
import dev.leakgate.process.RunOptions;
import dev.leakgate.process.ShellQuoting;
import dev.leakgate.process.Termination;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/** This machine as the board: its own valgrind, files used where they are, nothing deployed. */
final class LocalBoard implements Board {

    private final BoardSpec spec;
    private final Settings settings;
    private final LocalMemcheckRunner runner;

    LocalBoard(BoardSpec spec, Settings settings) {
        this.spec = spec;
        this.settings = settings;
        this.runner = new LocalMemcheckRunner(runsRoot());
    }

    /** Where run folders are kept on this machine: {@code leakgate.runs.dir} (default target/leakgate), then runs/. */
    private Path runsRoot() {
        return Path.of(settings.get(LocalMemcheckRunner.RUNS_DIR_PROPERTY, "target/leakgate")).resolve("runs");
    }

    @Override
    public BoardSpec spec() {
        return spec;
    }

    @Override
    public MemcheckCommand.Builder command(String program) {
        return RemoteBoard.command(program, settings);
    }

    @Override
    public Deployment deploy(String name, List<Path> files) {
        Map<Path, String> paths = new LinkedHashMap<>();
        Set<String> folders = new LinkedHashSet<>();
        for (Path f : files) {
            Path abs = f.toAbsolutePath().normalize();
            paths.put(abs, abs.toString());
            folders.add(abs.getParent().toString());
        }
        return new Deployment(String.join(":", folders), paths, List.of());
    }

    @Override
    public String deployFiles(String name, Path folder) {
        if (!Files.isDirectory(folder)) {
            throw new BoardException("cannot use the data files of " + folder + ": there is no such folder");
        }
        return folder.toAbsolutePath().normalize().toString();
    }

    @Override
    public void preflight(Path program, List<Path> libraries, MemcheckCommand command) {
        // the host's own programs and valgrind: a wrong one fails at once, with valgrind's words
    }

    @Override
    public void requireUdpRelay(List<Integer> udpPorts, String relay) {
        // the program runs here: its UDP ports are this machine's
    }

    @Override
    public MemcheckProcess start(MemcheckCommand command, RunOptions options) {
        return runner.start(command, options);
    }

    @Override
    public boolean accepts(int port) {
        return MemcheckProcess.acceptsHere(port);
    }

    @Override
    public MemcheckProcess.ShellResult shell(String command, Duration timeout) {
        return LocalMemcheckRunner.shellHere(command, timeout);
    }

    @Override
    public String fileTransfer() {
        return "none: this machine";
    }

    @Override
    public NativeRun runNative(String program, List<String> args, Map<String, String> env,
                                                   String name, byte[] stdin, Duration timeout) {
        LocalProcesses.reapDeadOwnersOnce();
        RunFiles files = RunFiles.create(runsRoot(), name);
        String runId = RunIdentity.newId();
        List<String> argv = new ArrayList<>();
        argv.add(program);
        argv.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(argv).redirectOutput(files.stdout().toFile())
                .redirectError(files.stderr().toFile());
        pb.environment().putAll(env);
        pb.environment().put(MemcheckCommand.RUN_ID_VARIABLE, runId);
        pb.environment().put(RunIdentity.OWNER_VARIABLE, RunIdentity.owner());
        try {
            Files.writeString(files.command(), "# natively on this machine\n" + ShellQuoting.join(argv) + "\n");
            Path input = files.folder().resolve("stdin.txt");
            Files.write(input, stdin); // from a file: a program that does not read cannot block the timeout
            pb.redirectInput(input.toFile());
            Process p = pb.start();
            Termination termination = Termination.EXITED;
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroy();
                termination = Termination.TERMINATED;
                if (!p.waitFor(5, TimeUnit.SECONDS)) {
                    p.destroyForcibly().waitFor();
                    termination = Termination.KILLED;
                }
            }
            List<String> strays = LocalProcesses.killRun(runId);
            List<String> notes = strays.isEmpty() ? List.of()
                    : List.of("ended " + strays.size() + " process(es) the soak left running: " + String.join(", ", strays));
            return new NativeRun(files, termination,
                    termination == Termination.KILLED ? -1 : p.exitValue(), null, notes);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + program + " natively", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while " + program + " ran", e);
        }
    }

    @Override
    public void close() {
        // nothing to close
    }

    @Override
    public String toString() {
        return "this machine (local valgrind)";
    }
}
