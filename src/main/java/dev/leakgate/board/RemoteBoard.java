package dev.leakgate.board;

import dev.leakgate.board.ssh.SshBoard;
import dev.leakgate.config.Settings;
import dev.leakgate.process.LocalMemcheckRunner;
import dev.leakgate.process.MemcheckCommand;
import dev.leakgate.process.MemcheckProcess;
import dev.leakgate.process.NativeRun;
import dev.leakgate.process.RunOptions;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A board reached over SSH, a real one in the lab or the emulated one: commands over the SSH
 * connection ({@link SshBoard}), files over the file channel it chose when it connected
 * ({@link FileTransfer}), runs by a {@link BoardMemcheckRunner}.
 */
final class RemoteBoard implements Board {

    private final BoardSpec spec;
    private final SshBoard ssh;
    private final Settings settings;
    private final BoardMemcheckRunner runner;
    private final Runnable onClose;
    private final String description;
    private final BroughtValgrind valgrind;
    /** Preflight's board facts, asked once per board for the test run. */
    private final Preflight.FactsCache facts = new Preflight.FactsCache();

    RemoteBoard(BoardSpec spec, SshBoard ssh, Settings settings, Runnable onClose, String description) {
        this.spec = spec;
        this.description = description;
        this.ssh = ssh;
        this.settings = settings;
        this.onClose = onClose;
        this.runner = new BoardMemcheckRunner(ssh, runsRoot(), root());
        this.valgrind = BroughtValgrind.from(settings, root());
    }

    private Path runsRoot() {
        return Path.of(settings.get(LocalMemcheckRunner.RUNS_DIR_PROPERTY, "target/leakgate")).resolve("runs");
    }

    private String root() {
        return settings.get(Settings.BOARD_DIR, BoardMemcheckRunner.DEFAULT_REMOTE_ROOT);
    }

    static MemcheckCommand.Builder command(String program, Settings settings) {
        MemcheckCommand.Builder b = MemcheckCommand.builder(program);
        settings.get(Settings.VALGRIND).ifPresent(b::valgrind);
        settings.get(Settings.VALGRIND_LIB).ifPresent(b::valgrindLib);
        return b;
    }

    @Override
    public BoardSpec spec() {
        return spec;
    }

    @Override
    public MemcheckCommand.Builder command(String program) {
        MemcheckCommand.Builder b = command(program, settings);
        valgrind.applyTo(b);
        return b;
    }

    @Override
    public Deployment deploy(String name, List<Path> files) {
        return runner.deploy(name, files);
    }

    @Override
    public String deployFiles(String name, Path folder) {
        return runner.deployFiles(name, folder);
    }

    @Override
    public void preflight(Path program, List<Path> libraries, MemcheckCommand command) {
        valgrind.deploy(ssh);
        List<String> problems = new ArrayList<>(Preflight.problems(ssh, program, libraries, command, root(),
                facts));
        if (problems.isEmpty()) {
            // the loader's symbols matter only once valgrind itself runs
            problems.addAll(valgrind.loaderProblems(ssh, program, runsRoot().resolve(".loader")));
        }
        Preflight.fail(ssh, problems);
    }

    @Override
    public MemcheckProcess start(MemcheckCommand command, RunOptions options) {
        valgrind.deploy(ssh);
        return runner.start(valgrind.forRun(command), options);
    }

    @Override
    public NativeRun runNative(String program, List<String> args, Map<String, String> env,
                                                   String name, byte[] stdin, Duration timeout) {
        return runner.runNative(program, args, env, name, stdin, timeout);
    }

    @Override
    public boolean accepts(int port) {
        return ssh.accepts(port);
    }

    @Override
    public MemcheckProcess.ShellResult shell(String command, Duration timeout) {
        SshBoard.Result r = ssh.run(command, timeout);
        return new MemcheckProcess.ShellResult(r.exitStatus(), r.stdout(), r.stderr());
    }

    @Override
    public String fileTransfer() {
        return ssh.files().fileTransferName();
    }

    @Override
    public void close() {
        onClose.run();
    }

    @Override
    public String toString() {
        return description;
    }
}
