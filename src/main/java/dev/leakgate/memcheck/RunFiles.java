package dev.leakgate.memcheck;

import java.nio.file.Path;

/**
 * Where a run's raw files are kept: its own folder, with valgrind's XML and log, the program's
 * stdout and stderr, and the command that ran. They stay after the run, pass or fail.
 */
public record RunFiles(Path folder, Path xml, Path log, Path stdout, Path stderr, Path command) {

    /** The usual names inside a run folder. */
    public static RunFiles in(Path folder) {
        return new RunFiles(folder, folder.resolve("memcheck.xml"), folder.resolve("memcheck.log"),
                folder.resolve("stdout.txt"), folder.resolve("stderr.txt"), folder.resolve("command.txt"));
    }

    /** Lines naming each file, for a failure message. */
    public String describe() {
        return "  raw XML: " + xml + "\n  valgrind log: " + log + "\n  program stdout: " + stdout
                + "\n  program stderr: " + stderr;
    }
}
