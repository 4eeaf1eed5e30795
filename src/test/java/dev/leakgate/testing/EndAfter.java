package dev.leakgate.testing;

import dev.leakgate.process.MemcheckProcess;
import dev.leakgate.process.MemcheckRun;
import dev.leakgate.process.Termination;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.time.Duration;

/**
 * Ends a run the way the timeout does (stdin closed, SIGTERM, SIGKILL), but only once the program has
 * said on stdout that it is where the test needs it: a test then asserts what ending it causes, not
 * how fast a busy machine got the program there.
 */
public final class EndAfter {

    private EndAfter() {
    }

    /**
     * Waits (up to {@code wait}) until the program's stdout holds {@code line}, ends the run in steps
     * and finishes it.
     */
    public static MemcheckRun line(MemcheckProcess process, String line, Duration wait, Duration stdinGrace,
                                   Duration termGrace) {
        long deadline = System.nanoTime() + wait.toNanos();
        while (!said(process, line)) {
            if (System.nanoTime() > deadline || process.hasExited()) {
                throw new AssertionError("the program did not say '" + line + "' within " + wait.toSeconds()
                        + " s; its stdout: " + process.files().stdout());
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted", e);
            }
        }
        Termination t = process.endInSteps(stdinGrace, termGrace);
        return process.finish(t, null);
    }

    private static boolean said(MemcheckProcess process, String line) {
        try {
            return Files.readString(process.files().stdout(), StandardCharsets.UTF_8).lines().anyMatch(line::equals);
        } catch (NoSuchFileException e) {
            return false;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
