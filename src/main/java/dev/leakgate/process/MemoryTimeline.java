package dev.leakgate.process;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.OptionalLong;

/**
 * Memory of a running program over time, sampled from {@code /proc/<pid>/status} (VmData, VmRSS)
 * and {@code /proc/meminfo} (MemAvailable) while it ran, the second shell of the field report built
 * in. Under QEMU user-mode the process is the emulator's, so trends mean something and absolute
 * values little; on a real board they are the program's. Thread-safe; kept as CSV.
 */
public final class MemoryTimeline {

    /** One sample; a value the board did not give is -1. */
    public record Point(long elapsedMillis, long vmDataKb, long vmRssKb, long memAvailableKb) {
    }

    private final List<Point> points = Collections.synchronizedList(new ArrayList<>());

    public void add(Point p) {
        points.add(p);
    }

    public List<Point> points() {
        synchronized (points) {
            return List.copyOf(points);
        }
    }

    /** The largest VmRSS seen, in kB. */
    public OptionalLong peakRssKb() {
        return points().stream().mapToLong(Point::vmRssKb).filter(v -> v >= 0).max();
    }

    /**
     * Parses the lines {@code VmData: N kB}, {@code VmRSS: N kB}, {@code MemAvailable: N kB} of one
     * sample (from /proc files, in any order); null when the process was not there any more.
     */
    public static Point parseSample(long elapsedMillis, List<String> lines) {
        long data = -1;
        long rss = -1;
        long available = -1;
        for (String line : lines) {
            String[] f = line.trim().split("\\s+");
            if (f.length < 2) {
                continue;
            }
            try {
                switch (f[0]) {
                    case "VmData:" -> data = Long.parseLong(f[1]);
                    case "VmRSS:" -> rss = Long.parseLong(f[1]);
                    case "MemAvailable:" -> available = Long.parseLong(f[1]);
                    default -> { }
                }
            } catch (NumberFormatException e) {
                // a line that is not a number of kB: not a sample value
            }
        }
        return data < 0 && rss < 0 ? null : new Point(elapsedMillis, data, rss, available);
    }

    public Path writeCsv(Path file) {
        StringBuilder s = new StringBuilder("elapsed_ms,vmdata_kb,vmrss_kb,memavailable_kb\n");
        for (Point p : points()) {
            s.append(p.elapsedMillis()).append(',').append(p.vmDataKb()).append(',').append(p.vmRssKb()).append(',')
                    .append(p.memAvailableKb()).append('\n');
        }
        try {
            return Files.writeString(file, s);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    public static MemoryTimeline readCsv(Path file) {
        MemoryTimeline t = new MemoryTimeline();
        try {
            for (String line : Files.readAllLines(file)) {
                String[] f = line.split(",");
                if (f.length == 4 && !f[0].startsWith("elapsed")) {
                    t.add(new Point(Long.parseLong(f[0]), Long.parseLong(f[1]), Long.parseLong(f[2]), Long.parseLong(f[3])));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        return t;
    }
}
