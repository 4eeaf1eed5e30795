package dev.leakgate.junit;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

/**
 * Progress of a long run under valgrind, every interval: the elapsed time and the scenario the
 * harness is running (the one after its last reply, from its output as it streams in). Each line
 * goes to the console ({@code leakgate: ...}) and to a sink the extension turns into report entries,
 * which IDE runners show while the test runs.
 */
final class Progress implements AutoCloseable {

    private final Thread thread;

    private Progress(Thread thread) {
        this.thread = thread;
    }

    /** Starts reporting on the run whose stdout streams into {@code stdout}; a zero interval reports nothing. */
    static Progress start(String what, Duration interval, List<Harness.ScenarioCall> calls, Path stdout,
                          String token, Consumer<String> sink) {
        if (interval.isZero() || interval.isNegative()) {
            return new Progress(null);
        }
        long start = System.nanoTime();
        Thread t = new Thread(() -> {
            try {
                while (true) {
                    Thread.sleep(interval.toMillis());
                    long seconds = (System.nanoTime() - start) / 1_000_000_000L;
                    String line = what + ": " + seconds + " s under valgrind" + scenario(calls, stdout, token);
                    System.out.println("leakgate: " + line);
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

    /** ", running NAME (k of n)" from the replies so far, or "" before the harness answered. */
    static String scenario(List<Harness.ScenarioCall> calls, Path stdout, String token) {
        if (calls.isEmpty()) {
            return "";
        }
        long answered = dev.leakgate.harness.KitProtocol.replies(stdout, token).stream()
                .filter(l -> l.startsWith("ok ") || l.startsWith("error ")).count();
        if (answered >= calls.size()) {
            return ", all " + calls.size() + " scenarios done, valgrind is checking for leaks";
        }
        Harness.ScenarioCall now = calls.get((int) answered);
        return ", running " + now.scenario() + " x" + now.times() + " (" + (answered + 1) + " of " + calls.size() + ")";
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
