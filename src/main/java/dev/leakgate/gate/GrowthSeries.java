package dev.leakgate.gate;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a native soak of one scenario measured: after every so many runs, the heap in use and the
 * resident set, as the harness kit's {@code sample NAME I heap=B rss=B} lines report them.
 *
 * @param completed whether the harness confirmed the soak ({@code ok-soak NAME N})
 */
public record GrowthSeries(String scenario, long runs, List<Sample> samples, boolean completed) {

    /** Memory after {@code run} runs of the scenario. */
    public record Sample(long run, long heapBytes, long rssBytes) {
    }

    public GrowthSeries {
        samples = List.copyOf(samples);
    }

    private static final Pattern SAMPLE = Pattern.compile("sample (\\S+) (\\d+) heap=(\\d+) rss=(\\d+)");
    private static final Pattern DONE = Pattern.compile("ok-soak (\\S+) (\\d+)");

    /** The series of one scenario from a harness's output. */
    public static GrowthSeries parse(List<String> stdout, String scenario, long runs) {
        List<Sample> samples = new ArrayList<>();
        boolean completed = false;
        for (String line : stdout) {
            Matcher m = SAMPLE.matcher(line);
            if (m.matches() && m.group(1).equals(scenario)) {
                samples.add(new Sample(Long.parseLong(m.group(2)), Long.parseLong(m.group(3)), Long.parseLong(m.group(4))));
            }
            Matcher d = DONE.matcher(line);
            if (d.matches() && d.group(1).equals(scenario)) {
                completed = Long.parseLong(d.group(2)) == runs; // the kit says how many runs really ran
            }
        }
        return new GrowthSeries(scenario, runs, samples, completed);
    }

    /** The same samples, as a soak that did not finish (its run was cut). */
    public GrowthSeries unfinished() {
        return new GrowthSeries(scenario, runs, samples, false);
    }

    /** Writes the series as CSV ({@code run,heap_bytes,rss_bytes}), kept beside the run's other files. */
    public Path writeCsv(Path file) {
        StringBuilder s = new StringBuilder("run,heap_bytes,rss_bytes\n");
        for (Sample x : samples) {
            s.append(x.run()).append(',').append(x.heapBytes()).append(',').append(x.rssBytes()).append('\n');
        }
        try {
            return Files.writeString(file, s);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }
}
