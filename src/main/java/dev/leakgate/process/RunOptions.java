package dev.leakgate.process;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * Settings of one run, on any board: its name, input, timeout and the steps after it, memory sampling;
 * immutable, each {@code with...} returns a changed copy.
 */
public record RunOptions(String name, byte[] stdin, boolean keepStdinOpen, Duration timeout,
                         Duration stdinGrace, Duration termGrace, Duration sampleInterval,
                         Consumer<RunFiles> onStart) {

    public RunOptions {
        stdin = stdin == null ? new byte[0] : stdin.clone();
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("The timeout must be positive, but was " + timeout);
        }
    }

    /**
     * Defaults: no input (stdin closed at once), 5 minutes, 5 s after closing stdin, 10 s after
     * SIGTERM, memory sampled every second.
     */
    public static RunOptions named(String name) {
        return new RunOptions(name, new byte[0], false, Duration.ofMinutes(5), Duration.ofSeconds(5),
                Duration.ofSeconds(10), Duration.ofSeconds(1), files -> { });
    }

    /** Called with the run's files when its folder exists, just before the program starts (for progress). */
    public RunOptions withOnStart(Consumer<RunFiles> callback) {
        return new RunOptions(name, stdin, keepStdinOpen, timeout, stdinGrace, termGrace, sampleInterval, callback);
    }

    /** How often the program's memory is sampled while it runs; zero for not at all. */
    public RunOptions withSampling(Duration interval) {
        return new RunOptions(name, stdin, keepStdinOpen, timeout, stdinGrace, termGrace, interval, onStart);
    }

    /** Input written to the program's stdin, which is then closed (unless {@link #withStdinKeptOpen}). */
    public RunOptions withStdin(String text) {
        return new RunOptions(name, text.getBytes(StandardCharsets.UTF_8), keepStdinOpen, timeout,
                stdinGrace, termGrace, sampleInterval, onStart);
    }

    /** Keeps stdin open after the input until the program ends or the timeout closes it. */
    public RunOptions withStdinKeptOpen() {
        return new RunOptions(name, stdin, true, timeout, stdinGrace, termGrace, sampleInterval, onStart);
    }

    public RunOptions withTimeout(Duration t) {
        return new RunOptions(name, stdin, keepStdinOpen, t, stdinGrace, termGrace, sampleInterval, onStart);
    }

    /** How long each step of the timeout gets: after closing stdin, and after SIGTERM. */
    public RunOptions withGrace(Duration afterStdinClosed, Duration afterTerm) {
        return new RunOptions(name, stdin, keepStdinOpen, timeout, afterStdinClosed, afterTerm, sampleInterval, onStart);
    }
}
