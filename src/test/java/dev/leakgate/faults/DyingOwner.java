package dev.leakgate.faults;

import dev.leakgate.board.BoardMemcheckRunner;
import dev.leakgate.board.emulated.EmulatedBoard;
import dev.leakgate.board.ssh.SshBoard;
import dev.leakgate.board.ssh.SshTarget;
import dev.leakgate.process.LocalMemcheckRunner;
import dev.leakgate.process.MemcheckCommand;
import dev.leakgate.process.RunOptions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A JVM that starts leakgate work and is then killed with SIGKILL by a fault-matrix test, so that
 * the test can check what a later leakgate removes. Modes:
 * <ul>
 *   <li>{@code local PROGRAM ARGS...}: runs the program under the host's valgrind (5 minutes timeout);</li>
 *   <li>{@code container}: starts an emulated board and prints "container ID";</li>
 *   <li>{@code board HOST PORT HOSTKEY KEYFILE PROGRAM}: runs a board program under valgrind over SSH.</li>
 * </ul>
 */
public final class DyingOwner {

    private DyingOwner() {
    }

    public static void main(String[] args) throws Exception {
        System.out.println("owner started");
        switch (args[0]) {
            case "local" -> new LocalMemcheckRunner().run(MemcheckCommand.builder(args[1])
                            .args(Arrays.copyOfRange(args, 2, args.length)).build(),
                    RunOptions.named("dying-owner").withTimeout(Duration.ofMinutes(5)));
            case "container" -> {
                EmulatedBoard board = EmulatedBoard.start();
                System.out.println("container " + board.containerId());
                System.out.flush();
                Thread.sleep(Duration.ofMinutes(5).toMillis());
            }
            case "board" -> {
                SshTarget target = SshTarget.of("root", args[1], Integer.parseInt(args[2]))
                        .withPinnedHostKey(args[3]).withPrivateKey(Files.readAllBytes(Path.of(args[4])), null);
                try (SshBoard board = SshBoard.connect(target)) {
                    new BoardMemcheckRunner(board).run(MemcheckCommand.builder(args[5]).args("pause").build(),
                            RunOptions.named("dying-owner").withTimeout(Duration.ofMinutes(5)));
                }
            }
            default -> throw new IllegalArgumentException(args[0]);
        }
    }

    /** Starts a JVM in this mode with the test's own class path. */
    static Process start(String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), DyingOwner.class.getName()));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectErrorStream(true).start();
    }
}
