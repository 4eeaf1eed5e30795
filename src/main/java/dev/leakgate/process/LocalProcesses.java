package dev.leakgate.process;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Finds this machine's processes by a variable in their environment ({@code /proc/PID/environ}),
 * which every process a run starts inherits, and a run's also by its id in valgrind's command line
 * ({@link #ofRun}): children that outlived the program ({@code fork}, {@code setsid}, a daemon,
 * {@code clearenv()} then exec), whatever their process group, session or parent.
 */
public final class LocalProcesses {

    private static final Path PROC = Path.of("/proc");
    private static final AtomicBoolean REAPED = new AtomicBoolean();

    private LocalProcesses() {
    }

    /** The pids of live processes whose environment holds {@code NAME=VALUE}. */
    public static List<Long> withVariable(String name, String value) {
        byte[] wanted = (name + "=" + value).getBytes(StandardCharsets.UTF_8);
        List<Long> found = new ArrayList<>();
        forEachEnvironment((pid, env) -> {
            if (holds(env, wanted)) {
                found.add(pid);
            }
        });
        return found;
    }

    /**
     * The pids of a run's live processes: those whose environment holds the run's id
     * ({@value MemcheckCommand#RUN_ID_VARIABLE}), and those whose command line holds it, which a
     * program cannot take away from what valgrind follows: every process valgrind runs for the run
     * carries {@code --xml-user-comment=leakgate-run:ID}, even one that called {@code setsid()} and
     * {@code clearenv()} before it exec'd.
     */
    public static List<Long> ofRun(String runId) {
        Set<Long> found = new LinkedHashSet<>(withVariable(MemcheckCommand.RUN_ID_VARIABLE, runId));
        byte[] wanted = ("--xml-user-comment=" + MemcheckCommand.RUN_ID_COMMENT + runId).getBytes(StandardCharsets.UTF_8);
        forEachFile("cmdline", (pid, cmdline) -> {
            if (holds(cmdline, wanted)) {
                found.add(pid);
            }
        });
        return new ArrayList<>(found);
    }

    /**
     * Kills (SIGKILL) every live process of the run ({@link #ofRun}) and returns a line per process
     * killed ("pid 123 (sleep)"), for the run's notes.
     */
    public static List<String> killRun(String runId) {
        List<String> killed = new ArrayList<>();
        Set<Long> seen = new LinkedHashSet<>();
        // more than one look: a process in the middle of an exec shows no command line for a moment
        for (int round = 0; round < 3; round++) {
            List<Long> found = ofRun(runId);
            found.removeAll(seen);
            if (found.isEmpty() && round > 0) {
                break;
            }
            for (long pid : found) {
                seen.add(pid);
                ProcessHandle.of(pid).ifPresent(p -> {
                    String command = p.info().command().map(c -> Path.of(c).getFileName().toString()).orElse("?");
                    if (p.destroyForcibly()) {
                        killed.add("pid " + pid + " (" + command + ")");
                    }
                });
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return killed;
    }

    /** Once per JVM: {@link #reapDeadOwners()}, saying on the console what it ended. */
    public static void reapDeadOwnersOnce() {
        if (REAPED.compareAndSet(false, true)) {
            reapDeadOwners().forEach(Console::say);
        }
    }

    /**
     * Kills the processes of runs whose owner JVM on this machine is gone (it was killed before it
     * could end them); returns a line for each process ended.
     */
    public static List<String> reapDeadOwners() {
        byte[] key = (RunIdentity.OWNER_VARIABLE + "=").getBytes(StandardCharsets.UTF_8);
        Map<Long, String> owners = new LinkedHashMap<>();
        forEachEnvironment((pid, env) -> {
            String owner = valueOf(env, key);
            if (owner != null && RunIdentity.isDeadLocalOwner(owner)) {
                owners.put(pid, owner);
            }
        });
        List<String> ended = new ArrayList<>();
        owners.forEach((pid, owner) -> ProcessHandle.of(pid).ifPresent(p -> {
            if (p.destroyForcibly()) {
                ended.add("ended pid " + pid + ", left running by a leakgate run whose JVM (" + owner + ") is gone");
            }
        }));
        return ended;
    }

    private interface EnvironmentVisitor {
        void visit(long pid, byte[] environment);
    }

    private static void forEachEnvironment(EnvironmentVisitor visitor) {
        forEachFile("environ", visitor);
    }

    private static void forEachFile(String file, EnvironmentVisitor visitor) {
        long self = ProcessHandle.current().pid();
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(PROC, "[0-9]*")) {
            for (Path dir : dirs) {
                long pid;
                try {
                    pid = Long.parseLong(dir.getFileName().toString());
                } catch (NumberFormatException e) {
                    continue;
                }
                if (pid == self) {
                    continue;
                }
                try {
                    visitor.visit(pid, Files.readAllBytes(dir.resolve(file)));
                } catch (IOException | SecurityException e) {
                    // gone, or not ours to read
                }
            }
        } catch (IOException e) {
            // no /proc: nothing to find
        }
    }

    /** Whether the NUL-separated environment holds this exact entry. */
    static boolean holds(byte[] env, byte[] entry) {
        int start = 0;
        for (int i = 0; i <= env.length; i++) {
            if (i == env.length || env[i] == 0) {
                if (i - start == entry.length && Arrays.equals(env, start, i, entry, 0, entry.length)) {
                    return true;
                }
                start = i + 1;
            }
        }
        return false;
    }

    /** The value of the entry that starts with {@code key} ("NAME="), or null. */
    private static String valueOf(byte[] env, byte[] key) {
        int start = 0;
        for (int i = 0; i <= env.length; i++) {
            if (i == env.length || env[i] == 0) {
                if (i - start >= key.length && Arrays.equals(env, start, start + key.length, key, 0, key.length)) {
                    return new String(env, start + key.length, i - start - key.length, StandardCharsets.UTF_8);
                }
                start = i + 1;
            }
        }
        return null;
    }
}
