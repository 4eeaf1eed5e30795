package dev.leakgate.process;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Where a run's raw files are kept: its own folder, with valgrind's XML and log, the program's
 * stdout and stderr, and the command that ran. They stay after the run, pass or fail.
 */
public record RunFiles(Path folder, Path xml, Path log, Path stdout, Path stderr, Path command) {

    /** Where the memory sampled while the program ran is kept (CSV), when it was sampled. */
    public Path memory() {
        return folder.resolve("memory.csv");
    }

    private static final AtomicLong SEQUENCE = new AtomicLong();
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");

    /**
     * A new folder of its own for one run under {@code root}, named {@code NAME-TIMESTAMP-N}
     * (the name reduced to letters, digits and {@code ._-}), also across processes that start a run
     * at the same second.
     */
    public static RunFiles create(Path root, String name) {
        String stem = name.replaceAll("[^A-Za-z0-9._-]", "_") + "-" + LocalDateTime.now().format(STAMP) + "-";
        try {
            Files.createDirectories(root);
            for (long n = SEQUENCE.incrementAndGet(); ; n = SEQUENCE.incrementAndGet()) {
                try {
                    return in(Files.createDirectory(root.resolve(stem + n)));
                } catch (FileAlreadyExistsException taken) {
                    // another process made this one: take the next number
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a run folder under " + root
                    + "; set -D" + LocalMemcheckRunner.RUNS_DIR_PROPERTY + " to a writable folder", e);
        }
    }

    /** The usual names inside a run folder. */
    public static RunFiles in(Path folder) {
        return new RunFiles(folder, folder.resolve("memcheck.xml"), folder.resolve("memcheck.log"),
                folder.resolve("stdout.txt"), folder.resolve("stderr.txt"), folder.resolve("command.txt"));
    }

    /** The last lines written to the run's stderr, or "" when there are none. */
    public String stderrTail(int lines) {
        return Tails.lastLines(stderr, lines, 64 * 1024);
    }

    /** Lines naming each file, for a failure message. */
    public String describe() {
        return "  raw XML: " + xml + "\n  valgrind log: " + log + "\n  program stdout: " + stdout
                + "\n  program stderr: " + stderr;
    }
}
