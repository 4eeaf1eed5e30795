package dev.leakgate.junit;

import dev.leakgate.process.Console;
import java.time.Duration;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Progress of a long run under valgrind, every interval: the elapsed time and what the program is
 * doing (the scenario the harness is running, the checks a daemon has taken). Each line goes to the
 * console ({@code leakgate: ...}) and to a sink the extension turns into report entries, which IDE
 * runners show while the test runs.
 */
final class Progress implements AutoCloseable {

    private final Thread thread;

    private Progress(Thread thread) {
        this.thread = thread;
    }

    /** Starts reporting; {@code status} says what the program does (", running X"); a zero interval reports nothing. */
    static Progress start(String what, Duration interval, Supplier<String> status, Consumer<String> sink) {
        if (interval.isZero() || interval.isNegative()) {
            return new Progress(null);
        }
        long start = System.nanoTime();
        Thread t = new Thread(() -> {
            try {
                while (true) {
                    Thread.sleep(interval.toMillis());
                    long seconds = (System.nanoTime() - start) / 1_000_000_000L;
                    String line = what + ": " + seconds + " s under valgrind" + status.get();
                    Console.say(line);
                    sink.accept(line);
                }
            } catch (InterruptedException e) {
                // the run ended
            }
        }, "leakgate-progress");
        t.setDaemon(true);
        t.start();
        return new Progress(t);
    }

    @Override
    public void close() {
        if (thread != null) {
            thread.interrupt();
            try {
                thread.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
