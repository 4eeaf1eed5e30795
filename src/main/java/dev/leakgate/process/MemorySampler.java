package dev.leakgate.process;

import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;

/**
 * Samples a running program's memory on a thread of its own, every interval, until closed. The
 * probe returns the {@code /proc} lines of one sample (empty when the process is not there yet or
 * any more); a probe that fails ends the sampling quietly, never the run.
 */
public final class MemorySampler implements AutoCloseable {

    private final MemoryTimeline timeline = new MemoryTimeline();
    private final Thread thread;
    private volatile boolean stopped;
    /** Closed after the last sample: what the probe holds open (a channel to the board), or nothing. */
    private final AutoCloseable probeResource;

    private MemorySampler(Duration interval, Supplier<List<String>> probe, AutoCloseable probeResource) {
        this.probeResource = probeResource;
        long start = System.nanoTime();
        thread = new Thread(() -> {
            while (!stopped) {
                try {
                    MemoryTimeline.Point p = MemoryTimeline.parseSample((System.nanoTime() - start) / 1_000_000, probe.get());
                    if (p != null && !stopped) {
                        timeline.add(p);
                    }
                    Thread.sleep(interval.toMillis());
                } catch (InterruptedException e) {
                    return;
                } catch (RuntimeException e) {
                    return; // the board went away or the probe failed: the run itself says what happened
                }
            }
        }, "leakgate-memory-sampler");
        thread.setDaemon(true);
        thread.start();
    }

    /** Starts sampling; a zero or negative interval samples nothing. */
    public static MemorySampler start(Duration interval, Supplier<List<String>> probe) {
        return start(interval, probe, () -> { });
    }

    /** As {@link #start(Duration, Supplier)}, closing {@code probeResource} after the last sample. */
    public static MemorySampler start(Duration interval, Supplier<List<String>> probe, AutoCloseable probeResource) {
        return interval.isZero() || interval.isNegative() ? new MemorySampler()
                : new MemorySampler(interval, probe, probeResource);
    }

    private MemorySampler() {
        probeResource = () -> { };
        thread = null;
        stopped = true;
    }

    /** What has been sampled so far; it grows while sampling goes on. */
    public MemoryTimeline sofar() {
        return timeline;
    }

    /** Stops sampling and returns what was sampled. */
    public MemoryTimeline stop() {
        close();
        return timeline;
    }

    @Override
    public void close() {
        stopped = true;
        if (thread != null) {
            thread.interrupt();
            try {
                thread.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try {
            probeResource.close();
        } catch (Exception e) {
            // a probe's channel that cannot be closed is gone already
        }
    }
}
