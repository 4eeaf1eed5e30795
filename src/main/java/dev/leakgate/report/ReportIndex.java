package dev.leakgate.report;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The index of one test run's reports ({@code index.html} in its folder), rewritten after each
 * test, with a short history: the outcomes of earlier runs of the same tests are kept in
 * {@code history.csv} beside it (the last {@value #RUNS_KEPT} runs), so that a regression shows as a
 * change. Thread-safe.
 */
public final class ReportIndex {

    /** Earlier runs kept in the history. */
    static final int RUNS_KEPT = 10;

    private final Path dir;
    private final String run = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss.SSS"));
    private final List<String[]> earlier = new ArrayList<>();
    private final List<HtmlReport.Entry> entries = new ArrayList<>();

    public ReportIndex(Path dir) {
        this.dir = dir;
        Path history = dir.resolve("history.csv");
        if (Files.isRegularFile(history)) {
            try {
                for (String line : Files.readAllLines(history, StandardCharsets.UTF_8)) {
                    String[] f = line.split("\t", 3);
                    if (f.length == 3 && !f[0].equals("run")) {
                        earlier.add(f);
                    }
                }
            } catch (IOException e) {
                // no history to show
            }
        }
    }

    /** Adds a test's run and rewrites the index and the history; returns the index page. */
    public synchronized Path add(HtmlReport.Entry entry) {
        entries.add(entry);
        Map<String, List<String>> byTitle = new LinkedHashMap<>();
        for (String[] f : earlier) {
            byTitle.computeIfAbsent(f[2], k -> new ArrayList<>()).add(f[1]);
        }
        byTitle.replaceAll((k, v) -> v.subList(Math.max(0, v.size() - 5), v.size()));
        Path page = HtmlReport.writeIndex(dir, entries, byTitle);
        writeHistory();
        return page;
    }

    private void writeHistory() {
        List<String> runs = new ArrayList<>();
        earlier.forEach(f -> {
            if (!runs.contains(f[0])) {
                runs.add(f[0]);
            }
        });
        List<String> keep = runs.subList(Math.max(0, runs.size() - (RUNS_KEPT - 1)), runs.size());
        StringBuilder s = new StringBuilder("run\toutcome\ttest\n");
        for (String[] f : earlier) {
            if (keep.contains(f[0])) {
                s.append(f[0]).append('\t').append(f[1]).append('\t').append(f[2]).append('\n');
            }
        }
        for (HtmlReport.Entry e : entries) {
            s.append(run).append('\t').append(e.outcome()).append('\t').append(e.title().replace('\t', ' ')
                    .replace('\n', ' ')).append('\n');
        }
        try {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve("history.csv"), s, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + dir.resolve("history.csv"), e);
        }
    }
}
