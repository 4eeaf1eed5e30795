package dev.leakgate.gate;

import java.util.List;

/**
 * The growth gate: memory that memcheck cannot call lost (a cache that grows forever stays
 * reachable) still shows as growth per run. The gate drops the warm-up (the first
 * {@code warmupFraction} of the runs), fits a least-squares line to the heap in use over the
 * steady state, and fails when its slope exceeds a limit in bytes per run. The resident set's
 * slope is shown beside it (under QEMU it describes the emulator, so only its trend means much).
 */
public final class GrowthGate {

    /** At least this many samples after the warm-up, or the soak is inconclusive. */
    public static final int MIN_SAMPLES = 3;

    private final long maxBytesPerRun;
    private final double warmupFraction;

    public GrowthGate(long maxBytesPerRun, double warmupFraction) {
        if (maxBytesPerRun < 0) {
            throw new IllegalArgumentException("The growth limit must be >= 0 bytes per run, but was " + maxBytesPerRun);
        }
        if (warmupFraction < 0 || warmupFraction >= 1) {
            throw new IllegalArgumentException("The warm-up is a fraction of the runs in [0, 1), but was " + warmupFraction);
        }
        this.maxBytesPerRun = maxBytesPerRun;
        this.warmupFraction = warmupFraction;
    }

    /** The outcome for one scenario. */
    public record Result(boolean passed, boolean conclusive, double heapSlope, double rssSlope, String message) {
    }

    public Result evaluate(GrowthSeries series) {
        long warmup = (long) Math.floor(series.runs() * warmupFraction);
        List<GrowthSeries.Sample> steady = series.samples().stream().filter(s -> s.run() > warmup).toList();
        if (!series.completed() || steady.size() < MIN_SAMPLES) {
            String why = !series.completed()
                    ? "the harness did not finish the soak (it crashed or was ended by the timeout)"
                    : "only " + steady.size() + " samples after the warm-up (need " + MIN_SAMPLES + "): sample more"
                            + " often or soak longer";
            return new Result(false, false, Double.NaN, Double.NaN, "leakgate: INCONCLUSIVE: the growth of scenario "
                    + series.scenario() + " cannot be judged: " + why + table(series, warmup));
        }
        double heap = slope(steady, true);
        double rss = slope(steady, false);
        boolean passed = heap <= maxBytesPerRun;
        String message = String.format("leakgate: %s: scenario %s grows the heap by %.1f bytes per run over the steady"
                        + " state (runs %d to %d; limit %d bytes per run); resident set %.1f bytes per run%s",
                passed ? "PASS" : "FAIL", series.scenario(), heap, steady.get(0).run(),
                steady.get(steady.size() - 1).run(), maxBytesPerRun, rss, table(series, warmup));
        return new Result(passed, true, heap, rss, message);
    }

    /** The least-squares slope of heap (or RSS) bytes over runs. */
    static double slope(List<GrowthSeries.Sample> samples, boolean heap) {
        double n = samples.size();
        double sx = 0;
        double sy = 0;
        double sxx = 0;
        double sxy = 0;
        for (GrowthSeries.Sample s : samples) {
            double x = s.run();
            double y = heap ? s.heapBytes() : s.rssBytes();
            sx += x;
            sy += y;
            sxx += x * x;
            sxy += x * y;
        }
        double d = n * sxx - sx * sx;
        return d == 0 ? 0 : (n * sxy - sx * sy) / d;
    }

    private static String table(GrowthSeries series, long warmup) {
        StringBuilder s = new StringBuilder("\n      runs   heap bytes    rss bytes");
        for (GrowthSeries.Sample x : series.samples()) {
            s.append(String.format("%n  %8d %12d %12d%s", x.run(), x.heapBytes(), x.rssBytes(),
                    x.run() <= warmup ? "  (warm-up)" : ""));
        }
        return s.toString();
    }
}
